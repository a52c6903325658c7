"""Whose text is it (``engine.privacy.task_frame``)? An instruction that works on sample, quoted or
made-up text is not the writer's life; its twin — the writer's own message, or one from or to
someone they know — is. All examples are invented for this file."""

from __future__ import annotations


import pytest

from engine.privacy import policy
from engine.privacy.disclosure import about_someone
from engine.privacy.task_frame import exercise, own_text
from tests.engine.privacy.scored import ScoredAnalysis

# -- the two twins ------------------------------------------------------------------------------------
EXERCISES = [
    # language work on a sample sentence (quoted, after a colon, or on the next line)
    'Put this sentence into the passive voice: "I was told by the cardiologist that my valve is leaking."',
    "Underline the verbs in the following sentence.\nI have been sober for two years and my sponsor is proud.",
    "Spot the spelling mistake in this sentence and fix it: I tolld my priest I no longer believe.",
    "Translate the following example sentence into German: I am applying for asylum because I was arrested at a protest.",
    "Label the sentiment of each review as positive or negative.\nMy therapist finally listens to me.",
    "Given an email, decide whether it is phishing.\nDear customer, your overdraft is overdue, click here.",
    # made-up people and teaching material
    "Write a diary entry for a character who has just learned she is pregnant and is afraid to tell her parents.",
    "Teaching case for second-year nurses: a 19-year-old tells you 'I have been cutting myself'. What do you do first?",
    "Exam question: 'I lost my job and my rent is three months late,' says a client. Which benefit applies?",
    "Template letter asking a landlord for more time to pay, with [Tenant Name] and [Amount] placeholders.",
    "A short monologue in the voice of a soldier who doubts his faith.",
]

OWN = [
    # the writer's own message, or one to or from someone they know
    'Make my text to my boss sound calmer: "I can\'t come in, the chemo got moved to Thursday."',
    "Translate this for my landlord: I lost my job and cannot pay the full rent this month.",
    "Fix the grammar in my letter to the clinic: I am writing about the results of my HIV test.",
    "My mum sent me this, what does it mean? 'The scan shows a shadow on the left lung.'",
    "Rewrite the following paragraph for my lawyer: I was arrested in March and the charge was dropped.",
    "I need to send this to my manager, correct the grammar: I has a hospital appointment on friday.",
]

LOOK_ALIKES = [
    # the writer is in the instruction itself
    "I was diagnosed with epilepsy last year. Translate this sentence into French: I cannot drive any more.",
    # a letter or message pasted to be corrected reads as the writer's own
    "Correct the grammar: Hi Sam, I wont make it, my therapy session were moved to 5.",
    # no sample named: "fix the grammar" / "reword this" on the writer's own words
    "Fix the grammar: i have been off work with depression since march and my manager wants a note.",
    "Court date is 3 June, I was charged with drink driving. Please reword this so it sounds less guilty.",
    "i think i might be gay and i dont know how to tell my parents. check the grammar of the above?",
    # a label before a colon that does not make what follows someone else's
    "Role-play: you are my counsellor and I tell you I have been drinking again.",
    "Homework help: I am 15 and my dad shouts at me when he is drunk, who can I tell?",
]


# "This paragraph", "the following text", "the text below" name a text but not whose: with a
# rewrite or translate verb alone it is the writer's own; work on its language or a teaching or
# made-up signal makes it a sample.
NAMED_TWINS = [
    ("Paraphrase the following text: My girlfriend of six years left me for my best friend and I can't sleep.",
     "Underline every past-tense verb in the following text: My girlfriend of six years left me for my best friend."),
    ("Translate the following sentence into Spanish: I was arrested at the march and spent a night in a cell.",
     "Identify the passive voice in the following sentence: I was arrested at the march and kept in a cell."),
    ("Shorten this paragraph: I have had panic attacks every morning since the miscarriage in spring.",
     "Shorten this paragraph from a textbook chapter: I have had panic attacks every morning since spring."),
    ("Proofread the text below. I told the nurse my insulin pump keeps failing at night.",
     "Count the pronouns in the text below. I told the nurse my insulin pump keeps failing at night."),
    ("Improve this text: my wife found out I am in debt to the casino again.",
     "Improve this example sentence for the worksheet: my wife found out I am in debt to the casino again."),
    ("Polish the following paragraph: Since my diagnosis with bipolar disorder I have lost two jobs.",
     "Polish the following paragraph for a character in my novel: Since her diagnosis she has lost two jobs."),
]


@pytest.mark.parametrize("own, sample", NAMED_TWINS)
def test_a_named_text_with_only_a_rewrite_verb_is_the_writers_own(own, sample):
    assert not exercise(own)
    assert exercise(sample)


# A clue after the sample counts as much as one in the instruction.
AFTER_SAMPLE = [
    ("Paraphrase the following sentence in the passive voice: My partner moved out on Sunday. "
     "I want to send it to my ex tonight."),
    'Put this sentence in reported speech: "The biopsy came back positive." It is for my doctor.',
    "Underline the verbs in the following sentence.\nThe scan showed a shadow on the lung. I need it for my GP.",
    'Put this sentence into the passive voice: "They sacked the whole night shift." I was on that shift.',
]


@pytest.mark.parametrize("text", AFTER_SAMPLE)
def test_an_own_text_clue_after_the_sample_counts(text):
    assert not exercise(text)


@pytest.mark.parametrize("text", [
    "Underline the nouns in the following sentence.\nI wrote to my landlord about the damp wall.",
    "Diagram the sentence. Show the subject, the verb and the object.\nI painted the fence with my uncle on Sunday.",
    "Tag the parts of speech in the following line.\nWe usually walk our dog before breakfast.",
])
def test_an_unquoted_samples_own_sentences_are_not_read_as_clues(text):
    """An unquoted sample's end is not known: only a sentence about the text itself ("it is for
    my ...", "send it to my ...") counts after it, not the sample's "my friend" or "I"."""
    assert exercise(text)


@pytest.mark.parametrize("text", EXERCISES)
def test_an_instruction_on_sample_text_is_an_exercise(text):
    assert exercise(text)


@pytest.mark.parametrize("text", OWN)
def test_the_writers_own_text_is_not_an_exercise(text):
    assert own_text(text)
    assert not exercise(text)


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_are_not_exercises(text):
    assert not exercise(text)


def test_a_sample_that_says_my_letter_does_not_make_the_exercise_personal():
    """Own-text cues are read on the instruction: the sample's own "my letter" belongs to it."""
    text = 'Identify the tense in this sentence: "Yesterday I send my letter to the immigration office."'
    assert exercise(text) and not own_text(text)


# -- the policy: the exercise's first person is not the writer's life ------------------------------------


@pytest.mark.parametrize("text", EXERCISES[:5])
def test_personal_topic_leaves_exercises_alone(text):
    assert about_someone(text)  # the sample's "I" would otherwise count as the writer
    assert policy.personal_topic(ScoredAnalysis(text, policy.THRESHOLDS.special - 0.01, personal=0.95), "personal") == []


@pytest.mark.parametrize("text", [
    'Underline the verbs in this sentence: "I am sending our Q3 pricing model to the board on Friday."',
    "Put the following sentence into the passive voice: We are cutting the night shift at our plant next month.",
])
def test_an_exercise_wording_does_not_make_company_material_public(text):
    """The exemption is for the special-category arms only: a sample that is the writer's company
    material is still confidential business."""
    assert exercise(text)
    assert policy.personal_topic(ScoredAnalysis(text, 0.0, business=0.99, personal=0.95), "personal")


@pytest.mark.parametrize("text", OWN + LOOK_ALIKES)
def test_personal_topic_still_reads_the_writers_own_text(text):
    assert policy.personal_topic(ScoredAnalysis(text, policy.THRESHOLDS.personal_topic, personal=0.95), "personal")


# -- through the router (real NER and learned layer) ------------------------------------------------------
def test_twins_through_the_router(router):
    sample = "Rewrite the following sentence in reported speech: I told the doctor I have been drinking every night."
    mine = "Rewrite this for my GP so it sounds less dramatic: I have been drinking every night since the divorce."
    assert exercise(sample) and not exercise(mine)
    assert "special.personal_topic" not in router.route(sample).rules
    assert router.route(mine).route == "local"

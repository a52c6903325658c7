"""Disclosures and company matters said in plain words stay local; look-alikes that only share
the words (topics, templates, news, everyday errands) do not. All examples are invented."""

from __future__ import annotations


import pytest

from engine.privacy.confidential import insider, unannounced
from engine.privacy.disclosure import corroborated, find_disclosures
from engine.privacy.plain_words import corroborated_special
from engine.privacy.analysis import Analysis
from tests.engine.privacy.scored import ScoredAnalysis


# -- the word lists: more conditions, offences and statuses in everyday words -----------------------
@pytest.mark.parametrize("text", [
    "Write an out-of-office reply, I'm off for six weeks after my hysterectomy.",
    "Mum's lymphoma is back and she starts a new round on Monday.",         # family by role, no "my"
    "Grandpa Otto was moved into a hospice yesterday.",                      # family named with the role
    "My cousin called. She has been sectioned again.",                       # "she" after the relative
    "Help me write a note to my daughter's coach: she'll miss training, she starts chemotherapy on Friday.",
    "i make myself throw up after every meal",
    "He drinks a bottle of rum a night and my aunt has given up.",
    "I got caught shoplifting and the store called the police.",
    "My brother has a hearing at the magistrates next week for drunk driving.",
    "My lawyer says I could be deported if the appeal fails.",
    "Sometimes I wonder if anyone would notice if I was gone.",
    "Thinking of telling my manager that I'm on the spectrum.",
])
def test_plain_word_disclosures(text):
    assert find_disclosures(text, "en")


@pytest.mark.parametrize("text", [
    "Help me write an essay on lymphoma in children.",                      # writing about a topic
    "What is it like to work as a nurse in a hospice?",
    "Dad jokes for a birthday card, please.",                              # family word, no category
    "My professor told us about a famous mathematician. He was convicted in 1952.",  # no relative before "he"
    "How do I cut my arm pieces for a wooden doll?",
    "We close the office early on Fridays, write a sign for the door.",
    "I need to purge the build cache in our CI.",
])
def test_look_alikes_are_no_disclosure(text):
    assert find_disclosures(text, "en") == []


def test_a_letter_around_a_disclosure_is_no_topic_request():
    """"Help me write ..." exempted a sentence as a topic request; a letter about the writer's
    own child is the opposite. The same request about a wedding has nothing to disclose."""
    assert find_disclosures("Help me write a message to my son's teacher explaining he will miss next week "
                            "because he is starting treatment for leukaemia.", "en")
    assert find_disclosures("Help me write a message to my son's teacher explaining he will miss next week "
                            "because of a family wedding.", "en") == []


def test_someone_who_will_not_tell_is_no_request_to_be_taught():
    assert find_disclosures("Dad was sectioned last night and the ward won't tell us anything.", "en")
    assert find_disclosures("Tell us about how people are sectioned under the Mental Health Act.", "en") == []


# -- company matters not public yet -----------------------------------------------------------------
def _a(text: str) -> Analysis:
    return Analysis(text, learned=None)


@pytest.mark.parametrize("text", [
    "Summarise this Slack thread: Mike: the layoffs list is final, 22 people in ops. Anna: legal says tell "
    "them Monday. Mike: don't share until then.",
    "We're closing the Dundee branch in March and nobody there knows yet. Draft talking points.",
    "From the exec channel: price increase of 12% from May, don't tell the customers before the 20th.",
])
def test_unannounced_company_matters(text):
    assert unannounced(_a(text))


@pytest.mark.parametrize("text", [
    "Our team is planning a surprise party for Lee, don't tell her until Friday! Ideas for a theme?",
    "How do companies usually announce layoffs to staff before it goes public?",
    "Keep this between us, but I think the new coffee machine is awful. Write a poem about it.",
    "Write a template email announcing a price increase to customers; don't mention the date yet.",
])
def test_secrets_that_are_no_company_matter_or_general(text):
    assert unannounced(_a(text)) == []


@pytest.mark.parametrize("text", [
    "Polish this before I send it to the board: revenue for Q2 came in at 3.1m against a 4.0m forecast.",
    "Turn these notes into slides for the board: churn up to 9%, two enterprise clients leaving, proposing to "
    "cut 15 roles.",
    "[09:12] Priya: we're not renewing the Ostrander contract\n[09:13] Tom: ok, tell finance first\nMake an action list.",
])
def test_the_writers_own_company_plans_and_figures(text):
    assert insider(_a(text))


@pytest.mark.parametrize("text", [
    "We just announced our merger publicly today. Write a LinkedIn post celebrating it.",
    "A listed carmaker's revenue in Q2 was 90 billion against a forecast of 92 billion. Why did the stock fall?",
    "How do we acquire a lock in Python before writing the file?",
    "Rewrite this for investors: our new product launches in May and we're hiring three engineers.",
    "Summarise this chat: Ben: football tonight? Lee: yes, 7pm at the park. Ben: great.",
    "What should be in a board meeting agenda for a small charity?",
])
def test_public_or_harmless_company_talk(text):
    assert insider(_a(text)) == []


# -- the learned layer's middling score, corroborated by an everyday word ------------------------------
@pytest.mark.parametrize("text", [
    "the test came back positive after the clinic visit and I don't know how to tell him",
    "Our son was suspended from school for selling vapes and the police want to talk to him.",
    "I'm behind on the car payments and they've started calling my work.",
])
def test_corroborating_words(text):
    assert corroborated(text)


@pytest.mark.parametrize("text", [
    "I have a doctor's appointment at 9 and a meeting at 10:30, is that enough time?",
    "I'm a nurse and I want tips for surviving night shifts.",
    "I'm taking my baby to the pool for the first time, what should I pack?",
    "I lead our operations team and need an agenda for Monday.",             # "operations" is no operation
    "What happens at a police interview?",                                   # no one's own
])
def test_everyday_words_alone_corroborate_nothing(text):
    assert not corroborated(text)




def test_corroboration_needs_both_the_score_and_the_words():
    text = "I've been seeing someone at the clinic about my moods and the new pills make me shake."
    assert corroborated_special(ScoredAnalysis(text, 0.65), 0.6)
    assert corroborated_special(ScoredAnalysis(text, 0.4), 0.6) == []        # the words alone
    plain = "I'm taking my baby to the pool for the first time, what should I pack?"
    assert corroborated_special(ScoredAnalysis(plain, 0.65), 0.6) == []       # the score alone


# -- through the router (real NER and learned layer) ------------------------------------------------------
@pytest.mark.parametrize("text, local", [
    # the learned layer scores these two as chit-chat (a veto below 0.25 drops the word-list hit)
    ("i don't want to wake up tomorrow. what time does the big supermarket close on sundays", True),
    ("some days i think about killing myself. what film should i watch tonight", True),
    ("this spreadsheet makes me want to die lol, how do i fix a #REF error", True),  # a joke stays local too
    ("I'm writing an essay on suicide prevention campaigns in schools. Give me an outline.", False),  # a topic
    ("What are the warning signs that a teenager wants to die, for a talk to parents?", False),
])
def test_thoughts_of_dying_stay_local_whatever_the_learned_layer_reads(router, text, local):
    assert (router.route(text).route == "local") is local


@pytest.mark.parametrize("text, local", [
    ("Help me write a message to my son's teacher explaining he will miss next week because he is starting "
     "treatment for leukaemia.", True),
    ("Help me write a note to my son's teacher saying he will miss Friday for a family wedding.", False),
    ("Summarise this Slack thread: Mike: the layoffs list is final, 22 people in ops. Anna: legal says tell "
     "them Monday. Mike: don't share until then.", True),
    ("Can you summarise this chat: Ben: are we still on for football tonight? Lee: yes, 7pm. Ben: great.", False),
])
def test_through_the_router(router, text, local):
    assert (router.route(text).route == "local") is local


# -- secrets of a home or account, and words never used figuratively ------------------------------
@pytest.mark.parametrize("text, secret", [
    ("The gate code is 4471 and the spare key is under the blue pot, write notes for the cat sitter.", True),
    ("My security answer is the name of my first school. Is that safe enough?", True),
    ("How do I change the door code on a Yale keypad lock?", False),              # no code in it
    ("Where do people usually hide a spare key, and why is it a bad idea?", False),
])
def test_home_secrets(text, secret):
    from engine.privacy.plain_words import home_secrets

    assert bool(home_secrets(_a(text))) is secret


@pytest.mark.parametrize("text, found", [
    ("Can you help me write a speech for my wife's funeral? She died of an overdose.", True),
    ("My cousin's asylum claim was refused and he is afraid of being deported.", True),
    ("Write a eulogy for a famous singer who died of an overdose in 1970.", False),   # no one the writer knows
    ("How does dialysis work?", False),
])
def test_literal_words_stand_without_the_learned_layer(text, found):
    from engine.privacy.disclosure import literal_disclosures

    assert bool(literal_disclosures(text)) is found


@pytest.mark.parametrize("text", [
    "My sister's husband has been checking her phone and won't let her see her friends.",
    "Write a resignation letter. The real reason is that my manager keeps touching me.",
    "My son told us he's been selling pills at school.",
    "Every time I eat I feel guilty and I've lost weight fast.",
])
def test_control_drugs_and_eating_in_everyday_words(text):
    assert find_disclosures(text, "en")


@pytest.mark.parametrize("text", [
    "My phone keeps touching the screen by itself, is it broken?",
    "Can you check my phone plan and tell me if it's good value?",
    "My wife and I are planning a trip to Lisbon, where should we stay?",
])
def test_everyday_look_alikes(text):
    assert find_disclosures(text, "en") == []


@pytest.mark.parametrize("text, category", [
    ("As a Black woman in finance, how do I handle being talked over by my director?", "ethnic origin"),
    ("I'm mixed race and my in-laws make comments about it.", "ethnic origin"),
    ("My neighbour has been getting letters from debt collectors and asked me to help.", "precise finances"),
    ("I'm a trans guy and my new job still shows my old name.", "sexual orientation or gender identity"),
])
def test_ethnicity_debt_collectors_and_identity(text, category):
    assert category in find_disclosures(text, "en")


@pytest.mark.parametrize("text", [
    "I am a black belt in judo, what should I train next?",
    "How do I respond to a letter from a debt collector in general?",
    "Is racism in football getting better?",
])
def test_their_look_alikes(text):
    assert find_disclosures(text, "en") == []


def test_a_product_launch_is_a_secret_only_when_the_writer_says_so():
    assert unannounced(_a("We're launching the Z4 speaker on 3 March and nobody outside the company knows. "
                          "Draft the press release."))
    assert unannounced(_a("Our new product launches in May, draft a press release.")) == []
    assert insider(_a("Rewrite this for investors: our new product launches in May and we're hiring.")) == []


@pytest.mark.parametrize("text", [
    "I'm writing an essay on why asylum seekers are deported so often.",
    "I am researching a paper on HIV stigma in rural clinics.",
])
def test_writing_about_a_topic_is_no_disclosure_even_with_literal_words(text):
    from engine.privacy.disclosure import literal_disclosures

    assert literal_disclosures(text) == [] and find_disclosures(text, "en") == []


def test_a_press_release_announces_unless_the_writer_says_it_is_secret():
    assert insider(_a("Write a press release: we are acquiring a rival startup and closing the Hull office.")) == []
    assert unannounced(_a("Draft a press release for the takeover; nobody outside the board knows yet."))
    assert find_disclosures("As a black and white film fan, which classics should I watch?", "en") == []

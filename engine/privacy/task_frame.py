"""Whose text is it? An instruction on sample text versus the writer's own message.

Many public tasks operate on first-person text that is nobody's life: "correct the grammar of
this sentence: 'I ...'", "translate the following sentence", "spot the typo in this line",
"write a diary entry for the character", a teaching case, an exam question, a template letter,
"given a dialogue, classify ...". The first person in them belongs to the exercise, not to the writer, so a
special-category word in the sample says nothing about the writer's life.

Their twin looks the same and is personal: the writer asks to rewrite, translate or send *their
own* message, or one from or to someone they know — "make my text to my boss sound calmer",
"translate this for my landlord", "fix the grammar in my letter to the clinic", "my mum sent me
this, what does it mean?". Such text is the writer's life whatever the instruction says.

:func:`exercise` is true only for the first kind: an instruction that names the text it works on
as a sample (a sentence, passage, example, dialogue, review, case, exam question, character,
template) or as made-up, and nothing in the message says the text is the writer's own or comes
from or goes to someone they know (:func:`own_text`). Where the message does not say, the text
is taken to be the writer's own: "fix the grammar: ...", "reword this so it sounds calmer", a
pasted letter (a greeting, a sign-off, mail headers), or an instruction that itself says something
about the writer ("I was diagnosed last year. Translate this sentence: ..."), or a clue after the
sample ("... It is for my doctor."). "This paragraph", "the following text" name a text but not
whose: they make it a sample only with work on its language (underline, parse, tag, identify the
passive voice, classify) or a teaching or made-up signal, not with a rewrite or translate verb
alone ("paraphrase the following text: my boyfriend ..." is the writer's own). The policy uses it
to keep the posture for personal messages (:func:`engine.privacy.policy.personal_topic`) from
reading the sample's first person as the writer's. Each test is about how such tasks are worded, not about particular items.
"""

from __future__ import annotations

import re

# --- the instruction names the text it works on as a sample -------------------------------------------
# A unit of text handed over to be worked on: "the sentence", "the following passage", "this review".
_UNIT = (r"sentences?|phrases?|passages?|paragraphs?|excerpts?|extracts?|texts?|statements?|utterances?|"
         r"dialogues?|conversations?|transcripts?|reviews?|tweets?|headlines?|quotes?|quotations?|"
         r"examples?|samples?|snippets?|inputs?|words?|clauses?|verses?|stanzas?")
_DETERMINER = r"(?:the\s+(?:following|above|below|given|next)|the|this|these|each|every|following|given)"
# A letter, email or post is often the writer's own ("rewrite this email"): it counts as a sample
# only when handed over as one ("the following email", "given an email") to be classified or
# labelled, not to be rewritten.
_DOC_UNIT = re.compile(
    r"\b(?:the\s+(?:following|above|below|given)|following|given|each|every|an?)\s+(?:\w+\s+){0,2}?"
    r"(?:e-?mails?|letters?|messages?|notes?|documents?|articles?|posts?|comments?|news|stor(?:y|ies))\b", re.I)
_LABEL_VERB = re.compile(
    r"\b(?:classif\w*|categori[sz]\w*|label\w*|tag\w*|detect\w*|extract\w*|identif\w*|determin\w*|predict\w*|"
    r"decide|tell (?:me )?(?:if|whether)|is (?:it|this) (?:a|an)|which (?:category|class|label))\b", re.I)
# "This paragraph", "the following text", "the text below" name the text worked on but not whose it
# is: the writer's own pasted text is handed over the same way ("paraphrase the following text: my
# boyfriend ..."). So they count only with work on the language itself (:data:`_ANALYSIS_VERB`, a
# grammatical transform) or an explicit teaching or made-up signal — never with a rewrite or
# translate verb alone.
_UNIT_NAMED = re.compile(
    r"\b(?:" + _DETERMINER + r")\s+(?:\w+\s+){0,2}?(?:" + _UNIT + r")\b|"
    r"\b(?:given|for)\s+(?:an?\s+|the\s+)?(?:\w+\s+)?(?:" + _UNIT + r")\b", re.I)
# Analysing the language of a text (what a lesson asks, not what an author wants done to their own
# words): parse, tag, underline, identify, label, classify, count, find the subject.
_ANALYSIS_VERB = re.compile(
    r"\b(?:pars(?:e|es|ing)|diagram\w*|tag\w*|label\w*|annotat\w*|underlin\w*|highlight\w*|circl\w*|"
    r"identif\w*|spot\w*|find\w*|count\w*|classif\w*|categori[sz]\w*|detect\w*|conjugat\w*|"
    r"(?:what|which) (?:is|are) the (?:subject|object|verb|verbs|noun|nouns|adjectives?|adverbs?|tense))\b", re.I)
# A grammatical transform done as a drill: nobody puts their own message into the passive voice.
_DRILL_NOUN = re.compile(
    r"\b(?:passive voice|active voice|the passive|the active|reported speech|indirect speech|direct speech|"
    r"(?:past|present|future|perfect|continuous|progressive) (?:simple |perfect |continuous )?tense|"
    r"parts? of speech|pos tags?|negative form|question form|interrogative|plural form)\b", re.I)
_SAMPLE_UNIT = re.compile(
    r"\b(?:example|sample|model|practice|test|exam|quiz|exercise|dummy|fictional|made-up|made up|imaginary)\s+"
    r"(?:sentences?|texts?|passages?|paragraphs?|letters?|e-?mails?|messages?|dialogues?|answers?|essays?|"
    r"questions?|data|diary entr(?:y|ies)|cases?|scenarios?|vignettes?|patients?|characters?|persons?)\b",
    re.I)
# Language, labelling and analysis work done *on* a text: what an exercise asks for.
_TASK_VERB = re.compile(
    r"\b(?:correct|fix|check|proofread|edit|improv|paraphras|rephras|rewrit|re-writ|reword|simplif|"
    r"shorten|expand|translat|transcrib|pars|diagram|punctuat|capitali[sz]|conjugat|tag|label|annotat|"
    r"classif|categori[sz]|detect|extract|identif|find|underlin|highlight|count|list|determin|predict|"
    r"convert|chang|turn|transform|put|replac|fill|complet|summari[sz]|analy[sz]|explain|interpret|score|rate|"
    r"grade|mark|output|return|give|tell)\w*", re.I)
# Work on the language, labels or analysis of a text: an exercise when a task verb asks for it.
_ANALYSIS_NOUN = re.compile(
    r"\b(?:grammar|grammatical|spelling|misspell\w*|typos?|punctuation|part of speech|parts of speech|pos tags?|"
    r"tense|passive voice|active voice|reported speech|indirect speech|subject|predicate|clause|"
    r"sentiment|intent|emotion|tone|polarity|sarcasm|named entit\w+|entity|entities|label|category|categories)\b", re.I)
# Nouns only an exercise or a piece of made-up writing has: enough on their own. Not "homework
# help:", "exercise" or "role-play:" — what follows them is often the writer's own situation.
_EXERCISE_NOUN = re.compile(
    r"\b(?:exam|examination|quiz|worksheet|textbook|test question|multiple[- ]choice|"
    r"answer key|case study|teaching case|case vignette|clinical vignette|vignette|"
    r"characters?|protagonists?|narrator|fictional|short story|screenplay|monologue|in the voice of|"
    r"templates?|placeholders?|form letters?|sample letters?|model letters?|fill in the blanks?)\b", re.I)
# Writing for a made-up person: "a diary entry for a character who ...", "as a fictional patient".
_MADE_UP = re.compile(
    r"\b(?:diary entry|journal entry|letter|monologue|inner monologue|story|poem|scene)\s+"
    r"(?:from|for|by|in the voice of|written as|as)\s+(?:a|an|the)\s+(?:\w+\s+){0,3}?"
    r"(?:character|protagonist|narrator|person|patient|soldier|teenager|woman|man|girl|boy|student|refugee|"
    r"immigrant|worker|employee|client|customer|villain|hero|heroine)\b|"
    r"\b(?:fictional|imaginary|made-up|made up|hypothetical|invented)\s+(?:\w+\s+)?"
    r"(?:character|person|patient|client|employee|customer|student|family|couple|company|scenario|case)\b", re.I)

# --- the text is the writer's own, or from or to someone they know ------------------------------------
_KNOWN = (r"son|daughter|wife|husband|partner|mom|mum|mother|dad|father|parents?|brother|sister|child|kids?|"
          r"boyfriend|girlfriend|friend|grandma|grandpa|grandmother|grandfather|aunt|uncle|cousin|niece|nephew|"
          r"in-laws?|mother-in-law|father-in-law|fianc[eé]e?|flatmate|roommate|housemate|colleague|coworker|"
          r"co-worker|boss|manager|supervisor|team|landlord|landlady|tenant|neighbou?r|doctor|gp|dentist|therapist|"
          r"nurse|lawyer|solicitor|attorney|accountant|bank|employer|school|teacher|professor|tutor|coach|"
          r"clinic|hospital|insurer|insurance|hr|council|caseworker|case worker|probation officer|pastor|priest|"
          r"imam|rabbi|ex|client|customer|patient|student")
_OWN_TEXT = re.compile(
    # "my text", "my letter to the clinic", "our reply"
    r"\b(?:my|our)\s+(?:own\s+|draft\s+|first\s+|short\s+|long\s+)?(?:text|texts|message|messages|e-?mail|e-?mails|"
    r"mail|letter|note|reply|response|answer|post|dm|whatsapp|sms|voicemail|draft|statement|essay|application|"
    r"cover letter|cv|resume|résumé|bio|profile|speech|toast|eulogy|apology|complaint|appeal|request|notice|"
    r"writing|words|paragraph|sentence|sentences|story|diary|journal|notes)\b|"
    # "to my boss", "for my landlord", "from my mum": someone the writer knows on either end
    r"\b(?:to|for|from|with|at|by)\s+(?:my|our)\s+(?:[\w-]+\s+)?(?:" + _KNOWN + r")\b|"
    # "I wrote", "I'm sending", "I need to send", "I got this message"
    r"\b(?:i|we)(?:'ve|'m|'re|\s+have|\s+am|\s+are|\s+just|\s+already)?\s+"
    r"(?:wrote|written|writing|drafted|drafting|typed|send|sending|sent|received|got|get|reply|replying|"
    r"post|posting|posted|forward|forwarding|submit|submitting)\b|"
    r"\b(?:i|we)\s+(?:need|want|have|had|would like|'d like|am going|'m going|plan|hope)\s+to\s+"
    r"(?:send|write|reply|respond|tell|text|email|e-mail|message|post|submit|forward|say|explain|ask)\b|"
    r"\b(?:so|before|when|after)\s+(?:i|we)\s+(?:can\s+)?(?:send|post|submit|give|show|hand)\b|"
    r"\b(?:sent|texted|emailed|e-mailed|wrote|forwarded|gave)\s+(?:me|us)\b|"
    r"\b(?:help me|let me|make me)\s+(?:write|reply|respond|answer|tell|explain|word)\b", re.I)

# Quoted spans: the sample an instruction works on ("correct: 'I goes to school'").
_QUOTED = re.compile(r"[\"“”«»][^\"“”«»]{2,}[\"“”«»]|(?<!\w)'[^'\n]{12,}'(?!\w)")
_SENTENCE_END = re.compile(r"[.?!:](?=\s|$)|\n")
# An instruction leads (or, pointing back at "the above", ends) the message.
_LEAD_CHARS = 300
_BACK = re.compile(r"\b(?:above|preceding|previous|foregoing)\b", re.I)
# The writer in the instruction, with the phrasings of a request blanked: "I need you to",
# "give me", "can you" (the sample's first person is not the instruction's).
_REQUEST_I = re.compile(r"\b(?:i|we)(?:'d|\s+would|\s+want|\s+need)?\s*(?:like\s+)?(?:you\s+to|a|an|the|some)\b|"
                        r"\b(?:give|tell|show|help|send|get|find|make|write|let)\s+(?:me|us)\b|\bfor\s+(?:me|us)\b|"
                        r"\b(?:my|our)\s+(?:homework|class|classes|students?|pupils?|learners|lesson|course|exam|test|quiz|"
                        r"worksheet|textbook|assignment|model|dataset|data set|app|game|novel|book|screenplay|script|"
                        r"character|characters|protagonist|readers|audience|training data)\b", re.I)
_WRITER = re.compile(r"\b(?:i|i'm|im|i've|i'd|i'll|me|my|mine|myself|we|we're|we've|our|ours|(?-i:us))\b", re.I)


# A letter or message handed over: a greeting opening a line, a sign-off, mail headers. Someone's
# own correspondence unless the instruction only labels it ("classify whether the email is spam").
_GREETING = re.compile(
    r"(?:^|\n|[\"“':]\s*)\s*(?:dear|hi|hello|hey|good (?:morning|afternoon|evening))\b[ ,]+\w|"
    r"\b(?:regards|sincerely|yours truly|best wishes|many thanks|kind regards|cheers|thanks),?\s*\n\s*\w|"
    r"^\s*(?:from|to|subject|cc):\s", re.I | re.M)


def _letter(text: str) -> bool:
    instruction = instruction_part(text) or ""
    return bool(_GREETING.search(text)) and not (_DOC_UNIT.search(instruction) and _LABEL_VERB.search(instruction))


def _cue(text: str) -> re.Match[str] | None:
    """The first place the message names a sample or a made-up text (quoted spans blanked)."""
    found = [m for rx in (_UNIT_NAMED, _SAMPLE_UNIT, _DOC_UNIT, _ANALYSIS_NOUN, _EXERCISE_NOUN, _MADE_UP) if (m := rx.search(text))]
    return min(found, key=lambda m: m.start()) if found else None


def instruction_part(text: str) -> str | None:
    """The instruction, without the text it works on: quoted spans blanked, then the sentences up
    to the end of the one that names the sample — the first or second sentence, within the first
    300 characters — or the last sentence when it points back at "the above". None when no such
    sentence names a sample."""
    head = _QUOTED.sub(lambda m: " " * len(m.group()), text)
    m = _cue(head)
    if m is None:
        return None
    if m.start() < _LEAD_CHARS and len(_SENTENCE_END.findall(head, 0, m.start())) <= 1:
        end = _SENTENCE_END.search(head, m.end())
        return head[: end.end() if end else len(head)]
    last = _SENTENCE_END.split(head.rstrip(" .?!\n"))[-1]
    return last if _BACK.search(last) and _cue(last) else None


# A sentence about the handed-over text itself, where it goes or whom it is for: "It is for my
# doctor.", "I want to send it to my ex tonight.", "I'll show this to my manager". Read after an
# unquoted sample, whose end is not known: a sample's own sentences are about its story, not
# about "it" going to someone ("with my dear wife" in a sample is the sample's).
_TEXT_GOES = re.compile(
    r"\b(?:it|this|that)(?:\s+(?:one|text|message|note|letter|paragraph|version))?\s+(?:is|'s|was|will be|goes)\s+"
    r"(?:(?:going|meant)\s+)?(?:for|to)\s+(?:my|our)\b|"
    r"\b(?:send|sending|give|giving|show|showing|forward|forwarding|post|posting|hand|read|reading|text|email|e-mail)\s+"
    r"(?:it|this|that)(?:\s+(?:one|text|message|version))?\s+(?:\w+\s+){0,2}?(?:to|for|at)\s+(?:my|our)\b|"
    r"\b(?:i|we)(?:'m|'ll|'d|\s+am|\s+will|\s+want|\s+need|\s+have|\s+plan|\s+hope|\s+am going|\s+'m going)?"
    r"(?:\s+to)?\s+(?:send|give|show|forward|post|hand|read|text|email|e-mail)\s+(?:it|this|that)\b|"
    r"\b(?:i|we)\s+(?:need|want|will use|'ll use|am using|'m using)\s+(?:it|this|that)\s+(?:\w+\s+){0,2}?(?:for|to)\s+"
    r"(?:my|our)\b", re.I)


def _after_sample(text: str) -> tuple[str, bool]:
    """What follows the sample, quoted spans blanked, and whether the sample's end is known there.
    After the last quoted span the end is known: every own-text clue and the writer's "I" count
    ("... I was on that shift."). An unquoted sample's end is not: the whole rest is returned and
    only a sentence about the text itself counts (:data:`_TEXT_GOES`)."""
    instruction = instruction_part(text)
    if instruction is None:
        return "", False
    head = _QUOTED.sub(lambda m: " " * len(m.group()), text)
    at = len(instruction) if head.startswith(instruction) else len(head)  # "the above": the sample is before
    quoted = [m for m in _QUOTED.finditer(text) if m.end() > at]
    if quoted:
        return head[quoted[-1].end():], True
    return head[at:], False


def _clue_after_sample(text: str) -> bool:
    rest, known = _after_sample(text)
    return bool(_OWN_TEXT.search(rest) if known else _TEXT_GOES.search(rest))


def own_text(text: str) -> bool:
    """The text to be worked on is the writer's own or comes from or goes to someone they know —
    said in the instruction or after the sample (outside quoted spans)."""
    instruction = instruction_part(text)
    if instruction is None:
        return bool(_OWN_TEXT.search(_QUOTED.sub(" ", text)))
    return bool(_OWN_TEXT.search(instruction) or _clue_after_sample(text))


def exercise(text: str) -> bool:
    """An instruction that works on sample, quoted or made-up text, which is not the writer's own
    and says nothing else about the writer (see module doc)."""
    instruction = instruction_part(text)
    if instruction is None or own_text(text):
        return False
    task = bool(_TASK_VERB.search(instruction))
    # "fix the grammar:", "reword this so it's more neutral in tone": with no sample named, the text
    # is taken to be the writer's own; labelling one ("classify the sentiment:") makes it a sample.
    # "Paraphrase the following text:" names a text but not whose: the writer's own unless the work
    # is on its language ("underline the verbs in this sentence", "put it into the passive voice").
    named = bool(_UNIT_NAMED.search(instruction)) and \
        bool(_ANALYSIS_VERB.search(instruction) or (task and _DRILL_NOUN.search(instruction)))
    sample = bool(_MADE_UP.search(instruction) or _EXERCISE_NOUN.search(instruction)) or named or \
        (task and bool(_SAMPLE_UNIT.search(instruction))) or \
        (bool(_LABEL_VERB.search(instruction)) and bool(_DOC_UNIT.search(instruction) or _ANALYSIS_NOUN.search(instruction)))
    if not sample or _letter(text):
        return False
    # "I was diagnosed last year. Translate this sentence: ..." — the writer is in the instruction;
    # "... It is for my doctor." / "I want to send it to my ex tonight." — or after the sample.
    rest, known = _after_sample(text)
    return not _WRITER.search(_REQUEST_I.sub(" ", instruction + " " + (rest if known else "")))

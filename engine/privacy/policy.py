"""The policy: what the findings and signals of one message mean for where it may go.

Stated in words in ``docs/privacy-model.md``; enforced only here:

1. **LOCAL** when any local-only finding or signal fired: secrets, ID numbers and full payment
   card numbers, a special
   category disclosed about the writer or someone they know (health, sexuality or gender
   identity, religion, politics or union membership, ethnicity, immigration, criminal or legal
   trouble, personal finances), a personal message that touches such a category with no evidence
   it is harmless (:func:`personal_topic`), confidential company material, a term the user marked
   sensitive, text from the user's documents, a follow-up to a turn that stayed local, a
   language the checks do not read, a personal text too long or too lower-case to redact
   reliably. Special categories are never redacted-and-sent: the topic itself is the secret.
2. Otherwise the **frame** decides what is redacted:
   * personal (the writer, people they know, their job, letters, applications, messages) —
     every span that helps identify someone: people, organisations, places below country level,
     contact details, account and reference numbers, links;
   * impersonal (general knowledge, code, public figures, fiction, examples, templates; no
     first-person or letter cue and the learned frame classifier confident) — organisations,
     places, groups and unknown words stay; people's names stay only in a worked example, a
     story or a template (``example_context``), because "thank Ilse for the jam" has no "I" but
     is about a real person; contact details and numbers that are personal data wherever they
     appear (emails, phones, IBANs, addresses, dates of birth, account numbers) are replaced;
   * in between — validated patterns and every *private* entity the name recognizers found
     (public ones were already left out by them).
   A value redacted earlier in the conversation is redacted again wherever it reappears.
3. **CLOUD** when nothing is left to redact, else **REDACTED**.

Every threshold lives in :data:`THRESHOLDS`. The verdict names the rule ids that decided.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, Sequence

from engine.privacy.analysis import Analysis
from engine.privacy.finding import Finding
from engine.privacy.gazetteer import is_public_entity, norm, zipf
from engine.privacy.signals import Signal

Route = Literal["local", "redacted", "cloud"]


@dataclass(frozen=True)
class Thresholds:
    # Learned probability of a special-category disclosure that keeps a message local on its own.
    # High: below it the classifier also fires on personal messages that merely touch a topic
    # (splitting the rent, a refused raise); the word lists catch the plainly worded disclosures.
    # Chosen for recall within a public budget: on the tuning sets (dev + probes A–E, 622 public
    # messages) 4 public messages score >= 0.75 (1 at 0.8, 8 at 0.6). See docs/privacy-eval.md.
    special: float = 0.75
    # A middling special-category score counts when a sentence about the writer or someone they
    # know also uses an everyday word of such a category (engine.privacy.plain_words). 0.6 -> 0.4:
    # on the tuning sets (dev, A–E, H1; 764 public messages) no public message is both
    # corroborated and scored 0.3-0.75, while each 0.05 lower keeps one more personal message local;
    # the first-contact set H3 missed 8 % of must-stay-local messages at 0.6.
    special_corroborated: float = 0.4
    # Learned probability of confidential company material ⇒ LOCAL, in the writer's own voice
    # (first person or a letter): public news about a firm reads much the same.
    business: float = 0.9
    personal: float = 0.5       # learned probability of a personal frame ⇒ personal
    # Below this, with no personal cue, the frame is surely impersonal (public names then stay).
    # 0.2 -> 0.1 on the tuning sets: dev personal leaks 10.7 % -> 9.1 %, public verbatim 83.8 % -> 82.2 %.
    impersonal: float = 0.1
    lexicon_veto: float = 0.25  # a word-list disclosure the learned layer finds this unlikely is figurative
                                # ("addicted to this podcast"): it does not keep the message local
    follow_up: float = 0.84     # cosine between a message and a turn that stayed local ⇒ depends on it
    long_personal_chars: int = 1500   # a personal text this long is a pasted document: LOCAL
    # An impersonal message keeps only *public* names: a name this common on the web (Zipf scale,
    # wordfreq; 3 ≈ once per million words) or in the gazetteer. A firm, person or place almost
    # nobody writes about identifies the people around it even in third person ("a clerk at X").
    # 2.5 ≈ once in three million words.
    public_name_zipf: float = 2.5
    # The posture for personal messages (special.personal_topic, :func:`personal_topic`): in a
    # personal frame, redact-and-send needs evidence the message is harmless. It stays local when
    # the learned special-category score reaches ``personal_topic`` (below ``special``, which keeps
    # any message local alone); or, with a word of such a category anywhere in it,
    # ``personal_topic_words`` — or ``personal_topic_life`` when the learned frame score is at least
    # ``personal_life`` (someone's own life, not a professional asking in their role: "I'm a
    # teacher, what are the signs of self-harm?" scores lower); or, in the writer's own voice, a
    # confidential-business score of ``personal_business`` (below ``business``).
    # Chosen on the tuning sets (dev, A–E, H1): at 0.6 or 0.65 instead of 0.7, 5 or 2 dev public
    # messages (instruction tasks quoting first-person text) stay local; a word score of 0.2
    # without the frame score kept 3 H1 public messages (a teacher, a nurse, a researcher) local.
    # Re-run after the public-verbatim work: 0.6 / 0.65 still keep 4 / 1 dev public messages local
    # (at 0.65, a parsing exercise on a first-person sample sentence); a word score of 0.35 keeps 1
    # H1 public message; a frame bar ``personal_life`` of 0.7 changes nothing. The rule also runs
    # in the in-between frame (it moved nothing on the tuning sets). See docs/privacy-eval.md, stop 23.
    # Stop 24: an instruction working on sample, quoted or made-up text (engine.privacy.task_frame:
    # "tag each word of this sentence", a character's diary, an exam question) no longer
    # counts as the writer's life, which freed the score arm from 0.7 to 0.65 and the word arm
    # from 0.42 to 0.4. How they were chosen (re-check them the same way on new weights): lower
    # each bar in 0.05 (words: 0.01-0.02) steps on the tuning sets (dev, A–E, H1) while no public
    # message more stays local. What binds now, with the learned scores at the time: the score
    # arm at 0.6 keeps ordinary first-person dev requests local (advice after a break-up 0.64, a
    # refund claim 0.63, a job fit 0.61) — no exercise; the word arm at 0.39 keeps an H1 nurse's
    # revision question local (0.398) — a professional, not an exercise. ``personal_topic_life``
    # at 0.1 kept no public message local either, but caught no tuned must-stay-local message
    # the rule did not already and cost 3 personal messages served: left at 0.2.
    personal_topic: float = 0.65
    personal_topic_words: float = 0.4
    personal_topic_life: float = 0.2
    personal_life: float = 0.8
    personal_business: float = 0.8


THRESHOLDS = Thresholds()

# Findings a detector may call redactable that the policy keeps local: a full payment card number
# is a credential (with an expiry date it pays for things), not just an identifier.
LOCAL_KINDS = frozenset({"CARD"})
# Personal data wherever it appears: replaced even in an impersonal question.
ALWAYS_REDACTED = frozenset({"EMAIL", "PHONE", "CARD", "IBAN", "IP", "ADDRESS", "DOB", "BIRTHDATE", "PLATE",
                             "ACCOUNT", "USERNAME", "HANDLE", "NATIONAL_ID", "SECRET", "HOST", "LINK"})
# Names and links: replaced unless the frame is impersonal (people: unless also an example).
ENTITY_KINDS = frozenset({"PERSON", "ORG", "PLACE", "GROUP", "NAME", "URL", "NUMBER"})
PEOPLE = frozenset({"PERSON"})


# Worked examples, stories and templates: names there are made up or public by construction.
_EXAMPLE = re.compile(
    r"\b(?:how (?:many|much|long|far|old)|word problem|calculate|what(?:'s| is) the (?:total|probability|average)|"
    r"what (?:fraction|percentage|share|proportion)|how much (?:does|do|did|will) (?:each|every)|"
    r"story|short story|novel|fable|fairy ?tale|screenplay|sitcom|scene|character|fictional|imaginary|protagonist|"
    r"role-?play|fan ?fic|once upon a time|template|placeholder|for example|e\.g\.|sample (?:data|email|letter|text)|"
    r"dummy|mock data|fake (?:data|names?)|lorem ipsum|riddle|puzzle|quiz|"
    r"geschichte|märchen|roman|histoire|conte|cuento|historia|novela|racconto|favola|história|conto|verhaal|sprookje|"
    r"wie viele|combien|cuántos|cuántas|quanti|quante|quantos|quantas|hoeveel)\b|"
    r"\[[A-Za-z _]{2,30}\]|\{\{[^}]{1,40}\}\}|<[A-Z_]{3,30}>", re.I)


def example_context(a: Analysis) -> bool:
    return bool(_EXAMPLE.search(a.text))


@dataclass
class Verdict:
    route: Route
    rules: list[str]                         # ids of the rules/recognizers that decided
    reasons: list[str]                       # in words, each completing "because ..."
    redact: list[Finding] = field(default_factory=list)
    frame: str = ""                          # personal | impersonal | mixed ("" when not reached)


def local_verdict(signals: Sequence[Signal], findings: Sequence[Finding]) -> Verdict | None:
    """LOCAL when any local-only signal or finding fired, else None."""
    rules: list[str] = []
    reasons: list[str] = []
    for s in signals:
        if s.local:
            rules.append(s.rule)
            reasons.append(s.reason)
    for f in findings:
        if f.local or f.kind in LOCAL_KINDS:
            rules.append(f.recognizer or f.kind.lower())
            reasons.append(f"it {f.reason.removeprefix('the message ')}")
    if not rules:
        return None
    return Verdict("local", list(dict.fromkeys(rules)), list(dict.fromkeys(reasons)))


def frame_of(a: Analysis, th: Thresholds = THRESHOLDS) -> str:
    f = a.frame
    if f.personal(th.personal):
        return "personal"
    if f.surely_impersonal(th.impersonal):
        return "impersonal"
    return "mixed"


def long_personal(a: Analysis, th: Thresholds = THRESHOLDS) -> list[Signal]:
    """A long text with personal cues is a pasted document: too many details to redact reliably.
    Checked on the cheap cues alone, before the learned layer and the NER (slowest on long texts)."""
    if len(a.text) > th.long_personal_chars and (a.cues.first_person or a.cues.correspondence):
        return [Signal("caution.long_personal", "it is a long personal text, with too many details to replace reliably")]
    return []


def caution(a: Analysis, frame: str, th: Thresholds = THRESHOLDS) -> list[Signal]:
    """Personal texts that redaction cannot be trusted with."""
    if frame != "personal":
        return []
    if _other_language(a):
        # Outside English, names are found from word lists and sentence frames, not a trained
        # NER: good enough to keep public names in general questions, not to clear a personal one.
        from engine.privacy.language import NAMES

        lang = NAMES.get(a.language.code or "", "this language")
        return [Signal("caution.other_language_personal",
                       f"it is personal and written in {lang}, where Hearth cannot find every name reliably")]
    if len(a.text) > th.long_personal_chars:
        return [Signal("caution.long_personal", "it is a long personal text, with too many details to replace reliably")]
    if a.unsure_names:
        return [Signal("caution.lowercase_names", "it is personal and has names typed in lower case that may not all be found")]
    return []


def personal_topic(a: Analysis, frame: str, th: Thresholds = THRESHOLDS) -> list[Signal]:
    """The posture for personal messages: fail closed on a special category.

    The word lists and the learned layer's high bar look for a *disclosure*; a fresh writer's
    disclosure is often worded so that neither finds it ("the results came back and we're telling
    the kids tonight"). But in a personal frame — a sentence about the writer or someone they know
    — a message whose *topic* is a special category is that person's life, and sending it redacted
    is the risky path: names go, the topic stays. So such a message stays here unless there is
    positive evidence it is harmless: the learned special-category score is low, or it is middling
    and no word of such a category appears (thresholds: :class:`Thresholds`, ``personal_*``). A
    middling confidential-business score in the writer's own voice counts the same. The in-between
    (mixed) frame counts too when a sentence is about the writer or someone they know — "Uncle Ray
    starts the new tablets today", a sentence without "I" that the learned frame score reads as
    neither. Topic questions with no one's life in them are not affected, and other languages'
    personal messages stay local already (:func:`caution`). An instruction that works on sample,
    quoted or made-up text (:func:`engine.privacy.task_frame.exercise` — "rewrite the following
    sentence in the passive: ...", a character's diary, an exam question) is not the writer's life,
    unless the text is their own or someone's they know ("fix my text to my boss: ..."). The
    exemption covers the special-category arms only: an exercise wording does not make company
    material public."""
    s = a.scores
    if frame == "impersonal" or s is None or not a.english:
        return []
    from engine.privacy.disclosure import about_someone, topic_categories
    from engine.privacy.signals import CATEGORY_WORDS
    from engine.privacy.task_frame import exercise

    if not about_someone(a.text):
        return []
    if s.business >= th.personal_business and (a.cues.first_person or a.cues.correspondence):
        return [Signal("special.personal_topic", "it is about your work and may be confidential company material",
                       score=s.business)]
    if exercise(a.text):  # a sample's first person is not the writer's life; its company material stays so
        return []
    topics = topic_categories(a.text)
    words_at = th.personal_topic_life if s.personal >= th.personal_life else th.personal_topic_words
    if s.special_any < th.personal_topic and not (topics and s.special_any >= words_at):
        return []
    if s.special_any >= th.personal_topic:  # the learned layer's best guess at the category
        what = f"seems to touch on {CATEGORY_WORDS.get(s.special_top, 'a sensitive subject')}"
    else:
        what = f"mentions {CATEGORY_WORDS.get(topics[0], topics[0])}"
    return [Signal("special.personal_topic", f"it is about your life or someone you know and {what}",
                   score=s.special_any)]


def _other_language(a: Analysis) -> bool:
    """Written in a covered language other than English (an English request around a quoted
    passage is English: its names are found by the English NER)."""
    return a.language.code not in (None, "en")


def _kept(f: Finding, frame: str, example: bool, lang: str = "en", th: Thresholds = THRESHOLDS,
          someone: bool = False) -> bool:
    """Does this entity stay in an impersonal message? People only in examples and stories;
    other names only when they are public (see Thresholds.public_name_zipf); links as they are.
    ``someone``: the message names a private person (redacted), so the firms, places below country
    level and groups around them say who that person is — "why has <name> done well at <firm> in
    <town>?" — and are redacted too, public or not."""
    if frame != "impersonal" or f.kind not in ENTITY_KINDS:
        return False
    if f.kind in PEOPLE:
        return example
    if someone and f.kind in QUASI_KINDS and not is_country(f.text):
        return False
    return f.kind in ("URL", "NUMBER") or example or is_public_name(f.text, lang, th)


QUASI_KINDS = frozenset({"ORG", "PLACE", "GROUP", "NAME"})
# An unrecognised name of two or three capitalised words reads as someone's full name.
_FULL_NAME = re.compile(r"[A-Z][a-z'’-]+(?: [A-Z][a-z'’-]+){1,2}")


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    try:
        import pycountry
    except ImportError:
        return frozenset()
    return frozenset(norm(getattr(c, a)) for c in pycountry.countries for a in ("name", "common_name", "official_name")
                     if getattr(c, a, None))


def is_country(text: str) -> bool:
    """A country names no one: it stays even beside a private person (places *below* country level
    do not; docs/privacy-model.md)."""
    return norm(text) in _countries() or norm(text) in ("uk", "us", "usa", "u.s", "britain")


def is_public_name(text: str, lang: str = "en", th: Thresholds = THRESHOLDS) -> bool:
    """A name most readers would know: in the gazetteer, or common on the web in ``lang``."""
    return is_public_entity(text) or zipf(norm(text), lang) >= th.public_name_zipf


def redaction_verdict(a: Analysis, patterns: Sequence[Finding], names: Sequence[Finding], frame: str,
                      earlier: Sequence[Finding] = ()) -> Verdict:
    """REDACTED or CLOUD for a message no local rule claimed. ``earlier``: values already redacted
    in this conversation, found again in this message (always redacted)."""
    example = frame == "impersonal" and example_context(a)
    lang = (a.language.code or "en") if frame == "impersonal" else "en"
    someone = frame == "impersonal" and not example and any(
        f.kind in PEOPLE or (f.kind == "NAME" and _FULL_NAME.fullmatch(f.text) is not None and not is_public_name(f.text))
        for f in names)
    redact = [f for f in patterns if not _kept(f, frame, example, lang)]
    for f in [*earlier, *names]:
        forced = f in earlier
        if (forced or not _kept(f, frame, example, lang, someone=someone)) and \
                not any(f.start < g.end and g.start < f.end for g in redact):
            redact.append(f)
    if not redact:
        return Verdict("cloud", ["frame." + frame], ["nothing in it identifies anyone or is sensitive"], frame=frame)
    rules = list(dict.fromkeys(f.recognizer or f.kind.lower() for f in redact))
    reasons = list(dict.fromkeys(f"it {f.reason.removeprefix('the message ')} (replaced by a placeholder)" for f in redact))
    return Verdict("redacted", ["frame." + frame, *rules], reasons, redact, frame)

"""Message-level signals: facts about the whole message rather than a span in it.

Each signal carries a rule id (shown by ``hearth privacy check`` and counted by ``hearth privacy
eval --by-rule``) and a reason in words for the preview and the Local badge. The functions here
only *find* signals; :mod:`engine.privacy.policy` decides what they mean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from engine.privacy.analysis import Analysis

CATEGORY_WORDS = {
    "health": "health",
    "sexuality_gender": "sexual orientation or gender identity",
    "religion": "religion or beliefs",
    "politics_union": "political opinions or union membership",
    "ethnicity": "ethnic origin",
    "immigration": "immigration status",
    "criminal_legal": "criminal or legal matters",
    "finance": "personal finances",
}
# The lexicon's category names (engine.privacy.disclosure) → the learned layer's.
_LEXICON_CATEGORY = {
    "health": "health", "sexual orientation or gender identity": "sexuality_gender",
    "religion or belief": "religion", "immigration status": "immigration", "violence or abuse": "health",
    "political opinion or union membership": "politics_union", "criminal record": "criminal_legal",
    "precise finances": "finance", "ethnic origin": "ethnicity",
}


@dataclass(frozen=True)
class Signal:
    rule: str               # e.g. "special.lexicon.health", "business.learned", "context.user_term"
    reason: str             # person-readable, completes "Kept on this computer because ..."
    local: bool = True
    score: float = 1.0


def special_lexicon(a: Analysis) -> list[Signal]:
    """First-person disclosures the word lists recognise (engine.privacy.disclosure)."""
    from engine.privacy.disclosure import find_disclosures

    found = find_disclosures(a.text, lang=a.language.code)
    out = []
    for cat in found:
        key = _LEXICON_CATEGORY.get(cat, cat)
        out.append(Signal(f"special.lexicon.{key}", f"it shares personal information about {CATEGORY_WORDS.get(key, cat)}"))
    return out


# Material its own author marks as not for outside eyes, in the covered languages.
_CONFIDENTIAL = re.compile(
    r"\b(?:strictly )?(?:confidential|internal (?:use )?only|for internal use|do not (?:distribute|forward|share)|"
    r"not for (?:distribution|circulation)|under nda|privileged (?:and|&) confidential|board minutes|"
    r"minutes of the board|not yet (?:public|announced)|embargoed|under embargo|unannounced|"
    r"(?:has|have)n'?t been announced|before (?:it'?s|it is|we) (?:announced|announce|go public|public)|"
    r"internal only|"
    r"vertraulich|nur (?:für den )?intern(?:en gebrauch)?|streng geheim|nicht zur weitergabe|"
    r"confidentiel|usage interne|ne pas diffuser|diffusion restreinte|"
    r"confidencial|uso interno|no difundir|no distribuir|"
    r"riservat[oa]|uso interno|non divulgare|"
    r"confidencial|uso interno|não divulgar|"
    r"vertrouwelijk|alleen voor intern gebruik|niet verspreiden)\b", re.I)


# An organisation's internal document, pasted or quoted with its particulars: "Internal incident
# report INC-2291: at 02:14 ..." — not "what is an internal audit?".
_INTERNAL_DOC = re.compile(r"\binternal (?:incident|post-?mortem|memo|review|audit|investigation|report|figures|numbers|"
                           r"roadmap|pricing|forecast|e-?mail|document|deck|slack|chat|notes?)\b", re.I)
_PARTICULARS = re.compile(r"\b[A-Z]{2,}-\d+\b|\d[\d,.:]*\d|:\s*\S")


# The marker words as labels someone asks about ("what does 'internal use only' mean?", "NDAs marked
# confidential vs strictly confidential", "what is an embargoed press release?"): a question about
# the label carries no material marked with it. Not the words about a matter not yet announced.
_LABEL_WORD = re.compile(r"(?:strictly )?confidential|internal (?:use )?only|for internal use|do not (?:distribute|forward|share)|"
                         r"not for (?:distribution|circulation)|under nda|privileged (?:and|&) confidential|embargoed|"
                         r"under embargo", re.I)
_AS_LABEL_BEFORE = re.compile(r"(?:\b(?:marked|labell?ed|stamped|labels?|classification|classified as|tagged|mean|means|"
                              r"meaning of|what is an?|what's an?|what are|define|difference between|between|vs\.?|"
                              r"versus|and|or)\s*[\"'“‘]?|[\"'“‘])$", re.I)
# Particulars or a document of the writer's: then the label is on material, not asked about.
_MATERIAL = re.compile(r"\d[\d,.:]*\d|\b(?:this|these|that|our|my|the attached|the following)\s+(?:\w+\s+)?"
                       r"(?:memo|document|doc|e-?mail|report|file|deck|letter|slides?|plan|figures|numbers|minutes)\b", re.I)
_QUESTION = re.compile(r"\?\s*$|^\s*(?:what|how|why|when|is|are|can|should|does|do|explain|define)\b", re.I)


def _asked_about_label(text: str, m: re.Match[str]) -> bool:
    """The marker is a label the message asks about, in a short question with nothing pasted."""
    if len(text) > 300 or "\n" in text.strip() or not _LABEL_WORD.fullmatch(m.group(0)) or _MATERIAL.search(text):
        return False
    quoted = text[max(0, m.start() - 1):m.start()] in ("'", '"', "“", "‘")
    return (quoted or bool(_AS_LABEL_BEFORE.search(text[max(0, m.start() - 25):m.start()]))) \
        and bool(_QUESTION.search(text))


def confidential_marker(a: Analysis) -> list[Signal]:
    m = next((x for x in _CONFIDENTIAL.finditer(a.text) if not _asked_about_label(a.text, x)), None)
    if not m and (d := _INTERNAL_DOC.search(a.text)):
        m = len(_PARTICULARS.findall(a.text[d.end():])) >= 2  # type: ignore[assignment]
    return [Signal("business.marker", "it is marked confidential or internal")] if m else []


def second_opinion(a: Analysis, found: list[Signal], veto_below: float) -> list[Signal]:
    """Word-list disclosures the learned layer is near-certain are no disclosure are dropped: the
    lists cannot tell "I'm addicted to this podcast" from an addiction. Without the learned
    layer every list hit stands."""
    s = a.scores
    if s is None or not found:
        return found
    kept = [x for x in found if not (x.rule.startswith("special.lexicon.") and s.special_any < veto_below)]
    return kept


def learned(a: Analysis, special_at: float, business_at: float) -> list[Signal]:
    """The learned layer's judgement of special categories and confidential business text."""
    s = a.scores
    if s is None:
        return []
    out = []
    if s.special_any >= special_at:
        words = CATEGORY_WORDS.get(s.special_top, "a sensitive subject")
        out.append(Signal(f"special.learned.{s.special_top}", f"it seems to share personal information about {words}",
                          score=s.special_any))
    if s.business >= business_at and (a.cues.first_person or a.cues.correspondence):
        out.append(Signal("business.learned", "it reads like confidential company material", score=s.business))
    return out


def _term_pattern(term: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in term.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.I)


def user_terms(a: Analysis, terms: Sequence[str]) -> list[Signal]:
    from engine.privacy.normalize import normalise

    for t in terms:
        if t and t.strip() and _term_pattern(normalise(t.strip()).text).search(a.text):
            return [Signal("context.user_term", "it mentions a term you marked sensitive")]
    return []


def private_text(a: Analysis, check: Callable[[str], bool] | None) -> list[Signal]:
    from engine.errors import HearthError

    try:
        hit = check is not None and check(a.text)
    except HearthError:  # a shared collection's server is down: what cannot be compared stays here
        return [Signal("context.private_document_text",
                       "your shared documents could not be checked (their server did not answer)")]
    if hit:
        return [Signal("context.private_document_text", "it contains text from your local documents")]
    return []


# A message that leans on what came before: a continuation word first, a pronoun for a person
# named earlier, or an edit of an earlier text.
_CONTINUES = re.compile(
    r"^\s*(?:and|also|so|but|then|ok(?:ay)?|what about|how about|what if|same|instead|now|plus|"
    r"und|aber|dann|et|alors|mais|y|pero|entonces|e|allora|ma|então|mas|en|maar|dus)\b|"
    r"\b(?:the (?:above|same|letter|email|e-mail|message|list|draft|text|one)|(?:make|rewrite|shorten|translate|"
    r"summari[sz]e|fix|improve|change) (?:it|this|that)|as i said|like i said|earlier|previous)\b",
    re.I)
# Pronouns for a person; they lean on an earlier turn only when the message names nobody before them.
_PERSON_PRONOUN = re.compile(
    r"\b(?:(?i:he|she|him|her|his|hers|they|them|their|theirs|elle|elles|lui|ils|leur|él|ella|ellos|ellas|"
    r"lei|loro|ele|ela|eles|elas|dele|dela|hij|zij|hem|haar|hun|ihm|ihn)|er|sie)\b")
_NAME_BEFORE = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zà-ÿ]+")
_SHORT_WORDS = 12
_SHORT_DEICTIC = re.compile(r"\b(?:it|this|that|these|those|es|das|dies|ça|cela|ceci|eso|esto|esso|questo|isso|isto|"
                            r"dit|dat)\b", re.I)


# The writer closing the earlier subject: what follows is a new question (still compared by topic).
_TOPIC_CHANGE = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|right|anyway|alright|so)\W+)?(?:forget (?:that|it|about (?:that|it))|never ?mind|"
    r"different (?:question|topic)|new (?:question|topic)|unrelated(?: question)?|change of (?:subject|topic)|"
    r"changing (?:the )?(?:subject|topic)|on another note|something else|vergiss (?:das|es)|egal|autre (?:question|sujet)|"
    r"oublie (?:ça|ca)|otra (?:pregunta|cosa)|olvida (?:eso|lo)|altra domanda|lascia perdere|outra (?:pergunta|coisa)|"
    r"esquece|andere vraag|laat maar)\b", re.I)
_RELATION_WORD = re.compile(
    r"\b(?:my|our|his|her|their)\s+(?:\w+\s+)?(?:son|daughter|wife|husband|partner|mom|mum|mother|dad|father|brother|"
    r"sister|child|kid|friend|boss|colleague|coworker|neighbou?r|patient|client|boyfriend|girlfriend|aunt|uncle|cousin)\b",
    re.I)


def _mentions_person(text: str) -> bool:
    return bool(_RELATION_WORD.search(text) or _PERSON_PRONOUN.search(text))


def follows_private_turn(a: Analysis, private_turns: Sequence[str], embed: Callable[[list[str]], object] | None,
                         similar_at: float, last_turn_private: bool = True,
                         thread: Sequence[dict] = ()) -> list[Signal]:
    """Does this message depend on an earlier turn that was kept local? Then it stays local too.

    A fresh, unrelated question in such a chat may go out alone (only the cloud's own earlier
    turns go with it). "Unrelated" needs both: no word that leans on what came before, and a
    topic not close to the private turns (cosine of the multilingual embedding)."""
    turns = [t for t in private_turns if t and t.strip()]
    if not turns:
        return []
    why = Signal("context.follows_private_turn", "it follows up on an earlier message that stayed on this computer")
    words = len(a.text.split())
    pronoun = _PERSON_PRONOUN.search(a.text)
    if pronoun and not _NAME_BEFORE.search(a.text[:pronoun.start()]):
        # "she", "his": a person named before. The turn just before, if it stayed here; otherwise
        # a private turn about someone, unless the cloud's own thread has a person to point at.
        if last_turn_private or (any(_mentions_person(t) for t in turns)
                                 and not any(_mentions_person(m.get("content", "")) for m in thread)):
            return [why]
    fresh = _TOPIC_CHANGE.search(a.text)  # "ok, forget that. ...": the writer starts over
    if last_turn_private and not fresh and \
            (_CONTINUES.search(a.text) or (words <= _SHORT_WORDS and _SHORT_DEICTIC.search(a.text))):
        return [why]  # "and ...?", "make it shorter": words that lean on the turn just before
    if embed is None:
        return [why] if words <= _SHORT_WORDS else []
    import numpy as np

    vecs = np.asarray(embed([a.text, *turns[-6:]]))
    sim = float(np.max(vecs[1:] @ vecs[0]))
    return [Signal(why.rule, why.reason, score=sim)] if sim >= similar_at else []

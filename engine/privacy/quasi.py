"""Quasi-identifiers the NER misses: details that, next to a person's own situation, say who
or where they are.

* :func:`situated` — the text places the writer, one individual or one unnamed firm somewhere
  ("the conditions here", "a 6-year-old girl in Ohio", "a firm based in Ghent"); a public place
  next to that is no longer public knowledge but someone's whereabouts;
* given names typed in lower case where the sentence frame says a person is meant ("my daughter
  emma", "my name is juan"), told from the same word used otherwise ("my friend will") by its tag;
* in personal texts (see :func:`engine.privacy.ner.personal_context`):
  nationality words before a noun in any case ("back on polish soil"),
  public firms typed in lower case ("my etsy shop page"), brand-style names of the
  writer's own programmes and firms ("an essay for HeForShe") and public places the NER missed.

And two checks that keep words *out* of redaction: :func:`used_as_language` ("translate into
German") and :func:`asked_about` (people asked about in historical terms: "who was ...").
"""

from __future__ import annotations

import re
from typing import Sequence

from engine.privacy.finding import Finding
from engine.privacy.gazetteer import (demonyms, given_names, is_public_entity, norm, public_organisations,
                                      public_places, stop_words)
from engine.privacy.gazetteer import zipf as _zipf

_SITUATED = re.compile(
    r"\b(?:here|over here|in my (?:country|city|town|village|area|region|state|province)|"
    r"where (?:i|we) (?:live|work|am|are)|back home)\b(?=\s*[?.!,;]|\s*$)|"
    r"\bhere in\b|\b\d{1,3}[- ](?:year|yr|month)s?[- ]old\b|\baged \d{1,3}\b|"
    # An unnamed firm placed somewhere; a *named* public firm based somewhere is public knowledge.
    r"\b(?:company|firm|business|start-?up|shop|store|clinic|practice|agency|school|factory|manufacturer|"
    r"restaurant|hotel|organi[sz]ation|client|office)\b[^.?!\n]{0,40}?\b(?:located|based|headquartered|situated)\s+in\b",
    re.I | re.M)


# Looking for a home somewhere: the town is where someone is about to live ("the best area to buy
# a house in <town>", "what would a flat in <town> cost me", "rent an apartment near <town>").
# One home with an indefinite article or a verb of buying or renting; "house prices in <city>"
# over a decade is market data.
_HOME = (r"(?:home|house|flat|apartment|condo|condominium|townhouse|property|place to live)")
_HOME_SEEKING = re.compile(
    r"\b(?:buy(?:ing)?|purchas(?:e|ing)|rent(?:ing)?|leas(?:e|ing)|find(?:ing)?|(?:a|an|my|our))\s+(?:a\s+|an\s+|new\s+|"
    r"first\s+|family\s+|small\s+|cheap\s+|\w+-bedroom\s+){0,2}" + _HOME + r"\s+(?:in|near|around)\s+(?P<place>\S)|"
    r"\b(?:area|areas|neighbou?rhoods?|suburbs?|part)\s+(?:\w+\s+){0,2}?to\s+(?:live|buy|rent|settle|raise a family)"
    r"(?:\s+\w+){0,3}?\s+(?:in|near|around)\s+(?P<place2>\S)", re.I)
# Applying to, or holding a post at, a named employer or school: in a job, internship or study
# application the organisation says who the applicant is, whoever is asking ("an example answer
# for a traineeship at <firm>", "the duties of the <title> position at <institution>").
_APPLYING = re.compile(
    # the post with an article, a possessive of the writer or a preposition before it: "an internship
    # at", "the ... position at", "for a job at" (not "<public figure>'s first job at <firm>")
    r"(?:^[ \t]*|\b(?:a|an|the|my|our|your|for|this|that|of|in|about|apply|applying|example|sample)\s+(?:[\w-]+\s+){0,3}?)"
    r"(?:internships?|intern|positions?|jobs?|roles?|vacanc(?:y|ies)|placements?|apprenticeships?|traineeships?|"
    r"residency|work experience|job offer)\s+(?:at|with)\s+(?:the\s+)?|"
    r"\b(?:a|an|the|my|our|your|for|this|that|of|in|about)\s+(?:[\w-]+\s+){0,3}?interview(?:ing)?\s+at\s+(?:the\s+)?"
    r"|\b(?:apply(?:ing)?|applied|application)\s+(?:to|at)\s+(?:the\s+)?",
    re.I | re.M)  # the lead words in any case ("Internship at <firm>:" opening a line); the name (_ORG_RUN) capitalised
_ORG_RUN = re.compile(r"[A-Z][\w&'’-]*(?:\.\w+)*(?:\s+(?:(?:of|and|for|de|du|des|la|le|&)\s+)?[A-Z][\w&'’-]*(?:\.\w+)*){0,5}")


# Local services looked for around a town: "plumbers in the <town> area", "<town>, <ST> area
# dentists" — the town is where the writer is. "The population of the <city> metropolitan area" is
# general knowledge (no "in/near the" before, no services after).
_PLACE_RUN = r"(?P<place>[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2})(?:,?\s+(?P<state>[A-Z]{2}))?"
_LOCAL_SEARCH = re.compile(r"\b(?:in|near|around|within)\s+the\s+" + _PLACE_RUN + r"\s+area\b|"
                           r"\b" + _PLACE_RUN.replace("place", "place2").replace("state", "state2") +
                           r"\s+area\s+(?:[a-z]+\s+){0,2}?[a-z]+s\b")


def local_search(text: str) -> bool:
    """Local services looked for around a named town (:data:`_LOCAL_SEARCH`): a state code after it,
    or a town that is a known place or no ordinary word ("Total area" is not one)."""
    for m in _LOCAL_SEARCH.finditer(text):
        place = m.group("place") or m.group("place2")
        state = m.group("state") or m.group("state2")
        if state or norm(place) in public_places() or _zipf(place.split()[0].lower()) < 4.5:
            return True
    return False


def situated(text: str) -> bool:
    """True when a place in the text would say where the writer, one individual or one firm is."""
    return bool(_SITUATED.search(text) or applying_to(text) or (_HOME_SEEKING.search(text) and home_places(text, []))
                or local_search(text))


def applying_to(text: str) -> list[tuple[int, int]]:
    """Spans of the organisations someone applies to or holds a post at (capitalised runs after
    "an internship at", "the ... position at", "applying to")."""
    out = []
    for m in _APPLYING.finditer(text):
        org = _ORG_RUN.match(text, m.end())
        if org and not _APPLYING_PRONOUN.fullmatch(org.group(0)):
            out.append((org.start(), org.end()))
    return out


_APPLYING_PRONOUN = re.compile(r"I|I'm|We|You|It|This|That|These|The|A|An")


_HOME_RUN = re.compile(r"([^\W\d_][\w'’-]*)(?:\s+[^\W\d_][\w'’-]*)?")  # one or two words at a position


def home_places(text: str, taken: Sequence[tuple[int, int]]) -> list[Finding]:
    """The town of a home being looked for, also typed in lower case ("buy a house in <town>"): one
    or two words after "in"/"near" that are no ordinary words, outside ``taken``."""
    out = []
    for m in _HOME_SEEKING.finditer(text):
        s = m.start("place") if m.group("place") else m.start("place2")
        run = _HOME_RUN.match(text, s)
        if not run:
            continue
        words = run.group(0).split()
        e = run.end()  # the real end: "Palo  Alto" with two spaces or a tab inside
        if len(words) == 2 and (words[1].lower() in stop_words() or _zipf(words[1].lower()) >= 4.6):
            words, e = words[:1], run.end(1)
        w = words[0].lower()
        if w in stop_words() or (_zipf(w) >= 4.6 and w not in public_places()):
            continue  # "in cash", "in the city", "in my area"
        if not any(s < b and a < e for a, b in taken):
            out.append(Finding("PLACE", s, e, text[s:e], False, "names where someone is looking for a home"))
    return out


# Nouns after which a nationality word names a language or a subject, not where someone is from.
_LANGUAGE_NOUNS = frozenset("language languages translation translator text version grammar speaker speakers "
                            "word words course class classes lesson lessons teacher tutor subtitles accent "
                            "alphabet literature history cuisine".split())
_BRAND = re.compile(r"[A-Z][a-z]+[A-Z][A-Za-z]*")  # "HeForShe", "PayPal": inner capitals


def _places(doc, taken: list[tuple[int, int]]) -> list[Finding]:
    """"4 yrs at Zenith Bank, Lagos": capitalised runs of one to three words that name a public
    place (the longest match wins), which in a personal text say where the writer is."""
    places, out, i = public_places(), [], 0
    while i < len(doc):
        for n in (3, 2, 1):
            span = doc[i:i + n]
            after = doc[i + n] if i + n < len(doc) else None
            # "Worcestershire sauce" is an ingredient; "our Reading office" is still where someone works
            modifier = after is not None and after.is_lower and after.tag_ in ("NN", "NNS") \
                and after.lower_ not in _SITE_NOUNS
            if len(span) == n and len(span.text) > 2 and all(t.text[:1].isupper() for t in span) \
                    and norm(span.text) in places and all(_free(t, taken) for t in span) and not modifier:
                out.append(Finding("PLACE", span.start_char, span.end_char, span.text, False, "names a place"))
                i += n - 1
                break
        i += 1
    return out


_SITE_NOUNS = frozenset("office offices branch site campus store shop clinic hospital plant factory warehouse "
                        "headquarters hq depot school university college team".split())


_UNITS = frozenset("km kg g mg ml l m cm mm ft feet miles mi steps words calories kcal rpm mah gb mb tb kb hz "
                   "mhz ghz w kw kwh v people users views followers downloads times years days hours minutes "
                   "seconds units pieces copies rows lines characters pages %".split())
_MONEY_MARKS = frozenset("$ € £ ¥ ₹ usd eur gbp inr jpy aud cad chf k dollars euros pounds rupees".split())


# Numbers after these name a thing, not a person's account: "error code 404-1234", "model 55UN7300".
_TECHNICAL = frozenset("error code status version v model port line build release chapter page section exit "
                       "isbn issn doi pid errno".split())
_NUMBER_RUN = re.compile(r"(?<![\w.,/-])[A-Za-z]{0,4}\d[\d\-/.]*\d[A-Za-z]{0,3}(?![\w/-]|[.,]\d)")


def _long_numbers(doc, taken: list[tuple[int, int]]) -> list[Finding]:
    """In a personal text, a number of five or more digits that is no amount, count, measure or
    date ("ref 2023-114-88321", "my number is 61248 9307") points at an account, a case or a phone."""
    text, out = doc.text, []
    for m in _NUMBER_RUN.finditer(text):
        s, e, value = m.start(), m.end(), m.group(0)
        if sum(c.isdigit() for c in value) < 5 or any(s < b and a < e for a, b in taken):
            continue
        before = text[max(0, s - 12):s].split()
        after = text[e:e + 16].split()
        prev = before[-1].lower() if before else ""
        nxt = after[0].lower().strip(".,;:!?)") if after else ""
        if prev[-1:] in "$€£¥₹" or prev in _MONEY_MARKS or prev in _TECHNICAL or nxt in _MONEY_MARKS or nxt in _UNITS \
                or re.fullmatch(r"\d+\.\d+|(?:19|20)\d\d[-/]\d\d?[-/]\d\d?|\d\d?[-/.]\d\d?[-/.](?:19|20)?\d\d", value):
            continue  # an amount, a count, a measure, a decimal, a date
        out.append(Finding("NUMBER", s, e, value, False, "contains a number that may identify an account, a case or a phone"))
    return out


def _free(t, taken: list[tuple[int, int]]) -> bool:
    s, e = t.idx, t.idx + len(t.text)
    return not any(s < b and a < e for a, b in taken)


def _finding(t, kind: str, reason: str) -> Finding:
    return Finding(kind, t.idx, t.idx + len(t.text), t.text, False, reason)


def personal_details(doc, taken: list[tuple[int, int]]) -> list[Finding]:
    """Nationality words, public places the NER missed, lower-case public firms and brand-style
    names in a personal text, outside the character spans already ``taken``."""
    origins, orgs = demonyms(), public_organisations()
    out = _places(doc, taken)
    out += _long_numbers(doc, [*taken, *((f.start, f.end) for f in out)])
    taken = [*taken, *((f.start, f.end) for f in out)]
    for t in doc:
        if not _free(t, taken):
            continue
        word = t.text.lower()
        nxt = doc[t.i + 1] if t.i + 1 < len(doc) else None
        prev = doc[t.i - 1].lower_ if t.i else ""
        said_of_self = prev in ("i'm", "im", "am", "are", "we're", "'m", "'re") or (prev in ("a", "an") and t.i > 1
                                                                               and doc[t.i - 2].lower_ == "as")
        before_noun = nxt is not None and nxt.tag_.startswith("NN") and nxt.text.lower() not in _LANGUAGE_NOUNS
        if word in origins and (before_noun or said_of_self):
            out.append(_finding(t, "GROUP", "names a group the writer may belong to"))
        elif t.is_lower and len(word) > 2 and word in orgs:
            out.append(_finding(t, "ORG", "names an organisation"))
        elif _BRAND.fullmatch(t.text) and not is_public_entity(t.text):
            out.append(_finding(t, "NAME", "contains a name Hearth does not recognise"))
    return out


_POSSESSIVE = frozenset("my our his her their".split())
_RELATIONS = frozenset(
    "colleague coworker co-worker manager boss friend wife husband partner son daughter child kid baby student "
    "client customer teacher doctor landlord landlady neighbor neighbour brother sister mother father mom mum dad "
    "aunt uncle cousin grandmother grandfather grandma grandpa nephew niece employee tenant patient fiance fiancee "
    "girlfriend boyfriend supervisor professor lawyer accountant assistant intern roommate flatmate ex".split())
_NAME_TAGS = frozenset({"NN", "NNP", "NNPS"})
_ADDRESSING = frozenset("tell ask call text email message remind thank invite".split())
_MESSAGES = frozenset("text message email mail note letter reply msg dm".split())


def lowercase_given_names(doc) -> list[tuple[int, int, str]]:
    """Names typed in lower case where the frame says a person is meant:

    * after "my <relation>": a common given name, or any rare word (Zipf < 4) read as a noun or
      adjective ("my manager anand keeps", "my neighbour kev at number 12"; not "my friend will");
    * after "my name is" / "i'm": a given name, or a word followed by a common surname
      ("i'm rahul sharma", not "i'm gluten intolerant").
    """
    stops = stop_words()

    names = given_names()
    found = []
    for t in doc:
        if t.i < 2 or not t.is_lower or not t.is_alpha or t.text in stops:
            continue
        prev = doc[t.i - 2] if doc[t.i - 1].text == "," and t.i >= 3 else doc[t.i - 1]
        before = doc[prev.i - 1]
        nxt = doc[t.i + 1] if t.i + 1 < len(doc) else None
        relation = prev.lower_ in _RELATIONS and before.lower_ in _POSSESSIVE
        introduced = (prev.lower_ == "is" and before.lower_ == "name") or prev.lower_ in ("i'm", "im", "am") \
            or (prev.lower_ == "'m" and before.lower_ == "i")
        addressed = prev.lower_ in _ADDRESSING or (prev.lower_ == "to" and before.lower_ in _MESSAGES)  # "text jess"
        known = t.text in names and t.tag_ in _NAME_TAGS
        rare = _zipf(t.text) < 4.0 and t.tag_ in _NAME_TAGS | {"JJ"}
        with_surname = nxt is not None and nxt.is_lower and nxt.text not in stops and _is_surname(nxt.text) \
            and _zipf(t.text) < 4.0
        # a rare word right after "my neighbour" is a name whatever follows ("my neighbour kev at number 12")
        if not ((relation and (known or rare)) or (introduced and (known or with_surname)) or (addressed and known)):
            continue
        end = t.idx + len(t.text)
        # "juan perez garcia": lower-case surnames too
        while nxt is not None and nxt.is_lower and nxt.text not in _RELATIONS and nxt.text not in stops \
                and nxt.i - t.i <= 2 and _is_surname(nxt.text):
            end = nxt.idx + len(nxt.text)
            nxt = doc[nxt.i + 1] if nxt.i + 1 < len(doc) else None
        found.append((t.idx, end, doc.text[t.idx:end]))
    return found


def _is_surname(word: str) -> bool:
    from engine.privacy.gazetteer import surnames

    return word in surnames()


_LANGUAGE_TASK = re.compile(r"\b(?:translat\w*|say|said|speak\w*|spoken|write|written|learn\w*|language|subtitle\w*|"
                            r"dub\w*|interpret\w*|pronounc\w*)\b", re.I)
_INTO = re.compile(r"\b(?:in|into|to|from)\s*$", re.I)
_AS_LANGUAGE_AFTER = re.compile(r"^\s*(?:language|translation|version|text|subtitles|speaker|words?)\b", re.I)


def used_as_language(text: str, start: int, end: int) -> bool:
    """"Translate to Spanish", "say thank you in Swahili", "the Spanish version": a language, which
    names no one. (Where someone is from — "I'm Spanish" — is not this.)"""
    from engine.privacy.gazetteer import languages

    if text[start:end].lower() not in languages():
        return False
    before, after = text[max(0, start - 12):start], text[end:end + 14]
    return bool(_AS_LANGUAGE_AFTER.match(after)) or (bool(_INTO.search(before)) and bool(_LANGUAGE_TASK.search(text)))


# Questions only a public or historical person has answers to: "who WAS", a biography, a body of
# work. ("Who is <name>" is not one: people ask it about anyone, the neighbour included.)
_ASKED_ABOUT = re.compile(
    r"(?:\bwho was|\bbiography of|\bbooks? by|\bnovels? by|\bpoems? by|\bworks? of|\bteachings of|\blife of|"
    r"\blegacy of|\bachievements of|\bquotes? (?:by|from)|\bphilosophy of|\breign of|\bpresidency of)\s+(?:the\s+)?$",
    re.I)


# After the name: an office held ("resign as prime minister"), a deed of public record ("what did
# X contribute / invent / conquer"), or a body of work ("X's theorem", "X's notes on ...", "X's
# paintings"). Not "write", "say", "do": anyone does those.
_PUBLIC_RECORD_AFTER = re.compile(
    r"^\W{0,3}\s*(?:'s\s+)?(?:\w+\s+){0,2}?(?:as (?:the )?(?:prime minister|president|chancellor|king|queen|emperor|pope|"
    r"governor|senator|mayor|chairman|general secretary|head of state)|(?:contribute|invent|discover|paint|compose|"
    r"found|conquer|prove|direct|establish|rule|reform|unify|abdicate|assassinate)\w*\b)|"
    r"^(?:['’]s)?\s+(?:\w+\s+)?(?:notes|theor(?:y|ies|em)|paintings?|sculptures?|works|books|novels|poems|plays|essays|"
    r"speech(?:es)?|ideas|philosophy|legacy|contributions?|discover(?:y|ies)|inventions?|music|symphon(?:y|ies)|"
    r"operas?|films|paradox|law|laws|equations?|principle|conjecture|experiments?|expedition|reign|presidency)\b", re.I)


def asked_about(text: str, start: int, end: int) -> bool:
    """"Who was Kwame Nkrumah", "the teachings of Guru Nanak", "when did X resign as prime
    minister", "what did X contribute": a capitalised name the question asks public or
    historical knowledge about (only used outside personal texts)."""
    if not text[start:start + 1].isupper():
        return False
    return bool(_ASKED_ABOUT.search(text[max(0, start - 30):start])) or bool(
        _PUBLIC_RECORD_AFTER.match(text[end:end + 60]))


# Titles of works, in questions about them: "the plot of One Hundred Years of Solitude",
# "the novel Things Fall Apart", "similar to The Left Hand of Darkness". (Not the "by <name>"
# after a title: a song or a report by someone can be a private person's.)
_TITLE = r"((?:The |A |An )?[A-Z][\w'’-]*(?:\s+(?:of|the|and|on|in|a|an|to|for|at|from|with|[A-Z][\w'’.-]*)){0,7})"
_WORK_FRAME = re.compile(
    r"(?i:\b(?:plot|themes?|ending|characters?|author|moral|setting|summary|protagonist) of|"
    r"\b(?:novel|book|film|movie|series|play|poem|painting|album|song|opera|sitcom|anime|manga)s?(?: called| titled)?|"
    r"\bsimilar to|\bend of|\b(?:read|reading|watched|watching|finished))\s+(?-i:" + _TITLE + r")")


def work_titles(text: str) -> list[tuple[int, int]]:
    """Spans of work titles named in a question about the work."""
    spans = []
    for m in _WORK_FRAME.finditer(text):
        title = m.group(1).rstrip(" ,.")
        words = [w for w in title.split() if w[:1].isupper()]
        if len(words) < 2 and not re.search(r"\b(?:novel|book|film|movie|play|painting|song|album)\b|"
                                            r"^(?:plot|themes?|ending|characters?|moral|protagonist) of\b", m.group(0), re.I):
            continue  # "in Paris" is a place, not a title: one capitalised word only after a work noun
        spans.append((m.start(1), m.start(1) + len(title)))
    return spans

"""Names of people in German, French, Spanish, Italian, Portuguese and Dutch text.

The English NER model does not read these languages, so names are found from what surrounds
them and from what the word is:

* frames that introduce a person — salutations and sign-offs ("Liebe Anna", "Chère Camille",
  "Cordiali saluti, Marco"), honorifics ("Frau Becker", "Mme Leroy", "Sra. Gómez", "dhr. de Vries"),
  relations ("meine Schwester Anna", "mon frère Paul", "mijn collega Sanne"), self-introductions
  ("ich heiße", "je m'appelle", "me llamo", "mi chiamo", "chamo-me", "ik heet") and form fields
  ("Name:", "Nom :", "Nombre:", "Cognome:", "Naam:") ⇒ PERSON;
* a capitalised word inside a sentence that is a known given name ⇒ PERSON, or that is no
  everyday word of the message's language ⇒ NAME (a guess: a person, a small place, a firm).
  German capitalises every noun, so there a word counts only when it is rare *and* not a
  compound or derivation of known words ("Kündigungsschutzklage", "Zahnarzttermin");
* public figures and well-known places and organisations (the gazetteer's lists) stay.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from engine.privacy.finding import Finding
from engine.privacy.gate import Gated
from engine.privacy.words_intl import HONORIFICS, MONTHS, MY, RELATIVES, SALUTATIONS, SELF_INTRO, SIGN_OFFS, WEEKDAYS

_UP = "A-ZÀ-ÖØ-ÞĀ-Ž"
_TOKEN = r"[" + _UP + r"][\wÀ-ÖØ-öø-ÿ'’-]*"
_PARTICLE = r"(?:van der|van den|van de|von der|van|von|de la|de los|del|della|de|den|der|ter|te|di|da|das|dos|do|du|le|la|zu)"
# A name: capitalised words, with the particles family names carry ("Jan van der Berg").
_NAME = r"(?:" + _PARTICLE + r"\s+)?" + _TOKEN + r"(?:[ \t]+(?:" + _PARTICLE + r"\s+)?" + _TOKEN + r"){0,2}"
_LOWER_NAME = r"[a-zà-öø-ÿ][\wà-öø-ÿ'’-]{1,30}"
_FIELD = {"de": r"name|vorname|nachname|familienname|patient|patientin", "fr": r"nom|prénom|prenom|nom de famille|patient",
          "es": r"nombre|apellidos?|paciente", "it": r"nome|cognome|paziente", "pt": r"nome|apelido|sobrenome|paciente",
          "nl": r"naam|voornaam|achternaam|patiënt|patient"}
# Who a greeting may address without a name: "Hallo zusammen", "Bonjour à tous", "Liebe Mama".
_ADDRESSEES = frozenset("""
grüße grüsse gruß gruss zusammen leute alle kollegen kolleginnen team damen herren freunde eltern welt mama papa
schatz frau herr
tous toutes tout monde madame monsieur mesdames messieurs collègues amis équipe maman chéri chérie
todos todas mundo señor señora señores amigos equipo compañeros mamá papá cariño
tutti tutte signore signora signori amici colleghi ragazzi mamma papà squadra
pessoal equipa equipe colegas mãe pai querido querida senhor senhora
allemaal iedereen allen wereld vrienden heer mevrouw mam pap schat
all everyone everybody world guys folks sir madam
""".split())
_GERMAN_ARTICLES = frozenset("der die das den dem des ein eine einen einem einer eines kein keine keinen keinem "
                             "keiner diese dieser diesen diesem jede jeder jeden".split())
# Endings of German nouns made from other words: such a rare word is a noun, not a name.
_DE_NOUN_ENDINGS = ("ung", "ungen", "heit", "keit", "schaft", "tion", "tät", "ismus", "nis", "tum", "ling", "chen",
                    "lein", "ment", "ität", "ik", "ie", "ur", "anz", "enz", "ei", "erin", "ist", "istin", "eur",
                    "ator", "orin", "sten", "isse", "ierung", "bar", "lich", "isch")


@lru_cache(maxsize=8)
def _frames(lang: str) -> tuple[tuple[Gated, bool], ...]:
    """Compiled frames of ``lang``, each run only when its words occur; the flag says whether a
    lower-case name may follow."""
    hon, rel, my = HONORIFICS[lang], RELATIVES[lang], MY[lang]
    salute = Gated.labelled(SALUTATIONS[lang], r"(?:^|\n|[\"“:]\s*)\s*(?i:" + SALUTATIONS[lang] + r")\s*,?[ \t]+"
                            r"(?:(?i:" + hon + r")[ \t]+)?(" + _NAME + r")", re.M)
    salute_lower = Gated.labelled(SALUTATIONS[lang], r"(?:^|\n)\s*(?i:" + SALUTATIONS[lang] + r")[ \t]+("
                                  + _LOWER_NAME + r")\b", re.M)
    sign_off = Gated.at_labels(SIGN_OFFS[lang], r"(?i:\b(?:" + SIGN_OFFS[lang] + r"))\s*[,!.]?[ \t]*\n?[ \t]*("
                              + _NAME + r")\s*$", re.M)
    honorific = Gated.at_labels(hon, r"(?<![\w.])(?i:" + hon + r")(?:[ \t]+(?i:dr\.|prof\.))?[ \t]*(" + _NAME + r")")
    relation = Gated.labelled(rel, r"(?i:\b(?:" + my + r")\s+(?:(?:[a-zà-ÿ]+)\s+)?(?:" + rel + r"))"
                              r"\s*,?[ \t]+(" + _NAME + r")")
    relation_lower = Gated.labelled(rel, r"(?i:\b(?:" + my + r")\s+(?:" + rel + r"))[ \t]+(" + _LOWER_NAME + r")\b")
    intro = Gated.at_labels(SELF_INTRO[lang], r"(?i:\b(?:" + SELF_INTRO[lang] + r"))[ \t]+(" + _NAME + r")")
    intro_lower = Gated.at_labels(SELF_INTRO[lang], r"(?i:\b(?:" + SELF_INTRO[lang] + r"))[ \t]+(" + _LOWER_NAME
                                 + r")\b")
    field = Gated.at_labels(_FIELD[lang], r"(?i:\b(?:" + _FIELD[lang] + r"))\s*:[ \t]*(" + _NAME + r"|" + _LOWER_NAME
                           + r"(?:[ \t]+" + _LOWER_NAME + r")?)")
    return ((salute, False), (salute_lower, True), (sign_off, False), (honorific, False), (relation, False),
            (relation_lower, True), (intro, False), (intro_lower, True), (field, True))


def _zipf(word: str, lang: str) -> float:
    from engine.privacy.language import zipf

    return zipf(word.lower(), lang)


def _everyday(word: str, lang: str) -> bool:
    """An ordinary word of ``lang`` (or of English, which all of them borrow from)."""
    return max(_zipf(word, lang), _zipf(word, "en")) >= 3.5


def _given(word: str, lang: str | None = None, fold: bool = True) -> bool:
    """A known given name: the US census list (which has no accents: with ``fold``, "Lucía" is
    "lucia"), and with ``lang``, that language's lists."""
    from engine.privacy.gazetteer import given_names

    w = word.lower()
    if w in given_names() or (fold and _fold(w) in given_names()):
        return True
    return lang is not None and w in _local_given_names(lang)


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    """Country names ("France", "Jordan"): given names too, but in running text the country."""
    try:
        import pycountry
    except ImportError:
        return frozenset()
    return frozenset(getattr(c, a).lower() for c in pycountry.countries for a in ("name", "common_name")
                     if getattr(c, a, None))


# Faker's person providers (MIT) carry given names of each country; read once, nothing generated.
_FAKER_LOCALES = {"de": ("de_DE", "de_AT", "de_CH"), "fr": ("fr_FR", "fr_BE", "fr_CH"), "es": ("es_ES", "es_MX", "es_AR"),
                  "it": ("it_IT",), "pt": ("pt_PT", "pt_BR"), "nl": ("nl_NL", "nl_BE")}


@lru_cache(maxsize=8)
def _local_given_names(lang: str) -> frozenset[str]:
    """Given names of ``lang``'s countries, lower case, without calendar words ("August", "Abril")."""
    import importlib

    names: set[str] = set()
    for locale in _FAKER_LOCALES.get(lang, ()):
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except (ImportError, AttributeError):  # without faker the census list still works, with less recall
            continue
        for attr in ("first_names", "first_names_male", "first_names_female"):
            names.update(n.lower() for n in (getattr(provider, attr, None) or ()))
    return frozenset(names - _calendar_words(lang))


@lru_cache(maxsize=8)
def _calendar_words(lang: str) -> frozenset[str]:
    # full names only: "Jan" is a man before it is January
    return frozenset(w for w in (MONTHS[lang] + "|" + WEEKDAYS[lang]).split("|")
                     if w.isalpha() and (len(w) > 3 or w in ("mai", "mei")))


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _public_surnames() -> frozenset[str]:
    """Last words of the gazetteer's public figures ("Merkel", "Macron"), so a bare mention stays."""
    from engine.privacy.gazetteer import public_figures

    return frozenset(n.split()[-1] for n in public_figures() if " " in n)


def _is_public(span: str, kind: str) -> bool:
    """A public figure stays; for a guessed name, a well-known place or organisation stays too
    (a given name that is also a place, "Paul", is still a person)."""
    from engine.privacy.gazetteer import is_public_entity, norm, public_figures

    return norm(span) in public_figures() or (kind == "NAME" and is_public_entity(span))


def _german_noun(word: str) -> bool:
    """A rare capitalised German word that is a compound or derivation of known words
    ("Kündigungsschutzklage" = Kündigung·s·schutz·klage)."""
    w = word.lower()
    return (w.endswith(_DE_NOUN_ENDINGS) and len(w) > 6) or _compound(w, 3)


@lru_cache(maxsize=4096)
def _compound(w: str, depth: int) -> bool:
    """``w`` splits into known German words (joined by the linking "s", "es", "n", "en", "e")."""
    if _zipf(w, "de") >= 3.0:
        return True
    if depth == 0 or len(w) < 6:
        return False
    for i in range(len(w) - 3, 2, -1):  # the longest known last part first
        tail = w[i:]
        if _zipf(tail, "de") < 3.0:
            continue
        head = w[:i]
        for link in ("", "s", "es", "n", "en", "e"):
            if head.endswith(link) and len(head) - len(link) >= 3 and _compound(head[:len(head) - len(link)], depth - 1):
                return True
    return False


def _after_article(text: str, at: int) -> bool:
    before = text[max(0, at - 12):at].split()
    return bool(before) and before[-1].lower() in _GERMAN_ARTICLES | {"meine", "seine", "ihre", "deine", "unsere"}


def _frame_names(text: str, lang: str) -> list[tuple[int, int, str]]:
    out = []
    for rx, lower_ok in _frames(lang):
        for m in rx.finditer(text):
            s, e = m.span(1)
            words = re.findall(r"[\w'’-]+", m.group(1))
            if lower_ok and m.group(1).islower():
                # a lower-case word after a frame is a name only when it is a known given name or
                # no word of the language at all ("ich heiße lena", not "ich heiße nicht")
                if not all(_given(w, lang) or not _everyday(w, lang) for w in words):
                    continue
            else:
                # "Liebe Grüße", "Hallo Zusammen", "Bonjour Madame": words, not names. Names are
                # frequent words in their own language ("Julien", "Gómez"), so frequency decides
                # only in German, where every noun is capitalised too ("meiner Mutter Blumen").
                first = next((w for w in words if w.lower() not in _PARTICLES), "")
                if not first or first.lower() in _ADDRESSEES or first.lower() in _calendar_words(lang):
                    continue
                # German: a frequent noun after a greeting or a relation is the noun ("meiner Mutter
                # Blumen"), unless the words say it is a name: a title before it, a comma or line
                # end after it ("Liebe Katharina,"), or a closing formula.
                titled = bool(re.search(r"(?i:" + HONORIFICS[lang] + r")\s*$", text[m.start():s]))
                closed = bool(re.match(r"\s*(?:[,!:\n]|$)", text[e:]))
                if (lang == "de" and _zipf(first, "de") >= 4.0 and not _given(first, lang) and not titled
                        and not closed and rx is not _frames(lang)[2][0]):
                    continue
                if lang == "de" and rx is _frames(lang)[3][0] and _after_article(text, m.start()):
                    continue  # "eine Frau Mitte dreißig": the noun, not the title
            out.append((s, e, "PERSON"))
    return out


_WORD = re.compile(r"[\wÀ-ÖØ-öø-ÿ][\wÀ-ÖØ-öø-ÿ'’-]*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;…\n•*\-–—(\"“«„>]|\d[.)])\s*$")
_PARTICLES = frozenset(_PARTICLE.strip("(?:)").split("|"))


def _capitalised_names(text: str, lang: str) -> list[tuple[int, int, str]]:
    words = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]
    out = []
    i = 0
    while i < len(words):
        s, e, w = words[i]
        i += 1
        if not w[0].isupper() or len(w) < 2 or w.isupper() or "_" in w or any(c.isdigit() for c in w):
            continue  # acronyms, identifiers and codes ("Gato_Negro77") are no names
        if s == 0 or _SENTENCE_START.search(text[max(0, s - 4):s]):
            continue  # the first word of a sentence is capitalised whatever it is
        kind = _name_kind(w.strip("'’-"), lang, text, s)
        if kind is None:
            continue
        # a surname after the name ("Anna Becker", "Jan van der Berg"): spaces and particles only
        j, end = i, e
        while j < len(words) and j - i < 4 and not text[end:words[j][0]].strip(" \t"):
            nxt = words[j][2]
            if nxt[0].isupper() and not nxt.isupper():
                end = words[j][1]
            elif nxt.lower() not in _PARTICLES:
                break
            j += 1
        out.append((s, end, kind))
        i = max(i, j)
    return out


def _name_kind(word: str, lang: str, text: str, at: int) -> str | None:
    """PERSON for a known given name, NAME for a word no list knows, None for an ordinary word."""
    from engine.privacy.language import is_stop_word

    low = word.lower()
    if low in _calendar_words(lang) or low in _countries() or is_stop_word(low, lang):
        return None  # "im August", "en France", "Les Misérables"
    if "-" in word.strip("-"):  # "Kfz-Steuer", "Jean-Pierre": judged by its parts
        parts = [p for p in word.split("-") if p]
        if any(_given(p, lang, fold=False) for p in parts):
            return "PERSON"
        if all(_everyday(p, lang) or (lang == "de" and _german_noun(p)) or p.isupper() for p in parts):
            return None
    if _given(word, lang, fold=False):
        # German nouns come after an article or a number ("der Ernst der Lage", "zehn Mark");
        # a given name without one is a person ("Morgen kommt Ernst", "mit Jürgen")
        if lang == "de" and (_after_article(text, at) or _after_number(text, at)):
            return None
        return "PERSON"
    if word.lower() in _public_surnames() or _everyday(word, lang):
        return None  # "Macron", "Merkel" alone are the public figures
    if lang == "de" and _german_noun(word):
        return None
    return "NAME"


_NUMBER_WORDS = frozenset("ein eine zwei drei vier fünf sechs sieben acht neun zehn elf zwölf zwanzig hundert tausend "
                          "paar viele einige".split())


def _after_number(text: str, at: int) -> bool:
    before = text[max(0, at - 12):at].split()
    return bool(before) and (before[-1].replace(".", "").replace(",", "").isdigit() or before[-1].lower() in _NUMBER_WORDS)


def find_names(text: str, lang: str) -> list[Finding]:
    """Names of people (and, as guesses, other proper names) in ``text`` written in ``lang``."""
    if lang not in SALUTATIONS:
        return []
    spans = _frame_names(text, lang)
    framed = [(s, e) for s, e, _ in spans]
    for s, e, kind in _capitalised_names(text, lang):
        if not any(s < b and a < e for a, b in framed):
            spans.append((s, e, kind))
    out: list[Finding] = []
    for s, e, kind in sorted(spans):
        surface = text[s:e]
        if _is_public(surface, kind) or any(s < f.end and f.start < e for f in out):
            continue
        reason = "names a person" if kind == "PERSON" else "contains a name Hearth does not recognise"
        out.append(Finding(kind, s, e, surface, False, reason, 0.9 if kind == "PERSON" else 0.6))
    return out

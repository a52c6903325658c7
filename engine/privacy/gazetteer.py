"""The bottom module of the privacy layers: word lists and word frequencies, nothing else.

Public entities, public firms, nationality words, given names and surnames, English stop words,
and how common a word is (``zipf``). All ship with Hearth (``data/``) or come from installed
packages (``pycountry``; ``names``, which carries the US census lists of given names and
surnames; ``wordfreq``; spaCy's stop-word list); nothing is downloaded. Each is read once per
process. Every other privacy module may import this one; it imports none of them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1 << 16)
def zipf(word: str, lang: str = "en") -> float:
    """How common ``word`` is in ``lang`` (Zipf scale: 0 unknown, ~3 once per million words, 7 "the")."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, lang)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """English function words (spaCy's list: no model needed)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def _data(name: str) -> str:
    return resources.files("engine.privacy").joinpath(f"data/{name}").read_text(encoding="utf-8")


def norm(s: str) -> str:
    """The form entities are compared in: lower case, no article, no possessive, single spaces."""
    s = s.lower().replace("’", "'").strip(" .,;:'\"()[]")
    s = re.sub(r"^the\s+", "", s)
    s = re.sub(r"'s$", "", s)
    return re.sub(r"\s+", " ", s)


@lru_cache(maxsize=1)
def public_entities() -> frozenset[str]:
    """Well-known public entities (``data/public_entities.txt``) plus countries and their
    subdivisions from ``pycountry``."""
    names: set[str] = set(_notable_people())
    for line in _data("public_entities.txt").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.add(norm(line))
    try:
        import pycountry

        for c in pycountry.countries:
            for attr in ("name", "common_name", "official_name"):
                if getattr(c, attr, None):
                    names.add(norm(getattr(c, attr)))
        for s in pycountry.subdivisions:
            names.add(norm(s.name))
    except ImportError:  # the gazetteer still works, only smaller
        pass
    return frozenset(names)


# Names of exceptions and warnings in code ("AttributeError", "NullPointerException").
_CODE_NAME = re.compile(r"[A-Z]\w*(?:Error|Exception|Warning)")


def is_public_entity(text: str) -> bool:
    return norm(text) in public_entities() or is_term(text)


@lru_cache(maxsize=1)
def _notable_people() -> frozenset[str]:
    """``data/notable_people.txt``: about 1,800 people of world renown, by full name."""
    return frozenset(norm(line) for line in _data("notable_people.txt").splitlines()
                     if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def public_figures() -> frozenset[str]:
    """Public figures and fictional characters by name ("Jesus", "Sherlock Holmes")."""
    listed = [*_section("public figures"), *_section("fictional characters and franchises")]
    return frozenset(norm(line) for line in listed) | _notable_people()


@lru_cache(maxsize=1)
def _terms() -> frozenset[str]:
    # "Julia", "Ruby": languages, but people first ("my daughter Julia").
    return frozenset(norm(line) for line in _section("terms")) - given_names()


def is_term(text: str) -> bool:
    """A technical term, degree or name from code ("JSON", "B.Tech", "AttributeError"): it names
    no one, so it is never redacted, in any context."""
    return norm(text) in _terms() or bool(_CODE_NAME.fullmatch(text.strip()))


# Brands that are also everyday words: in lower case they are the word ("my visa", "an apple").
_WORD_BRANDS = frozenset("visa apple alphabet meta oracle marvel ford amazon shell target x sky orange "
                         "jaguar puma dove gap subway".split())


def _section(title: str) -> list[str]:
    section, out = "", []
    for line in _data("public_entities.txt").splitlines():
        line = line.strip()
        if line.startswith("## "):
            section = line[3:]
        elif section == title and line and not line.startswith("#"):
            out.append(line)
    return out


@lru_cache(maxsize=1)
def public_places() -> frozenset[str]:
    """Countries, their subdivisions and the places section of the gazetteer."""
    names = {norm(line) for line in _section("places")}
    try:
        import pycountry

        for c in pycountry.countries:
            names.update(norm(getattr(c, a)) for a in ("name", "common_name") if getattr(c, a, None))
        names.update(norm(sd.name) for sd in pycountry.subdivisions)
    except ImportError:
        pass
    return frozenset(names)


@lru_cache(maxsize=1)
def public_organisations() -> frozenset[str]:
    """The organisations section of the gazetteer, in the lower-case form a person may type them.

    Acronyms ("WHO", "UN") and brands that are everyday words are left out: in lower case they
    are the word."""
    names = {norm(line) for line in _section("organisations") if not line.isupper()}
    return frozenset(names - _WORD_BRANDS)


@lru_cache(maxsize=1)
def demonyms() -> frozenset[str]:
    """Nationality and ethnic adjectives (``data/demonyms.txt``), lower case."""
    return frozenset(w.replace("-", " ") for line in _data("demonyms.txt").splitlines()
                     if not line.startswith("#") for w in line.lower().split())


# Census ranks kept: below these the lists are mostly rare spellings and ordinary words.
_GIVEN_RANK = 1000
_SURNAME_RANK = 20000


def _census(file: str, max_rank: int) -> frozenset[str]:
    try:
        text = resources.files("names").joinpath(file).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # the checks still work, only with less recall
        return frozenset()
    out = set()
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4 and int(parts[3]) <= max_rank:
            out.add(parts[0].lower())
    return frozenset(out)


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """Common given names, lower case ("john", "emma", "ahmed")."""
    return _census("dist.male.first", _GIVEN_RANK) | _census("dist.female.first", _GIVEN_RANK)


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    """Common surnames, lower case ("smith", "garcia", "nguyen")."""
    return _census("dist.all.last", _SURNAME_RANK)


def looks_like_full_name(surface: str) -> bool:
    """"John Smith", "maria garcia", "Li Wei": a given name or surname followed by a surname."""
    words = [w.lower() for w in re.findall(r"[A-Za-z'’-]+", surface)]
    if not 2 <= len(words) <= 4 or words[-1] not in surnames() or words[-1] in public_entities():
        return False  # "Rank Germany": a country is no surname, whatever the census says
    if words[0] in given_names():
        return True
    # "Li Wei": in many naming orders the first word is a family name; both must be rare words then.
    return words[0] in surnames() and all(zipf(w) < 4.5 for w in (words[0], words[-1]))


@lru_cache(maxsize=1)
def languages() -> frozenset[str]:
    """One-word language names ("spanish", "swahili", "tagalog"), lower case, from ``pycountry``."""
    out = {"mandarin", "cantonese", "farsi", "filipino", "flemish", "sign"}
    try:
        import pycountry

        for lang in pycountry.languages:
            name = re.sub(r"\s*\(.*\)", "", lang.name).strip()
            if name.isalpha():
                out.add(name.lower())
    except ImportError:
        pass
    return frozenset(out)

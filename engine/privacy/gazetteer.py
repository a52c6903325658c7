"""Word lists the entity layer consults: public entities, public firms, nationality words.

All ship with Hearth (``data/``) or come from installed packages (``pycountry``); nothing is
downloaded. Each list is read once per process.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources


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
    names: set[str] = set()
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


def is_public_entity(text: str) -> bool:
    return norm(text) in public_entities()


# Brands that are also everyday words: in lower case they are the word ("my visa", "an apple").
_WORD_BRANDS = frozenset("visa apple alphabet meta oracle marvel ford amazon shell target x sky orange "
                         "jaguar puma dove gap subway".split())


@lru_cache(maxsize=1)
def public_organisations() -> frozenset[str]:
    """The organisations section of the gazetteer, in the lower-case form a person may type them.

    Acronyms ("WHO", "UN") and brands that are everyday words are left out: in lower case they
    are the word."""
    section, names = "", set()
    for line in _data("public_entities.txt").splitlines():
        line = line.strip()
        if line.startswith("## "):
            section = line[3:]
        elif section == "organisations" and line and not line.startswith("#") and not line.isupper():
            names.add(norm(line))
    return frozenset(names - _WORD_BRANDS)


@lru_cache(maxsize=1)
def demonyms() -> frozenset[str]:
    """Nationality and ethnic adjectives (``data/demonyms.txt``), lower case."""
    return frozenset(w.replace("-", " ") for line in _data("demonyms.txt").splitlines()
                     if not line.startswith("#") for w in line.lower().split())

"""An impersonal message that names a private person: the firms and places below country level
around them say who they are, so they are redacted with the name (docs/privacy-model.md: every
entity that helps identify someone). Without a private person, public names stay. Invented text."""

from __future__ import annotations

from engine.privacy.policy import is_country


def test_the_firm_and_town_of_a_named_private_person_are_redacted(router):
    d = router.route("Why has Ilse Vandermeer been so successful at Siemens in Munich?")
    assert d.route == "redacted"
    assert "Siemens" not in d.outbound and "Munich" not in d.outbound and "Vandermeer" not in d.outbound


def test_without_a_private_person_public_names_stay(router):
    text = "Why has Siemens been so successful in Munich?"
    assert router.route(text).outbound == text


def test_a_story_character_is_no_one(router):
    text = "Write a story where Tom opens a bakery in Paris."
    assert router.route(text).outbound == text


def test_a_country_names_no_one():
    assert is_country("Germany") and is_country("the UK")
    assert not is_country("Munich") and not is_country("Bavaria")

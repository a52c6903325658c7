"""Personal messages that redaction cannot be trusted with stay local (engine.privacy.caution),
and the name frames added for the small NER: greeted names that are also words, and
sentence-initial names before a verb. Hard negatives: general questions, public figures, fiction."""

from __future__ import annotations

import pytest

from engine.privacy.caution import LONG_PERSONAL_CHARS, long_personal, lowercase_names, risky_redaction
from engine.privacy.ner import find_entities, load_nlp


def surfaces(text: str) -> set[str]:
    return {f.text for f in find_entities(text).findings}


# --- long personal texts -----------------------------------------------------------------

_LETTER = ("Dear Marta,\n\nThank you for the update on the project. "
           + "I went through the figures with our team and we agree with the plan for next quarter. " * 20
           + "\n\nBest regards,\nTobias")


def test_long_letter_stays_local(router):
    assert len(_LETTER) > LONG_PERSONAL_CHARS
    d = router.route(_LETTER)
    assert d.route == "local" and d.outbound is None
    assert any("long personal text" in r for r in d.reasons)


def test_long_first_person_account_stays_local(router):
    text = "During my time at the warehouse I organised the night shifts and trained new staff. " * 25
    assert router.route(text).route == "local"


def test_long_general_text_is_not_held_back_by_length(router):
    # No letter frame, no first person: a long text on a public topic is not personal.
    text = ("Photosynthesis converts light energy into chemical energy. Plants absorb carbon dioxide "
            "and release oxygen as a by-product of the light reactions. ") * 12
    assert len(text) > LONG_PERSONAL_CHARS
    assert long_personal(text, personal=False) is None
    assert router.route("Summarize this passage:\n" + text).route == "cloud"


def test_short_letter_is_still_redacted_not_local(router):
    d = router.route("Dear Marta, thanks for the figures. Best regards, Tobias")
    assert d.route == "redacted"
    assert "Marta" not in d.outbound and "Tobias" not in d.outbound


# --- lower-case names in personal messages ---------------------------------------------------

def test_lowercase_names_are_found_by_tag_and_rarity():
    doc = load_nlp()("While i was at netflix i ran the netflix billing squad.")
    assert "netflix" in lowercase_names(doc)


def test_everyday_words_mis_tagged_as_proper_nouns_are_not_names():
    class Tok:  # the tagger sometimes calls "code" or "pivot" a proper noun
        def __init__(self, text: str) -> None:
            self.text, self.tag_ = text, "NNP"

    assert lowercase_names([Tok("code"), Tok("pivot"), Tok("the"), Tok("Google")]) == []


def test_risky_redaction_needs_a_personal_message():
    assert risky_redaction(True, ["google"])
    assert risky_redaction(False, ["google"]) is None
    assert risky_redaction(True, []) is None


def test_personal_message_with_lowercase_names_stays_local(router):
    d = router.route("While i was at netflix i ran the netflix billing squad and hired two testers.")
    assert d.route == "local"


@pytest.mark.parametrize("text", [
    "What does google do with search history?",          # a topic question, not personal
    "Write a short story about a dragon who learns to cook.",  # fiction
    "Who was the first president of the United States?",  # public figure / general knowledge
])
def test_hard_negatives_are_not_kept_local(router, text):
    assert router.route(text).route != "local", text


# --- name frames -------------------------------------------------------------------------

def test_greeting_onto_a_word_name():
    found = surfaces("Hi May,We will pass the documents to our accounts team. Best, Vicky")
    assert "May" in found


@pytest.mark.parametrize("text", [
    "Hello, We assessed the payment structure of the contract.",
    "Dear Sir, thank you for your letter.",
    "Hi all, the meeting moves to Monday.",
])
def test_greetings_without_a_name(text):
    assert not {"We", "Sir", "all"} & surfaces(text)


def test_sentence_initial_subject_name_once_names_are_present():
    found = surfaces("Simon introduced the concept in the 1950s. Later, psychologist Amos Tversky extended it.")
    assert "Simon" in found


def test_sentence_initial_ordinary_words_stay(router):
    # Everyday capitalised words before a verb are not names, and public questions stay verbatim.
    d = router.route("Python is a programming language. Explain what Guido van Rossum designed it for.")
    assert d.route == "cloud" and d.outbound.startswith("Python is")


def test_brand_style_and_rare_list_names_once_names_are_present():
    found = surfaces("Compare these vendors: 1. Veltrona Systems 2. Quorvex 3. mBrightLedger for my clinic")
    assert "Quorvex" in found and "mBrightLedger" in found


def test_camel_case_public_products_in_general_questions_stay(router):
    # No private name in the message: recall mode is off, so product names are left as they are.
    for text in ("How do I make a pivot table in PowerPoint?", "What is the difference between JavaScript and TypeScript?"):
        d = router.route(text)
        assert d.route == "cloud" and d.outbound == text, text


def test_long_personal_text_skips_the_ner(router, monkeypatch):
    # The length decision comes before the NER, so the slowest messages never reach it.
    import engine.privacy.ner as ner

    def fail(*a, **k):
        raise AssertionError("NER ran on a message already decided LOCAL")

    monkeypatch.setattr(ner, "find_entities", fail)
    d = router.route(_LETTER)
    # The router fails closed on an exception, so check *why* it stayed local.
    assert d.route == "local" and any("long personal text" in r for r in d.reasons), d.reasons

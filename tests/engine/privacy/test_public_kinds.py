"""Public messages go out, and verbatim, by kind of text (issue 17, stop 23). Every example is
invented; each kind has a look-alike about the writer's own life (or carrying real material)
that must still stay local or be redacted."""

from __future__ import annotations

import pytest

from engine.privacy import detectors as det
from engine.privacy.allowlists import specimen_number
from engine.privacy.analysis import Analysis
from engine.privacy.impersonal import not_a_lowercase_name, without_impersonal_first_person
from engine.privacy.signals import confidential_marker


# --- other languages: a first person that says nothing about the writer's life -------------------
@pytest.mark.parametrize("text, lang", [
    ("Wir planen eine Reise nach Graz im Juni. Was sollten wir dort essen?", "de"),
    ("Ich interessiere mich für Astronomie: warum ist der Mars rot?", "de"),
    ("Mein Rust-Skript bricht mit einem Fehler ab, wenn die Datei leer ist.", "de"),
    ("Nous voulons visiter Nantes au printemps, que faut-il voir ?", "fr"),
    ("Je m'intéresse aux volcans : comment se forme un geyser ?", "fr"),
    ("Estamos planeando un viaje a Bilbao, ¿qué podemos visitar?", "es"),
    ("Mi interessa la storia romana: chi ha costruito il Pantheon?", "it"),
    ("Gostaria de visitar Coimbra; o que podemos ver num dia?", "pt"),
    ("Ik wil graag weten hoe een windmolen stroom maakt.", "nl"),
    ("Mijn Java-code geeft een NullPointerException, wat betekent dat?", "nl"),
    # a request to the assistant with "me" as its object
    ("Peux-tu me donner une recette de gratin dauphinois ?", "fr"),
    ("¿Me recomiendas una novela sobre la guerra civil?", "es"),
    ("Mi consigli un documentario sulle api?", "it"),
    ("Me recomenda um podcast sobre astronomia?", "pt"),
    # Italian "ci" as "there" or "it takes", not "us"
    ("Quanti ponti ci sono a Venezia?", "it"),
    ("Quanto ci vuole per bollire un uovo sodo?", "it"),
])
def test_other_language_impersonal_first_person_is_blanked(text, lang):
    from engine.privacy.analysis import _first_person_other

    assert not _first_person_other(text, lang), without_impersonal_first_person(text, lang)


@pytest.mark.parametrize("text, lang", [
    ("Wir planen eine Reise nach Graz, um meine Schwester zu besuchen.", "de"),
    ("Ich interessiere mich für Astronomie, aber mein Mann findet das langweilig.", "de"),
    ("Nous voulons visiter Nantes avec mon père qui est malade.", "fr"),
    ("Estamos planeando un viaje a Bilbao con mi novia.", "es"),
    ("wij willen oma bezoeken in het ziekenhuis", "nl"),
    ("Ci hanno sfrattati ieri, cosa possiamo fare?", "it"),
    ("Ci sono problemi con mio marito da mesi.", "it"),
    ("¿Me recomiendas un abogado para el divorcio de mi hermana?", "es"),
    ("Peux-tu me donner des conseils, mon fils ne dort plus ?", "fr"),
])
def test_other_language_personal_first_person_still_counts(text, lang):
    from engine.privacy.analysis import _first_person_other

    assert _first_person_other(text, lang)


def test_other_language_trip_question_goes_out_but_a_personal_one_stays(router):
    public = "Wir planen eine Reise nach Graz im Juni. Was sollten wir dort essen?"
    d = router.route(public)
    assert d.route == "cloud" and d.outbound == public, d.rules
    personal = "Wir planen eine Reise nach Graz, weil meine Schwester Ilse dort im Krankenhaus liegt."
    assert router.route(personal).route == "local"


# --- lower-case words the caution rule need not fear -------------------------------------------
def test_dishes_and_code_keywords_are_no_lower_case_names():
    assert not_a_lowercase_name("a recipe for fufu soup please", "fufu")
    assert not_a_lowercase_name("what's a good recipe for rendang curry?", "rendang")
    assert not_a_lowercase_name("let total = 0;\nwhy is total NaN after the loop?", "let")
    # a given name never is, nor a word outside a dish's or a code line's place
    assert not not_a_lowercase_name("a recipe for fufu soup for priya", "priya")
    assert not not_a_lowercase_name("kowalczyk wants a recipe for fufu soup", "kowalczyk")


def test_caution_still_keeps_a_first_person_text_with_lower_case_names(router):
    d = router.route("i'm priyanka from coimbatore, give me a recipe for jollof rice")
    assert d.route == "local", d.outbound


# --- specimen numbers in format questions ---------------------------------------------------------
@pytest.mark.parametrize("text", [
    "What is the format of an Italian codice fiscale, e.g. which part is the birth date?",
    "Explain the structure of a German tax ID like 12 345 678 901.",
    "How is the check digit of a Dutch BSN such as 111222333 calculated?",
    "Write a function that checks whether a Spanish DNI like 12345678Z has the right letter.",
])
def test_specimen_ids_in_format_questions_are_no_ids(text):
    assert not det.find_national_ids(text)


@pytest.mark.parametrize("text", [
    "my BSN is 111222333, is the check digit right?",
    "What is the format of my DNI 12345678Z?",
    "her SSN, like 123-45-6789, was on the form",
])
def test_the_writers_or_real_looking_ids_still_count(text):
    assert det.find_national_ids(text)


def test_specimen_shapes():
    assert specimen_number("123456789") and specimen_number("111222333") and specimen_number("12 345 678 901")
    assert not specimen_number("293847561") and not specimen_number("987654321") and not specimen_number("1234")


def test_a_private_key_header_alone_is_no_key():
    assert not det.find_secrets("How can a pre-commit hook spot '-----BEGIN EC PRIVATE KEY-----' in staged files?")
    key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5zZ0pRQ4lJ0fPoAoGCCqGSM49\n-----END EC PRIVATE KEY-----"
    assert det.find_secrets(key)


# --- confidentiality labels asked about ------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "What does 'for internal use only' mean on a slide deck template?",
    "What is the difference between confidential and strictly confidential in an NDA?",
    "What is an embargoed news release?",
])
def test_a_question_about_a_confidentiality_label_is_no_marked_material(text):
    assert not confidential_marker(Analysis(text))


@pytest.mark.parametrize("text", [
    "CONFIDENTIAL - Q2 figures: margin 12%, churn 6%. Summarise for the board?",
    "This is strictly confidential: we're closing the Derby depot in May. How do I tell staff?",
    "Draft a note marked 'confidential' to staff about the restructuring next month.",
    "Is this memo 'confidential'? Q2 margin 12%, 30 roles cut in Derby in May.",
])
def test_material_marked_confidential_still_stays(text):
    assert confidential_marker(Analysis(text))


# --- contact data shown as an instance of its format ------------------------------------------------
@pytest.mark.parametrize("text", [
    "Write a regex that accepts emails like tomasz.wrobel@gmail.com but not tomasz@@gmail.",
    "How do I convert an IP like 203.0.114.9 to an integer in Rust?",
    "What's a regex for UK postcodes like LS6 2QT?",
    "In pandas, how do I mask phone numbers such as +44 113 496 0712 except the last 4 digits?",
])
def test_values_given_as_instances_of_a_format_go_verbatim(router, text):
    d = router.route(text)
    assert d.route == "cloud" and d.outbound == text, (d.outbound, d.rules)


@pytest.mark.parametrize("text, hidden", [
    ("My email tomasz.wrobel@gmail.com is rejected by this regex, why?", "tomasz.wrobel@gmail.com"),
    ("Her phone number, like +44 113 496 0712, fails validation in our form.", "+44 113 496 0712"),
    ("Email tomasz.wrobel@gmail.com to say the meeting moved, e.g. to Friday.", "tomasz.wrobel@gmail.com"),
])
def test_someones_own_contact_data_is_still_replaced(router, text, hidden):
    d = router.route(text)
    assert d.outbound is None or hidden not in d.outbound, (d.outbound, d.rules)


# --- "who was" in the other languages ----------------------------------------------------------------
@pytest.mark.parametrize("text", ["Qui était Simone Veil ?", "¿Quién fue Rigoberta Menchú?", "Wie was Johan Cruijff?"])
def test_who_was_questions_in_other_languages_keep_the_public_name(router, text):
    d = router.route(text)
    assert d.route == "cloud" and d.outbound == text, (d.outbound, d.rules)


def test_who_was_about_someone_the_writer_knows_still_stays():
    assert_local = "Qui était Marc Lefebvre, mon voisin, avant de mourir ?"
    from engine.config import PrivacySettings
    from engine.privacy import PrivacyRouter

    assert PrivacyRouter(PrivacySettings()).route(assert_local).route == "local"


def test_a_published_example_iban_in_a_failed_transfer_is_still_an_iban():
    assert det.find_ibans("Payment bounced from IBAN GB82 WEST 1234 5698 7654 32 - is the check digit wrong?")


# --- words of a quoted error message ------------------------------------------------------------------
def test_words_of_a_quoted_error_are_no_names(router):
    text = 'Why does my deploy print "EPIPEFAIL: write failed (sockpair)" and stop?'
    d = router.route(text)
    assert d.outbound == text, (d.outbound, d.rules)
    # a capitalised name inside the quoted error may be a user's and is still replaced
    d = router.route('My script prints "Access denied for Tomasz Wrobel" - why?')
    assert d.outbound is None or "Wrobel" not in d.outbound

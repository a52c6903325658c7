"""German, French, Spanish, Italian, Portuguese and Dutch: language identification, the pattern
detectors, names and disclosures. Every sentence here was written for these tests."""

from __future__ import annotations

import time

import pytest

from engine.privacy import detectors as d
from engine.privacy.disclosure import find_disclosures
from engine.privacy.language import detect, uncovered_language
from engine.privacy.locators import find_addresses, find_birth_dates, find_plates
from engine.privacy.names_intl import find_names
from engine.privacy.references import find_references


# --- language identification ------------------------------------------------------------------
@pytest.mark.parametrize("text, code", [
    ("Ich habe morgen einen Termin beim Zahnarzt und brauche eine Entschuldigung.", "de"),
    ("Pouvez-vous m'aider à rédiger un courriel poli pour décaler mon rendez-vous chez le garagiste ?", "fr"),
    ("Necesito ayuda para escribir un correo a mi jefe sobre las vacaciones.", "es"),
    ("Mi puoi aiutare a scrivere una mail al mio padrone di casa?", "it"),
    ("Você pode me ajudar a escrever um e-mail para o meu chefe?", "pt"),
    ("Kun je me helpen een brief te schrijven aan mijn huisbaas?", "nl"),
    ("Write a short poem about autumn leaves falling in the garden.", "en"),
])
def test_covered_languages_are_recognised(text, code):
    guess = detect(text)
    assert guess.covered and guess.code == code and guess.reason is None


def test_an_english_request_around_a_foreign_passage_sees_both():
    guess = detect("Can you translate this for me: Ich bin seit drei Wochen krank und kann nicht arbeiten.")
    assert guess.covered and set(guess.languages) == {"en", "de"}


@pytest.mark.parametrize("text", [
    "Jeg skal skrive en klage over støj fra naboerne, vil du læse den igennem?",  # Danish
    "Czy możesz mi pomóc napisać list do mojego szefa?",                # Polish
    "Bana patronuma bir mektup yazmamda yardım eder misin?",            # Turkish
    "Pots ajudar-me a escriure una carta al meu cap?",                  # Catalan
    "Пожалуйста, помогите мне написать письмо",                          # Cyrillic
])
def test_other_languages_are_not_covered_and_say_why(text):
    guess = detect(text)
    assert not guess.covered and "don't cover" in guess.reason


@pytest.mark.parametrize("text", [
    "reformat as a table:\nJoão Pereira - 555-0142 - room 4B\nMei Lin Tan - 555-0199 - room 2A",
    "np.linalg.svd(matrix_a, full_matrices=False) returns u s vh",
    "Check my CV? Name: Wojciech Brzęczyszczykiewicz, mail wojtek.b@poczta.example",
])
def test_names_and_code_in_english_stay_english(text):
    assert detect(text).covered and uncovered_language(text) is None


# --- phones -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, phone", [
    ("Ruf mich an: 030 12345678", "030 12345678"),
    ("meine Handynummer ist 0171/1234567", "0171/1234567"),
    ("Tel. +49 (0)30 123 456 78", "+49 (0)30 123 456 78"),
    ("0049 30 12345678 ist die Zentrale", "0049 30 12345678"),
    ("mon portable : 06 12 34 56 78", "06 12 34 56 78"),
    ("appelez le 01.42.68.53.00", "01.42.68.53.00"),
    ("mi móvil es 612 345 678", "612 345 678"),
    ("il mio cellulare è 347 123 4567", "347 123 4567"),
    ("o meu telemóvel é 912 345 678", "912 345 678"),
    ("meu celular: (11) 91234-5678", "(11) 91234-5678"),
    ("mijn nummer is 06-12345678", "06-12345678"),
])
def test_phones_of_the_seven_countries(text, phone):
    assert [f.text for f in d.find_phones(text)] == [phone]


@pytest.mark.parametrize("text", [
    "am 12.03.1985 geboren", "Rechnung 2023/10/27", "Preis 1.234.567 Euro", "Artikelnummer 01711234567",
    "es kostet 612.345.678 €", "ISBN 978-3-16-148410-0", "1 234 567 habitants", "The meeting is on 01 02 2023",
])
def test_numbers_that_are_no_phones(text):
    assert d.find_phones(text) == []


# --- national IDs (values made with their own checksums) ----------------------------------------
@pytest.mark.parametrize("text, value", [
    ("Meine Steuer-ID ist 45 803 371 295.", "45 803 371 295"),
    ("Personalausweisnummer L01X00T47", "L01X00T47"),
    ("Sozialversicherungsnummer 65 180539 W 028", "65 180539 W 028"),
    ("mon numéro de sécurité sociale est 2 86 03 75 124 097 77", "2 86 03 75 124 097 77"),
    ("mi DNI es 48295716V", "48295716V"),
    ("NIE: Y3917264X", "Y3917264X"),
    ("il mio codice fiscale è RSSGLI85M41H501S", "RSSGLI85M41H501S"),
    ("NIF 238174697", "238174697"),
    ("meu CPF é 529.184.736-00", "529.184.736-00"),
    ("mijn BSN is 384729101", "384729101"),
])
def test_national_ids_stay_local(text, value):
    found = d.find_national_ids(text)
    assert [f.text for f in found] == [value] and all(f.local for f in found)


@pytest.mark.parametrize("text", [
    "sin IVA 123456 euros", "Ich war nie 123456 Mal dort", "El DNI tiene 8 números y una letra",
    "Der Personalausweis kostet 37 Euro", "Qual é o meu NIF?",
])
def test_id_words_without_an_id(text):
    assert d.find_national_ids(text) == []


# --- addresses, dates of birth, plates --------------------------------------------------------
@pytest.mark.parametrize("text, address", [
    ("Ich wohne in der Berliner Straße 12a in Potsdam", "Berliner Straße 12a"),
    ("J'habite au 12 rue des Lilas, 75011 Paris.", "12 rue des Lilas, 75011 Paris"),
    ("Vivo en Calle Mayor 3, 28013 Madrid", "Calle Mayor 3, 28013 Madrid"),
    ("spedisci a Via dei Mille, 10", "Via dei Mille, 10"),
    ("Moro na Rua Augusta 100, 1100-053 Lisboa", "Rua Augusta 100, 1100-053 Lisboa"),
    ("Ik woon op Kerkstraat 12, 1017 GL Amsterdam", "Kerkstraat 12, 1017 GL Amsterdam"),
    ("CEP 01310-100", "01310-100"),
    ("Wohnung in der Gneisenaustraße 41, 10961 Berlin. Meine Nachbarn", "Gneisenaustraße 41, 10961 Berlin"),
    ("Calle Sta. Engracia 5, 28010 Madrid", "Calle Sta. Engracia 5, 28010 Madrid"),
])
def test_addresses(text, address):
    assert [f.text for f in find_addresses(text)] == [address]


@pytest.mark.parametrize("text", [
    "Die Straße war 5 Kilometer lang", "Der Weg 3 ist gesperrt", "Via Appia è una strada antica",
    "Kapitel 4 beschreibt den Markt 2023", "Der Ring 2 des Herrn der Ringe",
])
def test_no_address(text):
    assert find_addresses(text) == []


@pytest.mark.parametrize("text, date", [
    ("geb. 3. Mai 1990", "3. Mai 1990"),
    ("Ich bin am 3. Mai 1990 in Köln geboren.", "3. Mai 1990"),
    ("date de naissance : 14/07/1989", "14/07/1989"),
    ("nací el 12 de enero de 1975", "12 de enero de 1975"),
    ("sono nata il 5 maggio 1990", "5 maggio 1990"),
    ("data de nascimento: 12 de março de 1985", "12 de março de 1985"),
    ("mijn moeder is geboren op 4 juli 1950", "4 juli 1950"),
])
def test_dates_of_birth(text, date):
    assert [f.text for f in find_birth_dates(text)] == [date]


@pytest.mark.parametrize("text", ["Goethe wurde am 28. August 1749 geboren.", "Victor Hugo est né le 26 février 1802.",
                                  "La reunión es el 3 de marzo de 2025."])
def test_public_and_other_dates(text):
    assert find_birth_dates(text) == []


@pytest.mark.parametrize("text, plate", [
    ("Mein Kennzeichen ist B-AB 1234", "B-AB 1234"), ("ma voiture GH-456-JK a été volée", "GH-456-JK"),
    ("la matrícula de mi coche es 1234 BCD", "1234 BCD"), ("targa AB 123 CD", "AB 123 CD"),
    ("mijn kenteken is XX-99-99", "XX-99-99"),
    ("le invio la targa della mia auto, FB 482 KM, per il permesso", "FB 482 KM"),
])
def test_plates(text, plate):
    assert [f.text for f in find_plates(text)] == [plate]


# --- passwords, codes, reference numbers --------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Mein WLAN-Passwort lautet K4tze!2024", "mon mot de passe est Azerty123", "mi contraseña es perro123",
    "la password è Gatto99", "minha senha é Praia2023!", "mijn wachtwoord is Tulp2024", "TAN: 582913",
    "código de verificación: 551203", "il codice di verifica è 778812",
])
def test_secrets_in_each_language_are_local(text):
    found = d.find_secrets(text)
    assert found and all(f.local for f in found)


@pytest.mark.parametrize("text", [
    "Mein Passwort ist falsch", "mot de passe oublié", "la contraseña es segura", "mijn wachtwoord is verlopen",
    "Was ist eine TAN?", "Passwort: ********",
])
def test_talk_about_passwords_is_no_secret(text):
    assert d.find_secrets(text) == []


@pytest.mark.parametrize("text, value", [
    ("Meine Kundennummer ist 4711-0815", "4711-0815"), ("Aktenzeichen: 12 O 345/21", "12 O 345/21"),
    ("mon numéro de dossier est 2023-1187", "2023-1187"), ("número de pedido 405-1234567", "405-1234567"),
    ("numero pratica 2023/4412", "2023/4412"), ("klantnummer 12345678", "12345678"),
])
def test_reference_numbers(text, value):
    assert value in [f.text for f in find_references(text)]


def test_ibans_spaced_and_lower_case():
    assert [f.kind for f in d.find_ibans("IBAN de44 5001 0517 5407 3249 31 bitte")] == ["IBAN"]
    assert [f.kind for f in d.find_ibans("mon IBAN : FR76 3000 6000 0112 3456 7890 189")] == ["IBAN"]


# --- names --------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, lang, name", [
    ("Sehr geehrte Frau Becker, vielen Dank für Ihre Nachricht.", "de", "Becker"),
    ("Meine Schwester Lena hat morgen Geburtstag.", "de", "Lena"),
    ("Mit freundlichen Grüßen\nKatharina Vogt", "de", "Katharina Vogt"),
    ("Chère Camille, merci pour ton message.", "fr", "Camille"),
    ("Je m'appelle Élodie Marchand.", "fr", "Élodie Marchand"),
    ("Mi hermana Lucía se casa en junio.", "es", "Lucía"),
    ("Estimada Sra. Gómez:", "es", "Gómez"),
    ("Gentile dott.ssa Bianchi,", "it", "Bianchi"),
    ("Mi chiamo Francesca Esposito.", "it", "Francesca Esposito"),
    ("Chamo-me João Carvalho.", "pt", "João Carvalho"),
    ("Atenciosamente,\nRaquel Moreira", "pt", "Raquel Moreira"),
    ("Met vriendelijke groet,\nLotte van der Berg", "nl", "Lotte van der Berg"),
    ("Mijn collega Sanne is ziek.", "nl", "Sanne"),
    ("Ik ben Daan en ik zoek werk.", "nl", "Daan"),
    ("Sono Giulia, la nuova collega.", "it", "Giulia"),
    ("Ich bin Jonas und komme aus Köln.", "de", "Jonas"),
])
def test_names_from_frames(text, lang, name):
    assert name in [f.text for f in find_names(text, lang)]


@pytest.mark.parametrize("text", [
    "Die Kündigungsschutzklage wurde beim Arbeitsgericht eingereicht.",
    "Der Zahnarzttermin ist am Montag, die Steuererklärung muss bis Juli fertig sein.",
    "Hallo zusammen, die Besprechung fällt aus.",
    "Liebe Grüße und bis bald",
    "Der Ernst der Lage ist klar.",
    "Ich bin Deutscher.",
    "Ich habe meiner Mutter Blumen mitgebracht.",
])
def test_german_nouns_are_no_names(text):
    assert find_names(text, "de") == []


@pytest.mark.parametrize("text, lang", [
    ("Angela Merkel war lange Bundeskanzlerin.", "de"), ("Emmanuel Macron a parlé hier.", "fr"),
    ("Pedro Sánchez es el presidente del Gobierno.", "es"), ("Mark Rutte was premier.", "nl"),
])
def test_public_figures_stay(text, lang):
    assert find_names(text, lang) == []


@pytest.mark.parametrize("text, names", [
    ("Im Mai treffe ich Jürgen und Katrin in Hamburg.", ["Jürgen", "Katrin"]),   # names, not the month
    ("Morgen kommt Ernst zu Besuch.", ["Ernst"]),
    ("Wir fahren im August nach Italien.", []),
    ("Das kostet zehn Mark mehr.", []),
])
def test_german_given_names_and_the_nouns_they_share(text, names):
    assert [f.text for f in find_names(text, "de")] == names


def test_a_rare_capitalised_word_is_a_guessed_name():
    assert [(f.kind, f.text) for f in find_names("Ayer hablé con Iñaki sobre el proyecto.", "es")] == [("NAME", "Iñaki")]


# --- disclosures --------------------------------------------------------------------------------
HEALTH = "health"


@pytest.mark.parametrize("text, category", [
    ("Ich habe seit Monaten Depressionen und schaffe es kaum zur Arbeit.", HEALTH),
    ("Mein Aufenthaltstitel läuft im März ab und die Ausländerbehörde antwortet nicht.", "immigration status"),
    ("Ich bin vorbestraft, muss ich das beim Vorstellungsgespräch sagen?", "criminal record"),
    ("Ich bin seit letztem Jahr in der Gewerkschaft aktiv.", "political opinion or union membership"),
    ("J'ai appris hier que j'ai un cancer du sein.", HEALTH),
    ("Je suis sans papiers depuis trois ans.", "immigration status"),
    ("Estoy embarazada de ocho semanas y no sé qué hacer.", HEALTH),
    ("Soy gay y mis padres no lo saben.", "sexual orientation or gender identity"),
    ("Mio padre ha un tumore al polmone.", HEALTH),
    ("Tenho dívidas no cartão de crédito e o banco ameaça penhora.", "precise finances"),
    ("Sou muçulmano e quero saber se posso trabalhar.", "religion or belief"),
    ("Ik heb een strafblad en zoek werk.", "criminal record"),
])
def test_disclosures_in_each_language(text, category):
    assert category in find_disclosures(text)


@pytest.mark.parametrize("text", [
    "Was sind die Symptome einer Depression?", "Erklär mir, was eine Gewerkschaft macht.",
    "Quels sont les symptômes du cancer du sein ?", "¿Qué es el asilo político?", "Explícame qué es la depresión.",
    "Quali sono i sintomi del diabete?", "O que é a gravidez ectópica?", "Wat zijn de symptomen van depressie?",
])
def test_topic_questions_are_no_disclosure(text):
    assert find_disclosures(text) == []


# --- accented text and speed ------------------------------------------------------------------
def test_addresses_with_accented_letters_are_emails():
    assert [f.text for f in d.find_emails("escribe a josé.garcía@correo.es hoy")] == ["josé.garcía@correo.es"]


def test_accented_letters_do_not_break_spans():
    text = "Grüße von Jürgen: Straße? Nein — Weißdornstraße 7, 80331 München; señor Núñez, ação, garçon."
    for f in [*d.run_detectors(text), *find_names(text, "de")]:
        assert text[f.start:f.end] == f.text


def test_detectors_stay_fast_on_long_messages():
    text = ("Hallo Jan, meine Adresse ist Hauptstraße 5, 10115 Berlin, Tel. 030 12345678. "
            "Je m'appelle Élodie, mon portable est le 06 12 34 56 78. ") * 10
    d.run_detectors(text)
    find_names(text, "de")
    detect(text)
    start = time.process_time()
    for _ in range(5):
        d.run_detectors(text)
        find_names(text, "de")
        detect(text)
    # A generous bound (CPU time, not wall time): a regex gone quadratic takes seconds here.
    assert (time.process_time() - start) / 5 < 0.5


def test_label_gates_find_what_the_plain_patterns_find():
    """The gates (engine/privacy/gate.py) skip work, never findings: every gated pattern finds
    the same spans as the same regex run over the whole text."""
    import engine.privacy.labels_intl as labels
    import engine.privacy.locators_intl as loc
    import engine.privacy.national_ids as ids
    import engine.privacy.names_intl as names
    import engine.privacy.references as refs
    from engine.privacy.gate import Gated

    gates = [v for mod in (labels, loc, refs) for v in vars(mod).values() if isinstance(v, Gated)]
    gates += [rx for rx, *_ in ids._CUE_RX] + [rx for lang in ("de", "fr", "nl") for rx, _ in names._frames(lang)]
    texts = [
        "Mein Passwort lautet Kx9!mm2, meine Kundennummer ist 4711-0815 und das Aktenzeichen 3 C 123/22.",
        "Cordialement,\nNathalie Perrin — n° client : FR-88213, né le 4 mai 1980, plaque AB-123-CD",
        "Geachte mevr. de Jong, mijn BSN is 384729101 en mijn kenteken is XX-99-99. PLZ: 80331",
        "account number 40081192, case no. 55831-22, the reference number is REF-2291 and order #112-4478291",
        "ich bin am 3. Mai 1990 geboren; Geburtsdatum: 12.03.1985; Passnummer C01X00T47",
    ]
    for gate in gates:
        for text in texts:
            assert [m.span() for m in gate.finditer(text)] == [m.span() for m in gate.regex.finditer(text)], gate.regex.pattern[:60]


def test_an_english_letter_word_in_another_language_is_no_letter():
    """"Resume" is Portuguese and Spanish for "summarise", not a CV."""
    from engine.privacy.analysis import Analysis

    assert not Analysis("Resume a história da Ponte 25 de Abril em Lisboa.").cues.correspondence
    assert Analysis("Please polish my resume before Friday.").cues.correspondence  # control

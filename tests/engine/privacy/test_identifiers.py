"""Addresses, birth dates, plates, account numbers and handles: found whole, and ordinary
numbers, dates and streets-as-words left alone."""

from __future__ import annotations

import pytest

from engine.privacy.locators import find_addresses, find_birth_dates, find_plates
from engine.privacy.references import find_references


@pytest.mark.parametrize("text, address", [
    ("I live at 42 Elm Street, Apt 3B, Springfield IL 62704.", "42 Elm Street, Apt 3B, Springfield IL 62704"),
    ("send the parcel to 17 harbour rd, my flat", "17 harbour rd"),
    ("Our office moved to 250 W. 57th St. last year", "250 W. 57th St."),
    ("Envoyez-le au 12 rue de la Paix, 75002 Paris", "12 rue de la Paix, 75002 Paris"),
    ("Meine Adresse: Lindenstraße 5, 10115 Berlin", "Lindenstraße 5, 10115 Berlin"),
    ("Abito in Via Garibaldi 10, Torino", "Via Garibaldi 10"),
    ("Write to PO Box 4410 for the refund", "PO Box 4410"),
    ("Our new postcode is LS6 2QT since May", "LS6 2QT"),
    ("the clinic is in Toronto, ON M5V 3L9", "M5V 3L9"),
    ("what's the delivery fee for zip code 30309?", "30309"),
])
def test_addresses_are_found_whole(text, address):
    assert [f.text for f in find_addresses(text)] == address.split("|")
    assert all(f.kind == "ADDRESS" and not f.local for f in find_addresses(text))


@pytest.mark.parametrize("text", [
    "I walked 5 miles down the road to the shop.",
    "Top 10 Street foods of Bangkok",
    "Chapter 3 Street Art in Berlin",
    "We won 3 Court cases this year.",
    "In 2020 Road deaths fell by 9 percent.",
    "Version 4 Drive sync fixes a crash.",
    "Raise the temperature by 20 degrees and bake for 35 minutes.",
    # an everyday word ending like a street type ("-ring") before a year is a date
    "During 2019, sales of e-bikes doubled in most markets.",
    "The Spring 2023 collection sold out in a week.",
])
def test_ordinary_numbers_before_street_words_are_no_address(text):
    assert find_addresses(text) == []


@pytest.mark.parametrize("text, date", [
    ("my date of birth is 12/03/1987, fill in the form", "12/03/1987"),
    ("DOB: 1990-07-14", "1990-07-14"),
    ("I was born on March 3rd, 1990 in a small town", "March 3rd, 1990"),
    ("her birthday is 4 July 2011", "4 July 2011"),
])
def test_birth_dates_after_their_cue(text, date):
    assert [f.text for f in find_birth_dates(text)] == [date]


@pytest.mark.parametrize("text", [
    "Abraham Lincoln was born on February 12, 1809.",   # public history, not the writer's
    "The invoice dated 12/03/1987 was paid.",           # a date, but no birth cue
    "I was born in the eighties.",                      # no full date
])
def test_other_dates_stay(text):
    assert find_birth_dates(text) == []


@pytest.mark.parametrize("text, plate", [
    ("my license plate is KX19 ZTB, how do I appeal?", "KX19 ZTB"),
    ("Registration number: 7ABC123", "7ABC123"),
    ("my number plate is kx19ztb", "kx19ztb"),
])
def test_vehicle_registrations(text, plate):
    assert [f.text for f in find_plates(text)] == [plate]


@pytest.mark.parametrize("text", [
    "See plate 2 for the figure.",
    "The registration is open until May.",
    "Registration closes on Friday for all 30 teams.",
])
def test_no_plate_without_a_plate(text):
    assert find_plates(text) == []


def test_router_sends_the_question_without_the_address(router):
    # (a kept deposit scores as money trouble and stays local: special.personal_topic)
    d = router.route("My landlord at 42 Elm Street, Springfield IL 62704 never answers about the broken heater. "
                     "What can I do?")
    assert d.route == "redacted" and "Elm" not in d.outbound and "62704" not in d.outbound
    assert "ADDRESS" in d.redactions and "What can I do?" in d.outbound


@pytest.mark.parametrize("text, value", [
    ("my account number is 12345678, why was I charged twice?", "12345678"),
    ("sort code 20-00-00", "20-00-00"),
    ("patient MRN 00423871 needs a discharge summary", "00423871"),
    ("our policy number is POL-88231-XZ, draft a claim letter", "POL-88231-XZ"),
    ("my username is kittylover92, help me reset it", "kittylover92"),
    ("follow me on twitter @jdoe_1987 for updates", "@jdoe_1987"),
])
def test_labelled_references_and_handles(text, value):
    assert value in [f.text for f in find_references(text)]


@pytest.mark.parametrize("text", [
    "How do I open an account in 2024?",
    "The account of 3 witnesses differs.",
    "Log in with your username via email.",
    "@dataclass\nclass Point:\n    x: int",
    "Document it with @param and @return tags.",
    "Hi @everyone, the meeting is at 3.",
    "email me at someone@example.com",
])
def test_no_reference_without_a_labelled_value(text):
    assert find_references(text) == []


@pytest.mark.parametrize("text, address", [
    ("Flat 12, 45 Palm Beach Road, Sector 17, Navi Mumbai 410210", "45 Palm Beach Road, Sector 17, Navi Mumbai 410210"),
    ("ship to 12 Smith Street, Fitzroy VIC 3065 please", "12 Smith Street, Fitzroy VIC 3065"),
    ("office at 10 Anson Road, Singapore 048623", "10 Anson Road, Singapore 048623"),
])
def test_postcodes_outside_north_america_and_the_uk_stay_with_the_street(text, address):
    assert [f.text for f in find_addresses(text)] == [address]


@pytest.mark.parametrize("text", ["dob = '1987-06-02'", '{"date_of_birth": "1990-01-31"}'])
def test_birth_dates_in_code_and_json(text):
    assert len(find_birth_dates(text)) == 1


def test_passwords_and_user_names_a_few_words_after_their_label(router):
    for text in ("my password for the router is Tr0ub4dor&3, is it strong enough?",
                 "the wifi password at the office is kT8#mq2Lp"):
        assert router.route(text).route == "local", text
    d = router.route("my username on the school portal is aisha_b2011 and it's locked")
    assert d.route == "redacted" and "aisha_b2011" not in d.outbound
    # An everyday word after the label describes the password; it does not give it.
    assert router.route("my password is weak, how do I make a better one?").route == "cloud"


@pytest.mark.parametrize("text, code", [
    ("Flat 402, Sai Residency, Sector 21, Kharghar, Navi Mumbai 410210 - how long?", "410210"),
    ("my grandma lives at 3-14-2 Nishi-Shinjuku, Shinjuku-ku, Tokyo 160-0023.", "160-0023"),
])
def test_the_postcode_on_the_last_line_of_an_address(text, code):
    assert code in [f.text for f in find_addresses(text)]


def test_a_number_after_a_name_without_an_address_is_no_postcode():
    assert find_addresses("In 2020, Toyota sold 950000 cars in Japan.") == []


@pytest.mark.parametrize("text, value", [
    ("someone on discord, ghostlyfern#4821, asked for my home address", "ghostlyfern#4821"),
    ("order #112-4478291-0093 never arrived", "112-4478291-0093"),
    ("Employee 4471209 needs a reference letter", "4471209"),
    ("@jess_codes_88 keeps messaging me, how do I block her?", "@jess_codes_88"),
])
def test_tags_bare_labelled_numbers_and_handles_opening_a_line(text, value):
    assert value in [f.text for f in find_references(text)]


@pytest.mark.parametrize("text", ["In 2019, 1500 people attended.", "@property\ndef name(self):\n    return 1",
                                  "For the fiscal year ending 2024, what is the filing deadline?"])
def test_years_counts_and_decorators_stay(text):
    assert find_references(text) == []


def test_more_secrets_and_numbers(router):
    for text in ("the pin for my debit card is 4471, should I change it?",
                 "is sunflower-Kettle-92 a strong enough wifi password?"):
        assert router.route(text).route == "local", text
    d = router.route("Call Mrs. Achieng Otieno, 0722 481 993, about the meter")
    assert d.route == "redacted" and "481" not in d.outbound
    assert router.route("my nginx proxy_pass http://localhost:3000 returns 502, why?").route == "cloud"
    assert router.route("What is a strong password policy?").route == "cloud"


def test_contact_lists_short_plates_and_meter_numbers(router):
    d = router.route("reformat as a table:\nJoão Pereira - 555-0142 - room 4B\nMei Lin Tan - 555-0199 - room 2A")
    assert d.route == "redacted" and "555-0142" not in d.outbound and "555-0199" not in d.outbound
    assert find_plates("the car had reg LD68 ZXC and drove off") != []
    assert "44-019-772" in [f.text for f in find_references("her bill for meter 44-019-772 is wrong")]
    # One seven-digit number alone is no phone list.
    assert router.route("Error code 404-1234 appears when I log in, what does it mean?").route == "cloud"


def test_a_named_office_is_where_someone_works(router):
    d = router.route("hr emailed me: my probation review is at our Reading office on 14 June")
    assert d.route == "redacted" and "Reading" not in d.outbound


# Router-level tables: what must stay on this computer, what must be gone from what is sent, and
# what must go out unchanged. One row per kind of text the probe sets found.


@pytest.mark.parametrize("text", [
    "can you help me remember my bank PIN, its 4471",
    "my OTP code is 583920, is it safe to share with the bank caller?",
    "credit card 4539 1488 0343 6467 exp 09/27 cvv 312, is this site safe?",
    "my UTR is 84721 30956 and HMRC says I owe a penalty",
    "my bank app keeps asking for the code, it's 448213, can you tell me if that's a normal 6 digit otp or a scam?",
    "pls remember my wifi password for later: Tr0ub4dor&3Kestrel",
    "what's the format check for an Indian PAN? mine is AFZPK7190K and the portal says invalid",
    "can u check why this fails??\nDB_HOST=db-prod-02.internal\nDB_PASSWORD=Tr0ub4dor&3xq\nerror: FATAL",
    "AWS_SECRET_ACCESS_KEY=kQ9w7Zr2/Pm4xT8yBn1LvC3dF6hJ0sA5eG2iK7oU is in my .env, is it fine to commit?",
    "my bank sent me code 482913 to confirm the transfer but the app crashed, is it still valid?",
    "the one-time passcode is 90 31 77, the guy on the phone asked me to read it out, should i?",
    "whats a stronger wifi password? mine is currently sunflower_2019! and i want something easy",
    "the recovery code for my authenticator is 7HQK-29XM-PL4D-88RW, where should I store it",
    "login for the school portal: user marta.g / pass Kiwi#2288 — write a reminder to my husband",
])
def test_stays_local(router, text):
    assert router.route(text).route == "local", text


@pytest.mark.parametrize("text, gone", [
    ("call me back on 07700 900461 when you can", "900461"),
    ("Mon CV: Marie Dubois, 06 12 34 56 78, marie.d@orange.fr", "56 78"),
    ("2024-03-01 10:22 WARN account locked id=ACC-0049217 after 5 attempts", "0049217"),
    ("my account ending 7720 was charged twice", "7720"),
    ("my work account is sagarwal_infra on the internal gitlab (git.kestrelbank.co.in), reset it?", "kestrelbank"),
    ("FATAL: password authentication failed for user \"svc_ledger\"", "svc_ledger"),
    ("My grandfather, born 9 March 1945, wants to update his will", "1945"),
    ("follow @carlos-m-1992 on instagram", "1992"),
    ("the card expires exp 09/27, can I still use it abroad?", "09/27"),
    ("Insurance claim ref CLM-2291-88734: they denied water damage. Help me write an appeal.", "88734"),
    ("The courier left a card saying package ref 7719-4432-0081 is at depot.", "0081"),
    ("Ticket 55831: the washing machine leaks. write reply.", "55831"),
    ('can u check this json is valid {"user":"ana_c_ruiz","role":"admin"}', "ana_c_ruiz"),
    ('File "/home/vsharma/projects/payroll-sync/main.py", line 42', "vsharma"),
    ("conn = psycopg2.connect(host='pg.sharma-accounts.local')", "sharma-accounts"),
    ("[10:02] kenji_t: did you push the fix?\n[10:03] anna.w: yes\nsummarise this", "kenji_t"),
    ("My number is 612 48 93 07, text me anytime.", "93 07"),
    ("motion at the front door, tagged person: 'Liam (son)'. how do I reduce false alerts?", "Liam"),
    ("someone called xX_ravenclaw_Xx on discord keeps dm'ing my 13yo, what do i report", "ravenclaw"),
    ("the insurance claim ref is CLM-7781-2290-AB for the flooded kitchen", "7781"),
    ("uber driver plate was KA 05 MN 4471, he took a really long route", "4471"),
    ("DB_USER=hearth_app\nwhy can't it connect?", "hearth_app"),
])
def test_is_removed_from_what_is_sent(router, text, gone):
    d = router.route(text)
    assert d.route == "local" or gone not in d.outbound, d


@pytest.mark.parametrize("text", [
    "Take 0.25 mg twice a day for 10 days",
    "The meeting is on 01 02 2023",
    "The total was 1,000, 2,000 and 3,000 in 2020.",
    "Lincoln was born on February 12, 1809.",
    "Error code 404-1234 appears when I log in, what does it mean?",
    "Fill the template gaps with made-up people: [name] met [name] at the station.",
    "DATABASE_PASSWORD=${DB_PASSWORD} in docker-compose, is that the right syntax?",
])
def test_goes_out_unchanged(router, text):
    assert router.route(text).route == "cloud", text


def test_vins_and_birth_dates_of_someone_close(router):
    d = router.route("My car's VIN is 1HGCM82633A004352, can you tell me the model year?")
    assert "1HGCM82633A004352" not in (d.outbound or "")
    d = router.route("help me write my dad's obituary. Name: Emmanuel Osei-Bonsu, born 2 Feb 1950 in Kumasi")
    assert d.outbound is None or "1950" not in d.outbound


@pytest.mark.parametrize("text", [
    "`encrypted-file.pdf` and `libreoffice-writer-password.pdf` need a password: ingestion must report them",
    "open `reset-password.html` and check the password field",
])
def test_file_names_and_prose_after_password_are_no_password(text):
    from engine.privacy.detectors import find_secrets

    assert find_secrets(text) == []


def test_landmark_addresses_and_example_sql_values_stay(router):
    assert router.route("How many people live at 10 Downing Street on average?").route == "cloud"
    assert router.route("Write a SQL query: SELECT * FROM users WHERE id = 1234;").route == "cloud"
    d = router.route('{"customer_id": "C-88213", "name": "x"} why does the import fail?')
    assert "C-88213" not in d.outbound


@pytest.mark.parametrize("text", [
    "driving licence no. FARRO803157KT9PL, why was it flagged?",   # after the cue word
    "licence HEMSW711029JQ4ZX expires next year",                  # the UK format on its own
])
def test_a_uk_driving_licence_number_keeps_the_message_local(text):
    from engine.privacy.national_ids import find_national_ids

    assert [f.kind for f in find_national_ids(text)] == ["NATIONAL_ID"]


def test_the_driving_licence_topic_has_no_number():
    from engine.privacy.national_ids import find_national_ids

    assert find_national_ids("How many questions are on the driving licence theory test?") == []


def test_a_street_named_like_a_ring_road_with_a_number_is_still_an_address():
    # control for the date rule: a real "-ring" street and its number stay an address
    assert [f.text for f in find_addresses("Post an Uwe, Lindenring 14, 76133 Karlsruhe")] == ["Lindenring 14, 76133 Karlsruhe"]

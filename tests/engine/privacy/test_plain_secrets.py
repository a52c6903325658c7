"""Credentials written the way people type them to an assistant (stop 24): codes that open a
place, wifi passwords in prose, PINs, pasted recovery codes, SMS one-time codes, short labels,
login pairs and seed phrases. Every value is invented; each kind has look-alikes that must still
go out (questions about how they work, placeholders, code that reads a variable, sample values,
versions, quantities)."""

from __future__ import annotations

import pytest

from engine.privacy import detectors as det
from engine.privacy.secrets_plain import find_plain_secrets

CREDENTIALS = [
    ("the gate code is 4471, can you write a note for the cleaner", "4471"),
    ("garage code: 51207", "51207"),
    ("keypad code for the side entrance is 0419", "0419"),
    ("the safe combo is 24-61-08", "24-61-08"),
    ("the code to the storage unit is 1123", "1123"),
    ("change the gate code to 4471 tonight", "4471"),
    ("il codice del cancello è 5521", "5521"),
    ("der Torcode ist 8830", "8830"),
    ("le code de la porte est 6042", "6042"),
    ("the wifi is marigold2231, write a welcome card for guests", "marigold2231"),
    ("wifi password marigold2231 network name HollowNet", "marigold2231"),
    ("our wifi: tealkettle88", "tealkettle88"),
    ("my pin is 4 digits: 7316", "7316"),
    ("my backup codes: 8823 1190, 4471 0025, 9931 6620", "8823 1190"),
    ("2FA recovery codes:\n72jq-88ka\nmm31-x9pz\nqq04-tt71", "72jq-88ka"),
    ("G-448213 is your Acme verification code", "G-448213"),
    ("got this text: Your code is 338291. Do not share it. is it a scam?", "338291"),
    ("pw: tangerine77", "tangerine77"),
    ("pass - Wobble!Fern", "Wobble!Fern"),
    ("login is jkarlsson / Harbor2290", "Harbor2290"),
    ("username sam_ortega password bluefinch", "bluefinch"),
    ("my seed phrase is ribbon orbit canal velvet moss tiger eagle stone lamp acid humble frozen", "ribbon"),
]


@pytest.mark.parametrize("text, value", CREDENTIALS)
def test_credentials_in_everyday_words_are_found(text, value):
    found = [f for f in det.find_secrets(text) if f.kind == "SECRET" and f.local]
    assert value in [f.text for f in found]


@pytest.mark.parametrize("text, value", CREDENTIALS[:8:3] + CREDENTIALS[9:22:4])
def test_credentials_in_everyday_words_stay_local(router, text, value):
    assert not router.route(text).allowed


LOOK_ALIKES = [
    "how do PINs on debit cards work?",
    "how does 2FA with an authenticator app work?",
    "how do backup codes work for email accounts?",
    "password = os.environ['DB_PASSWORD']",
    "passwd: $DB_PASS",
    "conn = connect(user=db_user, password=db_pass)",
    "set the password to <your-password> before you run it",
    "the password field shows ********",
    "the door code is on the fridge",
    "a PIN of 1234 is the most common",
    "upgrade from version 3.4.1 to 3.5.0",
    "order 24 boxes of pens and 12 staplers",
    "the building code 2021 requires railings",
    "the gate closes at 2200 on weekdays",
    "my card pin expired in 2024",
    "wifi is 5GHz and 2.4GHz",
    "the wifi network is WPA2-Personal",
    "locker number 112 at the station",
    "pass - fail results are in",
    "login is required / optional",
    "login: admin / admin",
    "your zip code is 90210, verify it",
    "what is a seed phrase in crypto wallets?",
    "mailer.send(to=user.email, subject=f\"Report {user.id}\")",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_hold_no_credential(text):
    assert find_plain_secrets(text) == []


@pytest.mark.parametrize("text", LOOK_ALIKES[:4] + LOOK_ALIKES[6:12])
def test_look_alikes_still_go_out(router, text):
    assert router.route(text).allowed


# --- everyday words, spelled digits and codes without the word "code" ------------------------------
EVERYDAY = [
    ("the password for the shared drive is butterfly", "butterfly"),
    ("our wifi password is sunshine, put it on the welcome sign", "sunshine"),
    ("i use the same password everywhere: bluebird", "bluebird"),
    ("my online banking memorable word is Pebbles", "Pebbles"),
    ("the passphrase is correct horse battery staple", "correct horse battery staple"),
    ("my pin is four seven one six", "four seven one six"),
    ("the alarm code is one nine eight seven", "one nine eight seven"),
    ("the gate is 2580 and the door is 1379", "2580"),
    ("to get in type 4471 on the keypad", "4471"),
    ("bike lock is set to 0518", "0518"),
    ("my phone unlocks with 271828", "271828"),
    ("the code is 8426, it opens the shed", "8426"),
]


@pytest.mark.parametrize("text, value", EVERYDAY)
def test_credentials_in_everyday_words_without_a_made_up_shape(text, value):
    assert value in [f.text for f in find_plain_secrets(text)]


@pytest.mark.parametrize("text, value", EVERYDAY[::3])
def test_everyday_credentials_stay_local(router, text, value):
    assert not router.route(text).allowed


EVERYDAY_LOOK_ALIKES = [
    "my password is too short, what is the minimum?",
    "my password is not working after the reset",
    "the password is case sensitive",
    "my password is stored in the keychain",
    "my password is expired",
    "the password is usually on a sticker",
    "the password is admin by default",
    "password: password",
    "pw = config.password",
    "the passphrase is too long for the app",
    "the code is four digits",
    "the combination is one two three four",
    "my alarm is 0630 tomorrow",
    "the door is 1200 mm wide",
    "the garage is 2500 sq ft",
    "the gate is 2024 model",
    "type 3 on the keypad",
    "enter 2000 in the quantity field",
    "it unlocks with 4096-bit keys",
    "is correct horse battery staple a good passphrase?",
    # a number in the next clause is no code: a phone, a postcode, a booking or a ticket
    "the door code, call me on 07700 900123",
    "my bank pin got locked so call 07700 900123",
    "the postal code for my flat is 10115",
    "your booking code is 4827, confirm by friday",
    "boarding pass: 8812AB",
]


@pytest.mark.parametrize("text", EVERYDAY_LOOK_ALIKES)
def test_everyday_look_alikes_hold_no_credential(text):
    assert find_plain_secrets(text) == []

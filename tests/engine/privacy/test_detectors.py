"""Each validated detector: true positives, and the hard negatives it must let through."""

from __future__ import annotations

import pytest

from engine.privacy import detectors as d


def kinds(findings):
    return [f.kind for f in findings]


# --- emails -----------------------------------------------------------------------------------
def test_email_found_with_exact_span():
    text = "write to h.okafor@posteo.net today"
    [f] = d.find_emails(text)
    assert (f.kind, f.text, f.local) == ("EMAIL", "h.okafor@posteo.net", False)
    assert text[f.start:f.end] == f.text


@pytest.mark.parametrize("text", ["mail alice@example.com", "bob@mail.example.org", "x@host.test",
                                  "use your_name@company.com as the format"])
def test_email_reserved_domains_and_placeholders_pass(text):
    assert d.find_emails(text) == []


# --- phones -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["call +44 20 7946 0958 now", "ring (415) 555-2671 after 5", "+1 202 555 0147",
                                  "cc +44 7700 900614 please"])
def test_phone_numbers_found(text):
    assert kinds(d.find_phones(text)) == ["PHONE"]


@pytest.mark.parametrize("text", ["the year 2023 had 365 days", "order 1234567", "(123) 456-7891 is not a real number",
                                  "version 10.2.3", "000-000-0000"])
def test_non_phone_numbers_pass(text):
    assert d.find_phones(text) == []


# --- cards --------------------------------------------------------------------------------------
def test_luhn():
    assert d.luhn_ok("4716108999716531")
    assert not d.luhn_ok("4716108999716532")


def test_real_card_found_even_if_documented_without_test_context():
    assert kinds(d.find_cards("the bakery charged my card 5105 1051 0510 5100 twice, can I get it back?")) == ["CARD"]
    assert kinds(d.find_cards("my card 4716-1089-9971-6531 was stolen")) == ["CARD"]


@pytest.mark.parametrize("text", [
    "Is 4242 4242 4242 4242 a valid sandbox number for checkout tests?",
    "Stripe test card 4000056655665556 fails in sandbox",
    "invoice 1234 5678 9012 3456",  # fails Luhn
    "tracking 0000000000000000",
])
def test_card_hard_negatives(text):
    assert d.find_cards(text) == []


# --- IBAN ---------------------------------------------------------------------------------------
def test_iban_validated_by_mod97():
    assert kinds(d.find_ibans("payroll bounced: IBAN GB82 WEST 1234 5698 7654 32 on line 7, any idea why?")) == ["IBAN"]
    assert d.find_ibans("GB82 WEST 1234 5698 7654 33") == []  # check digits wrong


def test_iban_example_in_docs_context_passes():
    assert d.find_ibans("Explain the sample IBAN DE89 3704 0044 0532 0130 00 from the documentation") == []


# --- national IDs -------------------------------------------------------------------------------
def test_ssn_with_context_is_local_even_if_advertising_number():
    found = d.find_national_ids("form asks for social security: 078-05-1120 or was it 536-22-8726?")
    assert kinds(found) == ["NATIONAL_ID", "NATIONAL_ID"] and all(f.local for f in found)


def test_valid_ssn_without_context_and_dates_without():
    assert kinds(d.find_national_ids("number 536-22-8726 on the form")) == ["NATIONAL_ID"]
    assert d.find_national_ids("meeting on 2023-10-27 at 10:30") == []


def test_uk_ni_and_passport_with_context():
    assert kinds(d.find_national_ids("my NI number is QQ 12 34 56 C")) == ["NATIONAL_ID"]
    assert kinds(d.find_national_ids("passport number: X1234567 expires soon")) == ["NATIONAL_ID"]
    assert d.find_national_ids("what is a passport number used for?") == []


# --- secrets ------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "headers={'Authorization': 'token ghp_9Xk2LmQ7vR4tB8nW1zY6cP3sD5fG0hJ2aE7u'}",
    "OPENAI_API_KEY=sk-proj-4fG7hJ2kL9mN3pQ8rS1tU6vW0xY5zA2bC",
    "aws key AKIAQ3EGT5LK7XN2PD4W here",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "the wifi password is Tr0ub4dor&3",
    "postgres://admin:s3cretPW9@db.internal:5432/app",
    "api_key = 'f8Kq2Lx9Vb7Nm4Zt1Ws6Yp3Rc'",
])
def test_secrets_are_local(text):
    found = d.find_secrets(text)
    assert found and all(f.local and f.kind == "SECRET" for f in found)


@pytest.mark.parametrize("text", [
    "client = OpenAI(api_key='sk-...xxxx')",
    "export OPENAI_API_KEY=YOUR_API_KEY",
    "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n-----END PUBLIC KEY-----",
    "-----BEGIN CERTIFICATE-----",
    "token = e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # sha256 of ""
    "How are the three dot-separated parts of a JSON web token laid out?",
    "the password is required; enter password: ********",
    "postgres://user:<password>@localhost/db",
])
def test_secret_hard_negatives(text):
    assert d.find_secrets(text) == []


# --- IPs and links ------------------------------------------------------------------------------
def test_public_ip_found_documentation_and_private_pass():
    assert kinds(d.find_ips("server at 8.8.4.4 is down")) == ["IP"]
    for text in ("docs use 192.0.2.10", "router 192.168.1.1", "localhost 127.0.0.1", "2001:db8::1 is doc",
                 "upgrade to version 1.2.3.4"):
        assert d.find_ips(text) == [], text


def test_links_redactable_except_example_domains():
    assert kinds(d.find_urls("see https://intranet.acme-corp.com/hr/payroll")) == ["URL"]
    # with an identifier in its query it points at one record: redacted in every frame
    assert kinds(d.find_urls("see https://intranet.acme-corp.com/hr/payroll?id=77")) == ["LINK"]
    assert d.find_urls("see https://example.com/docs") == []


def test_run_detectors_prefers_local_findings_on_overlap():
    found = d.run_detectors("creds: https://bob:Hunter2pw9@git.acme.io/repo")
    assert any(f.local for f in found)


def test_phone_named_by_context_without_country():
    # Nine digits no national plan places, but the cue word says what they are.
    assert [f.text for f in d.find_phones("the depot's hotline: 920031155 (weekdays)")] == ["920031155"]
    assert d.find_phones("order number 1234567 shipped") == []


def test_national_ids_named_by_stdnum_checksums():
    [nhs] = d.find_national_ids("My NHS number is 943 476 5919, how do I register with a GP?")
    assert nhs.text == "943 476 5919" and "NHS number" in nhs.reason and nhs.local
    [aadhaar] = d.find_national_ids("my aadhaar number: 2345 6789 0124")
    assert "Aadhaar" in aadhaar.reason
    [passport] = d.find_national_ids("passport number: X1234567 expires next month")
    assert passport.text == "X1234567"

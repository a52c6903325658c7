"""Documented test values and placeholders that look sensitive but are not.

Each list holds values that vendors and standards publish *for* documentation and testing.
They are only honoured where the surrounding text shows a test or example context (see
:func:`test_context`): a documented test card typed as "my card" is still treated as real.
"""

from __future__ import annotations

import ipaddress
import re

# Payment test cards published by Stripe, Visa, Mastercard, Amex, Discover, Adyen, Braintree.
TEST_CARDS = frozenset({
    "4242424242424242", "4000056655665556", "5555555555554444", "2223003122003222",
    "5200828282828210", "5105105105105100", "378282246310005", "371449635398431",
    "6011111111111117", "6011000990139424", "3056930009020004", "36227206271667",
    "3566002020360505", "6200000000000005", "4111111111111111", "4012888888881881",
    "4000000000000002", "4000000000009995", "4000000000000077", "4000000000000069",
    "5500000000000004", "340000000000009", "30000000000004", "6011000000000004",
    "4917610000000000", "4988438843884305", "4444333322221111", "5454545454545454",
})

# IBAN examples from ISO 13616 / the European Committee for Banking Standards registry.
EXAMPLE_IBANS = frozenset({
    "GB82WEST12345698765432", "GB33BUKB20201555555555", "DE89370400440532013000",
    "FR1420041010050500013M02606", "NL91ABNA0417164300", "ES9121000418450200051332",
    "IT60X0542811101000000123456", "CH9300762011623852957", "BE68539007547034",
})

# Specimen identity numbers printed in documentation, forms and validators: the US Social
# Security Administration's advertising and example numbers, the UK HMRC's sample NI number.
EXAMPLE_NATIONAL_IDS = frozenset({
    "123456789", "078051120", "987654320", "987654321", "QQ123456C", "AB123456C",
})

# Reserved for documentation and tests: RFC 2606 / RFC 6761 names.
EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net", "example.edu")
# (".local" is not here: "pg.sharma-accounts.local" is a real host on someone's network.)
EXAMPLE_TLDS = (".example", ".test", ".invalid", ".localhost")

# RFC 5737 / RFC 3849 documentation networks, plus addresses that identify no one.
DOC_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32",
))

# Digests of the empty string and other constants that show up in docs and code.
WELL_KNOWN_HASHES = frozenset({
    "d41d8cd98f00b204e9800998ecf8427e",  # md5("")
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",  # sha1("")
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # sha256("")
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",  # sha512("")
    "900150983cd24fb0d6963f7d28e17f72",  # md5("abc")
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",  # sha256("abc")
    "5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9",  # sha256("0")
    "deadbeef", "cafebabe",
})

_PLACEHOLDER = re.compile(
    r"(x{4,}|\*{3,}|\.{3}|…|<[^>]*>|\{[^}]*\}|\$\{|your[_-]|_here\b|example|dummy|placeholder|"
    r"changeme|redacted|sample|fake|test[_-]?key|0{8,}|(.)\2{7,})",
    re.IGNORECASE,
)

_TEST_CONTEXT = re.compile(
    r"\b(test(ing|s)?|sandbox|example|sample|dummy|fake|documentation|docs|luhn|validat\w*|"
    r"stripe|checkout|mock|fixture|placeholder|regexp?|regular expression|unit tests?)\b",
    re.IGNORECASE,
)
# A question about how such numbers are built: "the format of a UK NI number, e.g. ...".
_FORMAT_QUESTION = re.compile(r"\b(?:format|structure|check ?digit|checksum|control (?:letter|digit|key)|"
                              r"what does each (?:part|digit))\b|\be\.g\.", re.I)


def format_question(text: str) -> bool:
    return bool(_FORMAT_QUESTION.search(text))

# Telephone numbers reserved for fiction and documentation: North American 555-0100..0199
# (any area code), and Ofcom's drama ranges (07700 900xxx, 020 7946 0xxx, 01632 960xxx).
_FICTIONAL_PHONE = re.compile(r"(?:1)?(?:\d{3})?55501\d\d|(?:44|0)(?:7700900\d{3}|2079460\d{3}|1632960\d{3})")

# Local parts that stand for "some user" in documentation: "user@", "jane.doe@", "first.last@".
_EXAMPLE_LOCAL = re.compile(
    r"(?:user(?:name)?|name|someone|somebody|me|you|your\.?name|first\.?last|firstname(?:\.lastname)?|"
    r"john\.?doe|jane\.?doe|j\.?doe|foo|bar|foo\.?bar|baz|alice|bob|admin|info|test(?:user)?|hello|contact|"
    r"support|noreply|no-reply|example|sample|email|mail|abc|xyz|x+)\d{0,3}", re.IGNORECASE)


def is_fictional_phone(digits: str) -> bool:
    """A number in a range reserved for fiction and examples (``555-0123``, ``07700 900123``)."""
    return bool(_FICTIONAL_PHONE.fullmatch(digits))


def is_example_local_part(local: str) -> bool:
    """``user``, ``jane.doe``, ``first.last``: the stand-in for "an address" in docs and questions."""
    return bool(_EXAMPLE_LOCAL.fullmatch(local))


# "sk_test_...", "pk-test-...": keys that say they are test or sample keys (sandbox mode, docs).
_TEST_KEY = re.compile(r"(?:^|[_-])(?:test|sample|demo)[_-]", re.IGNORECASE)


def is_test_key(value: str) -> bool:
    return bool(_TEST_KEY.search(value))


def looks_like_placeholder(value: str) -> bool:
    """True for ``sk-...xxxx``, ``YOUR_API_KEY``, ``<token>``, ``********`` and the like."""
    return bool(_PLACEHOLDER.search(value))


# A number shaped like a specimen rather than anyone's: a run of counting digits ("123456789",
# "12345678Z", "12 345 678 901") or a few digits each repeated in blocks ("111222333").
def specimen_number(value: str) -> bool:
    """A made-up-looking identity number, as format questions and documentation show them."""
    digits = re.sub(r"\D", "", value)
    if len(digits) < 6:
        return False
    if digits in "0123456789012345678901234567890":
        return True
    blocks = re.findall(r"(\d)\1+", digits)
    return len(set(digits)) <= 3 and "".join(m.group(0) for m in re.finditer(r"(\d)\1+", digits)) == digits \
        and len(blocks) <= 3


# "emails like maria.lopez@gmail.com", "a phone number such as +44 20 7946 0958", "UK postcodes like
# SW1A 1AA": a value given as an instance of its kind, right after the kind is named ...
_INSTANCE_OF_KIND = re.compile(
    r"\b(?:e-?mails?|e-?mail addresses|addresses|address|(?:phone|mobile|telephone|cell)(?: numbers?)?|numbers?|"
    r"ips?|ip addresses|ipv[46]|postcodes?|post ?codes?|zip(?: ?codes?)?|ibans?|strings?|values?|inputs?|entries|"
    r"formats?|patterns?|dates?|urls?|links?|usernames?|handles?|hosts?|hostnames?|domains?)\b"
    r"[^.?!\n]{0,12}?\b(?:like|such as|e\.g\.|for example|for instance)\s*[:,]?\s*['\"“‘(]?$", re.I)
# ... in a message about handling such values (a pattern, parsing, validating, code) ...
_HANDLING = re.compile(r"\b(?:regexp?|regular expression|pars(?:e|es|ing)|split|convert|format(?:ting)?|mask(?:ing)?|"
                       r"match(?:es|ing)?|validat\w*|extract|normali[sz]\w*|saniti[sz]\w*|function|query|script|"
                       r"python|javascript|typescript|java|sql|excel|pandas|api|code|library|field|column|"
                       r"reject\w*|accept\w*)\b", re.I)
# ... and not the writer's or someone's own ("my email, like ...", "her number, e.g. ...").
_OWNED = re.compile(r"\b(?:my|mine|our|his|her|their|your)\b[^.?!\n]*$", re.I)


def given_as_instance(text: str, start: int) -> bool:
    """A pattern value at ``start`` shown as an example of its kind in a question about handling
    such values: "a regex for emails like maria.lopez@gmail.com" (not "my email, like ...")."""
    before = text[max(0, start - 60):start]
    return bool(_INSTANCE_OF_KIND.search(before)) and not _OWNED.search(before) and bool(_HANDLING.search(text))


def test_context(text: str) -> bool:
    """True when the message itself frames its values as test or example data."""
    return bool(_TEST_CONTEXT.search(text))


def is_example_domain(domain: str) -> bool:
    d = domain.lower().rstrip(".")
    return d in EXAMPLE_DOMAINS or any(d.endswith("." + e) for e in EXAMPLE_DOMAINS) or d.endswith(EXAMPLE_TLDS)


def is_harmless_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Documentation, loopback, private, link-local, unspecified and broadcast addresses."""
    if any(ip in net for net in DOC_NETWORKS if net.version == ip.version):
        return True
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast \
        or ip.is_reserved

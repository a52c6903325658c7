"""Validated pattern detectors: each finds spans and says whether they can be redacted.

A finding is either *redactable* (replaced by a typed placeholder before sending: emails, phone
numbers (:mod:`engine.privacy.phones`), cards, IBANs, IP addresses, links, and — from
:mod:`engine.privacy.locators` — postal addresses, dates of birth, vehicle registrations; from
:mod:`engine.privacy.references` — labelled account and reference numbers, user names, social
handles) or *local-only* (the whole message stays on this machine: secrets, private keys,
passwords, national ID numbers (:mod:`engine.privacy.national_ids`)). Patterns are validated
where a checksum or a number plan exists (Luhn, mod-97, ``phonenumbers``, ``stdnum``) so that
ordinary numbers are not mistaken for personal data, and documented test values are let through
only when the message itself frames them as test data (see :mod:`engine.privacy.allowlists`).

The patterns read English and the forms and labels of German, French, Spanish, Italian,
Portuguese and Dutch (``*_intl`` modules); they expect text already normalised (NFKC, plain
spaces and hyphens) but work on any letters, accented or not.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections import Counter
from typing import Callable, Iterable

from engine.privacy import allowlists as allow
from engine.privacy.finding import Finding as Finding  # re-exported: the detectors' result type
from engine.privacy.labels_intl import find_secrets_intl
from engine.privacy.locators import find_addresses, find_birth_dates, find_plates
# re-exported beside the detectors defined here (engine.privacy.recognizers reads them from here)
from engine.privacy.national_ids import find_national_ids as _find_national_ids
from engine.privacy.phones import find_phones as _find_phones
from engine.privacy.references import find_references




def _f(kind: str, m: re.Match[str] | tuple[int, int, str], local: bool, reason: str, group: int = 0) -> Finding:
    if isinstance(m, tuple):
        s, e, t = m
        return Finding(kind, s, e, t, local, reason)
    return Finding(kind, m.start(group), m.end(group), m.group(group), local, reason)


def entropy(s: str) -> float:
    """Shannon entropy in bits per character."""
    if not s:
        return 0.0
    counts = Counter(s)
    return -sum(c / len(s) * math.log2(c / len(s)) for c in counts.values())


# --- emails ---------------------------------------------------------------------------------
# Letters of any script on both sides: "josé.garcía@correo.es" and "müller@straße.de" are addresses too.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.%+-]+@((?:[^\W_]|-)+(?:\.(?:[^\W_]|-)+)*\.[A-Za-z]{2,24})\b")


def find_emails(text: str) -> list[Finding]:
    out = []
    testy = allow.test_context(text)
    for m in _EMAIL.finditer(text):
        local = m.group(0).split("@")[0]
        if allow.is_example_domain(m.group(1)) or allow.looks_like_placeholder(local):
            continue
        # "validate user@gmail.com with a regex": a stand-in address in a message about examples
        if testy and allow.is_example_local_part(local):
            continue
        out.append(_f("EMAIL", m, False, "contains an email address"))
    return out


# --- national identity numbers: engine/privacy/national_ids.py ------------------------------
def find_national_ids(text: str) -> list[Finding]:
    """National ID numbers, less the published specimens ("123-45-6789", "078-05-1120") where
    the message frames its values as examples, tests or patterns."""
    found = _find_national_ids(text)
    testy = allow.test_context(text)
    about_format = testy or allow.format_question(text)

    def specimen(f: Finding) -> bool:
        # "a German Steuer-ID like 12 345 678 901", "a BSN such as 111222333": in a message about
        # the format, or given as an instance of it, a number shaped like a specimen is one;
        # "my BSN 111222333" is still the writer's.
        before = text[max(0, f.start - 40):f.start]
        published = re.sub(r"\W", "", f.text).upper() in allow.EXAMPLE_NATIONAL_IDS
        return (allow.specimen_number(f.text) or published) and not _MINE_BEFORE.search(before) \
            and (about_format or _INSTANCE_BEFORE.search(before) is not None)

    return [f for f in found if not (testy and re.sub(r"\W", "", f.text).upper() in allow.EXAMPLE_NATIONAL_IDS)
            and not specimen(f)]


_INSTANCE_BEFORE = re.compile(r"\b(?:like|such as|for example|for instance|say)\s*[:,]?\s*[\"'“]?$", re.I)
_MINE_BEFORE = re.compile(r"\b(?:my|mine|our|his|her|their|mein\w*|mon|ma|mi|mio|mia|meu|minha|mijn)\b[^.?!\n]*$", re.I)


# --- phone numbers: engine/privacy/phones.py -------------------------------------------------
def find_phones(text: str) -> list[Finding]:
    """Phone numbers, less those in ranges reserved for fiction ("555-0123", "07700 900123")
    where the message itself frames its values as examples, tests or patterns ("a regex for
    numbers like 555-0142"). Elsewhere such a number is treated as anyone's."""
    found = _find_phones(text)
    if not allow.test_context(text):
        return found
    return [f for f in found if not allow.is_fictional_phone(re.sub(r"\D", "", f.text))]


# --- payment cards --------------------------------------------------------------------------
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def find_cards(text: str) -> list[Finding]:
    out = []
    testy = allow.test_context(text)
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if not 13 <= len(digits) <= 19 or not luhn_ok(digits) or len(set(digits)) == 1:
            continue
        if digits[0] not in "2345636" and not digits.startswith(("1", "8")):
            continue
        if digits in allow.TEST_CARDS and testy:
            continue
        out.append(_f("CARD", m, False, "contains a payment card number"))
    return out


# --- IBANs ----------------------------------------------------------------------------------
# Any case and spacing: "DE89 3704 …", "de89370400440532013000" (stdnum validates the upper-case form).
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b", re.I)


def find_ibans(text: str) -> list[Finding]:
    from stdnum import iban

    out = []
    testy = allow.test_context(text)
    for m in _IBAN.finditer(text):
        compact = m.group(0).replace(" ", "").upper()
        if not iban.is_valid(compact):
            continue
        if compact in allow.EXAMPLE_IBANS and testy:
            continue
        out.append(_f("IBAN", m, False, "contains a bank account number (IBAN)"))
    return out


# --- secrets ----------------------------------------------------------------------------------
_SECRET_PREFIXES = re.compile(
    r"(?<![A-Za-z0-9_])("
    r"sk-(?:proj-|ant-(?:api\d\d-)?|live-)?[A-Za-z0-9_\-]{20,}|"     # OpenAI / Anthropic
    r"gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}|"      # GitHub
    r"glpat-[A-Za-z0-9_\-]{20,}|"                                      # GitLab
    r"xox[abposr]-[A-Za-z0-9\-]{10,}|"                                 # Slack
    r"(?:AKIA|ASIA)[0-9A-Z]{16}|"                                      # AWS access key id
    r"AIza[0-9A-Za-z_\-]{35}|"                                         # Google API key
    r"hf_[A-Za-z0-9]{30,}|"                                            # Hugging Face
    r"(?:sk|rk)_live_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{20,}|"         # Stripe secret / webhook
    r"SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}|"                   # SendGrid
    r"npm_[A-Za-z0-9]{30,}|pypi-[A-Za-z0-9_\-]{50,}|"                  # package registries
    r"eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}"  # JWT
    r")")
_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_KEY_BODY = re.compile(r"\s*(?:Proc-Type:[^\n]*\n(?:DEK-Info:[^\n]*\n)?)?\s*[A-Za-z0-9+/=]{8,}")
_SECRET_ASSIGN = re.compile(
    r"\b(?:api[_-]?key|apikey|secret(?:[_-]?key)?|access[_-]?token|auth[_-]?token|token|client[_-]?secret|"
    r"bearer|authorization)\b[\"']?\s*(?:[:=]|is|:=|=>)?\s*[\"']?(?:bearer\s+|token\s+)?([A-Za-z0-9_\-+/=.]{16,})",
    re.I)
# "password is X", and with a few words between: "my password for the router is X".
_LABEL_GAP = r"(?:\s+(?:for|of|to|on|at|in)(?:\s+[\w.@'-]+){1,5}?)?"
_PASSWORD = re.compile(
    r"(?<![A-Za-z])(?:password|passwd|pwd|passphrase|passcode|pin code|wifi key|pass)\b" + _LABEL_GAP
    + r"[\"']?\s*(?:is|was|:|=|->)\s*[\"']?([^\s\"',;]{4,})", re.I)
_ONE_TIME = re.compile(r"\b(?:otp|one[- ]time (?:code|password|passcode|pin)|verification code|2fa|two[- ]factor|"
                       r"security code|auth(?:entication)? code|login code|sms code|passcode|"
                       # "code 482913 to confirm the transfer" — not an error, status, zip or promo code
                       r"(?<!error )(?<!status )(?<!exit )(?<!source )(?<!zip )(?<!area )(?<!country )(?<!promo )"
                       r"(?<!discount )(?<!qr )(?<!bar )code\b[^.\n]{0,40}\b(?:to )?(?:confirm|verify|log ?in|sign ?in|authori[sz]e))\b",
                       re.I)
_CODE_DIGITS = re.compile(r"(?<![\d.,:/-])\d{2,8}(?:[ -]\d{2,4}){0,3}(?!\d|[.,:/-]\d)")
# "the recovery code for my authenticator is 7HQK-29XM-PL4D-88RW"
_RECOVERY = re.compile(r"(?i:\b(?:recovery|backup|seed) (?:codes?|phrase|key)\b)[^:\n]{0,40}?(?:\bis|\bare|:)\s*"
                       r"([A-Z0-9]{4,}(?:-[A-Z0-9]{4,}){2,})")
# Env and config lines: "DB_PASSWORD=...", "AWS_SECRET_ACCESS_KEY=...": the key names a secret.
_ENV_SECRET = re.compile(r"\b[A-Z][A-Z0-9_]*(?:PASSWORD|PASSWD|PASS|SECRET|TOKEN|API_KEY|PRIVATE_KEY|ACCESS_KEY)[A-Z0-9_]*"
                         r"\s*[=:]\s*[\"']?([^\s\"']{6,})")
# "DB_PASSWORD = os.environ['DB_PASSWORD']": code that reads the secret from elsewhere holds none.
_READ_FROM_ENV = re.compile(r"(?:os\.environ|os\.getenv|getenv|process\.env|env\(|ENV\[|System\.getenv|config\b|"
                            r"settings\.|secrets\.|vault\.|Deno\.env|import\.meta\.env)", re.I)
# "mine is currently sunflower_2019!" in a message about a password.
_MINE_IS = re.compile(r"\b(?:mine|ours|it)\s+is\s+(?:currently\s+|now\s+|still\s+)?[\"'“]?([^\s\"'“”,]{6,64})", re.I)
# "user marta.g / pass Kiwi#2288": "pass" straight before a made-up value.
_PASS_VERB = re.compile(r"\b(?:will|would|does|do|did|can|could|should|must|might|to|it|not|they|that|this|"
                        r"which|always|still|never)\s+$", re.I)
_PASS_DIRECT = re.compile(r"(?<![A-Za-z])(?:pass|pwd|pw)\s+((?=\S*[\d#!@$%&*])\S{4,64})", re.I)
_PIN = re.compile(r"\b(?:pin|pin number|pin code|otp|otp code|one[- ]time (?:code|password)|verification code|2fa code|"
                  r"security code|cvv2?|cvc|passcode)\b" + _LABEL_GAP + r",?\s*(?:is|was|it'?s|its|:|=)?\s*(?<!\d)(\d{3,8})\b", re.I)
# "is sunflower-Kettle-92 a strong enough wifi password?": the value before its label.
# The value starts a token and is bounded: an unbounded run tried at every offset of one long
# token is quadratic.
_PASSWORD_BEFORE = re.compile(r"(?<![^\s(\"'“])[\"'“]?([^\s\"'“”]{6,64})[\"'”]?\s+(?:\w+\s+){0,5}?(?:wifi\s+|wi-fi\s+)?password\b",
                              re.I)
_URL_CRED = re.compile(r"\b[a-z][a-z0-9+.\-]*://([^\s:/@]+):([^\s@/]+)@[^\s/]+", re.I)


def _secret_value_ok(value: str) -> bool:
    """A real-looking secret: not a placeholder, not a test key, not a well-known digest, enough entropy."""
    v = value.strip("\"'")
    if allow.looks_like_placeholder(v) or v.lower() in allow.WELL_KNOWN_HASHES or allow.is_test_key(v):
        return False
    return entropy(v) >= 3.0 and any(c.isdigit() for c in v) and any(c.isalpha() for c in v)


# File names, paths, links and the word itself: "`libreoffice-writer-password.pdf` needs a password".
_NOT_A_SECRET = re.compile(r"^(?:https?:|www\.)|/|\\|password|\.(?:pdf|docx?|xlsx?|pptx?|txt|md|csv|json|ya?ml|zip|png|jpe?g|"
                           r"py|js|ts|html?)\b", re.I)


def _password_value(value: str) -> bool:
    """"Tr0ub4dor&3" or "sunflower" yes; "my password is weak" / "is incorrect" no: an everyday
    word after the label describes the password rather than giving it."""
    from wordfreq import zipf_frequency

    v = value.rstrip(".!?")
    if allow.looks_like_placeholder(v) or v.lower() in {"password", "null", "none"} or _READ_FROM_ENV.match(v):
        return False
    plain_word = v.isalpha() and zipf_frequency(v.lower(), "en") >= 3.5
    return not plain_word


def find_secrets(text: str) -> list[Finding]:
    from engine.privacy.secrets_plain import find_plain_secrets, sample_digits

    out = []
    for m in _SECRET_PREFIXES.finditer(text):
        if _secret_value_ok(m.group(1)):
            out.append(_f("SECRET", m, True, "contains an API key or access token", 1))
    for m in _PRIVATE_KEY.finditer(text):
        # A header quoted in a question ("how do I detect '-----BEGIN RSA PRIVATE KEY-----' in a
        # hook?") names the format; a pasted one, or one with a base64 body after it, is a key.
        quoted = text[m.start() - 1:m.start()] in ("'", '"', "`", "“", "‘") and text[m.end():m.end() + 1] in ("'", '"', "`", "”", "’")
        if not quoted or _KEY_BODY.match(text, m.end()):
            out.append(_f("SECRET", m, True, "contains a private key"))
    for m in _SECRET_ASSIGN.finditer(text):
        if _secret_value_ok(m.group(1)) and entropy(m.group(1)) >= 3.5:
            out.append(_f("SECRET", m, True, "contains what looks like a secret key or token", 1))
    for m in _PASSWORD.finditer(text):
        # "need a password: ingestion must report them" is prose: a plain word after a colon that
        # the sentence goes on from is no password ("my password is sunflower" still is).
        prose = m.group(1).isalpha() and ":" in m.group(0) and bool(re.match(r" [a-z]", text[m.end():]))
        if _password_value(m.group(1)) and not prose:
            out.append(_f("SECRET", m, True, "contains a password", 1))
    for m in _PIN.finditer(text):
        if sample_digits(m.group(1)):
            continue  # "the default PIN is 0000", "a PIN like 1234": the values documentation uses
        out.append(_f("SECRET", m, True, "contains a PIN", 1))
    if _ONE_TIME.search(text):  # "the code, it's 448213 — a normal otp or a scam?": the code before its name
        for m in _CODE_DIGITS.finditer(text):
            if 4 <= sum(c.isdigit() for c in m.group(0)) <= 8:
                out.append(_f("SECRET", m, True, "contains a one-time code"))
    for m in _RECOVERY.finditer(text):
        out.append(_f("SECRET", m, True, "contains a recovery code", 1))
    for m in _ENV_SECRET.finditer(text):
        if not allow.looks_like_placeholder(m.group(1)) and not re.fullmatch(r"\$\{?\w+\}?|<[^>]+>|\*+", m.group(1)) \
                and not _READ_FROM_ENV.match(m.group(1)):
            out.append(_f("SECRET", m, True, "contains a password or secret key", 1))
    for rx in (_MINE_IS, _PASS_DIRECT):
        if rx is _MINE_IS and not re.search(r"password|passcode|passphrase|\bpin\b", text, re.I):
            continue
        for m in rx.finditer(text):
            if rx is _PASS_DIRECT and _PASS_VERB.search(text[max(0, m.start() - 20):m.start()]):
                continue  # "will it pass mod-97?": the verb, not a label
            v = m.group(1).rstrip(".,;:!?)")
            if re.search(r"[A-Za-z]", v) and re.search(r"[\d\W_]", v) and _password_value(v) and not _NOT_A_SECRET.search(v):
                out.append(_f("SECRET", m, True, "contains a password", 1))
    for m in _PASSWORD_BEFORE.finditer(text):
        v = m.group(1).rstrip(".,;:!?)")
        # Only a value that looks made up: letters with digits or symbols, not an everyday word.
        if re.search(r"[A-Za-z]", v) and re.search(r"[\d\W_]", v) and _password_value(v) and not _NOT_A_SECRET.search(v):
            out.append(_f("SECRET", m, True, "contains a password", 1))
    for m in _URL_CRED.finditer(text):
        if not allow.looks_like_placeholder(m.group(2)) and m.group(2).lower() not in {"password", "pass", "pwd"}:
            out.append(_f("SECRET", m, True, "contains a password inside a link"))
    return out + find_secrets_intl(text) + find_plain_secrets(text)


# --- IP addresses and links -----------------------------------------------------------------
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{0,4}(?![\w:])", re.I)
_VERSION_CONTEXT = re.compile(r"\b(version|v|release|build)\s*$", re.I)
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"')\]]+", re.I)


def find_ips(text: str) -> list[Finding]:
    out = []
    for rx in (_IPV4, _IPV6):
        for m in rx.finditer(text):
            try:
                ip = ipaddress.ip_address(m.group(0))
            except ValueError:
                continue
            if allow.is_harmless_ip(ip) or _VERSION_CONTEXT.search(text[max(0, m.start() - 12): m.start()]):
                continue
            out.append(_f("IP", m, False, "contains an IP address"))
    return out


# A link whose path or query carries an identifier points at one record — an order, a shared
# document, a profile, a page someone read — and often at the person who pasted it (share and
# tracking parameters): a run of five or more digits, or a query string of key=value pairs.
# Such a link is redacted in every frame; a site's address or a plain page path ("docs/setup")
# stays where the frame allows it.
_RECORD_LINK = re.compile(r"(?<![\d.])\d{5,}|[?&][\w.-]+=[^&#\s]+")


_HOST_END = re.compile(r"[/?#]")
_LOOPBACK = re.compile(r"localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[?::1\]?")


def find_urls(text: str) -> list[Finding]:
    """Links to specific pages can identify a person or an organisation's internal systems."""
    out = []
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(".,;:!?")
        rest = re.sub(r"^https?://", "", url, flags=re.I)
        hostport = _HOST_END.split(rest, 1)[0]  # the host ends at a path, a query or a fragment
        host = hostport.split(":")[0]
        if allow.is_example_domain(host) or "@" in host or _LOOPBACK.fullmatch(host.lower()):
            continue  # a link on this very machine names no one
        if _RECORD_LINK.search(rest[len(hostport):]):  # "site.com?order=12345" has no path, only a query
            out.append(_f("LINK", (m.start(), m.start() + len(url), url), False,
                          "contains a link to one particular page or record"))
        else:
            out.append(_f("URL", (m.start(), m.start() + len(url), url), False, "contains a web link"))
    return out


_TLDS = ("com|net|org|io|co|ai|app|dev|edu|gov|info|biz|me|tv|us|uk|ca|au|in|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|"
         "pl|cz|ru|cn|jp|kr|sg|hk|ae|sa|eg|za|ng|ke|br|mx|ar|cl|nz|ie|pt|gr|tr|il|pk|bd|vn|th|my|id|ph|tw|"
         "shop|store|online|site|tech|cloud|paris|london|berlin|nyc|"
         "local|internal|lan|corp|intranet|localdomain")  # internal hosts name a company's network
_DOMAIN = re.compile(r"(?<![\w@.-])@?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:" + _TLDS + r"))(?![\w-])", re.I)


def find_domains(text: str) -> list[Finding]:
    """Bare domain names ("bakery-shop.com", "@northwind-trading.com") name a company or a person's site."""
    out = []
    for m in _DOMAIN.finditer(text):
        host = m.group(1)
        if allow.is_example_domain(host) or host.count(".") == 0 or _code_or_degree(text, m):
            continue
        if _INTERNAL_TLD.search(host):  # a host on someone's own network names their company or home
            out.append(_f("HOST", m, False, "contains the name of a computer on a private network", 1))
        else:
            out.append(_f("URL", m, False, "contains a web address", 1))
    return out


_INTERNAL_TLD = re.compile(r"\.(?:local|internal|lan|corp|intranet|localdomain|home\.arpa)$", re.I)


def _code_or_degree(text: str, m: re.Match[str]) -> bool:
    """``{user.id}``, ``self.app(`` and ``B.Tech`` look like domains but are attribute access in
    code and degree names: a brace, bracket or call around it, or a one-letter capital first label."""
    before, after = text[max(0, m.start() - 1):m.start()], text[m.end():m.end() + 1]
    first = m.group(1).split(".")[0]
    return before in ("{", "[", "$") or after in ("(", "}", "[", "=") or (len(first) == 1 and first.isupper())


# Tokens that earlier anonymisers left behind (``<PRESIDIO_ANONYMIZED_PERSON>``): mapped to our
# own placeholders so the cloud never sees two placeholder styles.
_FOREIGN_PLACEHOLDER = re.compile(r"<\s*(?:PRESIDIO_ANONYMIZED_)?(PERSON|EMAIL_ADDRESS|PHONE_NUMBER|LOCATION|"
                                  r"ORGANIZATION|URL|IP_ADDRESS|DATE_TIME|[A-Z_]{3,30})\s*>", re.I)
_FOREIGN_KIND = {"EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "LOCATION": "PLACE",
                 "ORGANIZATION": "ORG", "IP_ADDRESS": "IP"}


def find_foreign_placeholders(text: str) -> list[Finding]:
    out = []
    for m in _FOREIGN_PLACEHOLDER.finditer(text):
        if "PRESIDIO_ANONYMIZED_" not in m.group(0).upper() and not m.group(1).isupper():
            continue
        kind = _FOREIGN_KIND.get(m.group(1).upper(), m.group(1).upper())
        out.append(_f(kind[:12], m, False, "contains an anonymised placeholder"))
    return out


DETECTORS: tuple[Callable[[str], list[Finding]], ...] = (
    find_secrets, find_national_ids, find_cards, find_ibans, find_emails, find_phones, find_ips,
    find_urls, find_domains, find_foreign_placeholders, find_birth_dates, find_plates, find_addresses,
    find_references,
)


def run_detectors(text: str, detectors: Iterable[Callable[[str], list[Finding]]] = DETECTORS) -> list[Finding]:
    """All findings, overlapping spans resolved in favour of the earlier detector."""
    found: list[Finding] = []
    for det in detectors:
        for f in det(text):
            if any(f.start < g.end and g.start < f.end for g in found):
                if f.local:  # a local-only finding always counts, even when it overlaps
                    found.append(f)
                continue
            found.append(f)
    return sorted(found, key=lambda f: f.start)

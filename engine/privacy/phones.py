"""Phone numbers, validated against each country's number plan (``phonenumbers``).

Written with a country code (``+49 30 1234567``, ``0049 30 1234567``) a number is checked for
that country (with ``+``, the plan need only find it possible: numbers in ranges reserved for
fiction are still dialled). Written nationally it is checked against the plans of the countries whose
languages Hearth reads: the US and UK (the plan decides, any grouping), numbers with the trunk
``0`` of Germany, France, Italy, the Netherlands, Belgium, Austria and Switzerland (``030
12345678``, ``06 12 34 56 78``, ``0171/1234567``), and mobile numbers of Spain, Portugal, Italy
and Brazil that have no trunk prefix but are written in their usual groups (``612 345 678``,
``(11) 91234-5678``). A cue word in any of those languages ("Tel.", "Handy", "portable",
"móvil", "cellulare", "telemóvel", "mobiel") makes a digit run a phone number without a plan.
Dates, versions, amounts and ungrouped digit runs are not phone numbers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from engine.privacy.finding import Finding

if TYPE_CHECKING:
    from phonenumbers import PhoneNumber

_REASON = "contains a phone number"
_TRUNK_REGIONS = ("DE", "FR", "IT", "NL", "BE", "AT", "CH", "GB")
_MOBILE_REGIONS = ("ES", "PT", "IT")

# A digit run with its separators: optional +CC / 00CC, an optional "(0)", groups of digits, an
# area code in brackets ("(415) 555-2671", "+1 (415) 555 2671").
_CANDIDATE = re.compile(r"(?<![\w+/.,-])(?:\+\s?\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d+"
                        r"(?:(?:\s?\(0\)\s?|[ ./-]|\s?/\s?)\d+){0,6}(?![\w/-]|[.,]\d)")
# Spanish/Portuguese/Italian/Brazilian mobile groupings (spaces only: dots and commas are amounts).
_MOBILE_GROUPS = re.compile(r"\d{3} \d{3} \d{3}|\d{3} \d{3} \d{4}|\d{3} \d{2} \d{2} \d{2}|\d{2,3} \d{3} \d{2} \d{2}|"
                            r"\(\d{2}\) ?9?\d{4}-\d{4}")
_DATE_SHAPE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}[./]\d{1,2}|\d{1,2} \d{1,2} (?:19|20)\d\d")
# Cue words before a number, in the seven languages.
_CUE = re.compile(
    r"\b(?:phone|tel|telephone|mobile|cell|whats ?app|fax|hotline|contact number|my number(?: is)?|"
    r"call(?: me)?(?: on| at)?|"
    # "call the clinic's front desk on ...", "Call <firm> Customer Care Number ...": the number a
    # sentence tells someone to call, a few words after "call"; a service line's own label.
    r"call\s+(?:[\w&'’-]+\s+){1,6}?(?:number|line|no\.?|on|at)|"
    r"(?:help|hot|service|support|emergency|toll[- ]free|landline|office|direct|unified|customer\s+(?:service|care))"
    r"\s*(?:line|number|no\.?)|"
    r"telefon(?:nummer)?|handy(?:nummer)?|mobil(?:nummer|funk)?|rufnummer|festnetz|erreichbar unter|"
    r"t[ée]l[ée]phone|t[ée]l|portable|num[ée]ro de (?:t[ée]l[ée]phone|portable)|joignable au|appelle[sz]?-moi au|"
    r"tel[ée]fono|m[óo]vil|celular|n[úu]mero de tel[ée]fono|ll[áa]mame al|"
    r"cellulare|cell|numero di (?:telefono|cellulare)|chiamami al|"
    r"telefone|telem[óo]vel|n[úu]mero de (?:telefone|telem[óo]vel|celular)|liga(?:-me)? para|ligue para|me liga no|"
    r"telefoon(?:nummer)?|mobiel(?:e nummer)?|gsm|bel me (?:op|via))"
    r"\b\.?[^\w\n(+]{0,3}(?:number|no\.?|nr\.?|n[º°o]\.?|#)?[^\w\n(+]{0,3}(\+?\(?\d[\d ()\-./]{5,18}\d)", re.I)
_LOCAL_SEVEN = re.compile(r"(?<![\w+.-])\d{3}-\d{4}(?![\w.-])")


def _valid(number: str, region: str) -> PhoneNumber | None:
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_valid_number(parsed) else None


def _plan_says_phone(raw: str) -> bool:
    """The countries' plans accept ``raw`` as written (country code, trunk 0, or mobile groups)."""
    import phonenumbers

    digits = re.sub(r"\D", "", raw)
    if not 8 <= len(digits) <= 15 or len(set(digits)) <= 2 or _DATE_SHAPE.fullmatch(raw.strip()):
        return False
    if raw.startswith("+"):
        # A number written with its country code is dialled as written, even in a range
        # reserved for fiction: the plan need only find it possible.
        try:
            return phonenumbers.is_possible_number(phonenumbers.parse(raw.replace("(0)", ""), "ZZ"))
        except phonenumbers.NumberParseException:
            return False
    if raw.startswith("00"):
        return _valid("+" + raw[2:].replace("(0)", ""), "ZZ") is not None
    grouped = bool(re.search(r"[ ./-]", raw))
    if raw.startswith("0") or raw.startswith("(0"):
        # "01711234567" in one run could be any reference; grouped, it is written as a phone number.
        # Other countries' numbers written the same way ("0722 481 993") are phone numbers too:
        # nothing else is written with a leading 0 in groups.
        return grouped and (any(_valid(raw, r) is not None for r in _TRUNK_REGIONS) or 9 <= len(digits) <= 12)
    # US numbers as their plan places them, in any grouping ("(415) 555-2671"); UK ones start with 0.
    if _valid(raw, "US") is not None:
        return True
    if _MOBILE_GROUPS.fullmatch(raw):
        if raw.startswith("("):
            return _valid(raw, "BR") is not None
        return any((n := _valid(raw, r)) is not None and phonenumbers.number_type(n) in (
            phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
            for r in _MOBILE_REGIONS)
    return False


def find_phones(text: str) -> list[Finding]:
    out: list[Finding] = []
    taken: list[tuple[int, int]] = []

    def add(s: int, e: int) -> None:
        if not any(s < b and a < e for a, b in taken):
            taken.append((s, e))
            out.append(Finding("PHONE", s, e, text[s:e], False, _REASON))

    for m in _CANDIDATE.finditer(text):
        raw = m.group(0).rstrip(" ./-")
        if _plan_says_phone(raw):
            add(m.start(), m.start() + len(raw))
    # Numbers the plans can't place without a country, but that the words around them call a phone.
    for m in _CUE.finditer(text):
        digits = re.sub(r"\D", "", m.group(1))
        if 7 <= len(digits) <= 15 and len(set(digits)) > 2 and not _DATE_SHAPE.fullmatch(m.group(1)):
            add(m.start(1), m.end(1))
    # Seven-digit local numbers ("555-0142") validate nowhere; two or more of them are a contact list.
    local = [m for m in _LOCAL_SEVEN.finditer(text) if not any(m.start() < b and a < m.end() for a, b in taken)]
    if len(local) >= 2:
        for m in local:
            add(m.start(), m.end())
    return sorted(out, key=lambda f: f.start)

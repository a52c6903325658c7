"""Details that locate one person: postal addresses, dates of birth, vehicle registrations.

All three are redacted (``[ADDRESS_1]``, ``[BIRTHDATE_1]``, ``[PLATE_1]``), not kept local: the
question around them ("how do I appeal the parking ticket?") is usually fine to send. They are
found from their shape plus what stands around them, so that ordinary numbers and dates stay:

* addresses — a house number, one to four name words and a street type ("42 Elm Street, Apt 3B,
  Springfield IL 62704"), the continental forms ("12 rue de la Paix", "Hauptstraße 5",
  "Via Roma 10"), P.O. boxes, and postcodes that cannot be anything else (UK, Canada) or are
  labelled as such ("zip 62704", "IL 62704");
* dates of birth — a full date after "date of birth", "DOB", "birthday", "I was born (on)";
  a public figure's birth date in a biography is not the writer's and stays;
* plates — a registration after "licence plate", "number plate", "registration (number)".
"""

from __future__ import annotations

import re

from engine.privacy.finding import Finding
from engine.privacy.locators_intl import find_addresses_intl, find_birth_dates_intl, find_plates_intl

_STREET_TYPES = (r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|"
                 r"crescent|cres|close|square|sq|highway|hwy|parkway|pkwy|circle|cir|trail|row|walk|gardens|grove|"
                 r"mews|alley|broadway")
_NAME_WORD = r"(?!(?:the|a|an|of|to|in|on|at|and|or|for|from|down|up|my|our|your|miles?|km|blocks?|minutes?)\b)(?:[A-Za-z][\w'’.-]*|\d{1,3}(?:st|nd|rd|th))"
_US_STATES = ("AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|"
              "ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY")
# What may follow a street: a unit, then up to three ", Town" / "State 12345" parts.
_TAIL = (r"(?:,?\s*(?i:apt|apartment|suite|ste|unit|flat|floor|#)\.?\s*[\w-]+)?"
         # ", Town": capitalised words, not across a full stop ("…, Bristol. Write a letter")
         r"(?:,\s*(?:[A-Z][\w'’-]*(?:\s+(?:[A-Z][\w'’-]*|\d{1,4}\b)){0,2}|\d{4,6})){0,2}"
         r"(?:,?\s+(?:" + _US_STATES + r")\b)?"
         # a postcode: US ZIP, "VIC 3065", Indian PIN, Japanese "160-0023", Singapore's six digits
         r"(?:,?\s+(?:[A-Z]{2,3}\s+)?(?:\d{5}(?:-\d{4})?|\d{3}-\d{4}|\d{4,6})\b)?")
_STREET = re.compile(
    r"(?<![\w.,/-])\d{1,6}[A-Za-z]?(?:[-/]\d{1,4})?,?\s+(?:" + _NAME_WORD + r"\s+){1,4}?(?:(?i:" + _STREET_TYPES
    + r"))\b\.?(?:\s+(?:NW|NE|SW|SE|N|S|E|W)\b\.?)?" + _TAIL)
_CONTINENTAL = re.compile(
    r"(?<![\w.,/-])\d{1,5}[a-z]?,?\s+(?i:rue|avenue|boulevard|bd|chemin|allée|allee|impasse|place|quai|cours)\s+"
    r"(?:[\w'’-]+\s+){0,3}[A-Z][\w'’-]+|"
    r"\b[A-ZÄÖÜ][\wäöüßé-]{2,40}?(?:straße|strasse|str\.|weg|gasse|platz|allee|damm|laan|straat|gracht|vej|gatan|"
    r"gata|veien)\s+\d{1,5}[a-z]?\b|"
    r"\b(?i:via|viale|piazza|corso|calle|avenida|carrer|rua|ulica)\s+(?:[A-Z][\w'’-]*\s+){1,4}\d{1,5}\b")
_PO_BOX = re.compile(r"\bP\.?\s?O\.?\s+Box\s+\d{1,7}\b", re.I)
_POSTCODE = re.compile(
    r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}\b|"        # UK
    r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\s?\d[ABCEGHJ-NPRSTV-Z]\d\b|"  # Canada
    r"\b(?:" + _US_STATES + r")\s+\d{5}(?:-\d{4})?\b|"
    # the last line of an address elsewhere: ", Navi Mumbai 410210", ", Tokyo 160-0023"
    r"(?<=,)\s*[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?\s+(\d{6}|\d{3}-\d{4})\b(?![\d-])|"
    # ", 75002 Paris", ", 10115 Berlin": a continental postcode before the town
    r"(?<=,)\s*(\d{5})\s+(?=[A-ZÀ-Ý][a-zà-ÿ]+)|"
    r"(?i:\b(?:zip|zip code|zipcode|postcode|post code|postal code|plz)\b)\s*(?:is|:|#)?\s*([A-Z0-9][A-Z0-9 -]{2,8}[A-Z0-9])\b")

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_FULL_DATE = (r"(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}|"
              r"\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+\d{4}|" + _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})")
# "My grandfather, born 9 March 1945, ...": someone close to the writer, with a full date.
_RELATIVE_BORN = re.compile(r"\b(?:my|our|his|her|their)\s+[a-z]+(?:[- ]in[- ]law)?\b[^.!?\n]{0,40}?\bborn\s+(?:on\s+)?("
                            + _FULL_DATE + r")", re.I)
_BIRTH = re.compile(
    r"\b(?:date of birth|date_of_birth|birth[ _]?date|d\.?o\.?b\.?|birthday|(?:i|we) was born|i was born|(?:i|we) were born)"
    r"[\"']?(?:\s*[:=-]|\s+(?:is|was|on))*\s*[\"']?(" + _FULL_DATE + r")", re.I)
_PLATE = re.compile(
    r"(?i:\b(?:licen[cs]e plate|number plate|plate number|registration number|registration|reg\.? no\.?|reg|"
    r"vehicle reg\w*|plate)(?:\s+(?:is|was|number|no\.?|reads|:|#))*\s*[:#]?\s*)"
    # As typed on the plate (capitals and digits, "KX19 ZTB"), or one lower-case token ("kx19ztb").
    r"((?=[A-Z0-9 -]*\d)(?=[A-Z0-9 -]*[A-Z])[A-Z0-9](?:[A-Z0-9]|[ -](?=[A-Z0-9])){2,12}|"
    r"(?=[a-z0-9]*\d)(?=[a-z0-9]*[a-z])[a-z0-9]{2,8}(?:[ -][a-z0-9]{3})?)\b")


# Addresses that are landmarks in their own right: asking about them says nothing about the writer.
_FAMOUS = re.compile(r"^(?:10 downing st(?:reet)?|1600 pennsylvania ave(?:nue)?(?: nw)?|221b baker st(?:reet)?|"
                     r"350 fifth ave(?:nue)?|11 wall st(?:reet)?|1 infinite loop|1 apple park way|"
                     r"1600 amphitheatre parkway)\b", re.I)


def find_addresses(text: str) -> list[Finding]:
    out: list[Finding] = []
    for rx in (_STREET, _CONTINENTAL, _PO_BOX, _POSTCODE):
        for m in rx.finditer(text):
            group = next((g for g in (1, 2, 3) if rx is _POSTCODE and m.group(g)), 0)
            s, e = m.span(group)
            surface = text[s:e].rstrip(" ,")
            if re.search(r"[A-Za-z]{4,}\.$", surface):  # "Baker Street." ends a sentence; "Elm St." does not
                surface = surface[:-1]
            if _FAMOUS.match(surface) and "," not in surface:  # a landmark, not someone's door
                continue
            if not any(s < f.end and f.start < e for f in out):
                out.append(Finding("ADDRESS", s, s + len(surface), surface, False, "contains a postal address"))
    return _merge(out, find_addresses_intl(text))


def _merge(found: list[Finding], more: list[Finding]) -> list[Finding]:
    """``found`` plus those of ``more`` that overlap none of them, longest spans winning ties."""
    out = list(found)
    for f in more:
        clash = [g for g in out if f.start < g.end and g.start < f.end]
        if not clash:
            out.append(f)
        elif all(g.start >= f.start and g.end <= f.end for g in clash) and any(
                (g.end - g.start) < (f.end - f.start) for g in clash):
            out = [g for g in out if g not in clash] + [f]  # a whole address beats its postcode alone
    return sorted(out, key=lambda f: f.start)


def find_birth_dates(text: str) -> list[Finding]:
    found = {m.span(1): m.group(1) for rx in (_BIRTH, _RELATIVE_BORN) for m in rx.finditer(text)}
    if _CLOSE_ONE.search(text):
        found.update({m.span(1): m.group(1) for m in _BORN.finditer(text)})
    return _merge([Finding("BIRTHDATE", s, e, t, False, "contains a date of birth")
                   for (s, e), t in sorted(found.items())], find_birth_dates_intl(text))


_VIN = re.compile(r"(?i:\b(?:vin|chassis number|vehicle identification number))\s*(?:is|:|#|no\.?)?\s*([A-HJ-NPR-Z0-9]{17})\b")
# "Name: Emmanuel Osei-Bonsu, born 2 Feb 1950": any "born <date>" once the text is about someone
# close to the writer ("my dad's obituary").
_CLOSE_ONE = re.compile(r"\b(?:my|our)\s+(?:dad|father|mom|mum|mother|parents?|grand\w+|son|daughter|child|kids?|"
                        r"husband|wife|partner|brother|sister|aunt|uncle|cousin|patient|client)\b", re.I)
_BORN = re.compile(r"\bborn\s+(?:on\s+)?(" + _FULL_DATE + r")", re.I)


def find_plates(text: str) -> list[Finding]:
    out = [Finding("PLATE", m.start(1), m.end(1), m.group(1), False, "contains a vehicle identification number")
           for m in _VIN.finditer(text)]
    for m in _PLATE.finditer(text):
        value = m.group(1).strip()
        if len(re.sub(r"[ -]", "", value)) >= 4:  # "plate 2" is a figure in a document, not a car
            out.append(Finding("PLATE", m.start(1), m.start(1) + len(value), value, False,
                               "contains a vehicle registration"))
    return _merge(out, find_plates_intl(text))

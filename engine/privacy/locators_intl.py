"""Addresses, dates of birth and number plates as written in Germany, Austria, Switzerland, France,
Belgium, Spain, Italy, Portugal, Brazil and the Netherlands (see :mod:`engine.privacy.locators`
for the English forms; both are redacted, not kept local).

* addresses — street type before the name ("rue", "Calle", "Via", "Rua", "Avenida") or fused
  after it ("Hauptstraße", "Kerkstraat", "Keizersgracht"), then the house number; the postcode
  line after it ("10115 Berlin", "1100-053 Lisboa", "1017 GL Amsterdam"), and labelled
  postcodes ("PLZ", "code postal", "CEP", "código postal", "CAP", "postcode");
* dates of birth — a full date (numeric, or with the month named in any of the languages) after
  a form label ("Geburtsdatum", "date de naissance", "fecha de nacimiento", "data di nascita",
  "data de nascimento", "geboortedatum", "geb.") or a first-person birth verb ("ich bin am …
  geboren", "je suis né le", "nací el", "sono nata il", "nasci em", "ik ben geboren op"); a birth
  verb about someone else counts once the text is about someone close to the writer;
* plates — a registration after its label ("Kennzeichen", "plaque d'immatriculation",
  "matrícula", "targa", "placa", "kenteken"), and French SIV plates ("AB-123-CD"), a shape
  nothing else has.
"""

from __future__ import annotations

import re

from engine.privacy.finding import Finding
from engine.privacy.gate import Gated, index_of
from engine.privacy.words_intl import ALL_MONTHS, MY, RELATIVES

_CAP = r"[A-ZÀ-ÖØ-Þ][\wÀ-ÖØ-öø-ÿ'’-]*"
# A word of a street's name: capitalised, or an abbreviation with its full stop ("St.", "Sta.", "Dr.").
_STREET_WORD = r"(?:[A-ZÀ-Þ][a-zà-ÿ]{0,2}\.|" + _CAP + r")"
_CONNECT = r"(?:de|del|della|delle|dei|degli|dello|di|da|das|do|dos|la|las|los|el|le|les|des|du|d'|l'|van|der|den|" \
           r"het|ter|und|e|y)"
_NUMBER = r"(?:n\.?\s?º?|nº|n°|no\.?|nr\.?)?\s?\d{1,5}(?:\s?[a-zA-Z](?![\w]))?(?:\s?[/-]\s?\d{1,4}[a-zA-Z]?)?(?:\s+(?:bis|ter))?"
# Street types written before the name.
_PREFIX_TYPES = (r"rue|avenue|av\.|boulevard|bd|chemin|allée|allee|impasse|place|quai|cours|route|square|passage|"
                 r"calle|c/|avenida|avda\.|paseo|plaza|camino|carretera|ronda|travesía|glorieta|pasaje|carrer|"
                 r"via|viale|piazza|piazzale|corso|largo|vicolo|lungomare|strada|contrada|"
                 r"rua|travessa|praça|praca|alameda|estrada|rodovia|"
                 r"ulica|straße|strasse")
# Street types fused to the end of the name.
_SUFFIX_TYPES = (r"straße|strasse|str\.|weg|gasse|platz|allee|damm|ring|ufer|chaussee|steig|pfad|markt|"
                 r"straat|laan|gracht|kade|singel|dijk|plein|steeg|dreef|pad|wal|hof|"
                 r"vej|gatan|gata|veien")
_POSTCODE_LINE = (r"(?:,?\s*\n?\s*(?:[A-Z]{1,2}-)?(?:\d{5}|\d{4}-\d{3}|\d{4}\s?[A-Z]{2}(?![a-z])|\d{4}|\d{5}-\d{3})"
                  r"\s+" + _CAP + r"(?:[ -]" + _CAP + r")?)?")
_UNIT = r"(?:,?\s*(?:\d{1,2}\s?[º°ª]\s?(?:\d{1,2}\s?[º°ª]|[A-Z]|izq(?:uierda)?\.?|dcha\.?|dto\.?|esq\.?)?|" \
        r"\d{1,2}\.?\s?(?:OG|Stock|étage|piso|andar|piano|etage)|bajo|r/c|(?:apt|app|wohnung|whg)\.?\s?\d+))?"
_STREET_BEFORE = Gated.labelled(_PREFIX_TYPES,
    r"(?<![\w])(?:\d{1,5}(?:\s?(?:bis|ter))?,?\s+)?(?i:" + _PREFIX_TYPES + r")\s*"
    r"(?:(?:" + _CONNECT + r")\s*)*" + _STREET_WORD + r"(?:\s+(?:(?:" + _CONNECT + r")\s+)*(?:" + _STREET_WORD + r"|[IVX]+\b))"
    r"{0,3}(?:,?\s*" + _NUMBER + r")" + _UNIT + _POSTCODE_LINE)
_FRENCH_TYPES = r"rue|avenue|av\.|boulevard|bd|chemin|allée|allee|impasse|place|quai|cours|route|square|passage"
# "12 rue des Lilas": the number comes first in French.
_NUMBER_FIRST = Gated.labelled(
    _FRENCH_TYPES, r"(?<![\w.,/-])\d{1,5}(?:\s?(?:bis|ter|[a-c]))?,?\s+(?i:" + _FRENCH_TYPES + r")\s+(?:(?:" + _CONNECT + r")\s*)*" + _CAP
    + r"(?:\s+(?:(?:" + _CONNECT + r")\s+)*" + _CAP + r"){0,3}" + _POSTCODE_LINE)
_STREET_AFTER = Gated(re.compile(
    r"(?<![\w-])(?:[A-ZÄÖÜ][\wäöüß]+(?:er|e)\s+(?:Straße|Strasse|Str\.|Weg|Platz|Allee|Ring|Damm|Gasse|Chaussee)|"
    r"[A-ZÀ-Þ][\wÀ-ÿ'’-]{1,40}?(?i:" + _SUFFIX_TYPES + r")|"
    r"[a-zäöü][\wäöüß-]{2,40}?(?:straße|strasse|straat))"
    r"\s*" + _NUMBER + _UNIT + _POSTCODE_LINE), tuple(t.replace("\\", "") for t in _SUFFIX_TYPES.split("|")))
_POSTCODE_LABELS = r"plz|postleitzahl|code postal|cp|c\.p\.|código postal|codigo postal|cap|cep|postcode"
_LABELLED_POSTCODE = Gated.at_labels(_POSTCODE_LABELS, r"(?i:\b(?:" + _POSTCODE_LABELS + r")\b)\.?\s*[:#]?\s*"
                                    r"(\d{5}-\d{3}|\d{4}-\d{3}|\d{4,5}|\d{4}\s?[A-Z]{2})\b")

_DATE = (r"(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}|"
         r"\d{1,2}(?:\.|er|º|°)?\s+(?i:de\s+)?(?i:" + ALL_MONTHS + r")\.?,?\s+(?i:de\s+)?\d{4})")
_FORM_LABEL = (r"geburtsdatum|geb\.-?datum|geb\.|date de naissance|né\(e\) le|date naiss\.?|ddn|"
               r"fecha de nacimiento|f\. ?nac\.|fecha nac\.?|data di nascita|data nascita|data de nascimento|"
               r"data nasc\.|geboortedatum|geb\.datum")
_BIRTH_LABEL = Gated.at_labels(_FORM_LABEL, r"(?i:\b(?:" + _FORM_LABEL + r"))\s*[:=-]?\s*(?:(?i:am|le|el|il|em|op|on)\s+)?(" + _DATE + r")")
# "ich bin am 3. Mai 1990 geboren", "je suis née le …", "nací el …", "sono nato il …", "nasci em …",
# "ik ben op … geboren"
_I_WAS_BORN = (r"ich bin|ich wurde|je suis n[ée]e?|yo nac[íi]|nac[íi]|sono nat[oa]|eu nasci|nasci|ik ben|"
               r"wir sind|nous sommes n[ée]e?s|nacimos|siamo nat[ie]|nascemos|wij zijn|we zijn")
_FIRST_PERSON_BORN = Gated.at_labels(
    _I_WAS_BORN, r"(?i:\b(?:" + _I_WAS_BORN + r"))"
    r"[^.!?\n]{0,20}?(?i:\b(?:am|le|el|il|em|no dia|op|en)\s+)(" + _DATE + r")")
_BORN = r"geboren|né|née|nacido|nacida|nato|nata|nascido|nascida|nasceu|naci[óo]|è nat[oa]|est n[ée]e?"
_THIRD_PERSON_BORN = Gated.at_labels(
    _BORN + "|am", r"(?i:\b(?:" + _BORN + r")"
    r"\s+(?:am|le|el|il|em|no dia|op|en)\s+)(" + _DATE + r")|"
    r"(?i:\bam\s+)(" + _DATE + r")(?i:\s+geboren)")
_ALL_MY = "|".join(MY.values())
_CLOSE_ONE = Gated.at_labels(_ALL_MY, r"\b(?:" + _ALL_MY + r")\s+(?:" + "|".join(RELATIVES.values()) + r")\b", re.I)
_DIGIT = re.compile(r"\d")

_PLATE_WORDS = (r"kennzeichen|kfz-kennzeichen|autokennzeichen|amtliches kennzeichen|nummernschild|plaque|immatriculation|"
                r"immat|matrícula|matricula|placa|targa|kenteken|nummerplaat")
_PLATE_LABEL = Gated.at_labels(
    _PLATE_WORDS, r"(?i:\b(?:" + _PLATE_WORDS + r")\b)"
    r"(?:\s+[\w'’]+){0,5}?\s*[:#,]?\s*"
    r"((?=[A-Z0-9 -]*\d)(?=[A-Z0-9 -]*[A-Z])[A-ZÄÖÜ0-9](?:[A-ZÄÖÜ0-9]|[ -](?=[A-Z0-9])){3,11})\b")
_FR_PLATE = re.compile(r"(?<![\w-])[A-HJ-NP-TV-Z]{2}-\d{3}-[A-HJ-NP-TV-Z]{2}(?![\w-])")


def find_addresses_intl(text: str) -> list[Finding]:
    out: list[Finding] = []
    for rx in (_NUMBER_FIRST, _STREET_BEFORE, _STREET_AFTER, _LABELLED_POSTCODE):
        for m in rx.finditer(text):
            g = 1 if rx is _LABELLED_POSTCODE else 0
            s, e = m.span(g)
            surface = text[s:e].rstrip(" ,.")
            if _english_word_and_year(surface):
                continue
            if not any(s < f.end and f.start < e for f in out):
                out.append(Finding("ADDRESS", s, s + len(surface), surface, False, "contains a postal address"))
    return sorted(out, key=lambda f: f.start)


def _english_word_and_year(surface: str) -> bool:
    """"During 2021", "Spring 2024": an everyday English word ending like a street type ("-ring")
    followed by a year is a date, not a street and house number."""
    m = re.fullmatch(r"([A-Za-z]+)\s+(?:1[89]|20)\d\d", surface)
    if not m:
        return False
    from engine.privacy.gazetteer import zipf

    return zipf(m.group(1).lower()) >= 4.0


def find_birth_dates_intl(text: str) -> list[Finding]:
    found: dict[tuple[int, int], str] = {}
    if not _DIGIT.search(text):
        return []
    for rx in (_BIRTH_LABEL, _FIRST_PERSON_BORN):
        for m in rx.finditer(text):
            found[m.span(1)] = m.group(1)
    if _THIRD_PERSON_BORN.may_match(index_of(text)) and next(_CLOSE_ONE.finditer(text), None):
        for m in _THIRD_PERSON_BORN.finditer(text):
            g = 1 if m.group(1) else 2
            found[m.span(g)] = m.group(g)
    return [Finding("BIRTHDATE", s, e, t, False, "contains a date of birth") for (s, e), t in sorted(found.items())]


def find_plates_intl(text: str) -> list[Finding]:
    out = [Finding("PLATE", m.start(1), m.start(1) + len(m.group(1).strip()), m.group(1).strip(), False,
                   "contains a vehicle registration") for m in _PLATE_LABEL.finditer(text)
           if len(re.sub(r"[ -]", "", m.group(1))) >= 4]
    for m in _FR_PLATE.finditer(text):
        if not any(m.start() < f.end and f.start < m.end() for f in out):
            out.append(Finding("PLATE", m.start(), m.end(), m.group(0), False, "contains a vehicle registration"))
    return out

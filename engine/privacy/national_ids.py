"""National identity, tax and social-security numbers ⇒ the message stays local.

Three ways a number is recognised:

* by a format that is nothing else, validated by its checksum (``stdnum``): US SSNs (with a cue
  word, or passing stdnum's checks), UK National Insurance numbers, Italian codici fiscali,
  Spanish DNI/NIE with their control letter, Brazilian CPFs written with dots and dash, French
  NIRs written in their groups;
* by a cue word in any of the seven languages Hearth reads, followed within a few words by a
  number ("Steuer-ID 45 803 371 295", "numéro de sécurité sociale : …", "mi NIE es …",
  "BSN 384729101"): the cue makes it an ID; where stdnum knows the number, its check names it;
* short or ambiguous cue words ("PAN", "SIN", "NIE", "CC", "RG", which are also words: Spanish
  *sin*, German *nie*) count only when the number passes the checksum.
"""

from __future__ import annotations

import importlib
import re

from engine.privacy import allowlists as allow
from engine.privacy.finding import Finding
from engine.privacy.gate import Gated

_SSN = re.compile(r"(?<![\d-])(\d{3})[- ](\d{2})[- ](\d{4})(?![\d-])")
_SSN_CONTEXT = re.compile(r"\b(ssn|social security|social-security|itin|tax ?id|w-?[249]|i-9)\b", re.I)
_NINO = re.compile(r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
# A UK driving licence number: surname (padded with 9s), decade, month (+50 for women), day, year,
# initials, check digit, two letters — distinctive enough to stand without a cue word.
_UK_LICENCE = re.compile(r"\b[A-Z9]{5}\d[0156]\d[0-3]\d{2}[A-Z9]{2}\d[A-Z]{2}\b")

# Formats distinctive enough to stand without a cue word once their checksum passes.
_SELF_EVIDENT = (
    (re.compile(r"\b[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]\b", re.I), "stdnum.it.codicefiscale",
     "Italian codice fiscale"),
    (re.compile(r"(?<![\w-])\d{8}-?[A-Z](?![\w-])"), "stdnum.es.dni", "Spanish DNI"),
    (re.compile(r"(?<![\w-])[XYZ]-?\d{7}-?[A-Z](?![\w-])"), "stdnum.es.nie", "Spanish NIE"),
    (re.compile(r"(?<![\w.-])\d{3}\.\d{3}\.\d{3}-\d{2}(?![\w-])"), "stdnum.br.cpf", "Brazilian CPF"),
    (re.compile(r"(?<![\w-])[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}(?![\w-])"), "stdnum.fr.nir",
     "French social security number"),
)

# Cue words. Each is (pattern, stdnum module or None, name shown, needs a checksum to count).
_CUES: tuple[tuple[str, str | None, str, bool], ...] = (
    # English
    (r"passport(?: (?:number|no\.?))?", None, "passport number", False),
    (r"national (?:id|insurance|identity)(?: (?:number|no\.?))?|id (?:card|number|no)|identity (?:card|number)",
     None, "identity document number", False),
    (r"driver'?s? licen[cs]e|driving licen[cs]e|licen[cs]e (?:no|number)", None, "driving licence number", False),
    (r"aadhaar", "stdnum.in_.aadhaar", "Aadhaar", False),
    (r"pan card", "stdnum.in_.pan", "Indian PAN", False),
    (r"pan", "stdnum.in_.pan", "Indian PAN", True),
    (r"social insurance(?: number)?", "stdnum.ca.sin", "Canadian SIN", False),
    (r"sin", "stdnum.ca.sin", "Canadian SIN", True),
    (r"personnummer", "stdnum.se.personnummer", "Swedish personnummer", False),
    (r"curp", "stdnum.mx.curp", "Mexican CURP", False),
    (r"medicare (?:no|number)", None, "Medicare number", False),
    (r"nhs (?:no|number)", "stdnum.gb.nhs", "NHS number", False),
    (r"tax (?:file|id(?:entification)?) (?:no|number)|ni number|nino|utr|unique taxpayer reference|tfn|itin",
     None, "tax or insurance number", False),
    # German
    (r"steuer-?id(?:entifikationsnummer)?|steuerliche identifikationsnummer|steuer-?idnr|idnr|"
     r"identifikationsnummer", "stdnum.de.idnr", "German tax ID", False),
    (r"steuernummer", "stdnum.de.stnr", "German tax number", False),
    (r"ausweis(?:nummer|-?nr\.?)?|personalausweis(?:nummer|-?nr\.?)?|reisepass(?:nummer)?|pass(?:nummer|-?nr\.?)",
     None, "identity document number", False),
    (r"sozialversicherungs(?:nummer|-?nr\.?)|rentenversicherungs(?:nummer|-?nr\.?)|sv-?(?:nummer|nr\.?)|"
     r"versicherungsnummer der rentenversicherung", "stdnum.at.vnr", "social insurance number", False),
    (r"krankenversicherten(?:nummer|-?nr\.?)|versichertennummer", None, "health insurance number", False),
    (r"führerschein(?:nummer|-?nr\.?)", None, "driving licence number", False),
    # French
    (r"nir|num[ée]ro (?:de )?s[ée]cu(?:rit[ée] sociale)?|n° de s[ée]cu(?:rit[ée] sociale)?|sécurité sociale|securite sociale|"
     r"num[ée]ro insee", "stdnum.fr.nir", "French social security number", False),
    (r"num[ée]ro fiscal(?: de r[ée]f[ée]rence)?|spi", "stdnum.fr.nif", "French tax number", False),
    (r"passeport|num[ée]ro de passeport|carte (?:nationale )?d'identit[ée]|cni|permis de conduire",
     None, "identity document number", False),
    # Spanish
    (r"dni|nif", "stdnum.es.nif", "Spanish DNI/NIF", False),
    (r"nie", "stdnum.es.nie", "Spanish NIE", True),
    (r"número de (?:la )?seguridad social|numero de (?:la )?seguridad social|nuss|naf", None, "Spanish social security number", False),
    (r"pasaporte|documento (?:nacional )?de identidad|carn[ée] de conducir", None, "identity document number",
     False),
    # Italian
    (r"codice fiscale|c\.f\.", "stdnum.it.codicefiscale", "Italian codice fiscale", False),
    (r"tessera sanitaria", None, "Italian health card number", False),
    (r"carta d'identit[àa]|passaporto|patente(?: di guida)?", None, "identity document number", False),
    # Portuguese and Brazilian
    (r"número de contribuinte|numero de contribuinte|nif", "stdnum.pt.nif", "Portuguese NIF", False),
    (r"niss|número de (?:identifica[çc][ãa]o de )?seguran[çc]a social|numero de seguran[çc]a social", None, "Portuguese NISS", False),
    (r"cart[ãa]o de cidad[ãa]o|cc", "stdnum.pt.cc", "Portuguese citizen card", True),
    (r"cart[ãa]o de cidad[ãa]o", None, "Portuguese citizen card", False),
    (r"número de utente|numero de utente|cart[ãa]o do sus", None, "health service number", False),
    (r"cpf", "stdnum.br.cpf", "Brazilian CPF", False),
    (r"rg|cnh|carteira de (?:identidade|motorista)|registro geral", None, "Brazilian identity document number",
     False),
    # Dutch and Belgian
    (r"bsn|burgerservicenummer|sofinummer|sofi-nummer", "stdnum.nl.bsn", "Dutch BSN", False),
    (r"paspoort(?:nummer)?|id-?kaart(?:nummer)?|identiteitskaart(?:nummer)?|rijbewijs(?:nummer)?",
     None, "identity document number", False),
    (r"rijksregisternummer|registre national|insz", "stdnum.be.nn", "Belgian national number", False),
)
_CUE_RX = [(Gated.at_labels(cue, r"(?<![\w-])(?:" + cue + r")(?![\w-])", re.I), mod, name, strict)
           for cue, mod, name, strict in _CUES]
# An ID: one alphanumeric run, optionally followed by digit groups ("943 476 5919", "X1234567").
# Up to five letters first: a UK driving licence number opens on the holder's surname.
_ID_TOKEN = re.compile(r"(?<![\w])[A-Z]{0,5}\d[A-Z0-9.\-/]*(?: \d[\d.\-/]*)*", re.I)
# A German pension insurance number: area, birth date, initial, serial ("65 180539 W 028").
_DE_RVNR = re.compile(r"(?<![\w])\d{2} ?\d{6} ?[A-Z] ?\d{3}(?![\w])")


def _is_valid(module: str, value: str) -> bool:
    try:
        return bool(importlib.import_module(module).is_valid(value))
    except Exception:  # an unusual value only loses the checksum, not the detection
        return False


def _local(s: int, e: int, text: str, reason: str) -> Finding:
    return Finding("NATIONAL_ID", s, e, text[s:e], True, reason)


def find_national_ids(text: str) -> list[Finding]:
    from stdnum.us import ssn

    out: list[Finding] = []

    def add(s: int, e: int, reason: str) -> None:
        if not any(s < f.end and f.start < e for f in out):
            out.append(_local(s, e, text, reason))

    ssn_context = bool(_SSN_CONTEXT.search(text))
    for m in _SSN.finditer(text):
        # With context ("my SSN is ...") the format suffices; without it, stdnum must accept it.
        if ssn_context or ssn.is_valid("".join(m.groups())):
            add(m.start(), m.end(), "contains a national ID number (US SSN)")
    for m in _NINO.finditer(text):
        add(m.start(), m.end(), "contains a national ID number (UK National Insurance)")
    for m in _UK_LICENCE.finditer(text):
        add(m.start(), m.end(), "contains a national ID number (UK driving licence)")
    for rx, module, name in _SELF_EVIDENT:
        for m in rx.finditer(text):
            if _is_valid(module, m.group(0)):
                add(m.start(), m.end(), f"contains a national ID number ({name})")
    # Cue words: first every number a checksum confirms, then unconfirmed numbers after cues that
    # need none (so "NIF" in a Portuguese text is checked as both Spanish and Portuguese first).
    for validated_pass in (True, False):
        for cue_rx, cue_module, name, strict in _CUE_RX:
            if not validated_pass and strict:
                continue
            for m in cue_rx.finditer(text):
                tail = text[m.end(): m.end() + 48].split("\n")[0]
                span = _validated_after(tail, cue_module) if validated_pass else _value_after(tail, name)
                if span:
                    add(m.end() + span[0], m.end() + span[1], f"contains a national ID number ({name})")
    return sorted(out, key=lambda f: f.start)


def _validated_after(tail: str, module: str | None) -> tuple[int, int] | None:
    """The span of a number in ``tail`` that ``module``'s checksum accepts ("AFZPK7190K" too)."""
    if module:
        for s, e in _candidates(tail):
            if _is_valid(module, tail[s:e]):
                return s, e
    return None


def _value_after(tail: str, name: str) -> tuple[int, int] | None:
    """The span of the first number in ``tail`` with five digits or more."""
    if "social insurance" in name:
        m = _DE_RVNR.search(tail)
        if m:
            return m.span()
    t = next((t for t in _ID_TOKEN.finditer(tail) if sum(c.isdigit() for c in t.group(0)) >= 5), None)
    if t is None or allow.looks_like_placeholder(t.group(0)):
        return None
    return t.span()


_PIECE = re.compile(r"[A-Za-z0-9][\w./-]*")


def _candidates(tail: str) -> list[tuple[int, int]]:
    """Spans of one to five neighbouring pieces that hold a digit, longest first at each start
    ("ist 45 803 371 295." → "45 803 371 295", "45 803 371", ...)."""
    pieces = [(m.start(), m.end() - len(m.group(0)) + len(m.group(0).rstrip(".-/"))) for m in _PIECE.finditer(tail)]
    out = []
    for i, (s, _) in enumerate(pieces):
        if not any(c.isdigit() for c in tail[s:pieces[i][1]]) and not tail[s].isupper():
            continue
        for j in range(min(len(pieces), i + 5), i, -1):
            e = pieces[j - 1][1]
            if any(c.isdigit() for c in tail[s:e]) and not re.search(r"[^\w ./-]", tail[s:e]):
                out.append((s, e))
    return out

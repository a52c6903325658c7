"""Pasted private records: rows, forms and statements about real people ⇒ keep local.

A payroll row, a customer export, a statement, an HR note, a court letter or a discharge summary
pasted into a question carries many details at once — names, amounts, identifiers, diagnoses —
and some of them no detector names (a tax code, an arrears figure, a behaviour score). Redacting
such text cell by cell cannot be trusted, so the record as a whole keeps the message local.

A record needs both a *shape* and *particulars*:

- shape: a table (a header and a row with the same number of fields), two or more lines that
  open on a date and end on an amount (a statement), or three or more ``Label: value`` fields
  (a form), or a quoted passage introduced as a kind of record ("from the discharge summary: '…'");
- particulars: real values about someone — people's names, contact details, identifiers, money
  amounts with pence or cents, dates of birth — at least two of them.

Made-up data is no record: example domains, "sample", "dummy", "fake" or "test data" in the
message, or placeholders like ``[Name]``, turn the check off (engine.privacy.policy.example_context
covers the same words for names).
"""

from __future__ import annotations

import re
from typing import Sequence

from engine.privacy.analysis import Analysis
from engine.privacy.finding import Finding
from engine.privacy.signals import Signal

# Kinds of records people paste, named as such ("this is from my payslip:", "the court letter says").
_RECORD_NOUN = (
    r"discharge (?:summary|letter)|medical (?:record|notes?|report)|patient (?:record|notes?)|clinic letter|"
    r"lab (?:results?|report)|blood (?:test )?results|test results|prescription|referral letter|care plan|"
    r"pay ?slip|payroll|p60|p45|bank statement|statement|credit (?:card )?statement|credit report|tax (?:return|notice|bill)|"
    r"court (?:letter|order|papers|notice|summons)|claim form|police (?:report|statement)|charge sheet|"
    r"hr (?:file|note|record)|disciplinary|personnel file|performance review|reference check|tenancy application|"
    r"school report|ehcp|safeguarding|incident report|case notes?|immigration letter|home office letter|"
    r"arztbrief|befund|entlassungsbrief|lohnabrechnung|gehaltsabrechnung|kontoauszug|steuerbescheid|"
    r"compte rendu|ordonnance|bulletin de (?:paie|salaire)|relevé (?:de compte|bancaire)|avis d'imposition|"
    r"informe médico|receta|nómina|extracto bancario|"
    r"referto|ricetta|busta paga|estratto conto|"
    r"relatório médico|receita|recibo de vencimento|holerite|extrato bancário|"
    r"ontslagbrief|recept|loonstrook|salarisstrook|bankafschrift"
)
# "the letter from the court", "a letter from HMRC": an official letter about the writer's affairs.
_LETTER_FROM = (r"letter (?:from|by) (?:the |my |our |his |her )?(?:court|police|home office|hospital|gp|doctor|bank|"
                r"hmrc|irs|tax office|bailiffs?|solicitors?|lawyers?|landlord|council|dwp|benefits office|insurer)")
_INTRODUCED = re.compile(r"\b(?:from|of|in|pasting|pasted|here'?s|here is|this is|copied|below is|attached)\b[^\n:]{0,40}?"
                         r"\b(?:" + _RECORD_NOUN + "|" + _LETTER_FROM + r")\b[^\n]{0,30}?(?::|says|reads|—|-)\s*\S"
                         # or a first line that names its kind: "Tenant reference check result for ...: ..."
                         r"|^[^\n:]{0,40}\b(?:" + _RECORD_NOUN + r")\b[^\n:]{0,60}:\s*\S", re.I)
# "Label: value" — a capitalised label of one to four words at a line, sentence or field start.
_FIELD = re.compile(r"(?:^|[\n.;(,]\s*|\s{2,})([A-Z][A-Za-z/#-]*(?: [A-Za-z/#-]+){0,3}):\s*\S", re.M)
_DATE = r"(?:\d{1,4}[./-]\d{1,2}(?:[./-]\d{2,4})?|\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)"
_STATEMENT_LINE = re.compile(r"^\s*" + _DATE + r"\b.{3,80}?[-+−]?\s?[£$€]?\s?\d[\d,]*\.\d\d\s*(?:cr|dr)?\s*$",
                             re.I | re.M)
_RECORD_FIELD = re.compile(
    r"\b(?:diagnos\w*|condition|medication|dose|allerg\w*|admitted|discharged|symptoms?|results?|nhs|dob|"
    r"date of birth|patient|pupil|student|employee|staff|client|claimant|defendant|applicant|tenant|allegation|"
    r"outcome|offen[cs]e|charges?|sentence|case|claim|balance|arrears|amount|gross|net|tax|salary|pay|deductions?|"
    r"account|sort code|iban|passport|visa|status|score|grade|behaviou?r|sen|safeguarding|referral|warning|"
    r"sanction|reason for leaving|notes?|history|medic\w*|treatment|ward|consultant|gp)\b", re.I)
# Machine logs: lines that open on a timestamp ("2025-02-11T08:14:02Z WARN ...").
_LOG_LINE = re.compile(r"^\s*\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", re.M)
# A cell of a table row that is someone's full name ("...,Hannah Ferreira,...").
_NAME_CELL = re.compile(r"^[A-Z][a-z'’-]+(?: [A-Z][a-z'’-]+){1,3}$")
_MONEY = re.compile(r"[£$€]\s?\d[\d,]*(?:\.\d\d)?|\b\d{1,3}(?:,\d{3})+(?:\.\d\d)?\b|\b\d+\.\d\d\b")
_MADE_UP = re.compile(r"\b(?:example\.(?:com|org|net)|sample|dummy|fake|mock|test data|fixture|lorem ipsum|"
                      r"placeholder|made[- ]up|fictional|hypothetical)\b|\[[A-Za-z _]{2,30}\]|\{\{", re.I)
_PARTICULAR_KINDS = frozenset({"EMAIL", "PHONE", "IBAN", "IP", "ADDRESS", "DOB", "BIRTHDATE", "ACCOUNT",
                               "NATIONAL_ID", "PERSON", "CARD", "PLATE", "USERNAME"})


def _table(text: str) -> bool:
    """A header line of three or more separated fields followed by a row with as many."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    for sep in (",", "\t", ";", "|"):
        for head, row in zip(lines, lines[1:]):
            n = head.count(sep)
            if n >= 2 and row.count(sep) == n and any(c.isalpha() for c in head):
                return True
    return False


def _shape(text: str) -> str | None:
    if _table(text):
        return "table"
    if len(_STATEMENT_LINE.findall(text)) >= 2:
        return "statement"
    if len(_LOG_LINE.findall(text)) >= 2:
        return "log"
    labels = {m.group(1).strip().lower() for m in _FIELD.finditer(text)}
    # A form of contact fields (name, phone, email) is a letterhead that redaction handles; a
    # record's fields say what happened to someone, or what they have, owe or are paid.
    if len(labels) >= 3 and (any(_RECORD_FIELD.search(lb) for lb in labels) or _MONEY.search(text)):
        return "form"
    if _INTRODUCED.search(text):
        return "named record"
    return None


def particulars(text: str, findings: Sequence[Finding], shape: str) -> int:
    """Distinct values about someone: identifying findings (people by full name, not public
    figures), money amounts, and — in a table, where rows are customers or suppliers — firms
    nobody has heard of."""
    from engine.privacy.gazetteer import is_public_entity
    from engine.privacy.policy import is_public_name

    def counts(f: Finding) -> bool:
        if f.kind == "PERSON":  # famous people are in the gazetteer; common words on the web are no test
            return " " in f.text.strip() and not is_public_entity(f.text)
        if f.kind in ("ORG", "NAME"):  # in a table, firms; in a form, a full name the NER mistyped
            if shape == "table":
                return not is_public_name(f.text)
            return shape in ("form", "named record") and bool(_NAME_CELL.match(f.text.strip())) and \
                not is_public_entity(f.text)
        return f.kind in _PARTICULAR_KINDS

    values = {f.text.casefold() for f in findings if counts(f)}
    if shape == "table":  # a trained NER rarely reads names inside comma-separated rows
        values |= {c.strip().casefold() for ln in text.splitlines() for c in re.split(r"[,\t;|]", ln)
                   if _NAME_CELL.match(c.strip()) and not is_public_entity(c.strip())}
    values |= {m.group(0) for m in _MONEY.finditer(text)}
    return len(values)


def pasted_record(a: Analysis, findings: Sequence[Finding]) -> list[Signal]:
    """LOCAL when the message carries a pasted private record (see the module doc)."""
    if _MADE_UP.search(a.text):
        return []
    shape = _shape(a.text)
    # A form or a record named as such ("the discharge summary says: ...") is about someone once it
    # has one particular; a bare table, statement or log needs two.
    if shape is None or particulars(a.text, findings, shape) < (1 if shape in ("form", "named record") else 2):
        return []
    return [Signal("record.pasted", f"it contains a pasted record ({shape}) with personal details, "
                                    "too many to replace reliably")]


# Money words of someone's own accounts, pay and debts (the covered languages).
_FINANCE_WORDS = re.compile(
    r"\b(?:gross|net pay|net|tax|vat|ni|national insurance|pension|deduction|salary|wage|pay|payslip|balance|overdraft|"
    r"arrears|owe|owed|owing|debt|loan|mortgage|repayment|interest|statement|direct debit|ccj|fine|penalty|"
    r"brutto|netto|steuer|gehalt|lohn|schulden|kontostand|salaire|impôt|dette|solde|découvert|sueldo|nómina|deuda|"
    r"saldo|stipendio|debito|salário|dívida|salaris|schuld)\b", re.I)
_RELATION = re.compile(r"\b(?:my|our|his|her|their)\s+(?:\w+\s+)?(?:son|daughter|wife|husband|partner|mum|mom|mother|"
                       r"dad|father|brother|sister|client|tenant|landlord|employee|applicant|customer)\b", re.I)


def money_detail(a: Analysis, findings: Sequence[Finding]) -> list[Signal]:
    """LOCAL when a message lays out someone's money in detail: three or more exact amounts, money
    words, and someone they belong to (the writer, a relative, a client, a named person or firm).
    A worked example ("how much does Tom save if ...") is no one's money."""
    from engine.privacy.policy import example_context, is_public_name

    amounts = {m.group(0) for m in _MONEY.finditer(a.text)}
    if len(amounts) < 3 or not _FINANCE_WORDS.search(a.text) or example_context(a) or _MADE_UP.search(a.text):
        return []
    someone = a.cues.first_person or bool(_RELATION.search(a.text)) or any(
        f.kind in ("PERSON", "ORG") and not is_public_name(f.text) for f in findings)
    if not someone:
        return []
    return [Signal("special.amounts.finance", "it lays out someone's finances in detail (several exact amounts)")]

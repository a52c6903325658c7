"""Account and reference numbers, user names and social handles.

None of these has a checksum to validate, so each is found only where the message labels it:
"account number 12345678", "sort code 20-00-00", "MRN 00423871", "policy no. POL-88231-XZ",
"my username is kittylover92". A social handle ("@jdoe_1987") needs no label, but code
annotations ("@param", a decorator at the start of a line) are not handles. All are redacted,
not kept local: the question around them is usually fine to send.
"""

from __future__ import annotations

import re

from engine.privacy.finding import Finding
from engine.privacy.gate import Gated
from engine.privacy.labels_intl import find_references_intl

_LABEL = (r"account(?:\s+(?:number|no\.?|#))?|acct\.?(?:\s+(?:number|no\.?|#))?|a/c(?:\s+no\.?)?|sort\s+code|"
          r"routing\s+(?:number|no\.?)|bsb|member(?:ship)?\s+(?:id|number|no\.?)|customer\s+(?:id|number|no\.?)|"
          r"employee\s+(?:id|number|no\.?)|staff\s+(?:id|number|no\.?)|student\s+(?:id|number|no\.?)|"
          r"patient\s+(?:id|number|no\.?)|mrn|medical\s+record\s+(?:number|no\.?)|nhi|"
          r"policy\s+(?:number|no\.?)|claim\s+(?:number|no\.?)|case\s+(?:number|no\.?|id)|"
          r"reference\s+(?:number|no\.?)|ref\.?\s+(?:number|no\.?)|booking\s+(?:reference|number|ref)|"
          r"order\s+(?:number|no\.?|id)|invoice\s+(?:number|no\.?)|ticket\s+(?:number|no\.?)|"
          r"tracking\s+(?:number|no\.?)|card\s+number|pnr")
# The label, then "is" / ":" / "#", then one value with at least one digit ("POL-88231-XZ", "004-1234567-01").
_LABELLED = Gated.at_labels(_LABEL, r"(?i:\b(?:" + _LABEL + r"))(?:\s*[:#]|\s+(?:is|was|are|no\.?))*\s*"
                       r"((?=[\w/-]*\d)[A-Za-z0-9][\w/-]*(?:\s\d[\d-]*)*)")
# After "is" or ":" any word is the name ("my username is kittylover"); right after the label only
# one that reads like a user name does ("login jdoe_87", not "username via email").
_USERNAME = re.compile(r"(?i:\b(?:user\s?name|login|user\s?id|handle|gamertag|screen\s?name)\b)"
                       r"(?:(?i:\s+(?:for|on|at|in)(?:\s+[\w.@'-]+){1,5}?)?(?:\s*[:#]|\s+(?:is|was))+\s*"
                       r"@?([A-Za-z0-9][\w.-]{2,31})|"
                       r"\s+@?((?=[\w.-]*[\d_.])[A-Za-z0-9][\w.-]{2,31}))\b")
# "account ending 7720", "my Visa ending in 4417": the last digits still point at one account
# (an account word must come first: "the year ending 2024" is a date).
_ENDING = Gated.labelled("ending|ends", r"(?i:\b(?:account|acct|card|visa|mastercard|amex|debit|credit|iban|number|phone|mobile)\b)"
                     r"[^.\n]{0,20}?\b(?i:ending|ends)(?:\s+(?:in|with))?\s*[:#]?\s*(\d{4})\b")
# key=value in logs and URLs: "id=ACC-0049217", "user_id=88213"
# ("WHERE id = 1234" in a SQL question is an example value: log and URL style has no spaces.)
# "DB_USER=hearth_app": an env or config user name.
_ENV_USER = re.compile(r"\b[A-Z][A-Z0-9_]*USER(?:NAME)?\s*[=:]\s*[\"']?([A-Za-z][\w.@-]{1,63})")
_KEY_VALUE = re.compile(r"\b(?:id|user_?id|account_?id|acct|customer_?id|member_?id|uid)[\"']?(?:=|:\s?)[\"']?"
                        r"((?=[\w-]*\d)[A-Za-z0-9][\w-]{3,})", re.I)
# 'for user "svc_ledger"', "user jdoe_ops can't log in", "login as admin_7": a system user name
_SYSTEM_USER = re.compile(r"\b(?:user|login as|logged in as|account|called|named)(?:\s+is|:)?\s+[\"'`]?"
                          r"((?=[\w-]*(?:[_\d]|\.[A-Za-z0-9]))[A-Za-z][\w.-]{2,31}[A-Za-z0-9])[\"'`]?",
                          re.I)
# '"user":"ana_c_ruiz"' in JSON or config: any quoted value under a user-name key.
_USER_KEY = re.compile(r"[\"']?\b(?:user|user_?name|login|owner|author)[\"']?\s*[:=]\s*[\"']([A-Za-z][\w.@-]{1,63})[\"']", re.I)
# "/home/vsharma/...", "C:\Users\jdoe\...": a home directory names its user.
_HOME_DIR = re.compile(r"(?:/home/|/Users/|[A-Za-z]:\\Users\\)([A-Za-z][\w.-]{1,31})(?=[/\\])")
# "claim ref CLM-2291-88734", "package ref 7719-4432-0081", "Ticket 55831": a case number after its noun.
_CASE_WORDS = (r"ticket|case|claim|ref|reference|incident|complaint|package|parcel|tracking|shipment|consignment|booking|"
               r"confirmation")
_CASE_NUMBER = Gated.at_labels(_CASE_WORDS, r"(?i:\b(?:" + _CASE_WORDS + r")\b)\s*(?:no\.?|number|#|id)?(?:\s+is)?\s*[:#]?\s*"
                          r"((?=[\w-]*\d{3})(?=(?:[\w-]*?\d){5})[A-Za-z0-9][\w-]{4,})")
# "ghostlyfern#4821": a chat-app user tag.
_TAG = re.compile(r"(?<![\w#])([A-Za-z][\w.]{1,31}#\d{4})\b")
# A bare label straight before a long number: "Employee 4471209", "order #112-4478291-0093".
_BARE_WORDS = (r"employee|member|customer|patient|student|order|invoice|ticket|case|claim|policy|booking|meter|citation|"
               r"account|parcel|shipment|application")
_BARE_LABEL = Gated.at_labels(_BARE_WORDS, r"(?i:\b(?:" + _BARE_WORDS + r")\b)\s*#?\s*"
                         r"((?=(?:[\w/-]*?\d){6})[A-Za-z0-9][\w/-]{4,})")  # six digits or more: "44-019-772"
_HANDLE = re.compile(r"(?<![\w.@])@([A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,28}[A-Za-z0-9_])?)\b")
_CODE_AFTER = re.compile(r"(?:\([^)\n]*\))?\s*(?:\n\s*(?:@|def |class |async |public |private |protected |function |"
                         r"export |static |[\w.]+\s*[:=(])|[{;:]|\s*$)")
# Annotations and at-rules that look like handles in code and style sheets.
_CODE_AT = frozenset("param return returns throws raises type property staticmethod classmethod dataclass override "
                     "deprecated media import font-face keyframes supports page charset namespace app router pytest "
                     "interface end implementation synthesize author since see link todo example everyone here channel all".split())


# "exp 09/27": a card's expiry date, with its number or without.
_EXPIRY = re.compile(r"\b(?:exp(?:iry|ires|iration)?(?: date)?|valid (?:thru|through|until))\.?\s*[:-]?\s*(\d{2}\s?/\s?\d{2}(?:\d{2})?)\b",
                     re.I)


def find_references(text: str) -> list[Finding]:
    out: list[Finding] = []

    def add(kind: str, s: int, e: int, reason: str) -> None:
        if not any(s < f.end and f.start < e for f in out):
            out.append(Finding(kind, s, e, text[s:e], False, reason))

    for m in _EXPIRY.finditer(text):
        add("CARD", m.start(1), m.end(1), "contains a card's expiry date")
    for f in find_references_intl(text):
        add(f.kind, f.start, f.end, f.reason)
    for m in _LABELLED.finditer(text):
        if len(re.sub(r"\W", "", m.group(1))) < 4:  # "account 3" is a count, not an account
            continue
        add("ACCOUNT", m.start(1), m.end(1), "contains an account or reference number")
    for rx in (_TAG, _SYSTEM_USER, _USER_KEY, _HOME_DIR, _ENV_USER):
        for m in rx.finditer(text):
            add("USERNAME", m.start(1), m.end(1), "contains a user name")
    for labelled in (_BARE_LABEL, _ENDING, _KEY_VALUE, _CASE_NUMBER):
        for m in labelled.finditer(text):
            add("ACCOUNT", m.start(1), m.end(1), "contains an account or reference number")
    for m in _USERNAME.finditer(text):
        g = 1 if m.group(1) else 2
        if m.group(g).lower() not in ("and", "the", "not", "your", "my"):
            add("USERNAME", m.start(g), m.end(g), "contains a user name")
    for m in _HANDLE.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        # "@dataclass" opening a line of code (code follows it), or "the @lru_cache decorator"
        rest = text[m.end():]
        decorator = (text[line_start:m.start()].strip() == "" and bool(_CODE_AFTER.match(rest))) or bool(
            re.match(r"\s+(?:decorator|annotation|directive|rule)s?\b", rest, re.I))
        if not decorator and m.group(1).lower() not in _CODE_AT:
            add("HANDLE", m.start(), m.end(), "contains a social media handle")
    return sorted(out, key=lambda f: f.start)

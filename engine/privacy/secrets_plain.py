"""Credentials written in everyday words, as people type them to an assistant (stop 24).

:func:`engine.privacy.detectors.find_secrets` finds labelled passwords, PINs, keys and tokens.
These are the shapes it missed; every finding is a SECRET and keeps the message local:

* a code that opens a place: "the gate code is 4471", "safe combo 24-61-08", "the code to the
  storage unit is 1123", "il codice del cancello è …", "Torcode …", "code de la porte …";
* a wifi password in prose: "the wifi is marigold2231", "our wifi: tealkettle88", "wifi pw …";
* a PIN a few words from its label: "my pin is 4 digits: 7316";
* recovery or backup codes pasted as a list ("backup codes: 8823 1190, 4471 0025, …");
* a one-time code as an SMS shows it: "G-448213 is your verification code", "your code is
  338291. Do not share it";
* a password after a short label: "pw: tangerine77", "pass - Wobble!Fern", "login is jdoe /
  Harbor2290", "username sam_o password bluefinch";
* a wallet seed phrase of 12 to 24 words.

Look-alikes stay out: questions about how PINs or 2FA work (no value), "the door code is on the
fridge" (no digits), counting or sample values ("1234", "0000"), placeholders, code that reads the
password from the environment, speeds and standards after "wifi" ("5GHz", "802.11ax").
"""

from __future__ import annotations

import re

from engine.privacy import allowlists as allow
from engine.privacy.finding import Finding

_REASON_CODE = "contains a code that opens a door, lock or alarm"
_REASON_PASSWORD = "contains a password"


def sample_digits(value: str) -> bool:
    """"1234", "0000", "9876", "123456": the values documentation and questions use."""
    d = re.sub(r"\D", "", value)
    return len(set(d)) == 1 or (len(d) >= 4 and (d in "01234567890" or d in "98765432109"))


# --- a code that opens a place -------------------------------------------------------------------
_PLACE = (r"front door|back door|side door|door|gate|alarm|keypad|garage(?: door)?|safe|locker|lockbox|lock ?box|"
          r"key ?box|key safe|padlock|bike lock|lock|entry|entrance|storage unit|storage|shed|mailbox|intercom|"
          r"building entry|apartment|flat")
_CODE_WORDS = r"code|combination|combo|pin|passcode"
# the value: "4471", "8826#", "7-3-9-1", "24-61-08", "12 34 56"
_DIGITS = r"(?<![\w-])(\d{3,8}#?|\d{1,3}(?:[- ]\d{1,3}){2,5}#?)(?![\d:.,/]\d)(?!\s*(?:am|pm|h|hrs|hours|minutes|min|%)\b)"
_PLACE_CODE = re.compile(
    r"(?i:\b(?:" + _PLACE + r")\s+(?:" + _CODE_WORDS + r")s?\b"
    r"|\b(?:code|combination|combo|pin)\s+(?:to|for|of|on)\s+(?:the\s+|my\s+|our\s+|your\s+)?(?:\w+\s+)?(?:" + _PLACE + r")\b"
    # German, French, Spanish, Italian, Portuguese, Dutch
    r"|\b(?:tür|tuer|haustür|tor|garagen|alarm(?:anlagen)?|tresor|safe|schloss|schließfach|briefkasten|zahlen)code\b"
    r"|\bdigicode\b|\bcode\s+(?:de\s+la\s+porte|du\s+portail|de\s+l'alarme|du\s+garage|du\s+coffre(?:-fort)?|d'entrée|"
    r"du\s+cadenas|de\s+l'immeuble)"
    r"|\bc[óo]digo\s+(?:de\s+la\s+puerta|del\s+port[óo]n|de\s+la\s+alarma|del\s+garaje|de\s+la\s+caja\s+fuerte|"
    r"del\s+candado|del\s+portal|do\s+port[ãa]o|da\s+porta|do\s+alarme|da\s+garagem|do\s+cofre|do\s+cadeado)"
    r"|\bcodice\s+(?:del\s+cancello|del\s+portone|della\s+porta|dell'allarme|del\s+garage|della\s+cassaforte|"
    r"del\s+lucchetto|del\s+citofono)"
    r"|\b(?:deur|voordeur|poort|alarm|garage|kluis|slot)code\b)"
    # the words between stay in the clause: "for the side entrance is", "to", ":" — not ", call me on"
    r"(?i:(?:\s+(?:for|to|of|on|at|in)(?:\s+[\w'’-]+){1,4}?)?(?:\s+(?:is|was|will be|are|ist|lautet|est|es|è|é|is)"
    r"(?:\s+(?:now|still|currently|set to|changed to))?|\s+(?:now|set to|changed to|to))?\s*[:=#\-–]?\s*)" + _DIGITS)
# "building code 2021", "garage door opener code": a rule book or a remote's setting, not a lock.
_NOT_A_LOCK = re.compile(r"\b(?:building|zip|area|postal|post|pin|error|fault|opener|model|product|part|colou?r|dress|"
                         r"penal|tax|source|safe\s+harbor|lock\s+screen|country|dialling|dialing)\s*$", re.I)


# "gate closes at 2200", "pin expired in 2024", "lock code from chapter 3": a time, year or reference.
_AFTER_PREPOSITION = re.compile(r"\b(?:version|v|step|page|line|chapter|section|error|until|from|since|in|at|by|"
                                r"before|after|of|around|till)\s*$", re.I)


def place_codes(text: str) -> list[Finding]:
    out = []
    for m in _PLACE_CODE.finditer(text):
        head = text[max(0, m.start() - 20):m.start() + 12].lower()
        if "building code" in head or "opener" in head or sample_digits(m.group(1)) \
                or _NOT_A_LOCK.search(text[max(0, m.start() - 30):m.start()]):
            continue  # "the postal code for my flat is …": an address, not a lock
        between = m.group(0)[:m.start(1) - m.start()]
        if _AFTER_PREPOSITION.search(between):
            continue  # "gate closes at 2200", "the lock code from chapter 3"
        out.append(Finding("SECRET", m.start(1), m.end(1), m.group(1), True, _REASON_CODE))
    return out


# --- a wifi password in prose --------------------------------------------------------------------
_WIFI = re.compile(r"(?i:\b(?:(?:wi-?fi|wlan|wireless|hotspot|network)\s+(?:password|pass|pw|pwd|key|code|login)"
                   r"(?:\s+(?:is|was|will be)\s+|\s*[=:\-–]\s*|\s+)"
                   # the bare word only for the wifi itself: "the wifi is …"; a hotspot or network is named that way
                   r"|(?:wi-?fi|wlan)(?:\s+(?:is|was|will be|=|:|-|–)\s*|\s*[:=]\s*)))[\"'“]?([^\s\"'“”,;]{6,64})")
_NOT_WIFI_VALUE = re.compile(r"^(?:\d+(?:\.\d+)?\s?(?:ghz|mhz|mbps|gbps|kbps|mb|gb|ms|dbm|m|ft|x)|802\.11\w*|wpa\d?[\w-]*|"
                             r"wep[\w-]*|wi-?fi-?\d\w*|\d+e?|(?:ax|ac|be|n|g|wifi|gen)-?\d{1,4}e?)$", re.I)


def _made_up(value: str) -> bool:
    """Letters with digits or symbols, not a file, link, placeholder or code that reads it from elsewhere."""
    from engine.privacy.detectors import _NOT_A_SECRET, _READ_FROM_ENV, _password_value

    if re.match(r"[$%]\{?\w|\{\{", value) or re.fullmatch(r"[a-z]+(?:_[a-z]+)+|(?:self|cfg|args|opts)\.\w+", value):
        return False  # "$DB_PASS", "%PASSWORD%", "{{ secret }}", "db_pass", "self.pw": a variable, not a value
    return bool(re.search(r"[A-Za-z]", value) and re.search(r"[\d\W_]", value)) and _password_value(value) \
        and not _NOT_A_SECRET.search(value) and not _READ_FROM_ENV.search(value) and "(" not in value \
        and not allow.looks_like_placeholder(value)


def wifi_passwords(text: str) -> list[Finding]:
    out = []
    for m in _WIFI.finditer(text):
        v = m.group(1).rstrip(".,;:!?)")
        if len(v) >= 6 and _made_up(v) and not _NOT_WIFI_VALUE.match(v) and re.search(r"\d", v) \
                and re.search(r"[A-Za-z]{3}", v):
            out.append(Finding("SECRET", m.start(1), m.start(1) + len(v), v, True, _REASON_PASSWORD))
    return out


# --- a PIN a few words from its label ------------------------------------------------------------
_PIN_NEAR = re.compile(r"(?i:\b(?:my|our|the|his|her|their|card|debit|sim|phone|bank|atm)\s+(?:\w+\s+)?"
                       r"(?:pin|pin code|pin number|passcode|puk)\b)"
                       # "is 4 digits:", "(6 digits) -": a note on its length, not ", call me on"
                       r"(?i:\s*(?:is|was|=|:)?\s*\(?(?:\d|four|five|six|eight)[\s-]digits?(?:\s+long)?\)?\s*[:=,\-–]?\s*"
                       r"|\s*,\s*|\s+(?:is|was)\s+(?:now|still)\s+)(?<![\d.,:/$€£-])(\d{4,8})(?![\d:.,/%]|\s*(?:digits?|numbers?|times|tries|attempts)\b)")


def pins_near_label(text: str) -> list[Finding]:
    out = []
    for m in _PIN_NEAR.finditer(text):
        v, between = m.group(1), m.group(0)[:m.start(1) - m.start()]
        if sample_digits(v) or _AFTER_PREPOSITION.search(between):
            continue
        if re.fullmatch(r"(?:19|20)\d\d", v) and not re.search(r"\b(?:is|was|:|=)", between):
            continue  # "the bank pin 2023 rules": a year
        out.append(Finding("SECRET", m.start(1), m.end(1), v, True, "contains a PIN"))
    return out


# --- recovery and backup codes as a list ---------------------------------------------------------
_CODES_LABEL = re.compile(r"(?i:\b(?:recovery|backup|back-up|2fa|two[- ]factor|scratch|emergency|mfa|authenticator)"
                          r"\s+(?:\w+\s+)?codes?\b)[^\n.?!]{0,20}?[:\-–]?\s*")
_CODE_TOKEN = re.compile(r"[A-Za-z0-9]{4,10}(?:[- ][A-Za-z0-9]{4,10})?")


def recovery_lists(text: str) -> list[Finding]:
    out = []
    for m in _CODES_LABEL.finditer(text):
        tail = text[m.end():m.end() + 400]
        tokens = []
        for t in re.split(r"[,;\n]+|\s{2,}", tail):
            t = t.strip(" \t-*•·0123456789.)" if re.match(r"\s*\d{1,2}[.)]\s", t) else " \t-*•·")
            if not t:
                continue
            if not _CODE_TOKEN.fullmatch(t) or not re.search(r"\d", t) or not re.search(r"\d.*\d", t):
                break
            tokens.append(t)
        if len(tokens) >= 2 or (tokens and len(re.sub(r"\W", "", tokens[0])) >= 8):
            s = m.end() + tail.find(tokens[0])
            out.append(Finding("SECRET", s, s + len(tokens[0]), tokens[0], True, "contains recovery codes"))
    return out


# --- a one-time code as an SMS shows it ----------------------------------------------------------
_SMS_PREFIXED = re.compile(r"(?<![\w-])([A-Z]{1,3}-\d{4,8})\b(?=[^\n]{0,40}\b(?:verification|security|login|sign-in|"
                           r"one-time|access)\s+code\b)", re.I)
_YOUR_CODE = re.compile(r"(?i:\byour\s+(?:\w+\s+)?code\s+(?:is|:)\s*)(\d{4,8})\b")
_SMS_CUE = re.compile(r"\b(?:do not share|don'?t share|never share|expires?|valid for|sign in|log ?in|verify|"
                      r"confirm|texted|sms|text message|got this text|received)\b", re.I)
_NOT_OTP = re.compile(r"\b(?:zip|postal|post|area|error|status|exit|promo|discount|order|product|tracking|sort|swift|"
                      r"tax|country|dialing|dialling|colou?r|source|course|class|booking|reservation|reference|confirmation|member|"
                      r"membership|customer|voucher|gift|coupon|referral|invite|invitation|discount|event|ticket)\s+code\b", re.I)


def sms_codes(text: str) -> list[Finding]:
    out = [Finding("SECRET", m.start(1), m.end(1), m.group(1), True, "contains a one-time code")
           for m in _SMS_PREFIXED.finditer(text)]
    if _SMS_CUE.search(text):
        for m in _YOUR_CODE.finditer(text):
            if not _NOT_OTP.search(m.group(0)):
                out.append(Finding("SECRET", m.start(1), m.end(1), m.group(1), True, "contains a one-time code"))
    return out


# --- a password after a short label --------------------------------------------------------------
# An identifier ("DB_PASS = …") is a config line: detectors._ENV_SECRET judges those.
_SHORT_LABEL = re.compile(r"(?<![\w.])(?i:pw|pwd|pword|p/w|pass|passwd|password|passcode)\s*(?:[:=\-–—]|is)\s*"
                          r"[\"'“]?([^\s\"'“”,;]{4,64})")
# "login is jdoe / Harbor2290", "creds: jdoe:Harbor2290"; "username sam_o password bluefinch"
_LOGIN_PAIR = re.compile(r"(?i:\b(?:login|log-in|credentials|creds|sign-in|user(?:name)?(?:\s*(?:/|and)\s*pass(?:word)?)?)"
                         r"(?![\w.(])(?=\s|:|=)(?:\s+(?:is|are|was))?\s*[:=-]?\s*)"
                         r"([\w.@+-]{3,64})\s*(?:/|\||:|,|\s+(?:and\s+)?(?:pass(?:word)?|pw|pwd)\s*[:=-]?)\s*"
                         r"[\"'“]?([^\s\"'“”,;/]{4,64})")


_BEFORE_A_LABEL = frozenset("my the your his her our their and with user username login email also new old".split())


def labelled_passwords(text: str) -> list[Finding]:
    out = []
    for m in _SHORT_LABEL.finditer(text):
        v = m.group(1).rstrip(".,;:!?)")
        before = re.search(r"([A-Za-z-]+)\s+$", text[max(0, m.start() - 24):m.start()])
        if m.group(0)[:4].lower() == "pass" and m.group(0)[:5].lower() not in ("passw", "passc") and before \
                and before.group(1).lower() not in _BEFORE_A_LABEL:
            continue  # "boarding pass: …", "season pass - …": a ticket's number, not a password
        if _made_up(v) and len(v) >= 4:
            out.append(Finding("SECRET", m.start(1), m.start(1) + len(v), v, True, _REASON_PASSWORD))
    for m in _LOGIN_PAIR.finditer(text):
        user, v = m.group(1), m.group(2).rstrip(".,;:!?)")
        if allow.looks_like_placeholder(user) or user.lower() in {"user", "username", "admin", "root", "name", "email"}:
            continue
        labelled = bool(re.search(r"pass|pw", m.group(0)[m.end(1) - m.start():], re.I))
        from engine.privacy.detectors import _password_value

        if "=" in v or "(" in v:
            continue  # "user=db_user, password=db_pass": keyword arguments in code
        ok = _made_up(v) or (labelled and v.isalpha() and _password_value(v) and not allow.looks_like_placeholder(v))
        if ok and len(v) >= 4:
            out.append(Finding("SECRET", m.start(2), m.start(2) + len(v), v, True, _REASON_PASSWORD))
    return out


# --- a wallet seed phrase -------------------------------------------------------------------------
_SEED_LABEL = re.compile(r"(?i:\b(?:seed|recovery|mnemonic|backup|secret recovery|wallet)\s+(?:phrase|words)\b|"
                         r"\bmnemonic\b)[^\n.?!]{0,20}?(?:\bis\b|\bare\b|:|=|-)\s*")
_FUNCTION_WORDS = frozenset("the a an and or of in on at to for with from is are was my our your i it that this "
                            "by as be so but not no if then than into onto".split())


def seed_phrases(text: str) -> list[Finding]:
    out = []
    for m in _SEED_LABEL.finditer(text):
        words = re.findall(r"[^\s,]+", text[m.end():m.end() + 400])
        run = []
        for w in words:
            w = re.sub(r"^\d{1,2}[.)]?$", "", w)  # "1. ribbon 2. orbit"
            if not w:
                continue
            if not re.fullmatch(r"[a-z]{3,8}", w) or w in _FUNCTION_WORDS:
                break
            run.append(w)
        if len(run) >= 12:
            s = m.end() + text[m.end():].find(run[0])
            out.append(Finding("SECRET", s, s + len(run[0]), run[0], True, "contains a wallet seed phrase"))
    return out


# --- a password that is an everyday word ----------------------------------------------------------
# detectors._PASSWORD takes an everyday word after "password is" for a description ("is weak");
# most such words are, but a noun standing alone is the password: "the password for the shared
# drive is butterfly", "my memorable word is Pebbles".
_WORD_LABEL = re.compile(
    r"(?i:\b(?:password|passwd|passcode|passphrase|pw|memorable (?:word|information)|secret word)"
    r"(?:\s+(?:for|of|to|on|at|in)(?:\s+[\w.@'-]+){1,5}?)?"
    r"(?:\s+(?:everywhere|now|currently|still|always|these days|nowadays|again))?"
    r"(?:\s+(?:is|was|will be)|'s|\s*[:=]))\s*[\"'“]?([A-Za-z]{4,24})[\"'”]?(?=\s*(?:$|\.(?!\w)|[,;!)]|\s[—–-]\s|\s(?:and|but|so|if|or)\b))")
_DESCRIBING = frozenset(
    "about again already also always being case changed common complex complicated correct default definitely "
    "different easy empty encrypted enough expired fake false fine forgotten generated gone good great hard hashed "
    "hidden identical important impossible incorrect insecure invalid just known leaked long longer lost mine "
    "missing needed never none nothing null okay only optional perfect plain plaintext printed private probably "
    "public random real required reset right safe same saved secret secure sent short shorter shown simple "
    "something still stolen stored strong stronger stupid supposed there this that those these too true unique "
    "unknown unsafe useless valid very visible weak weaker weird written wrong yours ours hers theirs what which "
    "where here blank temporary numeric mandatory compromised annoying terrible awful nice cool similar below above "
    "attached emailed texted expiring working broken locked blocked disabled enabled set unchanged unset new old "
    "admin root guest user qwerty letmein password passwd pass passphrase pin".split())


def _describes(word: str) -> bool:
    w = word.lower()
    if w in _DESCRIBING:
        return True
    # adverbs and participles: "is exactly …", "is stored", "is expiring"; a "-fly" is a noun
    return bool(re.search(r"(?:ed|ing|ous|ive|able|ible|less)$", w) or (w.endswith("ly") and not w.endswith("fly")))


def everyday_word_passwords(text: str) -> list[Finding]:
    out = []
    for m in _WORD_LABEL.finditer(text):
        v = m.group(1)
        if _describes(v) or allow.looks_like_placeholder(v):
            continue
        out.append(Finding("SECRET", m.start(1), m.end(1), v, True, _REASON_PASSWORD))
    return out


# --- a passphrase of a few words ------------------------------------------------------------------
_PHRASE_LABEL = re.compile(r"(?i:\b(?:passphrase|pass phrase|password phrase)\b[^\n.?!]{0,20}?(?:\bis\b|:|=))\s*[\"'“]?")


def passphrases(text: str) -> list[Finding]:
    out = []
    for m in _PHRASE_LABEL.finditer(text):
        tail = text[m.end():m.end() + 160]
        run = re.match(r"((?:[a-z]{3,12}[\s-]+){2,7}[a-z]{3,12})[\"'”]?(?=\s*(?:$|[.,;!?)]))", tail)
        if not run:
            continue
        words = re.split(r"[\s-]+", run.group(1))
        if any(w in _FUNCTION_WORDS or _describes(w) and w not in {"correct"} for w in words[1:]) \
                or words[0] in _FUNCTION_WORDS:
            continue
        out.append(Finding("SECRET", m.end(), m.end() + len(run.group(1)), run.group(1), True, "contains a passphrase"))
    return out


# --- a code in spelled-out digits -----------------------------------------------------------------
_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
_SPELLED = re.compile(r"(?i:\b(?:pin|pin code|passcode|code|combination|combo)\b(?:\s+(?:is|was)|\s*[:=])?\s*)"
                      r"(" + _DIGIT_WORD + r"(?:[\s,-]+" + _DIGIT_WORD + r"){3,7})\b", re.I)
_DIGIT_VALUE = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
                "seven": "7", "eight": "8", "nine": "9"}


def spelled_codes(text: str) -> list[Finding]:
    out = []
    for m in _SPELLED.finditer(text):
        digits = "".join(_DIGIT_VALUE[w.lower()] for w in re.split(r"[\s,-]+", m.group(1)))
        if not sample_digits(digits):
            out.append(Finding("SECRET", m.start(1), m.end(1), m.group(1), True, "contains a PIN or code"))
    return out


# --- a place's code without the word "code" ---------------------------------------------------------
# "the gate is 2580 and the door is 1379", "type 4471 on the keypad", "the bike lock is set to 0518",
# "my phone unlocks with 271828", "the code is 8426, it opens the shed"
_NUM = r"(?<![\d.,:/$€£-])(\d{4,8})#?(?![\d:.,/%-]\w|\s*(?:am|pm|h|hrs|mm|cm|m|km|ft|in|kg|lbs?|euros?|dollars?|" \
       r"pounds?|people|times|items|units|years?|sq|square|mph|kph|rpm|v|w|kw|wide|high|tall|long|deep|x|×)(?!\w))"
_PLACE_NO_CODE = re.compile(
    r"(?i:\b(?:front door|back door|door|gate|keypad|garage|safe|locker|lockbox|padlock|bike lock|lock|shed)"
    r"\s+(?:is|was|is set to|was set to|is now)\s*)" + _NUM
    + r"|(?i:\b(?:type|enter|punch in|key in|tap in|press)\s+)" + _NUM
    + r"(?=\s+(?:on|at|into|in)\s+(?:the\s+)?(?:keypad|gate|door|panel|lock|alarm|pad)\b)"
    + r"|(?i:\b(?:unlocks?|opens?|disarms?)\s+with\s+(?:the\s+)?(?:code\s+|pin\s+)?)" + _NUM
    + r"|(?i:\bthe\s+code\s+(?:is|was)\s+)" + _NUM
    + r"(?=[^.?!\n]{0,40}\b(?:opens?|unlocks?|disarms?|for)\s+(?:the\s+|my\s+|our\s+)?(?:\w+\s+)?(?:door|gate|shed|"
      r"garage|safe|locker|lockbox|padlock|alarm|lock|building|front|back)\b)")


def place_numbers(text: str) -> list[Finding]:
    out = []
    for m in _PLACE_NO_CODE.finditer(text):
        v = next(g for g in m.groups() if g)
        if sample_digits(v) or re.fullmatch(r"(?:19|20)\d\d", v):
            continue  # "the garage is 1970s", "the gate is 2024 model": years
        i = m.start() + m.group(0).rfind(v)
        out.append(Finding("SECRET", i, i + len(v), v, True, _REASON_CODE))
    return out


def find_plain_secrets(text: str) -> list[Finding]:
    return place_codes(text) + wifi_passwords(text) + pins_near_label(text) + recovery_lists(text) + \
        sms_codes(text) + labelled_passwords(text) + seed_phrases(text) + everyday_word_passwords(text) + \
        passphrases(text) + spelled_codes(text) + place_numbers(text)

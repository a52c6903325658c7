"""First-person disclosures of special categories (GDPR art. 9 and similar) ⇒ keep local.

"How is asthma treated in children?" is a *topic* and may go to the cloud; "my inhaler stopped
working and I've had asthma since I was six" is a *disclosure* about the writer (or someone
close to them) and stays on this machine. A sentence counts as a disclosure when it has a
first-person anchor (I, my, me, we, our, "my son"/"my wife"..., or a diary-style sentence that
drops the "I": "diagnosed with ... yesterday") *and* a term of one of the categories. Generic
questions ("can someone with diabetes ...") have no anchor and pass. The same rules for German,
French, Spanish, Italian, Portuguese and Dutch are in :mod:`engine.privacy.disclosure_intl`.
"""

from __future__ import annotations

import re
from typing import Iterator

_FIRST_PERSON = re.compile(
    r"\b(i|i'm|im|i've|ive|i'd|i'll|me|my|myself|mine|we|we're|we've|our|(?-i:us))\b", re.I)  # not "US"

# Each category: a person-readable name and the terms that signal it. Terms are stems matched at
# a word start; they name conditions, statuses and events, not everyday words.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "health": (
        "diagnos", "cancer", "tumou?r", "chemo", "hiv", "aids\\b", "diabet", "depress", "anxiety disorder",
        "bipolar", "schizophren", "ptsd", "adhd", "autis", "ocd\\b", "eating disorder", "anorexi", "bulimi",
        "addict", "rehab", "overdos", "alcoholi", "relapse", "suicid", "self-harm", "self harm",
        "miscarr", "pregnan", "abortion", "ivf\\b", "infertil", "std\\b", "sti\\b", "herpes", "hepatitis",
        "chlamydia", "syphilis", "gonorr", "epilep", "seizure", "stroke", "heart attack", "dementia",
        "alzheimer", "parkinson", "multiple sclerosis", "lupus", "crohn", "psychiatr", "therap(?:ist|y)\\b",
        "antidepress", "prescri", "medication", "surgery", "biopsy", "mri\\b", "disabilit", "opioid",
        "insulin", "chronic", "terminal", "mental illness", "panic attack", "stage [1-4i]+",
        "sober\\b", "withdrawal",
        # thoughts of dying and dependence, said without clinical words
        "(?:wasn'?t|weren'?t|not) (?:here|around|alive) any ?more", "want(?:ed)? to die", "end(?:ing)? (?:it all|my (?:own )?life)",
        "kill(?:ing)? myself", "better off without me", "no reason to (?:live|go on)",
        "(?:cutting|hurting|burning) (?:himself|herself|themselves|myself)",
        "(?:bottle|glass|drinks?) (?:of \\w+ )?(?:every|each) (?:night|day|morning)",
        "can'?t stop (?:drinking|using|gambling|smoking|taking)", "gambl(?:ing|e|ed)\\b", "sports bets", "hba1c", "a1c\\b", "blood (?:test|work|sugar|pressure)", "glucose", "cholesterol",
        "(?:test|lab|scan) results", "psa\\b", "\\d+(?:\\.\\d+)?\\s?mg\\b",
        # medicines and drugs people report taking
        "xanax", "valium", "adderall", "ritalin", "oxy(?:codone|contin)", "fentanyl", "heroin", "cocaine",
        "meth\\b", "methamphetamine", "ketamine", "prozac", "zoloft", "lexapro", "sertraline", "fluoxetine",
        "ssri", "ambien", "lithium", "methadone", "suboxone", "percocet", "vicodin", "tramadol", "benzo",
        "citalopram", "escitalopram", "mirtazapine", "venlafaxine", "duloxetine", "bupropion", "quetiapine",
        "olanzapine", "aripiprazole", "risperidone", "propranolol", "gabapentin", "pregabalin", "naltrexone",
        "buprenorphine", "metformin", "levothyroxine", "warfarin", "apixaban", "trimethoprim", "nitrofurantoin",
        "prednisolone", "methotrexate", "antiretroviral", "truvada", "prep\\b", "radiotherapy", "dialysis",
        # hormones taken to transition, or for fertility and menopause
        "testosterone", "estradiol", "oestrogen", "estrogen", "puberty blockers", "progesterone", "clomid",
        # named conditions and operations that are not in the list above
        "leuka?emi", "lymphoma", "melanoma", "myeloma", "sarcoma", "carcinoma", "mastectom", "hysterectom",
        "chemotherap", "oncolog", "palliative", "(?:in|into|to) (?:a |the )?hospice", "hospice care", "kidney (?:failure|disease)",
        "(?:kidney|liver|heart|lung|organ|bone marrow|stem cell) transplant",
        "heart (?:failure|condition|disease)", "cystic fibrosis", "sickle cell", "endometriosis", "pcos\\b",
        "menopaus", "fertility (?:clinic|treatment|test)", "psychosis", "psychotic", "hearing voices",
        "sectioned", "psych(?:iatric)? ward", "mental health (?:crisis|team|nurse|condition|problems?|issues?|diagnosis|leave)",
        "on the (?:autism )?spectrum", "dyslexi", "dyspraxi", "tourette",
        # pregnancy and its loss, said plainly
        "lost the baby", "lost our baby", "stillb(?:orn|irth)", "\\d+ weeks along", "morning sickness",
        "(?:my )?period is (?:\\w+ )?(?:days |weeks )?late", "a lump (?:in|on) (?:my|his|her)",
        # eating, drinking and using, said plainly
        "make (?:myself|herself|himself) (?:throw up|sick|vomit)", "binge(?:ing|d)? and purg",
        "(?:bottle|glass|drinks?|pints?|cans?) (?:of \\w+ )?(?:a|per) (?:night|day)",
        "(?:my|his|her) (?:last|first) drink", "drinking again", "off the (?:drink|booze)",
        "(?:drinking|drinks) (?:problem|too much|heavily)", "(?:alcohol|drug|medical) detox", "aa meetings?", "clean for \\d+ (?:days|weeks|months|years)",
        "(?:cutting|cuts|burning|burns|scratching) (?:my|his|her|their) (?:arms?|wrists?|legs?|thighs?|skin)",
        "would (?:notice|care) if i (?:was|were) gone", "feel guilty (?:when|whenever|every time|after) (?:i )?eat",
        "(?:every time|whenever|when) i eat,? i feel (?:guilty|disgusting|fat|sick)",
        "died of (?:an? )?(?:overdose|cancer|aids|suicide)", "took (?:his|her|their) own life", "(?:don'?t|do not) want to (?:be here|wake up|live)",
    ),
    "sexual orientation or gender identity": (
        "gay\\b", "lesbian", "bisexual", "queer", "transgender", "trans woman", "trans man", "trans (?:guy|girl|boy|kid)", "non-binary",
        "nonbinary", "coming out", "came out", "come out", "homosexual", "asexual", "pansexual",
        "gender dysphoria", "sexual orientation", "hormone therapy",
        "(?:i'?m|im|i am|think i'?m|maybe i'?m)(?: an?)? (?:bi|trans|gay|lesbian|queer)\\b", "same-sex", "hrt\\b", "deadnam", "transition(?:ing|ed)\\b", "(?:we are|we're|are) both (?:women|men|girls|guys)\\b",
    ),
    "ethnic origin": (
        "(?:i'?m|i am|as an?|we'?re|we are|(?:he|she)'?s|(?:he|she) is) (?:a )?(?:black|mixed[- ]race|biracial|latin[oax]|"
        "hispanic|arab|south asian|east asian|indigenous|aboriginal|romani?|gypsy|irish traveller|traveller)\\b"
        "(?!(?: (?:coffee|tea|friday|belt|card|hole|box|market|sheep))|[- ](?:and|&)[- ]white)",
        "(?:racis\\w*|race discrimination|racial abuse) (?:at|against|towards?|from)",
    ),
    "religion or belief": (
        "convert(?:ed|ing)? to", "muslim", "christian", "jewish", "hindu", "buddhis", "sikh", "atheist",
        "mormon", "jehovah", "scientolog", "apostate", "left the church", "my faith", "my religion",
    ),
    "immigration status": (
        "undocumented", "illegal immigrant", "overstay", "asylum", "refugee status", "deport",
        "visa\\b[^.!?\\n]{0,40}\\b(?:expired|expires|ran out|runs out|status|denied|refused|rejected|revoked)",
        "(?:i'm on|i am on|on my|i have|i hold|holding|my) an? ?(?:tourist|student|work|spouse|visitor|h-?1b|j-?1|f-?1) visa", "without papers", "green card",
        "work permit (?:expired|denied)", "residence permit", "daca\\b",
        # visa classes and statuses named without the word "visa"
        "h-?1b\\b", "(?:on|my) opt\\b", "stem opt", "ilr\\b", "indefinite leave", "grace period", "i-?(?:130|140|485|20|94)\\b",
        "sevis", "uscis", "extension (?:was )?(?:denied|refused|rejected)", "(?:lost|losing) my status",
        "(?:my|his|her|their) (?:leave to remain|brp\\b|settled status)", "papers (?:run|ran) out", "papers expire",
        "(?:could|will|would|might|may) be (?:sent back|deported)", "send (?:me|him|her|them|us) back (?:to|home)\\b", "immigration (?:lawyer|solicitor|appeal|status|hearing|tribunal)",
    ),
    "violence or abuse": (
        "hits me", "beats me", "beat me", "(?:beats|hits|hurts|chokes|slaps) (?:my|us)\\b",
        "(?:grabbed|pushed|shoved|choked|slapped|kicked|strangled|punched) (?:me|my)\\b", "touched me",
        "threaten\\w* to (?:post|share|leak|send|release)", "nudes\\b", "revenge porn", "sextort",
        # "hit me" from a person, not "the car that hit me"
        "(?:he|she|they|partner|husband|wife|boyfriend|girlfriend|dad|father|mom|mum|mother|boss|brother|sister) hit me", "abus(?:e|ed|es|ive)", "assault", "raped", "rape\\b",
        "domestic violence", "stalk", "harass", "threatens me", "threatened me", "molest",
        # control and unwanted touching, in everyday words
        "won'?t let (?:me|her|him|them) (?:see|leave|go out|have|talk|use|work)", "check(?:s|ing)? (?:my|her|his) phone",
        "controls? (?:my|her|his) (?:money|phone|bank)", "(?:keeps |kept )?touch(?:ing|es) me\\b",
    ),
    "political opinion or union membership": (
        "i voted for", "i vote for", "member of the [a-z ]{0,30}party", "my union", "union member",
        "i support the [a-z ]{0,20}party",
    ),
    "criminal record": (
        "arrested", "convicted", "conviction", "felony", "misdemeanou?r", "criminal record", "jail",
        "prison", "probation(?! (?:period|review))", "parole", "dui\\b", "dwi\\b", "charged with", "pleaded guilty", "plead guilty",
        "served time", "sex offender", "restraining order", "(?:police |a )caution\\b", "offen[cs]e\\b",
        "dbs check", "criminal (?:charge|case)",
        # civil proceedings against or by the writer
        "unfair dismissal", "(?:employment )?tribunal", "su(?:ed|ing) (?:me|us|my|our|him|her|them)\\b", "being sued",
        "(?:claim|case|lawsuit|proceedings) against", "small claims", "ccj\\b", "county court judg(?:e)?ment",
        "bailiffs?\\b", "summons\\b", "court (?:date|hearing|case)", "settle (?:my|the|our) (?:claim|case)",
        # offences and the courts that hear them, in everyday words
        "shoplift", "caught (?:stealing|shoplifting)", "dr(?:ink|unk)[- ]driv", "driving ban", "banned from driving",
        "magistrates", "crown court", "police (?:interview|custody|caution)", "(?:on|out on|made) bail\\b",
        "in custody", "electronic tag", "possession of (?:cannabis|drugs|a controlled)", "(?:benefit|insurance|tax) fraud",
        "assault charge", "(?:selling|dealing|sold|dealt) (?:pills|drugs|weed|coke|cannabis)",
        "failed (?:a |the |my )?drug test",
    ),
    "precise finances": (
        "my salary(?! expectation)", "i earn", "i make (?:about |around |roughly )?(?:\\$|\\d+k\\b|\\d[\\d,.]{3,})", "i owe", "my debt", "in debt", "bankrupt", "my credit score",
        "credit score (?:is|of)", "my (?:account )?balance", "my net worth", "my income", "foreclos",
        "my mortgage", "my loan", "collections agency", "payday loan", "my savings",
        "(?:getting|got|receiving|received|keep getting) (?:letters?|calls?|visits?) from (?:the |a )?debt collect", "debt collect(?:ors?|ion agency) (?:keep|keeps|are|is|have|has|sent|called|calling|chasing|after|at)",
        # an amount next to a money word, in a first-person sentence ("I owe 48,000 in loans")
        "(?:owe|debt|savings|saved|loans?|salary|earn|make|income|balance|rent|mortgage|net worth)\\b[^.!?\\n]{0,40}"
        "(?:[$€£]\\s?\\d|\\d[\\d,.]*\\s?(?:k\\b|dollars|euros|pounds|usd|eur|gbp))",
        "(?:[$€£]\\s?\\d[\\d,.]*|\\d[\\d,.]{2,}\\s?(?:k\\b|dollars|euros|pounds|usd|eur|gbp)?)[^.!?\\n]{0,30}"
        "\\b(?:in savings|in debt|in (?:student |car |personal )?loans|a month|per month|a year|per year|salary|"
        "in (?:my )?(?:checking|current account|savings account|account))",
        # "rent of 1,650 is due": a bill with an exact amount (thousands separator or cents)
        "(?:rent|bill|payment|balance|overdraft|loan|mortgage) (?:of|is|was) \\d{1,3}(?:,\\d{3})+|\\b\\d[\\d,]*\\.\\d\\d in\\b",
    ),
}

_KIN = (r"son|daughter|wife|husband|partner|mom|mum|mother|dad|father|brother|sister|child|kid|boyfriend|girlfriend|"
        r"friend|grandma|grandpa|grandmother|grandfather|granny|gran|nan|nana|grandad|aunt|auntie|uncle|cousin|niece|"
        r"nephew|stepdad|stepmum|stepmom|fianc[eé]e?|flatmate|roommate|housemate|colleague|coworker|co-worker|boss|"
        r"manager|neighbou?r|tenant|client|patient|student|pupil|ex")
# "my son", "our little girl's", "my best friend": someone the writer knows (one word may come between).
_RELATIVE = r"(?:my|our) (?:[\w-]+ )?(?:" + _KIN + r")(?:'s|s)?\b"
# Family called by their role, capitalised as a name, or named with it: "Dad was ...", "Mum's scan",
# "Grandma Rosa", "Aunt Fatima's appeal" — the writer's own people without a "my".
_KIN_NAMED = re.compile(r"(?:^|[,;:]\s*|\band\s+)(?-i:Dad|Mum|Mom|Mam|Grandma|Grandpa|Granny|Gran|Nan|Nana|Grandad|"
                        r"Papa|Mama)\b|\b(?i:aunt|auntie|uncle|cousin|grandma|grandpa|granny|nana)\s+(?-i:[A-Z][a-z]+)")
# A later sentence about the same person: "My brother called. He was diagnosed ..."
_PRONOUN_SUBJECT = re.compile(r"^\W*(?:(?:and|but|so|now|then|apparently|today|yesterday)\W+)?"
                              r"(?:he|she|they|his|her|their)\b", re.I)
_COMPILED = {cat: re.compile(r"\b(?:" + "|".join(terms) + r")", re.I) for cat, terms in CATEGORIES.items()}
_SENTENCE = re.compile(r"(?:[^.!?\n]|(?<=\d)\.(?=\d))+[.!?]?")  # "1,240.55" stays in one sentence
# Diary-style sentences drop the "I": "diagnosed with cancer yesterday", "been sober 3 months",
# "took 3 xanax", "feel like garbage". A sentence opening on such a verb is first person.
_SUBJECTLESS = re.compile(
    r"^\s*(?:(?:just|recently|finally|so|and|but|still)\s+)?(?:been|was|got|had|have|having|diagnosed|took|taking|started|stopped|"
    r"relapsed|feel|feeling|found out|tested|quit|broke up|lost my|struggling|pregnant|scared)\b", re.I)
# "my" before a *category* word in a question about a topic still discloses ("my HIV test"),
# but "I want to learn about cancer" does not: these verbs mark topic interest.
_TOPIC_VERBS = re.compile(
    r"\b(i|we) (?:want|would like|need|'d like) to (?:know|learn|understand|read|write|research)\b|"
    r"(?<!n't )(?<!not )\b(tell|explain to|teach) (?:me|us) (?:about|what|how|why|when|which|more|whether|if|the|an?)\b|"
    r"\bcan you (?:explain|describe|tell)\b|\bgive me\b|\bhelp me understand\b|"
    # writing *about a topic* ("help me write an essay on diabetes"), not a letter about oneself
    r"\bhelp me write (?:an? |my )?(?:essay|article|report|paper|blog|post|summary|speech|presentation)s? (?:about|on)\b"
    r"|\b(?:i'?m|i am|we'?re|we are) (?:writing|researching|studying|preparing|reading) (?:an? |my |our )?"
    r"(?:essay|article|report|paper|thesis|dissertation|presentation|project|talk|lesson|book)s? (?:about|on)\b",
    re.I)


# ...unless the sentence also says what the writer or someone has or is ("I have", "my son is").
_OWN = re.compile(r"\b(i (?:have|had|was|got|'ve been)|i ?(?:am|'m) (?!writing|researching|studying|preparing|reading)|my (?!own\b)\w+ (?:is|was|has|had)|"
                  r"(?:he|she|they) (?:is|was|has|had|'s|will|won'?t|can'?t|needs?|starts?|started))\b", re.I)


# "checking $3,412.55, savings $18,900, credit card debt $27,340": a list of one's own accounts
# with exact amounts is a disclosure even without an "I".
_EXACT_MONEY = re.compile(r"\b(?:checking|current account|savings|debt|loan|mortgage|salary|income|balance|"
                          r"401k|pension|rent)\b[^.!?\n,;]{0,25}?(?:[$€£]\s?\d[\d,]*(?:\.\d\d)?|\d[\d,]*(?:\.\d\d)?\s?k\b)",
                          re.I)


def find_disclosures(text: str, lang: str | None = None) -> list[str]:
    """Categories disclosed in the first person; empty when the text only asks about topics.

    ``lang`` is the message's language (a code of :data:`engine.privacy.language.COVERED`); when
    None, every language :func:`engine.privacy.language.detect` sees in the text is checked. The
    English rules run on English text and text too short to tell (they would read the Italian
    article "i" and the German "was" as English)."""
    from engine.privacy.disclosure_intl import find_disclosures_intl

    if lang is None:
        from engine.privacy.language import detect

        langs: tuple[str, ...] = detect(text).languages
    else:
        langs = (lang,)
    found = _find_english(text) if not langs or "en" in langs else []
    for code in langs:
        found += [c for c in find_disclosures_intl(text, code) if c not in found]
    return found


# A sentence tied to days of someone's life ("round 3 starts Monday", "the scan last week") reports an
# event, not a topic, even with no "I" in it.
_DIARY_TIME = re.compile(r"\b(?:yesterday|tomorrow|last (?:night|time|week|month)|next (?:week|month)|"
                         r"(?:on |this |next |last |since |until |by )?(?:monday|tuesday|wednesday|thursday|friday|"
                         r"saturday|sunday)s?|(?:round|cycle|session|dose) \d+)\b", re.I)


def _find_english(text: str) -> list[str]:
    found: list[str] = ["precise finances"] if len(_EXACT_MONEY.findall(text)) >= 3 else []
    someone = False  # an earlier sentence named someone the writer knows
    for sentence in _SENTENCE.findall(text):
        kin = re.search(_RELATIVE, sentence, re.I) or _KIN_NAMED.search(sentence)
        anchor = _FIRST_PERSON.search(sentence) or kin or _SUBJECTLESS.match(sentence) or \
            (someone and _PRONOUN_SUBJECT.match(sentence))
        someone = someone or bool(kin)
        # Treatment tied to days is someone's own; news about courts or borders has dates too.
        diary = not anchor and _DIARY_TIME.search(sentence)
        if not anchor and not diary:
            continue
        for cat, rx in _COMPILED.items():
            hit = rx.search(sentence)
            if not hit or cat in found or (diary and cat != "health"):
                continue
            # "Tell me about diabetes" / "I want to learn about HIV" are topic requests.
            if _TOPIC_VERBS.search(sentence) and not _OWN.search(sentence):
                continue
            found.append(cat)
    return found


# Everyday words that go with each kind of disclosure but are no disclosure on their own ("the
# clinic", "court", "mosque", "behind on"): evidence only next to the learned layer's judgement
# (see :func:`corroborated`).
CUES: dict[str, str] = {
    "health": r"clinic|ward\b|a&e|icu\b|intensive care|treatment|therapy|pills|meds\b|tablets|diagnos\w*|operation|"
              r"surgery|recover(?:ing|y) from|counsell\w*|ambulance|prescri\w*|pregnan\w*|weeks along|drinking|drunk|"
              r"sober|relaps\w*|forgetting|confused|throw(?:ing)? up|cutting|hurting (?:him|her|my|them)self",
    "sexuality_gender": r"came out|coming out|same[- ]sex|pronouns|transition\w*",
    "religion": r"mosque|synagogue|gurdwara|prayers|pray(?:ing|s)?\b|fasting|ramadan|faith|converted|hijab|kippah|turban",
    "politics_union": r"voted|vote for|union|protest\w*|rally|strike|picket\w*|activis\w*",
    "ethnicity": r"racis\w*|ethnic\w*|heritage|adopted from|where i'?m (?:really )?from|skin colou?r",
    "immigration": r"visa|papers|home office|deport\w*|asylum|immigration|citizenship|residency",
    "criminal_legal": r"police|court|arrest\w*|charged|trial|caught|stole|steal\w*|expelled|suspended from|fined|"
                      r"offence|probation(?! (?:period|review))|prison|jail|knife",  # a job's probation period is no sentence
    "finance": r"debt|owe\w*|behind on|arrears|overdra\w*|bankrupt\w*|can'?t pay|late payments?|bailiff\w*|evict\w*|"
               r"payday",
}
_CUE_RX = re.compile(r"\b(?:" + "|".join(CUES.values()) + r")(?!\w)", re.I)
_CUE_BY_CATEGORY = {cat: re.compile(r"\b(?:" + words + r")(?!\w)", re.I) for cat, words in CUES.items()}


def topic_categories(text: str) -> list[str]:
    """The special categories a message touches anywhere, by the word lists' terms or the everyday
    words of :data:`CUES` — a topic, not a disclosure: no anchor is needed ("the biopsy is on
    Friday" after "my brother called"). Learned-layer category names (``health``, ``finance``...)."""
    from engine.privacy.signals import _LEXICON_CATEGORY

    found = [_LEXICON_CATEGORY.get(c, c) for c, rx in _COMPILED.items() if rx.search(text)]
    found += [c for c, rx in _CUE_BY_CATEGORY.items() if rx.search(text)]
    return list(dict.fromkeys(found))


def about_someone(text: str) -> bool:
    """Some sentence is about the writer or someone they know (see :func:`_about_someone`)."""
    return next(_about_someone(text), None) is not None


def corroborated(text: str) -> bool:
    """A sentence about the writer or someone they know (the same anchors as the word lists) that
    uses an everyday word of a special category. Alone this is nothing — "my doctor's appointment
    is on Tuesday" — but it tells the learned layer's middling score on the message ("the test
    came back positive and I don't know how to tell him") from one on a message that only
    sounds like it."""
    return any(_CUE_RX.search(s) and not _TOPIC_VERBS.search(s) for s in _about_someone(text))


def _about_someone(text: str) -> Iterator[str]:
    """The sentences about the writer or someone they know: first person, a relative or a person
    named with their role, no subject ("Diagnosed last week"), or he/she after a relative."""
    someone = False
    for sentence in _SENTENCE.findall(text):
        kin = re.search(_RELATIVE, sentence, re.I) or _KIN_NAMED.search(sentence)
        if _FIRST_PERSON.search(sentence) or kin or _SUBJECTLESS.match(sentence) or \
                (someone and _PRONOUN_SUBJECT.match(sentence)):
            yield sentence
        someone = someone or bool(kin)


# Words no one uses figuratively: an anchored sentence with one of them is a disclosure even when
# the learned layer finds the whole message unlikely to be one (engine.privacy.signals.second_opinion
# drops word-list hits it doubts, for "addicted to this podcast"; "she died of an overdose" in a
# request for a eulogy is no figure of speech).
# Thoughts of dying, said plainly. People also say them in jest ("this bug makes me want to die"),
# but the costs are not alike: a joke kept local is still answered, a real one sent out is the
# worst thing the router can do. So they stand even when the learned layer reads a joke.
_DYING = (r"suicid\w*|kill(?:ing)? myself|end(?:ing)? (?:it all|my (?:own )?life)|want(?:ed|s)? to die|better off without me|"
          r"no reason to (?:live|go on)|(?:don'?t|do not) want to (?:be here|wake up|live)\b")
LITERAL = re.compile(r"\b(?:overdos\w*|miscarr\w*|chemo\w*|dialysis|sectioned|leuka?emi\w*|lymphoma|deport\w*|"
                     r"asylum|arrested|convicted|diagnosed with|died of|took (?:his|her|their) own life|hiv\b|"
                     r"self[- ]harm\w*|rehab\b|psychiatric|" + _DYING + ")", re.I)


def literal_disclosures(text: str) -> list[str]:
    """Categories :func:`find_disclosures` finds in anchored sentences with a :data:`LITERAL` word."""
    found: list[str] = []
    if not LITERAL.search(text):
        return found
    for sentence in _about_someone(text):
        if LITERAL.search(sentence) and not (_TOPIC_VERBS.search(sentence) and not _OWN.search(sentence)):
            found += [c for c, rx in _COMPILED.items() if c not in found and rx.search(sentence)]
    return found

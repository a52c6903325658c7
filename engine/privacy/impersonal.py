"""Words the name finders take for names that name no one.

The English NER (:mod:`engine.privacy.ner`) and its sentence frames read any capitalised or
unknown word as a possible name. Some kinds of text are full of such words and name nobody:

* **code** — identifiers and error names ("CrashLoopBackOff", "NoneType", "read_csv",
  ``useState``), the words of a pasted error message, technical terms ("nginx");
* **template slots** — "[Name]", "{first_name}", "{{company}}", "<Recipient>";
* **made-up people** — the first names of a maths word problem ("If Priya has 12 apples ...")
  or of a story the writer asks for, when nothing in the message is about the writer's own life.

:func:`engine.privacy.recognizers.no_one` drops them. Each test is about the *kind* of text
(how code, templates and word problems are written), not about particular names.
"""

from __future__ import annotations

import re
from functools import lru_cache

from engine.privacy.allowlists import is_test_key, looks_like_placeholder
from engine.privacy.finding import Finding
from engine.privacy.gazetteer import given_names, is_public_entity, is_term, surnames, zipf

# --- first person that says nothing about the writer's life ---------------------------------------
# "I like jazz and cheap noodles", "I'm learning Rust", "my code", "if I ...", "we want to visit
# ...": the writer's tastes, what they are learning, their code, a hypothetical, a trip they plan.
# None of them places the writer or names anyone they know, so on its own such a phrase does not
# make a question personal (a public place or firm in it stays). Whatever else in the message is
# first person ("my sister", "where I live", "I work at") still is.
_NOT_AFTER = (r"(?![^.?!,;:\n]{0,60}\b(?:my|our|me|us|live|living|lives|work|working|works|worked|job|born|grew up|"
              r"moved?|moving|based|home|house|flat|apartment|family|wife|husband|partner|son|daughter|kids?|"
              r"children|boss|colleague|friend|neighbou?r|doctor|school|employer|company|office|here)\b)")
_FIRST_PERSON_NO_ONE = re.compile(
    # tastes
    r"\b(?:i|we)(?:\s+(?:really|also|just|absolutely|kind of|do|mostly|usually|don't|do not))?\s+"
    r"(?:like|love|enjoy|prefer|adore|hate|dislike|fancy)\b" + _NOT_AFTER + "|"
    r"\b(?:i|we)(?:'m|'re|\s+am|\s+are)\s+(?:a (?:big |huge )?fan of|into|interested in|curious about|fascinated by|"
    r"sceptical|skeptical|confused|not sure|unsure|a beginner|new to|a newbie)\b" + _NOT_AFTER + "|"
    # learning
    r"\b(?:i|we)(?:'m|'re|\s+am|\s+are|'ve been|\s+have been)\s+(?:currently\s+|just\s+|slowly\s+)?"
    r"(?:learning|studying|practi[sc]ing|reading about|teaching myself|trying to (?:learn|understand|figure out))\b"
    + _NOT_AFTER + "|"
    r"\b(?:i|we)(?:'d|\s+would)\s+(?:like|love)\s+to\s+(?:learn|know|understand|read|hear|see|try|cook|make|visit)\b"
    + _NOT_AFTER + "|"
    # a trip to a public place
    r"\b(?:i|we)(?:'m|'re|\s+am|\s+are)\s+(?:planning|thinking of|thinking about|considering)\s+"
    r"(?:a\s+(?:\d+[- ]day\s+|short\s+|weekend\s+)?(?:trip|visit|holiday|vacation|journey)\s+to|visiting|going to)\b"
    + _NOT_AFTER + "|"
    r"\b(?:i|we)\s+(?:want|plan|hope|would like|'d like)\s+to\s+(?:visit|travel to|see|go to)\b" + _NOT_AFTER + "|"
    # a hypothetical or a comparison: "if I ...", "suppose we ...", "explain it like I'm five"
    r"\b(?:if|suppose|supposing|imagine|assume|pretend|let's say|say|like|as if)\s+(?:that\s+)?(?:i|we)(?:'m|'re)?\b|"
    # a task about given material: "we have the following passages about a town"
    r"\b(?:i|we)(?:'ve| have|'ve got| have got| got)\s+(?:some|the following|a|an|this|these|two|three|several)\s+"
    r"(?:\w+\s+){0,2}(?:data|dataset|text|texts|sentences?|passages?|paragraphs?|articles?|code|snippet|function|"
    r"array|string|equation|problem|riddle|puzzle)\b" + _NOT_AFTER + "|"
    # the writer's code
    r"\b(?:my|our)\s+(?:own\s+|little\s+|python\s+|js\s+|sql\s+|bash\s+)?(?:code|script|program|function|query|"
    r"regex|loop|class|method|dataframe|data ?frame|notebook|formula|array|list|dict|variable|output|build|repo|"
    r"dockerfile|makefile|config|component|unit tests?|tests?|compiler|ide|terminal|linter|solution|answer|proof|"
    r"essay outline|homework (?:problem|question))\b", re.I)


# "i" as a variable in code: "for i in", "i += 1", "arr[i]", "(i, j)", "i < n".
_LOOP_I = re.compile(r"\bfor\s+i\s+in\b|(?<=[\[(,=])\s*i\b|\bi\s*(?:[-+*/%<>!=]=?|\+\+|--|[\[\]),;])")


def without_impersonal_first_person(text: str, lang: str | None = "en") -> str:
    """``text`` with the first-person phrases that say nothing about the writer's life blanked
    out (see above; the other covered languages: ``words_intl.IMPERSONAL_FIRST_PERSON``); the
    first-person cue is then read on what is left."""
    if lang in (None, "en"):
        if code_context(text):  # "[i for i in arr]", "i += 1": a loop variable, not the writer
            text = _LOOP_I.sub(" ", text)
        return _FIRST_PERSON_NO_ONE.sub(" ", text)
    rx = _impersonal_first_person_rx(lang)
    return rx.sub(" ", text) if rx is not None else text


@lru_cache(maxsize=8)
def _impersonal_first_person_rx(lang: str) -> re.Pattern[str] | None:
    from engine.privacy.words_intl import IMPERSONAL_FIRST_PERSON

    words = IMPERSONAL_FIRST_PERSON.get(lang)
    return re.compile(r"(?<!\w)(?:" + words + r")(?!\w)", re.I) if words else None


# --- code -----------------------------------------------------------------------------------------
# Signs that a message is about code: a code block or span, a call, an import, an error or
# exception, a stack trace, a command, or the nouns programmers use.
_CODE_CONTEXT = re.compile(
    r"`|\w\(\)?|\b(?:def|class|import|from|return|function|const|var|let|public|private|static|void|async|await)\s+\w|"
    r"=>|::|\w\.\w+\(|\b\w+(?:Error|Exception|Warning)\b|\b(?:error|exception|traceback|stack ?trace|stacktrace|"
    r"compile[rsd]?|runtime|debug\w*|bug|crash\w*|segfault|syntax|regex|regexp|api|sdk|cli|endpoint|library|package|"
    r"module|framework|function|method|variable|parameter|argument|struct|enum|interface|hook|component|class|object|"
    r"instance|type ?script|javascript|python|java|rust|golang|kotlin|swift|c\+\+|c#|sql|query|database|schema|"
    r"container|pod|cluster|deployment|docker|kubernetes|kubectl|npm|pip|git|repo|branch|commit|merge|build|"
    r"config(?:uration)?|server|client|request|response|json|yaml|xml|html|css|http|https|status code|log|logs|"
    r"script|terminal|shell|command|install(?:ed|ing)?|dependency|dependencies|version)\b", re.I)


def code_context(text: str) -> bool:
    return bool(_CODE_CONTEXT.search(text))


# CamelCase identifiers whose last part says what kind of program object they are: no firm or
# person is called "...Exception" or "...Handler" (brand-like endings such as "...Data" or
# "...Store" are left to the code-context rule below).
_CODE_SUFFIX = (r"Error|Exception|Warning|Fault|Failure|Timeout|Denied|Refused|NotFound|Overflow|Type|BackOff|"
                r"Backoff|Handler|Factory|Controller|Provider|Listener|Adapter|Builder|Callback|Iterator|Pointer|"
                r"Interface|Config|Props|Ref|Hook|Effect|Impl|Dto|DTO|Exception")
_CAMEL_CODE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:" + _CODE_SUFFIX + r")")
_CAMEL = re.compile(r"[a-z]+[A-Z][A-Za-z0-9]*|[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*|[A-Z]{2,}[a-z]+[A-Za-z0-9]*")
_IDENTIFIER = re.compile(r"\w*_\w+|\w+\.\w+(?:\.\w+)*")
# A pasted error message: "TypeError: 'NoneType' object is not subscriptable" up to the end of its line.
_ERROR_LINE = re.compile(r"\b\w*(?:Error|Exception|Warning|error|exception|warning|fatal|FATAL|ERROR|WARN)\b:?[^\n]*")
_CODE_SPAN = re.compile(r"```.*?```|`[^`\n]+`", re.S)


# Short words of code that no word list calls common: "df.pivot", "read_csv", "user_id".
_CODE_WORDS = frozenset("id ids csv tsv db df np pd os io sys str int obj arr idx len num tmp src dst cfg env api url "
                        "uri http json xml sql html css js py dir msg err req res ctx btn img val var fn func args "
                        "kwargs param params config init util utils auth admin bool dict".split())


_HONORIFICS = frozenset("mr mrs ms miss dr prof sir madam mx st mt".split())


def _identifier(word: str) -> bool:
    """"read_csv", "user_id", "s3.put_object": snake_case or dotted names made of words of code.
    A handle ("kenji_t", "anna.w") is not one: its parts are names or no words at all."""
    if not _IDENTIFIER.fullmatch(word) or re.fullmatch(r"[A-Z]\.\s?\w+", word):
        return False
    parts = [p for p in re.split(r"[_.]+", word.lower()) if p]
    return len(parts) >= 2 and all(p in _CODE_WORDS or (zipf(p) >= 3.5 and p not in given_names())
                                   or re.fullmatch(r"[a-z]?\d+", p) for p in parts)


def _inside(spans: list[tuple[int, int]], f: Finding) -> bool:
    return any(a <= f.start and f.end <= b for a, b in spans)


def code_name(text: str, f: Finding, code: bool, personal: bool) -> bool:
    """Is ``f`` an identifier, an error name or a term rather than someone's name?

    Anywhere: technical terms, "...Error"/"...Type"-style identifiers, snake_case and dotted
    names, words inside a code span. In a message about code that is not about the writer's own
    life: any CamelCase word, and unknown words inside a pasted error line."""
    word = f.text.strip(" '\"`")
    if f.kind not in ("PERSON", "ORG", "NAME", "PLACE", "GROUP"):
        return False
    if is_term(word) or len(word) < 2 or looks_like_placeholder(word) or (" " not in word and is_test_key(word)):
        return True  # a term, one letter ("Reply C", "the value of X"), a documented sample value
    words = [w for w in re.split(r"\s+|/", word) if w and w.lower() not in ("vs", "vs.", "and", "or", "&", "versus")]
    if len(words) > 1 and all(is_term(w) for w in words):
        return True  # "scrypt vs pbkdf2"
    # one piece of a documented sample token: "q9Zr.../Tk2P.../EXAMPLEKEY"
    lo = text.rfind(" ", 0, f.start) + 1
    hi = text.find(" ", f.end)
    token = text[lo:hi if hi >= 0 else len(text)]
    if "/" in token and looks_like_placeholder(token):
        return True
    # "df.pivot(...)", "obj.readLines": a method called on an object, in a message about code
    # ("Ms.kovacz" is a person: an honorific is no object)
    before = re.search(r"(\w+)\.$", text[max(0, f.start - 30):f.start])
    if code and re.fullmatch(r"[a-z_][A-Za-z0-9_]*", word) and (
            (before and before.group(1).lower() not in _HONORIFICS) or text[f.end:f.end + 1] == "("
            or re.search(r"\b[a-z_]\w*\." + re.escape(word) + r"\(|\b" + re.escape(word) + r"\(", text)):
        return True  # (also the same word named again: "... then the pivot?")
    if " " not in word and (_CAMEL_CODE.fullmatch(word) and _CAMEL.fullmatch(word) or _identifier(word)):
        return True
    if code and not personal and re.search(r"\w[(\[{]|[=;<>]|[)\]}]\w", word):
        return True  # "len(arr": the NER cut a piece of code; no one's name is glued to brackets or has "="
    if code and " " not in word and _PRODUCT_AFTER.match(text, f.end):
        return True  # "the coinpeek API", "the Zorbly SDK": a product named by what it is
    if not personal and maths_variable(text, f):
        return True
    if f.kind == "NAME" and _inside([(m.start(), m.end()) for m in _CODE_SPAN.finditer(text)], f):
        return True
    if not personal and re.fullmatch(r"[a-z]+\d+[a-z0-9]*", word):
        return True  # "ec2", "i18n", "k3s": lower-case letters with digits inside name tools, not people
    if quoted_error_word(text, f):
        return True  # "Permission denied (publickey)", "COPY failed: ...": the tool's words, whoever got them
    if not code or personal:
        return False
    if " " not in word and _CAMEL.fullmatch(word):
        return True
    if " " not in word and re.fullmatch(r"[A-Z]+_[A-Z_]+|[A-Z]{6,}", word):
        return True  # "EXPOSE", "MAX_RETRIES": keywords and constants (short capitals are acronyms of firms)
    # "object is not subscriptable" after "TypeError:": the words of the error, not names
    return f.kind == "NAME" and _inside([(m.start(), m.end()) for m in _ERROR_LINE.finditer(text)], f) \
        and text[f.start:f.start + 1].islower()


# A quoted error message: "Permission denied (publickey)", "ECONNREFUSED 127.0.0.1:5432".
_QUOTED = re.compile(r"[\"“`]([^\"“”`\n]{3,200})[\"”`]")
_ERROR_WORDS = re.compile(r"\b(?:error|failed|failure|denied|refused|exception|fatal|not found|unable|cannot|can't|"
                          r"timed out|invalid|unknown|missing|forbidden|unauthori[sz]ed|[A-Z]{2,}[A-Z_]*ERR\w*|E[A-Z]{4,})\b",
                          re.I)


def quoted_error_word(text: str, f: Finding) -> bool:
    """One all-capitals or lower-case word inside a quoted error message ("COPY failed: ...",
    "Permission denied (publickey)"): the program's wording, also when the writer pasted their own
    error. A capitalised word there may be a user's name ("Access denied for Tomasz") and is kept."""
    word = f.text.strip()
    if " " in word or not (re.fullmatch(r"[A-Z][A-Z0-9_]+|[a-z][a-z0-9_]+", word)) or word.lower() in _possible_names():
        return False
    return any(m.start(1) <= f.start and f.end <= m.end(1) and _ERROR_WORDS.search(m.group(1))
               for m in _QUOTED.finditer(text))


# "the Acme API", "the Zorbly SDK": in a message about code, the word before names a product.
_PRODUCT_AFTER = re.compile(r"\s+(?:API|APIs|SDK|CLI|REST API|library|package|module|plugin|crate|gem|endpoint|"
                            r"framework|client library|wrapper|extension)\b")
# An equation or a request to solve one: "10X + 5 = 10", "solve for x", "the value of y".
_EQUATION = re.compile(r"\d\s*[A-Za-z]?\s*[-+*/^=]\s*\(?\s*\d|\b(?:solve|equation|value of|simplify|"
                       r"factori[sz]e|derivative|integral)\b", re.I)
# A variable ("X", "x2"), a term ("10X", "3y") or "X" with the next sentence's first word stuck to it.
_VARIABLE = re.compile(r"\d*[A-Za-z](?:\^\d+)?(?:\.\s+([A-Z][a-z]+))?")


def maths_variable(text: str, f: Finding) -> bool:
    """"solve for Y. Then check it", "3Y + 4 = 19": in a maths question, a letter or a
    number with a letter is a variable or a term, never a name (the NER may glue the first word
    of the next sentence to it: that word must then be an everyday one)."""
    m = _VARIABLE.fullmatch(f.text.strip())
    if not m or not _EQUATION.search(text):
        return False
    nxt = m.group(1)
    return nxt is None or (zipf(nxt.lower()) >= _EVERYDAY_ZIPF and nxt.lower() not in _possible_names())


# --- dishes ---------------------------------------------------------------------------------------
# A request about cooking: a recipe, a dish, a cuisine.
_FOOD_CONTEXT = re.compile(r"\b(?:recipes?|cook(?:ing)?|bake|baking|dish(?:es)?|cuisine|ingredients?|marinade|"
                           r"how (?:do you|to) make|street food|snack|dessert|breakfast|lunch|dinner)\b", re.I)
_FOOD_NOUNS = (r"rice|soup|stew|sauce|bread|cake|curry|noodles?|salad|pie|dumplings?|stir[- ]fry|pastry|pancakes?|"
               r"buns?|dip|paste|broth|porridge|flatbread|tart|cookies?|biscuits?|sandwich|skewers?|fritters?")
_DISH_AFTER = re.compile(r"\s+(?:" + _FOOD_NOUNS + r")\b", re.I)
_DISH_BEFORE = re.compile(r"\b(?:recipe|recipes|make|cook|bake|prepare)\s+(?:for\s+)?(?:an?\s+|the\s+|some\s+)?"
                          r"(?:(?:authentic|traditional|classic|simple|easy|vegan|vegetarian|quick|homemade|"
                          r"[A-Z][a-z]+)\s+){0,2}$|\b(?:recipe|food|dish|cuisine)\b[^\n]{0,40}:\s*\n?\s*$", re.I)


def dish_name(text: str, f: Finding) -> bool:
    """"a recipe for injera bread", "the following dish: Bibimbap", "authentic som tam, the
    basil kind": in a request about cooking, a name the NER found before a food noun, typed in
    lower case, or as the dish asked for is the dish (callers check the message is not personal)."""
    if f.kind not in ("PERSON", "NAME", "ORG", "PLACE") or not _FOOD_CONTEXT.search(text) or len(f.text.split()) > 3:
        return False
    before = text[max(0, f.start - 60):f.start]
    return f.text.islower() or bool(_DISH_AFTER.match(text, f.end)) or bool(_DISH_BEFORE.search(before))


# --- lower-case words the caution rule need not fear -------------------------------------------
# A line of code: a statement end, a declaration, a call, an arrow or a comparison.
_CODE_LINE = re.compile(r"[;{}]\s*$|^\s*(?:const|let|var|def|class|import|from|return|if|elif|for|while|function|"
                        r"public|private|static|async)\b|\w\.\w+\(|=>|[=!<>]=|\w\(\)", re.M)


def not_a_lowercase_name(text: str, word: str) -> bool:
    """A lower-case word the tagger read as a proper noun (see engine.privacy.caution) that names
    no one: a dish right before a food noun or after "a recipe for" in a request about cooking
    ("jollof rice", "recipe for massaman curry"), or a word on a line of code in a message about
    code ("const arr = ..."). A given name never is: "i'm rahul, recipe for jollof rice" keeps
    "rahul" unsure. Every occurrence of the word must be such a place."""
    if word in given_names() or word in _possible_names():
        return False
    spots = [m for m in re.finditer(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text)]
    if not spots:
        return False
    food = bool(_FOOD_CONTEXT.search(text))
    code = code_context(text)

    def harmless(m: re.Match[str]) -> bool:
        if food and (_DISH_AFTER.match(text, m.end()) or _DISH_BEFORE.search(text[max(0, m.start() - 60):m.start()])):
            return True
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        line = text[line_start:line_end if line_end >= 0 else len(text)]
        return code and bool(_CODE_LINE.search(line))

    return all(harmless(m) for m in spots)


# --- template slots -------------------------------------------------------------------------------
_SLOT = re.compile(r"\[([^\[\]\n]{1,40})\]|\{\{?([^{}\n]{1,40})\}?\}|<([^<>\n]{1,40})>")
# What a slot is for: "[Name]", "[Your Company]", "{{ order_id }}", "<Recipient>".
_SLOT_WORDS = re.compile(
    r"\b(?:(?:first|last|full|your|my|their|his|her|sender|recipient|customer|client|company|business|product|"
    r"event|user|manager|contact)['’]?s?\s*)?(?:names?|surname|company|business|organi[sz]ation|employer|date|time|"
    r"address|email|e-mail|phone|number|title|position|role|job|city|town|country|state|location|venue|recipient|"
    r"customer|client|product|service|amount|price|order|id|team|department|manager|school|university|sender|"
    r"signature|person|friend|colleague|x|y|placeholder|insert[^\]]*|link|url|website)\b", re.I)


def in_template_slot(text: str, start: int, end: int) -> bool:
    """"Dear [Name]", "Hello {first_name}", "{{ company }}", "<Recipient>": a slot to be filled
    in, not a name. A bracketed heading ("{DOWNTOWN CAFE}") is no slot."""
    for m in _SLOT.finditer(text, max(0, start - 45), min(len(text), end + 45)):
        if not (m.start() <= start and end <= m.end()):
            continue
        inner = next(g for g in m.groups() if g is not None).strip()
        inner = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", inner)  # "OwnerName" -> "Owner Name"
        if re.fullmatch(r"[a-z][a-z0-9]*(?:[_.][a-z0-9]+)*", inner) or _SLOT_WORDS.search(inner.replace("_", " ")):
            return True
    return False


# --- made-up people -------------------------------------------------------------------------------
# A maths word problem: a question about quantities.
_WORD_PROBLEM = re.compile(
    r"\bhow (?:many|much|long|far|old|fast|often)\b|\bwhat (?:fraction|percent(?:age)?|share|proportion)\b|"
    r"\bwhat is the (?:total|sum|difference|product|ratio|probability|average|mean|median|speed|area|volume|cost)\b|"
    r"\b(?:calculate|compute|solve|work out|find the (?:number|total|value|probability|ratio|cost|price|area))\b|"
    r"\b(?:altogether|in total|left over|in all|each (?:get|have|receive|pay)|how much does each)\b|\bword problem\b|"
    r"\bequations?\b|"
    # the same questions in the other languages Hearth reads
    r"\b(?:wie (?:viele?|alt|lange|weit)|combien|quel âge|cuánt[oa]s?|qué edad|quant[oiea]|quant[oa]s|quanti anni|"
    r"hoeveel|hoe oud|ciascuno|cada uno|chacun|jede[rs]?)\b",
    re.I)
_NUMBER = re.compile(r"\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|fifty|"
                     r"hundred|half|twice|double|third|quarter)\b", re.I)
# A story, scene or dialogue the writer asks for: its characters are invented.
_FICTION = re.compile(
    r"\b(?:write|tell|continue|finish|draft|create|compose|invent)\b[^.?!\n]{0,40}\b(?:story|stories|tale|fable|"
    r"fairy ?tale|novel|novella|screenplay|script|scene|dialogue|sitcom|skit|play|fan ?fic(?:tion)?|narrative|"
    r"saga|legend|myth|poem|limerick|haiku|sonnet|rhyme|lullaby)\b[^.?!\n]{0,30}\babout an? \w+ (?:named|called)\b|"
    r"\b(?:write|tell|continue|finish|draft|create|compose|invent)\b[^.?!\n]{0,40}\b(?:story|stories|tale|fable|"
    r"fairy ?tale|novel|novella|screenplay|script|scene|dialogue|sitcom|skit|fan ?fic(?:tion)?|narrative|saga|"
    r"legend|myth|chapter)\b|\b(?:once upon a time|protagonist|main character|characters? (?:named|called)|"
    r"fictional|imaginary|role-?play)\b", re.I)


def made_up_people(text: str) -> bool:
    """A word problem or a story to write: its people are made up (callers check that the
    message is not about the writer's own life)."""
    problem = bool(_WORD_PROBLEM.search(text)) and len(_NUMBER.findall(text)) >= 2
    return problem or bool(_FICTION.search(text)) or bool(_fiction_intl().search(text))


@lru_cache(maxsize=1)
def _fiction_intl() -> re.Pattern[str]:
    from engine.privacy.words_intl import FICTION_REQUEST

    return re.compile(r"(?<!\w)(?:" + FICTION_REQUEST + r")(?!\w)", re.I)


# "a shy character, Odessa,", "the main character called Ilse", "a gnome named Quibble" in a
# role-play: a name the writer gives to a character, whoever the writer is.
_CHARACTER_BEFORE = re.compile(r"\b(?:character|protagonist|narrator|villain|hero|heroine|npc)s?\b[^.?!\n]{0,12}?"
                               r"(?:,|\bnamed|\bcalled)\s*$|\b(?:named|called)\s*$", re.I)
# A game the writer plays with the assistant: the names in it are invented. (Not a story "for my
# nephew, a boy named Kofi": that name may be real.)
_ROLE_PLAY = re.compile(r"\brole-?play|\b(?:d&d|dungeons|rpg|tabletop)\b|\bnpc\b", re.I)


def character_name(text: str, f: Finding) -> bool:
    """A name given to a character in a story or role-play ("a shy character, Odessa")."""
    if not lone_name(f):
        return False
    before = text[max(0, f.start - 40):f.start]
    if not _CHARACTER_BEFORE.search(before):
        return False
    return bool(re.search(r"\bcharacter|\bprotagonist|\bnarrator|\bvillain|\bhero|\bnpc", before, re.I)) \
        or bool(_ROLE_PLAY.search(text))


def lone_name(f: Finding) -> bool:
    """One capitalised word read as a name ("Priya", "Tomas"; the NER also calls them firms or
    places): a first name. (Only asked where the people are made up.)"""
    name = r"[A-ZÀ-Þ][a-zß-ÿ'’-]+"
    # "Anouk and Bram": the NER sometimes takes two first names as one span
    return f.kind in ("PERSON", "NAME", "ORG", "PLACE") and \
        re.fullmatch(name + r"(?:(?:,\s*|\s+and\s+|\s*&\s*)" + name + r")*", f.text.strip()) is not None


# --- ordinary words and geography ----------------------------------------------------------------
@lru_cache(maxsize=1)
def _possible_names() -> frozenset[str]:
    """Every given name and surname Hearth knows (the census lists, in full, and Faker's lists of
    each locale): a word here may be someone's name, however common it is as a word."""
    from importlib import import_module, resources
    import pkgutil

    out: set[str] = set(given_names()) | set(surnames())
    for file in ("dist.male.first", "dist.female.first"):
        try:
            text = resources.files("names").joinpath(file).read_text(encoding="utf-8")
        except (ModuleNotFoundError, FileNotFoundError):
            continue
        out.update(line.split()[0].lower() for line in text.splitlines() if line.split())
    try:
        import faker.providers.person as people
    except ImportError:
        return frozenset(out)
    for mod in pkgutil.iter_modules(people.__path__):
        try:
            provider = import_module(f"faker.providers.person.{mod.name}").Provider
        except (ImportError, AttributeError):
            continue
        for attr in ("first_names", "first_names_male", "first_names_female", "last_names"):
            names = getattr(provider, attr, None)
            if isinstance(names, (list, tuple, set, frozenset, dict)):
                out.update(str(n).lower() for n in names)
    return frozenset(out)


def prepare() -> None:
    """Read the word lists now (the router's warm-up), not inside a message's time budget."""
    _possible_names()


# One word this common (Zipf 4: once in ten thousand words) is an everyday word, not a name,
# unless some list of names has it ("Will", "Rose", "Baker").
_EVERYDAY_ZIPF = 4.0


def everyday_word(f: Finding) -> bool:
    """"Teapot", "Window", "Harvest": one capitalised everyday word the NER read as a name."""
    word = f.text.strip()
    # Only the NER's reading: rarer capitalised words next to private names ("NAME") are
    # redacted on purpose (see engine.privacy.ner._rare_capitalised).
    if f.kind not in ("PERSON", "ORG") or not re.fullmatch(r"[A-Z][a-z]+", word):
        return False
    return zipf(word.lower()) >= _EVERYDAY_ZIPF and word.lower() not in _possible_names()


_NATURAL_FEATURE = re.compile(
    r"(?:Lake|Mount|Mt\.?|Cape|Gulf of|Isle of|Bay of|Sea of|River|Lac|Monte|Mont|Loch)\s+[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?|"
    r"(?:[A-Z][\w'’-]+\s+){1,2}(?:River|Mountains|Range|Sea|Ocean|Desert|Island|Islands|Peninsula|Falls|Canyon|"
    r"Glacier|Volcano|Strait|Bay|Lake|Basin|Plateau|Archipelago|Delta|Reef|Nebula|Crater|[Bb]elt)")


def natural_feature(text: str, f: Finding) -> bool:
    """"Lake Titicaca", "Mount Elbrus", "the Coral Sea": a named lake, mountain or sea, which is
    geography rather than anyone's whereabouts (callers check the message is not personal)."""
    if f.kind not in ("PLACE", "PERSON", "NAME", "ORG"):
        return False
    lo = max(0, f.start - 12)
    window = text[lo:min(len(text), f.end + 14)]
    return any(m.start() + lo <= f.start and f.end <= m.end() + lo for m in _NATURAL_FEATURE.finditer(window))


# Empires, dynasties, treaties, revolutions, eras: "the Delian League", "the Glorious Revolution".
_HISTORICAL = (r"Empire|Dynasty|League|Treaty|Revolution|Wars?|Restoration|Republic|Kingdom|Caliphate|Sultanate|"
               r"Shogunate|Era|Period|Age|Crusades?|Reformation|Renaissance|Accords?|Doctrine|Expedition|Rebellion|"
               r"Uprising|Famine|Conquest|Mission|Dynasties|Civili[sz]ation|Confederation|Confederacy|Commonwealth")
_HISTORICAL_END = re.compile(r"(?:\s|^)(?:" + _HISTORICAL + r")$")
_HISTORICAL_AFTER = re.compile(r"\s+(?:" + _HISTORICAL + r")\b")


def historical_name(text: str, f: Finding) -> bool:
    """"the Holy Roman Empire", "the Delian League", "the Glorious Revolution": a polity, era, treaty
    or event of history, named with "the" (callers check the message is not personal)."""
    if f.kind not in ("PERSON", "ORG", "NAME", "PLACE", "GROUP"):
        return False
    if not re.search(r"\bthe\s+$", text[max(0, f.start - 5):f.start], re.I):
        return False
    word = f.text.strip()
    return bool(_HISTORICAL_END.search(word)) or bool(_HISTORICAL_AFTER.match(text, f.end))


# How common on the web a name after "the" must be to be a public thing (policy.Thresholds.public_name_zipf).
_PUBLIC_THING_ZIPF = 2.5


def thing_after_the(text: str, f: Finding) -> bool:
    """"the Rhine", "the Sun": English puts no article before a person's name, so a "person"
    after "the" is a thing — public when its name is common on the web. Not a family ("the
    Okafors"), not a role before a name ("the plumber Ines Braga"; callers check the message is
    not personal)."""
    word = f.text.strip()
    if f.kind != "PERSON" or not re.search(r"\bthe\s+$", text[max(0, f.start - 5):f.start], re.I):
        return False
    if re.search(r"s$|['’]s$", word) or len(word.split()) > 3:
        return False
    return all(zipf(w.lower()) >= _PUBLIC_THING_ZIPF for w in re.findall(r"[^\W\d_]+", word))


# "Describe Ada Lovelace's ...": the NER took the verb that opens the request into the name.
_OPENING_VERB = re.compile(r"(?:summari[sz]e|explain|describe|compare|discuss|analy[sz]e|list|name|tell me about|"
                           r"write about|research|outline)\s+", re.I)


def public_after_verb(text: str, f: Finding) -> bool:
    """A public figure or entity with the request's opening verb stuck to the front."""
    m = _OPENING_VERB.match(f.text)
    if f.kind not in ("PERSON", "ORG") or not m:
        return False
    rest = re.sub(r"['’]s$", "", f.text[m.end():].strip())
    return is_public_entity(rest)


# "Wer war ...", "Qui était ...", "¿Quién fue ...": the other languages' "who was" before a name, and
# their "biography of" (English: engine.privacy.quasi.asked_about).
_WHO_WAS_OTHER = re.compile(r"(?:\bwer war|\bqui (?:était|fut)|¿?\bquién (?:fue|era)|\bchi (?:era|fu)|\bquem (?:foi|era)|"
                            r"\bwie was|\bbiografie (?:von|van)|\bbiographie de|\bbiografía de|\bbiografia (?:di|de))\s+$",
                            re.I)


def asked_about_other_language(text: str, f: Finding) -> bool:
    """A capitalised name a question in another language asks public knowledge about (callers
    check the message is not personal)."""
    return f.kind in ("PERSON", "NAME") and f.text[:1].isupper() and len(f.text.split()) <= 4 \
        and bool(_WHO_WAS_OTHER.search(text[max(0, f.start - 25):f.start]))


# --- what is left ---------------------------------------------------------------------------------
def private_name(f: Finding) -> bool:
    return f.kind in ("PERSON", "ORG", "NAME") and not is_public_entity(f.text)


def public_name(f: Finding) -> bool:
    return f.kind in ("PLACE", "GROUP", "ORG") and is_public_entity(f.text)

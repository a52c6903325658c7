"""Confidential company matters said in plain words ⇒ keep local.

``business.marker`` (engine.privacy.signals) catches text its author *labels* confidential or
internal; ``business.learned`` catches text that reads like company material, in the writer's
own voice, when the classifier is very sure. Between them falls the way people actually pass
such things around: a chat message or a thread pasted from a work channel, a draft for the board,
a note asking for talking points — a company *matter that is not public yet*, named in
everyday words:

* ``business.unannounced`` — a secrecy cue ("don't share until Monday", "nobody there knows yet",
  "before the announcement", "keep it quiet") in a text about a company matter (job cuts, a
  deal, closing a site, prices, a customer, figures, funding);
* ``business.insider`` — the writer's organisation's own unpublished figures or plans for an
  internal audience: "we"/"our" (or a work channel or thread pasted in), a company matter, and
  either two or more figures or an internal audience (the board, investors, the exec team, an
  all-hands) — or a learned business score that is high but short of ``business.learned``'s bar.

Public news about named firms ("a carmaker's revenue fell in Q2"), how-to questions ("how do companies
announce layoffs?"), templates and examples, and secrets about birthdays or surprises are not
company matters kept from the public.
"""

from __future__ import annotations

import re

from engine.privacy.analysis import Analysis
from engine.privacy.signals import Signal

# The writer keeping something from others, or others from it, for now.
_SECRECY = re.compile(
    r"\b(?:do(?:n'?t| not)|must(?:n'?t| not)|can(?:'?t|not)|shouldn'?t|should not|please don'?t)\s+"
    r"(?:share|tell|mention|forward|post|leak|discuss|repeat|say)\b[^.!?\n]{0,40}?\b(?:until|before|yet|outside|"
    r"anyone|anybody|with (?:the )?(?:team|staff|clients?|customers?|press|public))\b|"
    r"\b(?:keep (?:it|this|that|them)\s+(?:quiet|secret|between us|under wraps|to (?:yourself|ourselves))|"
    r"under wraps|hush[- ]hush|off the record|between (?:you and me|us)|"
    r"(?:nobody|no one|none of them|the (?:team|staff)) (?:\w+ )?(?:knows?|has been told|have been told) yet|"
    r"(?:nobody|no one) outside (?:the |our )?(?:company|team|board|leadership|firm|room) knows|"
    r"(?:doesn'?t|don'?t|do not|does not) know yet|(?:hasn'?t|haven'?t|has not|have not) (?:been )?told (?:them|anyone|"
    r"anybody|the \w+|staff|people) yet|"
    r"before (?:the|our|we|it'?s|its|it is|they|it gets?) (?:\w+ )?(?:announce\w*|public|official|made public|"
    r"go(?:es)? public|release\w*|leak\w*)|"
    r"until (?:the|it'?s|it is|we|they|after the) (?:\w+ )?(?:announce\w*|public|official|signed|closed?|final)|"
    r"not (?:public|official|announced) yet|(?:has|have)n'?t (?:been )?(?:announced|made public|gone public))\b",
    re.I)
# Company matters that are news to the people they touch: job cuts, reorganisations, deals, sites
# closing, customers leaving, funding trouble.
_PLAN = (r"lay-?offs?|laying off|lay off|redundanc\w*|made redundant|cut(?:ting)? \d+ (?:roles|jobs|positions|staff|"
         r"people|heads)|job cuts|hiring freeze|restructuring (?:plan|of)|restructur\w* (?:the |our )?(?:company|"
         r"business|department|division|org\w*)|re-?org\b|acquisition (?:of|talks)|being acquired|"
         r"(?:acquir\w*|buy\w*) (?:a|the|our) (?:competitor|rival|startup|business|firm)|in talks to (?:buy|acquire|"
         r"merge)|merger|takeover|buy-?out|divest\w*|"
         r"(?:closing|shut(?:ting)? down|to close|will close) (?:the |our )?(?:\w+ )?(?:office|plant|store|site|factory|"
         r"branch|warehouse|division|department)|(?:office|plant|store|site|factory|branch|warehouse) (?:is|will be|are) "
         r"(?:closing|shutting)(?! early| at)|down ?round|not renewing (?:the|their|our) (?:\w+ )?contract|"
         r"(?:customer|client)s? (?:is |are )?(?:leaving|cancel\w*)|performance improvement plan|"
         r"let(?:ting)? (?:\d+ |some |half the )?(?:people|staff|employees) go|fire[ds]? \d+")
# Figures and terms that are confidential as the writer's own organisation's numbers.
_FIGURES = (r"revenue|forecast|profit|loss(?:es)?|margin|ebitda|arr\b|mrr\b|runway|burn(?: rate)?|bookings|churn|"
            r"pipeline|pricing|price (?:increase|rise|change|hike)|prices? (?:go(?:es)? up|will rise)|biggest (?:customer|"
            r"client)|key (?:customer|client|account)|contract with|funding round|bridge round|series [a-d]\b|valuation|"
            r"term sheet|ipo\b|salary bands?|pay bands?|bonus(?:es)? (?:pool|cut)|headcount")
# Products not out yet: a company matter only with a secrecy cue (a launch date is often public).
_PRODUCT = re.compile(r"\b(?:launch\w*|release date|roadmap|unreleased|prototype)\b", re.I)
_STRONG = re.compile(r"\b(?:" + _PLAN + r")\b", re.I)
_MATTER = re.compile(r"\b(?:" + _PLAN + "|" + _FIGURES + r")\b", re.I)
# Already out in the world: news, a press release, announced publicly.
_PUBLIC = re.compile(r"\b(?:announced (?:\w+ ){0,3}(?:publicly|today|yesterday|last week)|publicly announced|(?:in|from|per) (?:a|the|their) press release|press release (?:said|says|stated)|"
                     r"in the news|news (?:about|on|of)|reported|according to|headlines?)\b", re.I)
_WE = re.compile(r"\b(?:we|we're|we've|we'll|our|ours|(?-i:us))\b", re.I)
# A thread from a work channel, pasted: speaker lines ("Mike: ...", "[10:42] Jen: ...") or its name.
_SPEAKER_LINE = re.compile(r"(?:^|\n|[.!?]\s+)\s*(?:\[?\d{1,2}:\d{2}(?::\d{2})?\]?\s*)?[A-Z][\w.'-]{0,20}"
                           r"(?: [A-Z][\w.'-]{0,20})?:\s+\S")
_CHANNEL = re.compile(r"\b(?:slack|teams|exec(?:utive)?|leadership|management|board|private|internal|"
                      r"work) (?:channel|thread|chat|group|call|meeting)\b|#[a-z][\w-]+", re.I)
# Internal audiences: people inside the organisation, or its owners.
_AUDIENCE = re.compile(r"\b(?:the board|board (?:meeting|pack|deck|update)|investors?|shareholders|the exec(?:utive)? team|"
                       r"leadership team|senior (?:team|leadership)|all-hands|all hands|town ?hall|talking points|"
                       r"the managers|line managers|staff (?:memo|announcement))\b", re.I)
_FIGURE = re.compile(r"(?:[$€£]\s?)?\b\d[\d,.]*\s?(?:%|k\b|m\b|bn\b|million|billion)|[$€£]\s?\d[\d,.]*")
# Made-up or general: templates, examples, how-to questions about companies in general.
_GENERAL = re.compile(r"\b(?:template|example|sample|hypothetical|fictional|case study|how (?:do|should|can|would) "
                      r"(?:a |an )?(?:companies|company|firms?|businesses|employers?|managers?|startups?)|"
                      r"\[[A-Za-z _]{2,30}\])", re.I)

# Written for the public: without a secrecy cue (business.unannounced), a press release or a post
# announces what it says.
_FOR_THE_PUBLIC = re.compile(r"\b(?:press release|public announcement|linkedin post|blog post|newsletter|tweet)\b", re.I)

_REASON = "it discusses a company matter that is not public yet"


def unannounced(a: Analysis) -> list[Signal]:
    """A secrecy cue in a text about a company matter (cheap: word patterns only)."""
    text = a.text
    if not a.english or _GENERAL.search(text) or _PUBLIC.search(text) or \
            not (_MATTER.search(text) or _PRODUCT.search(text)) or not _SECRECY.search(text):
        return []
    return [Signal("business.unannounced", _REASON)]


def insider(a: Analysis, learned_at: float = 0.8) -> list[Signal]:
    """The writer's organisation's own unpublished plans or figures, for an internal audience, or
    a work thread pasted in (see the module doc). Reads the learned business score when there is one."""
    text = a.text
    if not a.english or _GENERAL.search(text) or _PUBLIC.search(text) or _FOR_THE_PUBLIC.search(text) \
            or not _MATTER.search(text):
        return []
    thread = len(_SPEAKER_LINE.findall(text)) >= 2 or bool(_CHANNEL.search(text))
    audience = bool(_AUDIENCE.search(text))
    if not (_WE.search(text) or thread or audience):
        return []
    figures = len({m.group(0) for m in _FIGURE.finditer(text)}) >= 2
    s = a.scores
    sure = s is not None and s.business >= learned_at
    # A plan that is news to the people it touches (job cuts, a site closing, a deal) needs no figures.
    if _STRONG.search(text) or (figures and (audience or thread)) or ((audience or thread) and sure):
        return [Signal("business.insider", _REASON, score=s.business if s is not None else 1.0)]
    return []


def company_matters(a: Analysis) -> list[Signal]:
    return unannounced(a) or insider(a)

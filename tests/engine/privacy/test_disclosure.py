"""First-person disclosures stay local, also when the writer drops the "I" or uses plain words;
topics, and everyday sentences that share a word with a category, pass."""

from __future__ import annotations

import pytest

from engine.privacy.disclosure import find_disclosures

HEALTH, IDENTITY, MONEY = "health", "sexual orientation or gender identity", "precise finances"


@pytest.mark.parametrize("text, category", [
    # diary style, no "I"
    ("been sober 3 months but relapsed yesterday, feel like garbage", HEALTH),
    ("took 3 xanax and a bottle of wine, is that dangerous", HEALTH),
    ("diagnosed with breast cancer yesterday. scared. what are my odds", HEALTH),
    ("had a miscarriage 3 weeks ago and still bleeding a little, is that normal?", HEALTH),
    # lab results, plain words for dying and dependence
    ("what does my blood test mean: HbA1c 7.9%, fasting glucose 8.2", HEALTH),
    ("i keep thinking it would be easier if i wasnt here anymore", HEALTH),
    ("a bottle of wine every night and i can't stop", HEALTH),
    # orientation and gender identity
    ("i'm 16 and i think i'm bi, how do i tell my parents", IDENTITY),
    ("Me and my partner are both women and want to adopt, what are the rules?", IDENTITY),
    ("I'm trans and just started HRT, but my school still uses my deadname", IDENTITY),
    ("im a bi woman married to a man and my family doesn't know", IDENTITY),
    # money, immigration, violence
    ("i make about 52k a year and have 8k in savings, should I invest?", MONEY),
    ("i have 1,240.55 in checking and rent of 1,650 is due friday", MONEY),
    ("ok full picture: checking $3,412.55, savings $18,900, credit card debt $27,340, car loan 11k.", MONEY),
    ("My H-1B extension was denied yesterday and I'm in the 60 day grace period", "immigration status"),
    ("my husband hit me last night", "violence or abuse"),
    ("my dad beats my mom and i'm 15", "violence or abuse"),
])
def test_disclosures(text, category):
    assert category in find_disclosures(text)


@pytest.mark.parametrize("text", [
    "What is a normal HbA1c level?",
    "How does Xanax work?",
    "What is an H-1B visa?",
    "What is the average salary of a nurse in Ohio?",
    "If savings are $18,900, what is 5% of that?",
    "Took the train to work today, any tips for commuting?",
    "Been wondering how photosynthesis works.",
    "I have my probation review at work next week, tips?",
    "the recruiter asked my salary expectations, what should I say?",
    "the car that hit me drove off, what should I do?",
])
def test_topics_and_everyday_sentences_are_no_disclosure(text):
    assert find_disclosures(text) == []


@pytest.mark.parametrize("text, category", [
    ("my husband grabbed my wrist so hard last night it's bruised", "violence or abuse"),
    ("my uncle touched me when i was a kid and he's coming to christmas", "violence or abuse"),
    ("my ex sent me texts threatening to post nudes of me", "violence or abuse"),
    ("i keep gambling my paycheck on sports bets", HEALTH),
    ("I have a sex offence caution from 2015, does it show up on a basic DBS check?", "criminal record"),
])
def test_abuse_addiction_and_records_in_everyday_words(text, category):
    assert category in find_disclosures(text)


def test_self_harm_of_a_child_said_plainly():
    assert HEALTH in find_disclosures("my son (16) told me hes been cutting himself, what do i do tonight")


@pytest.mark.parametrize("text", [
    "radiotherapy session 4 is on Thursday, what should I pack?",   # treatment tied to days, no "I" needed
    "the scan last week showed a tumour on his liver",
    "Started estradiol in the spring and I feel more like myself",  # hormones taken to transition
    "my mum is on warfarin, is grapefruit a problem?",              # a named medicine someone takes
    "my solicitor thinks the tribunal will hear my unfair dismissal case in May",  # civil proceedings
])
def test_everyday_disclosures_of_treatment_and_proceedings(text):
    assert find_disclosures(text, "en")


@pytest.mark.parametrize("text", [
    "How does radiotherapy work on a tumour?",
    "What did the court decide last week about the border scheme?",  # news with a date is no diary
    "What is an employment tribunal and who sits on it?",
])
def test_topics_with_the_same_words_are_not_disclosures(text):
    assert find_disclosures(text, "en") == []

"""First-person disclosures stay local, also when the writer drops the "I"; topics pass."""

from __future__ import annotations

import pytest

from engine.privacy.disclosure import find_disclosures


@pytest.mark.parametrize("text, category", [
    ("been sober 3 months but relapsed yesterday, feel like garbage", "health"),
    ("took 3 xanax and a bottle of wine, is that dangerous", "health"),
    ("diagnosed with breast cancer yesterday. scared. what are my odds", "health"),
    ("what does my blood test mean: HbA1c 7.9%, fasting glucose 8.2", "health"),
    ("i'm 16 and i think i'm bi, how do i tell my parents", "sexual orientation or gender identity"),
    ("Me and my partner are both women and want to adopt, what are the rules?",
     "sexual orientation or gender identity"),
    ("i make about 52k a year and have 8k in savings, should I invest?", "precise finances"),
])
def test_disclosures(text, category):
    assert category in find_disclosures(text)


@pytest.mark.parametrize("text", [
    "What is a normal HbA1c level?",
    "How does Xanax work?",
    "Took the train to work today, any tips for commuting?",
    "Been wondering how photosynthesis works.",
    "What is the average salary of a nurse in Ohio?",
])
def test_topics_and_everyday_sentences_are_no_disclosure(text):
    assert find_disclosures(text) == []


@pytest.mark.parametrize("text, category", [
    ("My H-1B extension was denied yesterday and I'm in the 60 day grace period", "immigration status"),
    ("had a miscarriage 3 weeks ago and still bleeding a little, is that normal?", "health"),
    ("I'm trans and just started HRT, but my school still uses my deadname", "sexual orientation or gender identity"),
    ("i have 1,240.55 in checking and rent of 1,650 is due friday", "precise finances"),
    ("my husband hit me last night", "violence or abuse"),
])
def test_more_disclosures(text, category):
    assert category in find_disclosures(text)


@pytest.mark.parametrize("text", [
    "I have my probation review at work next week, tips?",
    "the recruiter asked my salary expectations, what should I say?",
    "the car that hit me drove off, what should I do?",
    "What is an H-1B visa?",
])
def test_work_probation_salary_expectations_and_accidents_are_no_disclosure(text):
    assert find_disclosures(text) == []


@pytest.mark.parametrize("text, category", [
    ("i keep thinking it would be easier if i wasnt here anymore", "health"),
    ("a bottle of wine every night and i can't stop", "health"),
    ("im a bi woman married to a man and my family doesn't know", "sexual orientation or gender identity"),
    ("my dad beats my mom and i'm 15", "violence or abuse"),
])
def test_disclosures_in_plain_words(text, category):
    assert category in find_disclosures(text)


def test_a_list_of_ones_own_balances_is_a_disclosure_without_an_i():
    text = "ok full picture: checking $3,412.55, savings $18,900, credit card debt $27,340, car loan 11k."
    assert "precise finances" in find_disclosures(text)
    assert find_disclosures("If savings are $18,900, what is 5% of that?") == []

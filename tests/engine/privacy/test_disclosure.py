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

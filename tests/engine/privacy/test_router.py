"""Router decisions: each layer, the fail-closed paths, and redaction round trips."""

from __future__ import annotations

import pytest

from engine.config import PrivacySettings
from engine.privacy import PrivacyRouter
from engine.privacy.disclosure import find_disclosures
from engine.privacy.language import uncovered_language


# --- things that may go out unchanged -----------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Summarize Marie Curie's scientific contributions.",
    "Who won the 2018 FIFA World Cup?",
    "Write a short story where Sherlock Holmes meets Harry Potter.",
    "What did Barack Obama say in his first inaugural address?",
    "What are the early warning signs of a stroke?",
    "Can a landlord in California keep a deposit for normal wear and tear?",
    "How do I validate a credit card number with the Luhn check in Python? Use 4242 4242 4242 4242 as a test value.",
    "Give me a SQL query that finds duplicate emails in a users table.",
    "What is the sha256 of the empty string, e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855?",
    "Convert 72 degrees Fahrenheit to Celsius.",
    "Make a list of things to do in Paris.",
])
def test_public_questions_go_out_verbatim(router, text):
    decision = router.route(text)
    assert decision.route == "cloud", decision.reasons
    assert decision.outbound == text


# --- must stay local ----------------------------------------------------------------------------
@pytest.mark.parametrize("text, reason_word", [
    ("I was just told I have stage 2 breast cancer. How do I tell my kids?", "health"),
    ("I've been in rehab twice for opioid addiction; do I have to tell my employer?", "health"),
    ("I'm gay and haven't told my parents yet, how do I start?", "sexual orientation"),
    ("My visa expired last year and I'm undocumented, can I still open a bank account?", "immigration"),
    ("I was convicted of a DUI in 2019, will it show up on a background check?", "criminal"),
    ("Debug: requests.get(u, headers={'Authorization': 'token ghp_16C7e42F292c6912E7710c838347Ae178B4a'})", "token"),
    ("My SSN is 219-09-9999, help me fill in the W-4.", "national ID"),
])
def test_sensitive_disclosures_and_secrets_stay_local(router, text, reason_word):
    decision = router.route(text)
    assert decision.route == "local"
    assert decision.outbound is None
    assert any(reason_word.lower() in r.lower() for r in decision.reasons), decision.reasons


def test_topic_questions_are_not_disclosures():
    assert find_disclosures("What are the symptoms of diabetes?") == []
    assert find_disclosures("Can someone with a criminal record get a US visa?") == []
    assert find_disclosures("Explain how asylum applications work in Germany.") == []
    assert find_disclosures("My brother was diagnosed with diabetes.") == ["health"]


def test_user_terms_from_settings_and_call(router):
    assert router.route("Write the kickoff email for Operation Nightjar.", user_terms=["Nightjar"]).route == "local"
    r = PrivacyRouter(PrivacySettings(sensitive_terms=["project falcon"]))
    d = r.route("Status update on Project  Falcon please")
    assert d.route == "local" and "term you marked sensitive" in d.reasons[0]
    assert r.route("A falcon is a bird of prey.").route == "cloud"


def test_private_context_keeps_local(router):
    assert router.route("Which clause covers non-compete?", retrieved_private=True).route == "local"
    assert router.route("What is a non-compete clause?", tainted=True).route == "local"
    checker = PrivacyRouter(PrivacySettings(), private_text_check=lambda t: "quarterly numbers" in t)
    d = checker.route("Summarise: the quarterly numbers were bad")
    assert d.route == "local" and "local documents" in d.reasons[0]


def test_history_with_a_sensitive_turn_taints_the_conversation(router):
    history = [{"role": "user", "content": "Write to my bank that card 4716 1089 9971 6531 was stolen."},
               {"role": "assistant", "content": "Dear Bank, my card ending 6531 ..."}]
    d = router.route("Continue the letter.", history=history)
    assert d.route == "local" and "earlier message" in d.reasons[0]
    clean = [{"role": "user", "content": "What is a haiku?"}, {"role": "assistant", "content": "A short poem."}]
    d = router.route("Write one about rain.", history=clean)
    assert d.route == "cloud" and d.outbound_history == clean


def test_uncovered_language_stays_local(router):
    assert uncovered_language("请将以上句子翻译成中文") is not None
    assert uncovered_language("Kan du hjælpe mig med at formulere det her bedre?") is not None
    assert uncovered_language("Translate 'good morning' into French.") is None
    d = router.route("Bonjour, je voudrais une lettre pour mon propriétaire, s'il vous plaît.")
    assert d.route == "local" and "language" in d.reasons[0]


# --- fail closed --------------------------------------------------------------------------------
def test_exception_inside_a_layer_means_local(monkeypatch, router):
    import engine.privacy.router as mod

    def boom(text):
        raise RuntimeError("detector exploded")

    monkeypatch.setattr(mod.det, "run_detectors", boom)
    d = router.route("What is the capital of France?")
    assert d.route == "local" and d.outbound is None and "RuntimeError" in d.reasons[0]


def test_time_budget_exceeded_means_local():
    slow = PrivacyRouter(PrivacySettings(), budget_s=0.0)
    d = slow.route("Please write to Rachel Zheng about the meeting.")
    assert d.route == "local" and "too long" in d.reasons[0]


def test_judge_can_only_make_it_more_private():
    r = PrivacyRouter(PrivacySettings(judge=True), judge=lambda t: "mentions a private plan" if "plan" in t else None)
    assert r.route("What is the capital of France?").route == "cloud"
    d = r.route("What do you think of the plan?")
    assert d.route == "local" and "private plan" in d.reasons[0]
    off = PrivacyRouter(PrivacySettings(judge=False), judge=lambda t: "always")
    assert off.route("What is the capital of France?").route == "cloud"


def test_empty_message_is_local(router):
    assert router.route("   ").route == "local"


# --- redaction ----------------------------------------------------------------------------------
def test_redaction_replaces_every_occurrence_and_restores(router):
    text = ("Please email my accountant Rachel Zheng at r.delacroix@fastmail.fm and cc +44 7700 900123 "
            "about the missing invoice. Rachel said she sent it.")
    d = router.route(text)
    assert d.route == "redacted"
    for span in ("Rachel", "Zheng", "r.delacroix@fastmail.fm", "7700 900123"):
        assert span not in d.outbound
    assert {"EMAIL", "PHONE", "PERSON"} <= set(d.redactions)
    assert "[EMAIL_1]" in d.outbound and "[PERSON_1]" in d.outbound
    restorer = d.restorer()
    restored = "".join(restorer.feed(ch) for ch in d.outbound) + restorer.flush()
    assert restored == text


def test_public_figure_kept_private_person_redacted(router):
    d = router.route("Write a note to Hanisha Kowalczyk comparing her plan with what Barack Obama proposed.")
    assert d.route == "redacted"
    assert "Hanisha" not in d.outbound and "Kowalczyk" not in d.outbound
    assert "Barack Obama" in d.outbound


def test_card_redacted_not_local(router):
    d = router.route("Refund didn't arrive on card 5500 0000 0000 0004 - is that normal after 10 days?")
    assert d.route == "redacted" and "5500 0000 0000 0004" not in d.outbound and d.redactions == ["CARD"]


@pytest.mark.parametrize("text, category", [
    ("I'm on a tourist visa that expired in March, can I still get married here?", "immigration status"),
    ("I have 3,200 in savings and owe 48,000 in student loans, should I invest?", "precise finances"),
    ("my husband hits me when he drinks, what should I do", "violence or abuse"),
    ("I voted for the Green party and my boss found out.", "political opinion or union membership"),
])
def test_more_special_categories(text, category):
    assert category in find_disclosures(text)


@pytest.mark.parametrize("text", ["Can I get a tourist visa for Japan?", "How do student loans work?",
                                  "What are the signs of domestic violence?", "What is the average salary of a nurse?"])
def test_category_topics_without_disclosure(text):
    assert find_disclosures(text) == []

"""Router decisions through the real layers (spaCy NER, the learned layer): the policy, the
frames, Unicode folding, fail-closed paths, and redaction round trips.

Every sentence here was written for these tests; none comes from an evaluation set.
"""

from __future__ import annotations

import pytest

from engine.config import PrivacySettings
from engine.privacy import PrivacyRouter
from engine.privacy.conversation import Conversation


# --- impersonal: public names stay, the text goes verbatim ------------------------------------------
@pytest.mark.parametrize("text", [
    "Which river flows through Vienna, and how long is it?",
    "Summarise Ada Lovelace's notes on the Analytical Engine.",
    "Write a short story in which Captain Nemo meets Mary Poppins.",
    "What did Nelson Mandela say at his trial in 1964?",
    "What are the early signs of Lyme disease?",
    "Explain how Chapter 7 bankruptcy differs from Chapter 13.",
    "Why does my Flask app raise KeyError: 'user_id' when the session expires?",
    "Which SQL returns customers with two orders on the same day?",
    "Tomás has 12 marbles and gives a third to Priya. How many does he keep?",
    "Fill in this template politely: Dear [Name], thank you for your order {{order_id}}.",
    "Compare Siemens and ABB on their industrial automation revenue.",
    "My Stripe checkout test with card 4242 4242 4242 4242 fails in the sandbox; why?",
])
def test_impersonal_messages_go_out_verbatim(router, text):
    d = router.route(text)
    assert d.route == "cloud", (d.rules, d.reasons)
    assert d.outbound == text and d.rules


# --- special categories and secrets stay local, never redact-and-send -----------------------------
@pytest.mark.parametrize("text, rule_prefix", [
    ("Since the biopsy came back positive last week I can't sleep. How do I tell my two boys?", "special."),
    ("My brother has been using again since March and took money from our mum.", "special."),
    ("I think I'm bi and I have no idea how to tell my very traditional parents.", "special."),
    ("My residence permit ran out in May and my employer doesn't know yet. What now?", "special."),
    ("I got arrested for shoplifting when I was 19; do I need to mention it to a new employer?", "special."),
    ("Minutes of the board, strictly confidential: we plan to close the Leeds site in Q3.", "business."),
    ("Fix this call: requests.get(u, headers={'Authorization': 'token ghp_9sK2LmQ4x7TzP1vR8wN3yB6cD5fG0hJ2aE4q'})",
     "pattern.secret"),
    ("My SSN is 219-09-9999, help me with the W-4.", "pattern.national_id"),
    ("Please pay the deposit with my card 4716 1089 9971 6531, expiry 09/28.", "pattern.card"),
])
def test_disclosures_secrets_and_cards_stay_local(router, text, rule_prefix):
    d = router.route(text)
    assert d.route == "local" and d.outbound is None, (d.rules, d.outbound)
    assert any(r.startswith(rule_prefix) for r in d.rules), d.rules
    assert d.reasons and all(r.startswith("it ") for r in d.reasons)  # reasons in words, for the badge


@pytest.mark.parametrize("text", [
    "What are the side effects of sertraline?",
    "How do asylum claims work in Canada?",
    "Write a novel opening where a detective discovers she is pregnant.",
    "I'm addicted to this podcast about Roman history, recommend similar ones.",
])
def test_topic_questions_and_hyperbole_are_not_disclosures(router, text):
    d = router.route(text)
    assert d.route == "cloud", (d.rules, d.reasons)


# --- personal frame: everything that identifies someone is replaced -------------------------------
def test_personal_letter_redacts_names_places_and_contacts_and_restores(router):
    text = ("Please write to my landlord Mr Okafor at 14 Brindle Row, Harrowgate, about the broken boiler. "
            "His email is b.okafor@fastmail.fm. Okafor said he would reply by Friday.")
    d = router.route(text)
    assert d.route == "redacted" and d.frame == "personal"
    for span in ("Okafor", "14 Brindle Row", "b.okafor@fastmail.fm"):
        assert span not in d.outbound
    assert "boiler" in d.outbound and "Friday" in d.outbound
    restorer = d.restorer()
    assert "".join(restorer.feed(ch) for ch in d.outbound) + restorer.flush() == text


def test_public_figure_stays_private_person_goes(router):
    d = router.route("Help me write a note to my colleague Hanisha Kowalczyk about what Angela Merkel said on energy.")
    assert d.route == "redacted"
    assert "Hanisha" not in d.outbound and "Kowalczyk" not in d.outbound and "Angela Merkel" in d.outbound


# --- Unicode: folded before detecting, original characters removed --------------------------------
@pytest.mark.parametrize("text, hidden", [
    ("Call me on \uff10\uff11\uff17\uff11 \uff15\uff15\uff15 \uff10\uff11\uff19\uff19 about the fence.", "555"),
    ("Write to lena.voss\uff20fastmail.fm about the fence.", "fastmail"),
    ("Write to lena.vo\u200bss@fastmail.fm about the fence.", "fastmail"),
    ("My number is 0171\u00a0555\u20110199, text me about the fence.", "0199"),
])
def test_unicode_variants_are_caught_and_removed_whole(router, text, hidden):
    d = router.route(text)
    assert d.route == "redacted", d.rules
    assert hidden not in d.outbound and "\u200b" not in d.outbound and "\uff20" not in d.outbound
    assert "fence" in d.outbound


def test_zero_width_inside_a_secret_still_keeps_it_local(router):
    d = router.route("my pass\u200bword is Tr0ub4dor&3, is that strong?")
    assert d.route == "local" and "pattern.secret" in d.rules


# --- context -------------------------------------------------------------------------------------
def test_user_terms_from_settings_and_call(router):
    assert router.route("Draft the launch memo for Project Bluefinch.", user_terms=["Bluefinch"]).route == "local"
    r = PrivacyRouter(PrivacySettings(sensitive_terms=["project kestrel"]))
    d = r.route("Status update on Project  Kestrel please")
    assert d.route == "local" and d.rules == ["context.user_term"]
    assert r.route("A kestrel is a small falcon.").route == "cloud"


def test_private_documents_keep_local(router):
    assert router.route("Which clause covers the notice period?", retrieved_private=True).route == "local"
    checker = PrivacyRouter(PrivacySettings(), private_text_check=lambda t: "quarterly numbers" in t)
    d = checker.route("Summarise: the quarterly numbers were bad")
    assert d.route == "local" and d.rules == ["context.private_document_text"]


def test_documents_that_cannot_be_checked_keep_the_message_local():
    """A shared collection whose server is down cannot be compared: fail closed, and say why."""
    from engine.errors import IndexError_

    def server_down(text: str) -> bool:
        raise IndexError_("The Chroma server at https://docs.example.test cannot be reached.")

    d = PrivacyRouter(PrivacySettings(), private_text_check=server_down).route(
        "Which river flows through Vienna and how long is it?")
    assert d.route == "local" and d.rules == ["context.private_document_text"]
    assert any("could not be checked" in r for r in d.reasons)


def test_follow_up_to_a_private_turn_stays_local_but_a_fresh_question_may_go(router):
    conv = Conversation(private_turns=["My sister was just diagnosed with lupus and she is scared."],
                        last_turn_private=True)
    d = router.route("What should she ask her doctor next week?", conversation=conv)
    assert d.route == "local" and "context.follows_private_turn" in d.rules
    d = router.route("Which river flows through Vienna?", conversation=conv)
    assert d.route == "cloud" and d.outbound_history == []  # alone: the private turn is not history


def test_closing_the_private_subject_starts_a_fresh_question_but_leaning_on_it_does_not(router):
    conv = Conversation(private_turns=["My blood test showed my liver enzymes are high again."],
                        last_turn_private=True)
    d = router.route("ok, never mind that. How long do I boil an egg for a runny yolk?", conversation=conv)
    assert d.route == "cloud" and d.outbound_history == []
    d = router.route("ok, and what should I eat then?", conversation=conv)  # control: leans on the turn
    assert d.route == "local" and "context.follows_private_turn" in d.rules


def test_the_cloud_thread_goes_as_it_was_sent(router):
    thread = [{"role": "user", "content": "Write a haiku about [PLACE_1] in spring."},
              {"role": "assistant", "content": "Blossoms over [PLACE_1]..."}]
    d = router.route("Now one about winter.", conversation=Conversation(thread=thread))
    assert d.route == "cloud" and d.outbound_history == thread


def test_replayed_history_sends_only_what_went_out(router):
    history = [{"role": "user", "content": "I was diagnosed with type 1 diabetes in June."},
               {"role": "assistant", "content": "That is a lot to take in."},
               {"role": "user", "content": "What is the tallest mountain in Africa?"},
               {"role": "assistant", "content": "Kilimanjaro."}]
    d = router.route("And the second tallest?", history=history)
    assert d.route == "cloud"
    sent = " ".join(m["content"] for m in d.outbound_history)
    assert "diabetes" not in sent and "Kilimanjaro" in sent


def test_same_placeholder_for_the_same_person_across_turns(router):
    first = router.route("Please write to my neighbour Ilse Brandauer about her hedge.")
    conv = Conversation(thread=[{"role": "user", "content": first.outbound}], mapping=first.mapping)
    second = router.route("Also thank Ilse Brandauer for the jam she brought over.", conversation=conv)
    ph = [p for p, v in first.mapping.to_original.items() if "Brandauer" in v][0]
    assert ph in first.outbound and ph in second.outbound


def test_uncovered_language_stays_local_with_a_reason(router):
    d = router.route("请帮我把这封信翻译成英文，谢谢。")
    assert d.route == "local" and d.rules[0].startswith("language.") and "don't cover" in d.reasons[0]


# --- fail closed ---------------------------------------------------------------------------------
def test_exception_inside_a_recognizer_means_local(monkeypatch, router):
    import engine.privacy.recognizers as rec

    def boom(a):
        raise RuntimeError("detector exploded")

    broken = rec.Recognizer("pattern.broken", boom)
    monkeypatch.setattr(rec, "PATTERNS", (*rec.PATTERNS, broken))
    d = router.route("What is the capital of Peru?")
    assert d.route == "local" and d.outbound is None and "RuntimeError" in d.reasons[0]
    assert d.rules == ["router.error"]


def test_learned_layer_that_cannot_load_means_local(monkeypatch):
    from engine.privacy import learned

    def unavailable(*a, **k):
        raise learned.LearnedUnavailable("no engine here")

    monkeypatch.setattr(learned.LearnedLayer, "shared", classmethod(unavailable))
    d = PrivacyRouter(PrivacySettings()).route("What is the capital of Peru?")
    assert d.route == "local" and d.rules == ["router.error"]


def test_time_budget_exceeded_means_local():
    slow = PrivacyRouter(PrivacySettings(), budget_s=0.0)
    d = slow.route("Please write to my coach Ferdinand Lasko about the match.")
    assert d.route == "local" and "too long" in d.reasons[0]


def test_judge_can_only_make_it_more_private():
    r = PrivacyRouter(PrivacySettings(judge=True), judge=lambda t: "mentions a private plan" if "plan" in t else None)
    assert r.route("What is the capital of Peru?").route == "cloud"
    d = r.route("What do you think of the plan for the bridge?")
    assert d.route == "local" and "private plan" in d.reasons[0]
    off = PrivacyRouter(PrivacySettings(judge=False), judge=lambda t: "always")
    assert off.route("What is the capital of Peru?").route == "cloud"


def test_empty_message_is_local(router):
    assert router.route("   ").route == "local"


def test_without_the_learned_layer_no_message_is_judged_impersonal(router):
    """The ablation switch: with the learned layer off, the frame is never 'impersonal'."""
    plain = PrivacyRouter(PrivacySettings(learned=False))
    text = "Tomás has 12 marbles and gives a third to Priya. How many does he keep?"
    assert router.route(text).frame == "impersonal" and router.route(text).route == "cloud"
    assert plain.route(text).frame == "mixed"


@pytest.mark.parametrize("text, name", [
    ("Also thank Ilse Brandauer for the plum jam she brought over.", "Brandauer"),
    ("Remind Kevin Okonjo that the van is due back on Friday.", "Okonjo"),
])
def test_private_people_without_an_i_are_still_redacted(router, text, name):
    """No first person, yet about a real person: only examples, stories and templates keep names."""
    d = router.route(text)
    assert d.outbound is None or name not in d.outbound, d


# -- public names in an impersonal frame ------------------------------------------------------

@pytest.mark.parametrize("text, org", [
    ("What is the history of Brannock Ridge Brewing Company?", "Brannock"),
    ("What does a compliance officer at Tellmark Freight Solutions usually do?", "Tellmark"),
])
def test_an_obscure_firm_is_replaced_even_in_a_general_question(router, text, org):
    """A firm almost nobody writes about identifies the people around it; only public names stay."""
    d = router.route(text)
    assert d.route == "redacted" and d.frame == "impersonal" and org not in d.outbound, d


@pytest.mark.parametrize("text", [
    "Summarise the annual results of Siemens for a newsletter.",
    "Explain how Microsoft Azure pricing tiers work.",
])
def test_a_well_known_firm_stays_in_a_general_question(router, text):
    d = router.route(text)
    assert d.route == "cloud" and d.outbound == text, d


def test_the_public_name_threshold_is_one_setting():
    from engine.privacy.policy import THRESHOLDS, Thresholds, is_public_name

    assert is_public_name("Siemens") and not is_public_name("Quorvantix Appliances")
    # everything public at a threshold of 0: the rule is the threshold, not a list
    assert is_public_name("Quorvantix Appliances", th=Thresholds(public_name_zipf=0.0))
    assert THRESHOLDS.public_name_zipf > 0


# -- other languages: general questions go out, personal ones stay ---------------------------

@pytest.mark.parametrize("text", [
    "Mein Bruder Henrik zieht nächste Woche nach Kassel, wie helfe ich ihm beim Umzug?",
    "Ma collègue Ambre part à la retraite, écris-lui un petit mot.",
    "Mijn buurvrouw Femke is gisteren gevallen, wat kan ik voor haar koken?",
])
def test_a_personal_message_in_another_language_stays_local_and_says_why(router, text):
    d = router.route(text)
    assert d.route == "local" and d.outbound is None
    assert "caution.other_language_personal" in d.rules
    assert any("cannot find every name reliably" in r for r in d.reasons), d.reasons


@pytest.mark.parametrize("text", [
    "Wie funktioniert die Photosynthese bei Pflanzen?",
    "Quelle est la différence entre un virus et une bactérie ?",
])
def test_a_general_question_in_another_language_still_goes_out(router, text):
    d = router.route(text)
    assert d.route == "cloud" and d.outbound == text, d

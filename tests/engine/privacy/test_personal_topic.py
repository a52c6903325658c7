"""The posture for personal messages (``special.personal_topic``): in a personal frame, a message
whose topic is a special category, or which the learned layer finds middling, stays local; the
same topic asked with no one's life in it still goes out. All examples are invented."""

from __future__ import annotations

import dataclasses

import pytest

from engine.config import PrivacySettings
from engine.privacy import PrivacyRouter, policy
from engine.privacy.disclosure import about_someone, topic_categories
from tests.engine.privacy.scored import ScoredAnalysis

_OFF = dataclasses.replace(policy.THRESHOLDS, personal_topic=2.0, personal_topic_words=2.0,
                           personal_topic_life=2.0, personal_business=2.0)


@pytest.fixture(scope="module")
def without_rule() -> PrivacyRouter:
    """The same router with the posture switched off (thresholds no score reaches)."""
    r = PrivacyRouter(PrivacySettings(), thresholds=_OFF)
    r.warm_up()
    return r


# -- the words and the frame it reads -----------------------------------------------------------------
def test_topic_words_anywhere_not_only_in_the_sentence_about_someone():
    text = "My brother rang last night. The biopsy is on Friday."
    assert topic_categories(text) == ["health"]
    assert about_someone(text)


def test_a_jobs_probation_period_is_no_criminal_matter():
    assert topic_categories("My probation review at the new job is on Monday, what should I prepare?") == []
    assert topic_categories("He is on probation after the burglary.") == ["criminal_legal"]


@pytest.mark.parametrize("text", [
    "How is asthma treated in children?",
    "Can a landlord raise the rent because of a tenant's immigration status?",
])
def test_topic_questions_are_about_no_one(text):
    assert not about_someone(text)




def test_needs_a_sentence_about_someone_and_not_an_impersonal_frame():
    text = "What are the side effects of chemotherapy for older patients?"
    assert policy.personal_topic(ScoredAnalysis(text, 0.7), "impersonal") == []
    assert policy.personal_topic(ScoredAnalysis(text, 0.7), "mixed") == []


def test_the_in_between_frame_counts_when_a_sentence_is_about_someone():
    """A sentence without "I" about someone the writer knows can leave the learned frame score in
    between (the "mixed" frame); it is still that person's life."""
    th = policy.THRESHOLDS
    kin = "Uncle Ray is back from the clinic and starts the new tablets today. Any tips for the first week?"
    assert about_someone(kin)
    assert policy.personal_topic(ScoredAnalysis(kin, th.personal_topic_words, personal=0.3), "mixed")
    assert policy.personal_topic(ScoredAnalysis(kin, th.personal_topic_words, personal=0.3), "impersonal") == []
    # The same topic with no one's life in it still goes out from the in-between frame.
    look_alike = "What should someone expect in the first week on new tablets from the clinic?"
    assert not about_someone(look_alike)
    assert policy.personal_topic(ScoredAnalysis(look_alike, th.personal_topic, personal=0.3), "mixed") == []


def test_middling_score_or_words_with_a_lower_score():
    th = policy.THRESHOLDS
    mine = "My dad has been very quiet lately and we're planning his birthday."
    assert policy.personal_topic(ScoredAnalysis(mine, th.personal_topic), "personal")
    assert policy.personal_topic(ScoredAnalysis(mine, th.personal_topic - 0.05), "personal") == []  # no category word
    worded = "My dad started new pills last month and we're planning his birthday."
    assert policy.personal_topic(ScoredAnalysis(worded, th.personal_topic_life), "personal")
    assert policy.personal_topic(ScoredAnalysis(worded, th.personal_topic_life - 0.05), "personal") == []  # harmless


def test_a_professional_role_needs_a_higher_score_with_the_words():
    th = policy.THRESHOLDS
    text = "I'm a pharmacist and want to know which pills interact with grapefruit."
    assert policy.personal_topic(ScoredAnalysis(text, th.personal_topic_life, personal=th.personal_life - 0.1), "personal") == []
    assert policy.personal_topic(ScoredAnalysis(text, th.personal_topic_words, personal=th.personal_life - 0.1), "personal")


def test_middling_business_score_in_the_writers_own_voice():
    th = policy.THRESHOLDS
    text = "I need to tell my team about the numbers we're showing the board next week, help me draft it."
    assert policy.personal_topic(ScoredAnalysis(text, 0.0, th.personal_business), "personal")
    assert policy.personal_topic(ScoredAnalysis(text, 0.0, th.personal_business - 0.05), "personal") == []


# -- through the router (real NER and learned layer) ----------------------------------------------------
@pytest.mark.parametrize("text", [
    # middling learned score, no word of a category
    "Since the results came back, Tomasz and I have been trying to figure out how to tell the kids. "
    "Any advice on wording?",
    # a low score, but words of a category (tablets, court) in a message the frame head calls someone's life
    "We're moving Mum's birthday lunch to Sunday. The new tablets make her drowsy in the mornings. "
    "Can you suggest a menu?",
    "Our son is fifteen. The school says the police took his phone. What do we ask at the meeting?",
])
def test_personal_message_on_a_special_topic_stays_local(router, without_rule, text):
    d = router.route(text)
    assert d.route == "local" and "special.personal_topic" in d.rules
    assert without_rule.route(text).route != "local"  # nothing else kept it here


@pytest.mark.parametrize("text", [
    "What are common signs that a teenager is not eating enough?",
    "How should parents talk to children about a serious illness in the family?",
    "Can a landlord raise the rent because of a tenant's immigration status?",
    "What should I pack for a week in Lisbon with my girlfriend?",   # personal, no special topic
    "What do scan results usually show after a knee injury?",
])
def test_impersonal_look_alikes_still_go_out(router, text):
    assert router.route(text).route != "local"

"""Named entities: private names redacted; public figures, fictional characters and common
words left alone; names the model misses caught from their sentence frame."""

from __future__ import annotations

import pytest

from engine.privacy.detectors import find_domains
from engine.privacy.ner import find_entities, is_public_entity, personal_context


def surfaces(text: str) -> set[str]:
    return {f.text for f in find_entities(text).findings}


@pytest.mark.parametrize("text", [
    "Summarize Marie Curie's scientific contributions.",
    "Compare Sherlock Holmes and Hercule Poirot's methods? Start with Sherlock Holmes.",
    "Write a limerick about Darth Vader and Harry Potter.",
    "What did Abraham Lincoln say at Gettysburg?",
    "Rank Germany, Brazil and Japan by population.",
    "List some Weather and Climate Idioms with examples.",
    "Write a SQL query returning the ten most recent invoices.",
    "Sort the given list ascendingly.",
])
def test_public_and_common_names_are_not_redacted(router, text):
    assert router.route(text).route == "cloud", text


def test_gazetteer_covers_countries_and_subdivisions():
    for name in ("France", "the United States", "Texas", "Barack Obama", "Hogwarts"):
        assert is_public_entity(name), name
    assert not is_public_entity("Ines Varga")


@pytest.mark.parametrize("text, expected", [
    ("Hi Odile, the parcel arrived damaged again.", "Odile"),
    ("draft a mail to Precious about the late rent", "Precious"),
    ("send a reminder to Mr.okoro about the invoice", "okoro"),
    ("hello i am oluwaseun a school nurse", "oluwaseun"),
    ("I will be reviewing T.Novak tomorrow", "T.Novak"),
    ("how big is brightkettle ltd compared to its rivals", "brightkettle ltd"),
    ("my firm is moravec consulting and we need a logo", "moravec consulting"),
    ("Please see the letter from \"NORTHERN RIVERS SOCIETY OF BEEKEEPERS\" attached.",
     "NORTHERN RIVERS SOCIETY OF BEEKEEPERS"),
    ("is zorvia a legit company or a scam?", "zorvia"),
])
def test_names_the_model_misses_are_caught_by_context(text, expected):
    found = surfaces(text)
    assert any(expected.lower() in s.lower() for s in found), found


def test_typos_are_not_names():
    assert surfaces("We waited for ages at the recieving desk.") == set()


def test_personal_context_makes_public_places_identifying(router):
    assert router.route("Suggest a weekend itinerary for Denver.").route == "cloud"
    d = router.route("I'm renting in Denver from my landlord Ines Varga, write her a note.")
    assert d.route == "redacted" and "Denver" not in d.outbound and "Ines" not in d.outbound


def test_personal_context_signals():
    assert personal_context("Dear Anna, thanks for the update.")
    assert personal_context("During my work at the bank I led a team.")
    assert personal_context('Rephrase "Happy to cover your shift on Monday"')
    assert not personal_context("How do I reverse a list in Python?")
    assert not personal_context("What is the boiling point of water?")


def test_bare_domains():
    assert [f.text for f in find_domains("write a bio for our studio pixelhaven.io please")] == ["pixelhaven.io"]
    assert [f.text for f in find_domains("we moved from @tanfield-old.com to @tanfield-group.com")] == \
        ["tanfield-old.com", "tanfield-group.com"]
    assert find_domains("see www.example.com and read file.txt or index.html") == []


@pytest.mark.parametrize("text, hidden", [
    ("Please translate for my colleague Agnieszka: the meeting moved to Thursday.", ["Agnieszka"]),
    ("Can you check my resume? Name: Tomasz Wiśniewski, email tomasz.w@onet.pl.", ["Tomasz", "Wiśniewski"]),
    ("Fix the grammar: Dear Mr. Okonkwo, your application to Brightwater Academy was unsuccessful.",
     ["Okonkwo", "Brightwater"]),
])
def test_names_in_relations_forms_and_letters(router, text, hidden):
    d = router.route(text)
    assert d.route == "redacted"
    for word in hidden:
        assert word not in d.outbound
    assert "Mr." in d.outbound or "Mr." not in text  # the honorific is no name


def test_form_labels_do_not_hide_public_figures(router):
    text = "Make a quiz card. Name: Marie Curie Born: 7 November 1867 Known for: radioactivity"
    assert router.route(text).outbound == text


@pytest.mark.parametrize("text, place", [
    ("How can a small shop survive in Lebanon with the power cuts here?", "Lebanon"),
    ("Plan speech therapy for a 6-year-old girl with a stutter in Ohio.", "Ohio"),
    ("Write product copy for a bakery business located in Lisbon.", "Lisbon"),
])
def test_a_public_place_that_situates_someone_is_redacted(router, text, place):
    d = router.route(text)
    assert d.route == "redacted" and place not in d.outbound, d


@pytest.mark.parametrize("text", [
    "Tell me about the weather in Lebanon.",
    "The Boston Celtics are a basketball team based in Boston.",   # a named public firm
    "Click here to read about Ohio.",                               # "here" not closing a clause
])
def test_public_places_in_general_text_stay(router, text):
    assert router.route(text).route == "cloud", text


def test_lone_first_name_in_running_text_is_a_person(router):
    d = router.route("Remind Maya that the lemonade stand money is due on Friday.")
    assert d.route == "redacted" and "Maya" not in d.outbound
    # In a worked example the name is made up: it stays (policy: impersonal frame, example context).
    text = "If Maya sells 12 cups of lemonade at $2, how much does Maya earn?"
    assert router.route(text).outbound == text
    # Title-cased headings of ordinary words are still no names.
    assert router.route("Explain Machine Learning in two sentences.").route == "cloud"


@pytest.mark.parametrize("text, hidden", [
    ("I need my visa renewed but I can't leave ukrainian soil this month.", "ukrainian"),
    ("my instagram shop was suspended, how do I appeal?", "instagram"),
    ("I volunteer for BrightFutures and need a thank-you note for donors.", "BrightFutures"),
])
def test_personal_details_the_model_misses(router, text, hidden):
    d = router.route(text)
    assert d.route != "cloud" and (d.outbound is None or hidden not in d.outbound), d


@pytest.mark.parametrize("text", [
    "I want to improve my spanish grammar before the trip.",    # a language, not an origin
    "My visa application asks for a photo, what size?",         # "visa" the word, not the firm
    "I think the who should publish clearer advice.",           # acronyms only count in capitals
])
def test_personal_words_that_look_like_names_but_are_not(router, text):
    d = router.route(text)
    assert d.route == "cloud", d


@pytest.mark.parametrize("text, name", [
    ("my daughter emma (age 7) keeps wetting the bed, is that normal?", "emma"),
    ("my boss, mark, keeps yelling at me in meetings", "mark"),
    ("help me write an appeal, my name is juan perez garcia", "juan perez garcia"),
    ("summarize: John Smith was admitted with chest pain on Monday", "John Smith"),
])
def test_common_names_in_any_case_are_persons(router, text, name):
    d = router.route(text)
    assert d.route != "cloud" and (d.outbound is None or name.split()[0] not in d.outbound), d


@pytest.mark.parametrize("text", [
    "my friend will help me move, what should I pack first?",   # "will" the verb
    "Summarize the Rose Garden history for a tour guide.",
])
def test_given_names_used_as_words_stay(router, text):
    assert router.route(text).route == "cloud", text


def test_a_name_frame_takes_no_lower_case_word_as_surname(router):
    d = router.route("Write a short story about a dragon named Ember who lives in the mountains.")
    assert "who lives in the mountains" in (d.outbound or ""), d


@pytest.mark.parametrize("text", [
    "What are the opening hours of the Louvre?",
    "How do I apply for a Schengen visa?",
    "What does the Quran say about charity?",
])
def test_landmarks_and_scriptures_are_public(router, text):
    assert router.route(text).route == "cloud", text


@pytest.fixture(scope="module")
def router_without_posture():
    import dataclasses

    from engine.config import PrivacySettings
    from engine.privacy import PrivacyRouter, policy

    off = dataclasses.replace(policy.THRESHOLDS, personal_topic=2.0, personal_topic_words=2.0,
                              personal_topic_life=2.0, personal_business=2.0)
    r = PrivacyRouter(PrivacySettings(), thresholds=off)
    r.warm_up()
    return r


@pytest.mark.parametrize("text, name", [
    ("My sister Victoria moved out last week, what should I do with her old room?", "Victoria"),
    ("Dear Jordan, thanks for the update on the project.", "Jordan"),
    ("my ex Sofia keeps calling me at night", "Sofia"),
])
def test_a_person_frame_wins_over_a_public_word(router_without_posture, text, name):
    # The posture for personal messages (special.personal_topic) is off here: this is about names.
    # At its score bar of 0.65 it keeps the first message local — the learned layer scores "my
    # sister moved out" 0.67 on sexuality/gender — a personal message not served, not a leak.
    d = router_without_posture.route(text)
    assert d.route == "redacted" and name not in d.outbound, d


def test_the_posture_keeps_a_harmless_family_message_local(router):
    """Recorded cost, not a goal: with the posture on (the default router), the first message of
    the test above stays local — the learned layer scores "my sister <name> moved out" 0.67 on
    sexuality/gender, over the personal_topic bar of 0.65. Not a leak, but a personal message not
    served; kept here so the cost stays visible. If this starts failing because the message is
    served redacted (name out), the cost is gone: update the note, don't relax the name check."""
    d = router.route("My sister Victoria moved out last week, what should I do with her old room?")
    assert d.route == "local" and "special.personal_topic" in d.rules, d


def test_public_places_the_model_misses_in_a_personal_text(router):
    d = router.route("Improve my CV: Senior Analyst, 4 yrs at Zenith Bank, Lagos, then Deloitte.")
    assert d.route == "redacted" and "Lagos" not in d.outbound
    # A place name used as a modifier is an ingredient, not where the writer is.
    d = router.route("Write a recipe for what I have: rice, onion, Worcestershire sauce, mustard")
    assert d.route == "cloud", d


@pytest.mark.parametrize("text", [
    "hi, i'm rahul sharma from pune, need help writing my resume",
    "my manager anand keeps scheduling calls at 9pm",
])
def test_names_typed_in_lower_case_keep_a_personal_text_local(router, text):
    # The writer types names in lower case, where the NER is blind: the others ("pune") may be missed.
    assert router.route(text).route == "local"


@pytest.mark.parametrize("text", [
    "i'm gluten intolerant, what can I eat?",
    "my friend group is falling apart, any advice?",
    "my boss said no to my raise, what now?",
])
def test_lower_case_words_after_a_frame_that_are_no_names(router, text):
    assert router.route(text).route == "cloud", text


@pytest.mark.parametrize("text", [
    "How do you say thank you in Swahili?",
    "Translate into English: je suis fatigué",
    "Why does f\"{user.id}\" raise AttributeError in my code?",
    "I have a B.Tech in mechanical engineering, write my summary",
])
def test_languages_code_names_and_degrees_name_no_one(router, text):
    assert router.route(text).route == "cloud", text


def test_where_the_writer_is_from_is_redacted_but_the_target_language_stays(router):
    d = router.route("I'm Spanish and I live in Leeds, translate my CV into German")
    assert d.route == "redacted" and "Spanish" not in d.outbound and "Leeds" not in d.outbound
    assert "into German" in d.outbound


def test_a_lone_given_name_is_a_person_even_when_it_names_a_country(router):
    d = router.route("Jordan said the report is late again.")
    assert d.route == "redacted" and "Jordan" not in d.outbound
    assert router.route("What did Jesus say about forgiveness?").route == "cloud"


@pytest.mark.parametrize("text", [
    "sql: SELECT name, COUNT(*) FROM orders GROUP BY name HAVING COUNT(*) > 5; what does having do",
    "Explain how to use Python's @lru_cache decorator with an example.",
    "How do mortgages work in the UK - what is an LTV ratio?",
])
def test_code_and_business_words_name_no_one(router, text):
    assert router.route(text).route == "cloud", text


@pytest.mark.parametrize("text, part", [
    ("Reply to Fatima Al-Sayed: thanks for the invite, I can attend on Tuesday", "Sayed"),
    ("Check this SQL: SELECT * FROM patients WHERE name = 'Grace Mwangi';", "Grace"),
    ("Please summarize: 'attendees: Li Wei, Oksana Bondarenko.'", "Wei"),
])
def test_every_part_of_a_name_is_redacted(router, text, part):
    d = router.route(text)
    assert d.route == "redacted" and part not in d.outbound, d


@pytest.mark.parametrize("text", [
    "Who was Thomas Sankara?",
    "What are the main teachings of Guru Nanak?",
    "Recommend novels by Ngugi wa Thiong'o for a beginner.",
])
def test_historical_and_public_people_asked_about_in_general_terms(router, text):
    assert router.route(text).route == "cloud", text


def test_who_is_a_name_is_not_taken_for_a_public_figure(router):
    # People ask "who is X" about anyone, a neighbour included.
    d = router.route("who is Marta Kowalczyk from the third floor?")
    assert d.route != "cloud"


@pytest.mark.parametrize("text", [
    "my neighbour kev at number 12 keeps parking on my drive",
    "hey its olek, can you send the files?",
])
def test_lower_case_names_after_frames(router, text):
    d = router.route(text)
    assert d.route == "local" or not any(n in d.outbound for n in ("kev", "olek")), d


@pytest.mark.parametrize("text", [
    "When did Jacinda Ardern resign as prime minister of New Zealand?",
    "What did Srinivasa Ramanujan contribute to number theory?",
    "Tell me about the life of Rabindranath Tagore",
])
def test_offices_and_deeds_of_public_record_mark_public_people(router, text):
    assert router.route(text).route == "cloud", text


def test_what_someone_wrote_is_no_public_record(router):
    d = router.route("What did Marta Kowalczyk write in the group chat yesterday?")
    assert d.route != "cloud"


def test_chat_speakers_are_people_but_form_labels_are_not(router):
    d = router.route("[21:03] Aleksandra: who's bringing the grill\n[21:04] Marco B: me, but need ice\n"
                     "[21:05] Jun: i can do it\nsummarise this chat")
    assert all(n not in d.outbound for n in ("Aleksandra", "Marco", "Jun:")), d
    d = router.route("Priya: are we still on for friday?\nTomasz: yes, 7pm at mine\nsummarise")
    assert "Priya" not in d.outbound and "Tomasz" not in d.outbound
    text = "Identify the tag of the word.\nWord: excited\nSentence: She felt so excited.\nPremise: It rained."
    assert router.route(text).route == "cloud"


def test_titles_of_works_in_questions_about_them_stay_whole(router):
    d = router.route("Recommend sci-fi novels similar to The Left Hand of Darkness, please.")
    assert d.route == "cloud", d
    d = router.route("my landlord Ines Varga lives in Little Rock")
    assert "Ines" not in d.outbound and "Little Rock" not in d.outbound


def test_people_of_world_renown_are_public_but_never_as_someones_colleague(router):
    for text in ("When did Jacinda Ardern resign as prime minister of New Zealand?",
                 "How many Grand Slams did Serena Williams win?", "Quiz: what year did Usain Bolt retire?"):
        assert router.route(text).route == "cloud", text
    d = router.route("my colleague Nelson Mandela Okafor sent me the report")
    assert d.route == "redacted" and "Mandela" not in d.outbound and "Okafor" not in d.outbound


def test_long_numbers_in_personal_texts_unless_amounts_counts_or_dates(router):
    d = router.route("my reference is 2023-114-88321, what is this bank charge?")
    assert "88321" not in d.outbound
    for text in ("I walked 10000 steps today, is that enough for my age?",
                 "we have 12000 users on my app, how do I scale postgres?",
                 "my flight is on 2024-05-12, what should I pack?"):
        assert router.route(text).route == "cloud", text

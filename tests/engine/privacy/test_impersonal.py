"""Public messages go out verbatim: example values, well-known products, code names, religious
groups, made-up people of word problems and stories, template slots. Each test has a control:
the same kind of detail in a message about the writer's own life is still replaced."""

from __future__ import annotations

import pytest

from engine.privacy import detectors as det
from engine.privacy import impersonal as imp
from engine.privacy.finding import Finding


@pytest.mark.parametrize("text", [
    # documented example values in impersonal code questions
    "How would a regex tell apart someone@example.net and a string with two @ signs?",
    "Write a unit test that mocks a text message to +1 303-555-0161.",
    "What should a form validator accept: 555-0110, (646) 555-0133 or 555 0199?",
    "In the docs, the sample key looks like sk_test_9aQx7Lm2Pq4Rt8Vw6Yz, where does it go in settings.py?",
    "Write a regex that matches addresses like user@gmail.com or first.last@yahoo.com.",
    # well-known companies and products
    "Is Zoho CRM or HubSpot better for a five-person sales team?",
    # error and class names
    "What does a CrashLoopBackOff status mean for a pod, and how is it different from ImagePullBackOff?",
    "Why do I get a NullPointerException where the stack trace points at OrderService?",
    # religious groups
    "How do Mennonites and Quakers differ in their view of pacifism?",
    # made-up people in maths problems and fiction
    "Anouk has 14 stickers and gives 6 to Bram. How many stickers does Anouk have left?",
    "Write a short story about a clockmaker named Tobiah who can stop time for one minute.",
    "For my playwriting course: a scene where a shy character, Odessa, meets her estranged twin.",
    "Role-play: you're a ferryman in my tabletop campaign and I'm a gnome tinker named Quibble. Go.",
    # template slots
    "Improve this template: Dear [Customer Name], your order [Order ID] ships on [Date].",
    # dishes in cooking requests
    "Give me a recipe for the following food.\nBibimbap",
    "recipe for jollof rice without an oven please",
    # maths variables, products named by what they are, pieces of code
    "Work out the value of Y. Then check it.\n3Y + 4 = 19",
    "write python to fetch the latest price from the coinpeek API and print it",
    "Why does this fail: if len(items < 3: return items",
    # a "person" after "the" is a thing
    "Why is the Moon red during a total eclipse?",
    "Write a limerick about the Rhine for a school newsletter.",
    # history, keywords and tool names
    "How was the Delian League funded?",
    "Why did the Ottoman Empire decline after 1683?",
    "In a Dockerfile, when is EXPOSE needed at all?",
    "how do k8s init containers differ from sidecars",
    # a work asked about by its plot or themes, even with a one-word title
    "Can you summarise the plot of Ravensmoor in 150 words?",
    # a story asked for in another language: its characters are invented
    "Écris une nouvelle courte où une vieille horlogère nommée Maëlle arrête le temps.",
    # a public figure's name typed in lower case
    "where was olaf scholz born",
])
def test_public_text_goes_verbatim(router, text):
    d = router.route(text)
    assert d.route == "cloud", (text, d.outbound, d.rules)
    assert d.outbound == text


@pytest.mark.parametrize("text, hidden", [
    # the same kinds of detail about the writer's own life are still replaced
    ("My number is (646) 555-0133, is it on a spam list?", "555-0133"),
    ("My email is user@gmail.com, how do I see if it leaked?", "user@gmail.com"),
    ("My son Bram has 14 stickers and gives 6 to his friend Anouk. How many does Bram have left?", "Bram"),
    ("Write a short note to Tobiah Vrenk thanking him for fixing our roof.", "Vrenk"),
    ("Write a bedtime story for my nephew, a boy named Tunde who loves trains.", "Tunde"),
    # a dish someone close to the writer makes; an initial and surname beside an equation
    ("My aunt Odile Renard bakes a plum cake every Sunday, can you give me a recipe like hers?", "Renard"),
    ("Ask J. Smith whether 3x + 2 = 11 has one solution.", "Smith"),
    ("Write a dinner invitation to Jonas Berg and Maren Lind for Friday.", "Berg"),
    ("Write a thank-you note to the Okafors for hosting the book club.", "Okafors"),
    ("I worked for the Kessler Mission in Lagos for two years.", "Kessler"),
    ("Write a summary of Kowalski's performance review for HR.", "Kowalski"),
    # short capitals in a message with code words are a firm's acronym, not a keyword
    ("Summarise the annual report from KELDA in three bullet points.", "KELDA"),
    ("Écris une histoire pour mon neveu Kofi Mensah qui adore les trains.", "Mensah"),
    ("my neighbour olaf scholz keeps borrowing my ladder, how do I say no nicely?", "olaf"),
    ("The plot of Tomasz Wrona's garden is 20 m wide, how much fence do I need?", "Wrona"),
    ("Our firm, the Vantrell Group, is merging with the Okoro Dynasty Holdings, draft a memo.", "Okoro"),
    # an honorific before a lower-case name is no object with a method, even near code words
    ("write an email to Ms.kovacz saying the API invoice was paid, I attached the receipt", "kovacz"),
    # a handle in a pasted chat is no snake_case identifier
    ("[09:14] lotte_vb: the build is green\n[09:15] ravi.k: merging now\nsummarise this", "lotte_vb"),
])
def test_same_details_about_the_writer_are_still_replaced(router, text, hidden):
    d = router.route(text)
    assert d.outbound is None or hidden not in d.outbound, (text, d.outbound)


def test_fictional_numbers_count_only_in_example_context():
    assert det.find_phones("call me on (646) 555-0133 tonight")
    assert not det.find_phones("a test fixture uses (646) 555-0133")


def test_example_local_parts_count_only_in_example_context():
    assert det.find_emails("write to user@gmail.com")
    assert not det.find_emails("a regex for user@gmail.com")
    assert det.find_emails("a regex for hanna.kessler@gmail.com")


def test_test_keys_are_no_secrets_but_live_keys_are():
    assert not det.find_secrets("api_key = 'sk_test_9aQx7Lm2Pq4Rt8Vw6Yz'")
    assert det.find_secrets("api_key = 'sk_live_9aQx7Lm2Pq4Rt8Vw6Yz'")


def _f(text: str, word: str, kind: str = "NAME") -> Finding:
    s = text.index(word)
    return Finding(kind, s, s + len(word), word, False, "")


def test_code_names_and_template_slots():
    text = "the job fails with RetryLimitExceededError in `fetch_rows`"
    assert imp.code_name(text, _f(text, "RetryLimitExceededError"), True, False)
    assert imp.code_name(text, _f(text, "fetch_rows"), True, False)
    text = "Dear [Hiring Manager], please find my CV"
    assert imp.in_template_slot(text, text.index("Hiring"), text.index("Hiring") + 6)
    text = "Dear Hiring Manager, please find my CV"
    assert not imp.in_template_slot(text, text.index("Hiring"), text.index("Hiring") + 6)


def test_made_up_people_need_a_problem_or_a_story():
    assert imp.made_up_people("Lotte buys 3 pens at 2 euros each. How much does she pay?")
    assert imp.made_up_people("Write a fable about a fox named Ruvik.")
    assert not imp.made_up_people("Lotte said she would call after 3.")

"""Kinds of identifying detail the redactor used to miss (stop 24): a number a sentence tells
someone to call, links that point at one record, the town of a home being looked for, and the
employer or school of an application. Every example is invented; each kind has look-alikes that
must stay verbatim (a count after "call", a site's address, market data about a city, a public
figure's career)."""

from __future__ import annotations

import pytest

from engine.privacy import detectors as det
from engine.privacy.quasi import applying_to, home_places, local_search, situated


# --- a number to call ------------------------------------------------------------------------------
@pytest.mark.parametrize("text, number", [
    ("Ring the Brookfield Vet Helpline Number 930044512 after six", "930044512"),
    ("call the front desk of the gym on 44810297 to cancel", "44810297"),
    ("Customer Care Number 818823004 is open on weekdays", "818823004"),
])
def test_a_number_to_call_is_a_phone(text, number):
    assert number in [f.text for f in det.find_phones(text)]


@pytest.mark.parametrize("text", [
    "Call the function 1000000 times and time it",
    "The call at 10:30 moved to 11:00",
    "line number 1204 of the log has the error",
])
def test_counts_and_line_numbers_after_call_are_no_phone(text):
    assert det.find_phones(text) == []


# --- links that point at one record ----------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "https://news.examplepaper.org/business/772190/rates-rise-again",
    "https://shop.example-store.net/orders?id=AB12&ref=mail",
    "https://blog.somewhere.io/post/the-long-title?utm_source=letter&utm_medium=email",
    # no path: the query follows the host directly
    "https://orders.example-market.com?order=40917",
    "https://tickets.somevenue.io?booking=XK71&seat=14",
])
def test_a_link_to_one_record_is_always_redacted(url):
    found = det.find_urls(f"What does this say? {url}")
    assert [f.kind for f in found] == ["LINK"]
    from engine.privacy.policy import ALWAYS_REDACTED

    assert "LINK" in ALWAYS_REDACTED


@pytest.mark.parametrize("url", [
    "https://docs.python.org/3/library/asyncio.html",
    "https://www.wikipedia.org",
    "https://github.com/someorg/sometool/blob/main/README.md",
])
def test_a_site_or_a_plain_page_path_stays_a_url(url):
    assert [f.kind for f in det.find_urls(f"see {url}")] == ["URL"]


# --- the town of a home being looked for -----------------------------------------------------------
@pytest.mark.parametrize("text, place", [
    ("Which is the nicest part to buy a house in Thornbury?", "Thornbury"),
    ("average cost for a flat in kelsford", "kelsford"),
    ("good neighbourhoods to rent an apartment near Ashby Wolds", "Ashby Wolds"),
    # two spaces or a tab inside the name: the span ends at its last letter, not one short
    ("is it smart to buy a house in Ashby  Wolds?", "Ashby  Wolds"),
    ("rent a flat in Ashby\tWolds", "Ashby\tWolds"),
])
def test_the_town_of_a_home_being_looked_for_is_found(text, place):
    assert [f.text for f in home_places(text, [])] == [place]
    assert situated(text)


@pytest.mark.parametrize("text", [
    "How do house prices in Lisbon compare with Porto over the last decade?",
    "Can I buy a house in cash?",
    "Is it cheaper to rent a flat in the city centre or the suburbs?",
    "Draw a house in the style of a children's book",
])
def test_market_data_and_ordinary_words_are_no_home_town(text):
    assert home_places(text, []) == []
    assert not situated(text)


def test_home_places_reads_each_match_at_its_position():
    """Each match is read in place (a compiled pattern's match at the position, no slice of the
    rest of the text per match): the spans are right in a long run of matches."""
    text = "buy a house in Thornbury, " * 2000
    found = home_places(text, [])
    assert len(found) == 2000
    assert all(text[f.start:f.end] == "Thornbury" for f in found)


def test_home_town_is_redacted_end_to_end(router):
    d = router.route("What's the best area to buy a home in Thornbury Vale?")
    assert d.outbound is not None and "Thornbury" not in d.outbound


# --- the employer or school of an application ------------------------------------------------------
@pytest.mark.parametrize("text, org", [
    ("sample answers for an internship at Pellow Freight in the customs team", "Pellow Freight"),
    ("Describe the duties of the Records Officer position at Grantham Institute.", "Grantham Institute"),
    ("I'm applying to the Kestrel School of Design next spring", "Kestrel School of Design"),
    # the lead words in any case, opening the message; the name itself stays capitalised
    ("Internship at Pellow Freight: which questions should I expect?", "Pellow Freight"),
    ("APPLYING TO Kestrel School of Design, what portfolio do they want?", "Kestrel School of Design"),
])
def test_the_organisation_of_an_application_is_found(text, org):
    assert [text[s:e] for s, e in applying_to(text)] == [org]


@pytest.mark.parametrize("text", [
    "What was Grace Hopper's first job at the Navy?",
    "How do I apply to a job posting in Python?",
    "The interview with the minister was broadcast at noon.",
    "To arrange an interview with Odile, ask her agent.",
    "Internship at a bank or a startup: which teaches more?",
])
def test_public_careers_and_lower_case_words_are_no_application(text):
    assert applying_to(text) == []


def test_employer_is_redacted_end_to_end(router):
    d = router.route("give me an example cover note for a placement at Harwick Logistics")
    assert d.outbound is not None and "Harwick" not in d.outbound


def test_public_question_stays_verbatim(router):
    for text in ("What was Grace Hopper's first job at the Navy?",
                 "How do house prices in Lisbon compare with Porto over the last decade?"):
        d = router.route(text)
        assert d.route == "cloud" and d.outbound == text


# --- local services looked for around a town ---------------------------------------------------------
@pytest.mark.parametrize("text", [
    "list the best Tulsa OK area roofing contractors and their owners",
    "good pediatric dentists in the Harrogate area",
])
def test_local_services_around_a_town_place_the_writer(text):
    assert local_search(text) and situated(text)


@pytest.mark.parametrize("text", [
    "What's the population of the Tokyo metropolitan area?",
    "Total area of the circle is 12 square units, find the radius",
    "The Bay Area has many tech firms.",
])
def test_area_as_general_knowledge_or_geometry_places_no_one(text):
    assert not local_search(text)

"""Pasted records and detailed money stay local; made-up tables, topic questions and worked examples
do not. Every example here was invented for this test."""

from __future__ import annotations

import pytest

from engine.privacy.analysis import Analysis
from engine.privacy.finding import Finding
from engine.privacy.records import money_detail, pasted_record
from engine.privacy.signals import confidential_marker


def _person(text: str, name: str) -> Finding:
    i = text.index(name)
    return Finding("PERSON", i, i + len(name), name, False, "names a person")


def test_a_payroll_row_with_a_full_name_and_pay_is_a_record():
    text = "staff export:\nid,name,gross,code\n5512,Orla Brennick,2210.40,1185L\nwhy is her code different?"
    assert [s.rule for s in pasted_record(Analysis(text), [_person(text, "Orla Brennick")])] == ["record.pasted"]


def test_statement_lines_are_a_record():
    text = ("copied from the app:\n12/05 CORNER SHOP 118  -£12.40\n13/05 RENT STANDING ORDER  -£725.00\n"
            "14/05 TRANSFER FROM SAVINGS  +£300.00\nhow do I cut back?")
    assert pasted_record(Analysis(text), [])


def test_a_form_of_labelled_fields_about_a_named_person_is_a_record():
    text = ("Case note. Client: Idris Palmer-Hale. Referred by: housing officer. Arrears: £2,315.60. "
            "Next review: 14 March. Please turn this into a short summary.")
    assert pasted_record(Analysis(text), [_person(text, "Idris Palmer-Hale")])


def test_a_quoted_passage_introduced_as_a_record_counts():
    text = ("Here is the clinic letter: 'Mr Tobias Renwick, 67, seen for follow-up, HbA1c 71, started on a new "
            "tablet.' what does HbA1c 71 mean?")
    assert pasted_record(Analysis(text), [_person(text, "Tobias Renwick")])


@pytest.mark.parametrize("text", [
    # sample data for a coding question
    "I have sample data:\nname,age,city\nJane Roe,30,Leeds\nJohn Roe,41,York\nhow do I load it with pandas?",
    # a schema with no values
    "what types should these columns have?\nid,name,gross,code",
    # a topic question mentioning records
    "What should a discharge summary contain?",
    # a form template with placeholders
    "Fill in this template: Name: [Name]. Date: [Date]. Reason: [Reason].",
])
def test_made_up_tables_and_questions_about_records_are_no_record(text):
    assert pasted_record(Analysis(text), []) == []


def test_payslip_figures_in_the_first_person_are_detailed_finances():
    text = "my pay this month: gross 2,940.00, tax 377.20, pension 147.00, net 2,203.35 — is the tax right?"
    assert money_detail(Analysis(text), [])


@pytest.mark.parametrize("text", [
    "If Priya earns $3,100.00, pays $950.00 rent and $240.00 bills, how much does she save in a year?",
    "Explain gross vs net pay with an example of 30,000, 24,500 and 1,250.",
    "I paid £45.00 for the tickets, can you draft a thank-you note?",
])
def test_worked_examples_and_single_amounts_are_not_detailed_finances(text):
    assert money_detail(Analysis(text), []) == []


def test_an_internal_document_with_particulars_is_confidential_but_the_topic_is_not():
    assert confidential_marker(Analysis("Internal post-mortem PAY-77: 2,400 orders lost between 03:10 and 03:52."))
    assert not confidential_marker(Analysis("What goes into an internal post-mortem?"))
    assert not confidential_marker(Analysis("How do I write an internal memo about the new parking rules?"))


def test_a_form_of_contact_fields_is_a_letterhead_not_a_record():
    text = ("Write a cover letter from these facts.\nName: Wren Oduya\nPhone: 07700 900418\n"
            "Email: wren.o@postbox.test\nApplying for: Barista at Lantern Coffee")
    assert pasted_record(Analysis(text), [_person(text, "Wren Oduya")]) == []

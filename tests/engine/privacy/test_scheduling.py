"""How the router schedules the learned layer: shared chunks give the same scores bit for bit,
abandoned work stops, and messages a cheap check keeps local never start the embedding.

Every sentence here was written for this file (none comes from the training data or from any
evaluation set).
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from engine.privacy.learned import LearnedLayer
from engine.privacy.learned import layer as layer_mod

LONG = (
    "The lighthouse keeper's logbook from 1893 records every ship that passed the headland, the "
    "weather at dawn and dusk, and how much paraffin the lamp burned each night. Historians use "
    "such logs to date storms that newspapers missed. Some keepers added sketches of birds, notes "
    "on the tides and complaints about the supply boat, which often came late in winter.\n\n"
    "A sourdough starter is a culture of wild yeast and lactic acid bacteria kept alive by regular "
    "feeding with flour and water. Its sour taste comes from the acids the bacteria make, and a "
    "cooler kitchen favours the more acidic flavours. Bakers who travel sometimes dry a little "
    "starter on baking paper so that they can revive it later in a new kitchen."
)


@pytest.fixture(scope="module")
def layer() -> LearnedLayer:
    layer = LearnedLayer.shared()
    layer.warm_up()
    return layer


def _clear(layer: LearnedLayer) -> None:
    with layer._recent_lock:
        layer._recent.clear()


def test_two_instances_and_any_batching_give_the_same_vectors(layer: LearnedLayer) -> None:
    helper = layer._helper()
    assert helper is not None
    units = ["The tide turns twice a day.", "Yeast ferments sugar.", "Keepers kept logbooks."]
    together = layer.embedder.embed(units)
    apart = np.stack([helper.embed([u])[0] for u in units])
    assert np.array_equal(together, apart)


def test_shared_scoring_equals_scoring_alone_bit_for_bit(layer: LearnedLayer, monkeypatch) -> None:
    _clear(layer)
    alone = layer.score(LONG)
    assert alone.windows > 2
    _clear(layer)
    monkeypatch.setattr(layer_mod, "_CHUNK_TOKENS", 1)  # one window per chunk: as shared as it gets
    job = layer.start(LONG)
    worker = threading.Thread(target=job.run)
    worker.start()
    shared = job.result()  # this thread takes chunks with the second instance meanwhile
    worker.join()
    assert (shared.special, shared.special_any, shared.special_top, shared.business, shared.personal,
            shared.personal_whole, shared.windows) == \
        (alone.special, alone.special_any, alone.special_top, alone.business, alone.personal,
         alone.personal_whole, alone.windows)


def test_a_cancelled_job_stops_taking_chunks(layer: LearnedLayer, monkeypatch) -> None:
    _clear(layer)
    monkeypatch.setattr(layer_mod, "_CHUNK_TOKENS", 1)
    job = layer.start(LONG)
    job.cancel()
    job.run()
    assert job._vecs == {} and not job._busy
    with pytest.raises(RuntimeError):
        job.result(help=False)


def test_a_long_personal_text_stays_local_without_starting_the_embedding(monkeypatch) -> None:
    from engine.config import PrivacySettings
    from engine.privacy import PrivacyRouter
    from engine.privacy.analysis import Analysis

    started: list[str] = []
    real = Analysis.start_scores
    monkeypatch.setattr(Analysis, "start_scores", lambda self, job=None: (started.append(self.text), real(self, job))[1])
    router = PrivacyRouter(PrivacySettings())
    text = "I wrote this for my landlord and I want it checked. " + LONG + "\n\n" + LONG + "\n\n" + LONG
    assert len(text) > 1500
    d = router.route(text)
    assert d.route == "local" and "caution.long_personal" in d.rules
    assert started == []
    d = router.route("How do lighthouses keep their lamps turning at night?")
    assert started and d.phases.get("learned_embed") is not None


def test_a_prepared_draft_decides_as_a_cold_message(layer: LearnedLayer) -> None:
    from engine.config import PrivacySettings
    from engine.privacy import PrivacyRouter
    from engine.privacy import router as router_mod

    router = PrivacyRouter(PrivacySettings())
    text = "Could you ask Marguerite Okafor whether the lighthouse tour on Saturday is still on?"
    _clear(layer)
    cold = router.route(text)
    _clear(layer)
    router.prepare(text)
    job = router_mod._draft_job
    assert job is not None
    job.unit_scores()  # typing took longer than the embedding
    assert layer._cached([text])  # the draft's vector is there for the send
    sent = router.route(text)
    assert (sent.route, sent.outbound, sent.rules, sent.reasons) == (cold.route, cold.outbound, cold.rules, cold.reasons)
    router.prepare("")  # nothing to prepare: no error, nothing started


def _decision(d) -> tuple:
    return (d.route, d.outbound, d.rules, d.reasons, d.frame, d.redactions)


def test_a_prepared_draft_keeps_its_parse_for_a_send_of_exactly_that_text(layer: LearnedLayer) -> None:
    from engine.config import PrivacySettings
    from engine.privacy import PrivacyRouter
    from engine.privacy import analysis as analysis_mod
    from engine.privacy.analysis import Analysis

    router = PrivacyRouter(PrivacySettings())
    router.warm_up()
    text = "Please draft a note to Ottoline Brackenbury asking if the pottery class in Frome moved to Thursday."
    analysis_mod.forget_prepared()
    _clear(layer)
    cold = router.route(text)
    _clear(layer)
    router.prepare(text)
    pre = analysis_mod._prepared_for(text)
    assert pre is not None and pre.doc is not None and pre.doc.done()  # parsed in prepare itself
    a = Analysis(text)
    assert a.doc is pre.doc.result() and a.language == pre.language
    # a look-alike: one word more is another text, parsed afresh
    assert Analysis(text + " Thanks").doc is not pre.doc.result()
    sent = router.route(text)
    assert _decision(sent) == _decision(cold)
    analysis_mod.forget_prepared()


def test_a_send_right_after_the_draft_adopts_its_unfinished_embedding(layer: LearnedLayer, monkeypatch) -> None:
    from engine.config import PrivacySettings
    from engine.privacy import PrivacyRouter
    from engine.privacy import analysis as analysis_mod
    from engine.privacy import router as router_mod

    router = PrivacyRouter(PrivacySettings())
    router.warm_up()
    text = "My neighbour Thaddeus Quill asked me to water his ferns while he visits his sister in Leeds next week."
    analysis_mod.forget_prepared()
    _clear(layer)
    cold = router.route(text)
    _clear(layer)
    started: list[str] = []
    real_start = layer.start
    monkeypatch.setattr(layer, "start", lambda t: (started.append(t), real_start(t))[1])
    router.prepare(text)   # no wait: Enter pressed while the draft is still being embedded
    draft = router_mod._draft_job
    sent = router.route(text)
    assert [t for t in started if t != "warm up"] == [text]  # the send took the draft's job over instead of starting another
    assert router_mod._draft_job is None and not draft.cancelled
    assert _decision(sent) == _decision(cold)
    # a draft of other words is cancelled by the send, not adopted
    router.prepare(text + " Any tips?")
    other = router_mod._draft_job
    router.route(text)
    assert other.cancelled and router_mod._draft_job is None
    analysis_mod.forget_prepared()


def test_embed_reuses_cached_vectors_bit_for_bit(layer: LearnedLayer, monkeypatch) -> None:
    texts = ["The ferry to the island leaves at noon.", "Keepers kept logbooks.", "The ferry to the island leaves at noon."]
    _clear(layer)
    fresh = layer.embed(texts)
    assert fresh.shape == (3, 384) and fresh.dtype == np.float32
    calls: list[list[str]] = []
    real = layer.embedder.embed
    monkeypatch.setattr(layer.embedder, "embed", lambda t: (calls.append(list(t)), real(t))[1])
    monkeypatch.setattr(layer, "_helper", lambda: None)
    again = layer.embed([*texts, "A new sentence about tides."])
    assert calls == [["A new sentence about tides."]]  # only the text not seen before
    assert np.array_equal(again[:3], fresh)
    assert np.array_equal(again[3], real(["A new sentence about tides."])[0])
    assert layer.embed([]).shape == (0, 384)


def test_the_core_prepares_drafts_only_when_messages_are_routed(monkeypatch) -> None:
    from engine.config import Config
    from engine.core import Core

    prepared: list[str] = []

    class Router:
        def prepare(self, draft: str) -> None:
            prepared.append(draft)

    off = Core(Config())  # cloud help off, the model on this machine: nothing is routed
    monkeypatch.setattr(Core, "router", property(lambda self: Router()))
    off.prepare_draft("What is the capital of Peru?")
    assert prepared == []
    cfg = Config()
    cfg.cloud.mode = "ask"
    Core(cfg).prepare_draft("What is the capital of Peru?")
    assert prepared == ["What is the capital of Peru?"]

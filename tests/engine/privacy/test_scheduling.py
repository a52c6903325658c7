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
    monkeypatch.setattr(Analysis, "start_scores", lambda self: (started.append(self.text), real(self))[1])
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

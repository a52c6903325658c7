from __future__ import annotations

import pytest

from engine.cloud.usage import UsageStore
from engine.config import CloudPrices


def test_tokens_cost_and_saving_by_day(hearth_home):
    store = UsageStore()
    store.record(provider="openai", model="gpt-4o-mini", kind="cloud", input_tokens=1000, output_tokens=500, day="2026-01-01")
    store.record(provider="openai", model="gpt-4o-mini", kind="cloud", input_tokens=1000, output_tokens=500, day="2026-01-01")
    store.record(provider="local", model="smollm2", kind="local", input_tokens=2_000_000, output_tokens=1_000_000,
                 day="2026-01-02")
    prices = CloudPrices(input_per_mtok=1.0, output_per_mtok=2.0)
    rows = store.report(prices)
    assert [(r.day, r.provider, r.requests) for r in rows] == [("2026-01-01", "openai", 2), ("2026-01-02", "local", 1)]
    cloud, local = rows
    assert (cloud.input_tokens, cloud.output_tokens) == (2000, 1000)
    assert cloud.cost == pytest.approx(2000 / 1e6 * 1.0 + 1000 / 1e6 * 2.0) and cloud.saving == 0
    assert local.saving == pytest.approx(2.0 + 2.0) and local.cost == 0
    assert [r.day for r in store.report(prices, since="2026-01-02")] == ["2026-01-02"]
    assert store.path == hearth_home / "data" / "usage.sqlite3"


def test_bad_kind_and_corrupt_db(hearth_home):
    store = UsageStore()
    with pytest.raises(ValueError):
        store.record(provider="x", model="y", kind="other", input_tokens=1, output_tokens=1)
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_bytes(b"this is not a database" * 100)
    from engine.errors import StorageError

    with pytest.raises(StorageError):
        store.record(provider="x", model="y", kind="cloud", input_tokens=1, output_tokens=1)

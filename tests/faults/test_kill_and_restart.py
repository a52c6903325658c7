"""Kill -9 real `hearth` processes mid-operation, restart, and check that nothing was lost.

A bounded version of bench/faults.py (see tests/support/faults_scenarios.py for what each
round does and checks): two seeded kills per operation (one for indexing, the slowest) and one
run on a full disk (a small tmpfs in a private mount namespace; skipped where none can be made).
"""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.support.faults_fulldisk import namespace_prefix
from tests.support.faults_suite import FaultSuite

# Real processes on a shared machine: indexing alone loads the embedder several times.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
KILLS = {"answer": 2, "index": 1, "download": 2, "audit": 2, "settings": 2}
SEED = 11


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultSuite]:
    with FaultSuite(tmp_path_factory.mktemp("faults"), corpus_files=12) as s:
        yield s


@pytest.mark.parametrize("op", list(KILLS))
def test_kill_9_mid_operation_loses_nothing(suite: FaultSuite, op: str) -> None:
    scenario = suite.scenario(op)  # set up, and run once unkilled (which must pass the same checks)
    rounds = [scenario.kill_round(SEED * 1000 + i) for i in range(KILLS[op])]
    problems = [(r.seed, r.notes) for r in rounds if not r.ok]
    assert problems == [], problems


@pytest.mark.skipif(namespace_prefix() is None, reason="no mount namespace for a small tmpfs (unshare -m / -rm)")
@pytest.mark.parametrize("op", list(KILLS))
def test_full_disk_fails_cleanly_and_recovers(suite: FaultSuite, op: str) -> None:
    r = suite.full_disk(op, SEED)
    assert r.full_disk and r.ok, r.notes

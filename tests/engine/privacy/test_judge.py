"""The optional local-model judge: verdict parsing and fail-closed behaviour with a real host."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import ModelSettings, PrivacySettings
from engine.privacy import PrivacyRouter
from engine.privacy.judge import ModelJudge, parse_verdict
from engine.privacy.wiring import make_router


def test_parse_verdict():
    assert parse_verdict("PUBLIC") is None
    assert parse_verdict("  public.") is None
    assert parse_verdict("PRIVATE: names a patient") == "names a patient"
    assert parse_verdict("Private") == "private content"
    assert parse_verdict("I think it is fine") is not None  # unreadable ⇒ private
    assert parse_verdict("") is not None


def test_judge_with_a_broken_model_keeps_text_local(tmp_path: Path):
    from engine.inference.host import ModelHost
    from engine.models.registry import InstalledModel

    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + b"\0" * 64)  # truncated: the real loader must refuse it
    host = ModelHost(InstalledModel(id="broken", path=bad, source="import:test"), ModelSettings(n_ctx=256),
                     load_timeout_s=60)
    try:
        judge = ModelJudge(host, timeout_s=60)
        reason = judge("What is the capital of France?")
        assert reason is not None and "failed" in reason
        router = PrivacyRouter(PrivacySettings(judge=True), judge=judge)
        d = router.route("What is the capital of France?")
        assert d.route == "local" and "local model" in d.reasons[0]
        # The settings decide, through the one builder the CLI and the desktop app use.
        wired = make_router(PrivacySettings(judge=True), host=host)
        assert wired.route("What is the capital of France?").route == "local"
        assert make_router(PrivacySettings(judge=False), host=host).route("What is the capital of France?").route == "cloud"
    finally:
        host.unload()


@pytest.mark.slow
def test_judge_with_the_real_starter_model_gives_a_decision(starter_gguf):
    from engine.inference.host import ModelHost
    from engine.models.registry import InstalledModel

    host = ModelHost(InstalledModel(id="smol", path=starter_gguf, source="starter"), ModelSettings(n_ctx=512),
                     load_timeout_s=120)
    try:
        router = PrivacyRouter(PrivacySettings(judge=True), judge=ModelJudge(host, timeout_s=60))
        d = router.route("Compose a limerick about a sleepy cat.")
        # Whatever the tiny model says, the judge can only keep the message local, never alter it.
        assert d.route in ("cloud", "local")
        assert d.outbound in ("Compose a limerick about a sleepy cat.", None)
    finally:
        host.unload()

"""The API token (keyring, environment, rotation) and `hearth serve` as a person starts it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keyring
import openai
import pytest

from engine.core import Core, tokens
from engine.errors import ConfigError, KeyringUnavailable
from tests.support.memory_keyring import MemoryKeyring
from tests.support.openai_server import free_port

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def ring(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(tokens.ENV, raising=False)
    old = keyring.get_keyring()
    r = MemoryKeyring()
    keyring.set_keyring(r)
    yield r
    keyring.set_keyring(old)


def test_token_is_made_once_kept_in_the_keyring_and_rotatable(ring: MemoryKeyring) -> None:
    first = Core.api_token()
    assert first.created and first.source == "keyring" and len(first.value) >= 40
    assert ring.store[(tokens.SERVICE, tokens.USER)] == first.value
    again = Core.api_token()
    assert again.value == first.value and not again.created  # shown once: not "created" again
    rotated = Core.rotate_api_token()
    assert rotated.value != first.value and Core.api_token().value == rotated.value
    assert tokens.matches(rotated.value, rotated.value) and not tokens.matches(rotated.value, first.value)
    assert not tokens.matches(rotated.value, None)


def test_environment_token_wins_and_must_be_long(ring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(tokens.ENV, "s" * 32)
    tok = Core.api_token()
    assert tok.value == "s" * 32 and tok.source == "env" and ring.store == {}
    with pytest.raises(ConfigError, match=tokens.ENV):
        Core.rotate_api_token()
    monkeypatch.setenv(tokens.ENV, "short")
    with pytest.raises(ConfigError, match="too short"):
        Core.api_token()


def test_without_a_keyring_the_token_is_never_written_to_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.backends import fail

    monkeypatch.delenv(tokens.ENV, raising=False)
    old = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(KeyringUnavailable) as e:
            Core.api_token()
        assert tokens.ENV in (e.value.hint or "")
    finally:
        keyring.set_keyring(old)


@pytest.mark.slow
def test_hearth_serve_runs_until_ctrl_c(hearth_home: Path) -> None:
    port = free_port()
    token = "cli-test-token-" + "q" * 24
    env = dict(os.environ, HEARTH_API_TOKEN=token, HEARTH_LEARNED_THREADS="1", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "engine", "serve", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=token, max_retries=0, timeout=10)
        deadline = time.monotonic() + 180
        while True:
            try:
                ids = [m.id for m in client.models.list().data]
                break
            except openai.APIConnectionError:
                assert proc.poll() is None, proc.communicate()[1][-2000:]
                assert time.monotonic() < deadline, "hearth serve did not start"
                time.sleep(0.5)
        assert "hearth" in ids
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err[-2000:]
        assert f"http://127.0.0.1:{port}/v1" in err and token not in err  # a token from the environment is not echoed
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_hearth_serve_refuses_another_address_without_the_flag(hearth_home: Path) -> None:
    env = dict(os.environ, HEARTH_API_TOKEN="t" * 32, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "engine", "serve", "--host", "0.0.0.0", "--port", "0"], env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "--allow-network" in out.stderr

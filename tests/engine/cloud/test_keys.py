from __future__ import annotations

import pytest

from engine.cloud.keys import KeyStore
from engine.errors import KeyringUnavailable


def test_roundtrip_in_keyring(memory_keyring, hearth_home):
    store = KeyStore()
    store.set("openai", "  sk-live-key-123  ")
    assert store.get("openai") == "sk-live-key-123"
    assert store.get("anthropic") is None
    assert store.delete("openai") and store.get("openai") is None
    assert not store.delete("openai")


def test_no_backend_raises_and_writes_nothing(fail_keyring, hearth_home):
    with pytest.raises(KeyringUnavailable) as err:
        KeyStore().set("openai", "sk-secret-never-on-disk")
    assert "plain text" in err.value.hint
    written = [p for p in hearth_home.rglob("*") if p.is_file()]
    assert all("sk-secret-never-on-disk" not in p.read_text(errors="ignore") for p in written)
    with pytest.raises(KeyringUnavailable):
        KeyStore().get("openai")


def test_empty_chainer_is_unusable(monkeypatch):
    import keyring
    from keyring.backends import chainer

    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    previous = keyring.get_keyring()
    keyring.set_keyring(chainer.ChainerBackend())
    try:
        with pytest.raises(KeyringUnavailable):
            KeyStore().get("openai")
    finally:
        keyring.set_keyring(previous)


def test_empty_key_refused(memory_keyring):
    with pytest.raises(KeyringUnavailable):
        KeyStore().set("openai", "   ")

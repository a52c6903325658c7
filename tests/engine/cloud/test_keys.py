from __future__ import annotations

import pytest

from engine.cloud.keys import KeyStore
from engine.errors import KeyringUnavailable
from tests.support.memory_keyring import MemoryKeyring


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


def _plaintext_backend(module: str = "keyrings.alt.file", name: str = "PlaintextKeyring"):
    """A backend shaped like keyrings.alt's file backend (that package is not installed here)."""
    from tests.support.memory_keyring import MemoryKeyring

    cls = type(name, (MemoryKeyring,), {})
    cls.__module__ = module
    return cls()


def _chainer_of(*members):
    from keyring.backends import chainer

    class Chain(chainer.ChainerBackend):
        backends = list(members)  # what keyring's discovery would have found

    return Chain()


@pytest.mark.parametrize("backend_factory, usable", [
    (lambda: _chainer_of(MemoryKeyring(), _plaintext_backend()), False),          # falls through to a file
    (lambda: _chainer_of(_plaintext_backend("keyrings.alt.file", "EncryptedKeyring")), False),
    (lambda: _chainer_of(MemoryKeyring()), True),
    (lambda: _plaintext_backend("keyrings.alt.pyfs", "PlaintextKeyring"), False),
    (lambda: MemoryKeyring(), True),
])
def test_keystore_and_doctor_apply_one_rule(backend_factory, usable, hearth_home):
    """A chainer holding a plain-text backend is refused by KeyStore *and* reported by the doctor."""
    import keyring

    from engine.cloud import keys

    previous = keyring.get_keyring()
    keyring.set_keyring(backend_factory())
    try:
        probe = keys.diagnose().facts
        if usable:
            KeyStore().set("openai", "sk-live-key-123")
            assert KeyStore().get("openai") == "sk-live-key-123"
        else:
            with pytest.raises(KeyringUnavailable):
                KeyStore().set("openai", "sk-secret-never-on-disk")
        assert probe["usable"] is usable
        assert probe["plaintext"] is (not usable)
    finally:
        keyring.set_keyring(previous)

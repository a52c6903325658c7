"""With cloud escalation off, nothing in the cloud path opens a connection or builds a client."""

from __future__ import annotations

import socket

import pytest

from engine.cli.main import main
from engine.config import CloudSettings, Config, save_config
from engine.errors import CloudError
from engine.privacy import PrivacyRouter


@pytest.fixture
def no_sockets(monkeypatch):
    attempts = []

    def refuse(self, address):
        attempts.append(address)
        raise AssertionError(f"network connection attempted to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    for name in ("openai_client", "anthropic_client"):
        monkeypatch.setattr(f"engine.net.{name}", lambda **kw: pytest.fail("cloud client built while off"))
    yield attempts
    assert attempts == []


def test_routing_and_cli_open_no_connection_when_off(no_sockets, capsys, memory_keyring):
    save_config(Config())  # defaults: cloud.mode = off
    router = PrivacyRouter()
    for text in ("What is the capital of France?", "Email r.delacroix@fastmail.fm about Rachel Zheng's invoice."):
        router.route(text)
    assert main(["privacy", "check", "What is the capital of France?"]) == 0
    assert "nothing is sent" in capsys.readouterr().out
    assert main(["cloud", "test"]) == 1
    assert "off" in capsys.readouterr().err
    assert main(["cloud", "status"]) == 0
    assert main(["audit"]) == 0
    assert main(["usage"]) == 0


def test_make_provider_refuses_when_off(no_sockets):
    from engine.cloud.providers import make_provider

    with pytest.raises(CloudError):
        make_provider(CloudSettings(mode="off"))

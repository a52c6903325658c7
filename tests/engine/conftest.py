"""Fixtures shared by the engine tests."""

from __future__ import annotations

from typing import Iterator

import pytest

from engine.chats import ChatStore


@pytest.fixture
def chats() -> Iterator[ChatStore]:
    """A conversation store in the test's own HEARTH_HOME."""
    store = ChatStore()
    yield store
    store.close()

from __future__ import annotations

import pytest

from engine.config import PrivacySettings
from engine.privacy import PrivacyRouter


@pytest.fixture(scope="session")
def router() -> PrivacyRouter:
    """One warmed-up router (spaCy model loaded once for the whole session)."""
    r = PrivacyRouter(PrivacySettings())
    r.warm_up()
    return r

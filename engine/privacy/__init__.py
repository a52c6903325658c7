"""The privacy router: decides what may leave this computer, and in which form."""

from engine.privacy.router import PrivacyRouter, RouteDecision

__all__ = ["PrivacyRouter", "RouteDecision"]

"""What a subsystem's ``diagnose()`` returns: facts for the report and problems, each with a fix.

``hearth doctor`` (``engine.doctor``) only calls the subsystems' ``diagnose()`` functions and
formats what they return; the knowledge of what is wrong with a model file, a keyring or the
audit log stays with the code that owns it. Every ``diagnose()`` reads only: it never repairs,
creates or deletes anything, and opens no network connection. Stdlib only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass
class Problem:
    severity: Severity
    what: str   # what is wrong, in words a person understands
    fix: str    # what to do about it


@dataclass
class Diagnosis:
    """``section`` names the part of the report the facts go to (hardware, llama, paths, …);
    dict facts are merged into it key by key, list facts are appended."""

    section: str
    facts: dict[str, Any] | list[Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, severity: Severity, what: str, fix: str) -> None:
        self.problems.append(Problem(severity, what, fix))

"""Events streamed from a turn of the assistant, for the CLI and the desktop app alike.

``Assistant.turn(...)`` yields these in order:
``Routed`` (once, before generation) → ``Citations`` (if documents were used) →
``Token``* → ``Done`` | ``Failed``. Consumers switch on the type; all are plain dataclasses so
they cross threads (Qt signals) and processes (pickle) unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Route = Literal["local", "redacted", "cloud"]


@dataclass(frozen=True)
class Citation:
    path: str            # absolute path of the source file on this machine
    page: int | None     # 1-based page for paged formats, else None
    heading: str         # heading trail, "A > B > C", may be ""
    snippet: str         # the text the model saw (possibly shortened for display)
    score: float = 0.0
    start: int | None = None  # character offsets inside the parsed document
    end: int | None = None


@dataclass(frozen=True)
class Routed:
    route: Route
    reasons: list[str]
    provider: str | None = None      # e.g. "openai" for cloud routes
    outbound_text: str | None = None  # exact text that leaves the machine (None if local)
    redactions: list[str] = field(default_factory=list)  # placeholder types only, e.g. ["EMAIL"]
    truncated_turns: int = 0         # history turns dropped to fit the context window
    rules: list[str] = field(default_factory=list)  # ids of the privacy rules that decided
    zone: str = "this machine"       # where the answer is generated: this machine | trusted | cloud


@dataclass(frozen=True)
class Citations:
    items: list[Citation]
    nothing_relevant: bool = False


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class Done:
    text: str                 # the full answer (placeholders restored)
    message_id: int | None    # id of the persisted assistant message
    tokens: int = 0
    tokens_per_s: float = 0.0
    ttft_s: float = 0.0
    backend: str = "CPU"      # CPU / CUDA / Metal / Vulkan / cloud:<provider>
    cancelled: bool = False


@dataclass(frozen=True)
class Failed:
    message: str
    hint: str | None = None
    kind: str = "HearthError"  # the engine error class name, for choosing an action in the UI


TurnEvent = Routed | Citations | Token | Done | Failed

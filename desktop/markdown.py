"""Split a Markdown answer into prose and fenced code blocks.

Prose is rendered by Qt's own Markdown support; each code block gets its own widget with a
Copy button. An unterminated fence (mid-stream) is still shown as code, so the view does not
jump when the closing fence arrives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(r"^(\s*)(```|~~~)\s*([\w+#.-]*)\s*$")


@dataclass(frozen=True)
class Segment:
    kind: str          # "prose" | "code"
    text: str
    lang: str = ""


def split_markdown(text: str) -> list[Segment]:
    segments: list[Segment] = []
    prose: list[str] = []
    code: list[str] | None = None
    fence = ""
    lang = ""
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if code is None:
            if m:
                if prose and any(p.strip() for p in prose):
                    segments.append(Segment("prose", "\n".join(prose).strip("\n")))
                prose = []
                code, fence, lang = [], m.group(2), m.group(3)
            else:
                prose.append(line)
        elif m and m.group(2) == fence and not m.group(3):
            segments.append(Segment("code", "\n".join(code), lang))
            code = None
        else:
            code.append(line)
    if code is not None:
        segments.append(Segment("code", "\n".join(code), lang))
    elif prose and any(p.strip() for p in prose):
        segments.append(Segment("prose", "\n".join(prose).strip("\n")))
    return segments

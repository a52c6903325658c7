"""Helpers for the inference tests: a real InstalledModel around the starter GGUF."""

from __future__ import annotations

from pathlib import Path

import psutil

from engine.models.registry import InstalledModel

LONG_PROMPT = [{"role": "user", "content": "Write a long story about a dragon who learns to bake bread."}]


def model_for(path: Path, chat_template: str | None = None) -> InstalledModel:
    return InstalledModel(id="test-" + path.stem.lower(), path=path, source=f"file:{path}", chat_template=chat_template)


def model_children() -> list[psutil.Process]:
    """Live child processes of this test process, minus multiprocessing's own resource tracker."""
    out = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "resource_tracker" in " ".join(child.cmdline()) or child.status() == psutil.STATUS_ZOMBIE:
                continue
        except psutil.NoSuchProcess:
            continue
        out.append(child)
    return out

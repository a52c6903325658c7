"""Local inference: a GGUF model in a child process (see :mod:`engine.inference.host`).

Importing this package is cheap: ``llama_cpp`` is imported only inside the model process.
"""

from engine.inference.fitting import fit_conversation
from engine.inference.host import ModelHost
from engine.inference.remote import RemoteHost, make_host
from engine.inference.types import FitResult, GenerationStats, LoadInfo

__all__ = ["FitResult", "GenerationStats", "LoadInfo", "ModelHost", "RemoteHost", "fit_conversation", "make_host"]

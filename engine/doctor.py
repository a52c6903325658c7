"""``hearth doctor``: what is installed, where state lives, what hardware and backend llama.cpp
sees, whether keys can be stored safely — and every problem found, each with a fix.

Doctor only collects and formats: each subsystem offers a ``diagnose()`` returning a
:class:`~engine.diagnosis.Diagnosis` (facts for one section of the report, problems with
fixes), and what is wrong with a model file, a keyring or the audit log is decided there, by
the code that owns it. Rules kept:

* No network connection (a test runs doctor under a socket audit hook).
* Never crashes on a broken install: llama.cpp is probed in a **child process**
  (``engine.inference.probe``: a bad native build may segfault); a ``diagnose()`` that raises
  becomes a reported problem instead of a traceback.
* Qt-free, no heavy library imported in this process (versions come from package metadata).
"""

from __future__ import annotations

import importlib.metadata as md
import platform
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from engine import __version__
from engine.diagnosis import Diagnosis, Problem, Severity
from engine.paths import Paths, get_paths

__all__ = ["Problem", "Report", "Severity", "collect_versions", "format_report", "run_checks"]

# Distributions whose versions we report: (label, candidate distribution names).
_DISTRIBUTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("llama-cpp-python", ("llama-cpp-python", "llama_cpp_python")),
    ("torch", ("torch",)),
    ("chromadb", ("chromadb",)),
    ("sentence-transformers", ("sentence-transformers",)),
    ("PySide6", ("PySide6", "PySide6-Essentials")),
    ("huggingface-hub", ("huggingface-hub",)),
    ("spacy", ("spacy",)),
    ("keyring", ("keyring",)),
    ("openai", ("openai",)),
    ("anthropic", ("anthropic",)),
)


@dataclass
class Report:
    versions: dict[str, str | None] = field(default_factory=dict)
    paths: dict[str, dict[str, Any]] = field(default_factory=dict)
    hardware: dict[str, Any] = field(default_factory=dict)
    llama: dict[str, Any] = field(default_factory=dict)
    keyring: dict[str, Any] = field(default_factory=dict)
    cloud: dict[str, Any] = field(default_factory=dict)
    offline: dict[str, Any] = field(default_factory=dict)
    models: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing stops Hearth from working (warnings allowed)."""
        return not any(p.severity == "error" for p in self.problems)

    def problem(self, severity: Severity, what: str, fix: str) -> None:
        self.problems.append(Problem(severity, what, fix))

    def add(self, d: Diagnosis) -> None:
        """Merge one subsystem's findings into its section (dicts key by key, one level deep)."""
        target = getattr(self, d.section)
        if isinstance(target, list):
            target.extend(d.facts)  # type: ignore[arg-type]
        else:
            for key, value in dict(d.facts).items():
                if isinstance(value, dict) and isinstance(target.get(key), dict):
                    target[key].update(value)
                else:
                    target[key] = value
        self.problems.extend(d.problems)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data


def _dist_version(names: tuple[str, ...]) -> str | None:
    for name in names:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            continue
    return None


def collect_versions() -> dict[str, str | None]:
    """Versions from package metadata: nothing heavy is imported here."""
    versions: dict[str, str | None] = {"hearth": __version__, "python": platform.python_version()}
    for label, names in _DISTRIBUTIONS:
        versions[label] = _dist_version(names)
    return versions


def run_checks(paths: Paths | None = None, *, llama: bool = True, llama_timeout_s: float = 120.0) -> Report:
    """Collect every subsystem's ``diagnose()``. Never raises: a failing one becomes a problem."""
    from engine import config, net, starter
    from engine import paths as state_paths
    from engine.chats import health as chats
    from engine.cloud import audit, keys
    from engine.models import hardware, registry

    paths = paths or get_paths()
    report = Report()
    settings: dict[str, Any] = {"mode": "off"}  # the cloud mode decides how bad a missing keyring is

    def settings_check() -> Diagnosis:
        d, cfg = config.diagnose(paths)
        settings["mode"] = cfg.cloud.mode
        return d

    # Module attributes are looked up at call time (a test may replace one subsystem's diagnose).
    steps: list[tuple[str, Callable[[], Diagnosis]]] = [
        ("paths", lambda: state_paths.diagnose(paths)),
        ("hardware", lambda: hardware.diagnose()),
        ("offline", lambda: net.diagnose()),
        ("models", lambda: registry.diagnose()),
        ("starter", lambda: starter.diagnose()),
        ("chats", lambda: chats.diagnose(paths.chats_db)),
        ("audit", lambda: audit.diagnose(paths.audit_log)),
        ("settings", settings_check),
        ("keyring", lambda: keys.diagnose(settings["mode"])),
    ]
    try:
        report.versions.update(collect_versions())
    except Exception as exc:  # noqa: BLE001
        report.problem("warning", f"The versions check failed: {type(exc).__name__}: {exc}.",
                       "Please report this; Hearth itself may still work.")
    for name, step in steps:
        try:
            report.add(step())
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
            report.problem("warning", f"The {name} check failed: {type(exc).__name__}: {exc}.",
                           "Please report this; Hearth itself may still work.")
    if llama:
        from engine.inference import probe

        report.add(probe.diagnose(llama_timeout_s))
        if "hardware" in report.llama:  # the model manager's view, with this build's offload answer
            report.hardware["model_manager"] = report.llama.pop("hardware")
    else:
        report.llama = {"skipped": True}
    return report


# --------------------------------------------------------------------------- text output

def _gb(n: Any) -> str:
    return f"{n / 1024**3:.1f} GB" if isinstance(n, (int, float)) else "?"


def format_report(report: Report) -> str:
    lines = ["Hearth doctor", "", "Versions"]
    lines += [f"  {k:<22} {v or 'not installed'}" for k, v in report.versions.items()]
    lines += ["", "Paths"]
    for k, v in report.paths.items():
        flag = "" if v.get("exists", True) else "  (not created yet)"
        lines.append(f"  {k:<22} {v.get('path', '?')}{flag}")
    hw = report.hardware
    lines += ["", "Hardware",
              f"  {'cpu cores':<22} {hw.get('cpu_physical', '?')} physical, {hw.get('cpu_logical', '?')} logical",
              f"  {'ram':<22} {_gb(hw.get('ram_total_bytes'))} total, {_gb(hw.get('ram_available_bytes'))} available"]
    mm = hw.get("model_manager") or {}
    for gpu in hw.get("gpus") or []:
        lines.append(f"  {'gpu':<22} {gpu.get('name')} [{gpu.get('backend')}] ({_gb(gpu.get('vram_total_bytes'))})")
    if not hw.get("gpus"):  # Apple's GPU is seen only with llama.cpp (in the probe child)
        for gpu in mm.get("gpus") or []:
            lines.append(f"  {'gpu':<22} {gpu.get('name')} [{gpu.get('backend')}] ({_gb(gpu.get('vram_total'))})")
    if hw.get("cpu_features"):
        lines.append(f"  {'cpu features':<22} {', '.join(hw['cpu_features'])}")
    ll = report.llama
    lines += ["", "llama.cpp"]
    if ll.get("skipped"):
        lines.append("  (not probed)")
    elif "error" in ll:
        lines.append(f"  error: {ll['error']}")
    else:
        lines.append(f"  {'backends':<22} {', '.join(ll.get('backends', []))}")
        lines.append(f"  {'gpu offload':<22} {'yes' if ll.get('gpu_offload') else 'no (CPU-only build)'}")
        for dev in ll.get("devices", []):
            lines.append(f"  {'device':<22} {dev['name']}: {dev['description']} "
                         f"({_gb(dev['memory_total_bytes'])})")
    kr = report.keyring
    lines += ["", "Keyring", f"  {'backend':<22} {kr.get('backend')}",
              f"  {'usable for API keys':<22} {'yes' if kr.get('usable') else 'no'}"]
    cl = report.cloud
    lines += ["", "Cloud", f"  {'mode':<22} {cl.get('mode', '?')}"
              + ("" if cl.get("mode") == "off" else f" ({cl.get('provider')}, {cl.get('model')})")]
    if report.models:
        lines += ["", "Models"]
        for m in report.models:
            lines.append(f"  {m['id']} ({_gb(m.get('size_bytes'))}) {m['path']}")
    lines.append("")
    if not report.problems:
        lines.append("No problems found.")
    for p in report.problems:
        lines.append(f"{p.severity.upper()}: {p.what}")
        lines.append(f"  fix: {p.fix}")
    return "\n".join(lines)

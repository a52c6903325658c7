"""No telemetry anywhere, and the model hub is closed unless the user started a download.

* The real entry points (CLI and desktop), started in a clean environment, turn on every
  library's offline / no-telemetry switch themselves.
* chromadb's client, as the document index builds it, has anonymized telemetry off.
* huggingface_hub, the real client against a loopback hub: refuses to touch the network while
  offline (nothing reaches the hub, no socket is even attempted), works inside ``hub_access()``
  (a user-started download) and is offline again afterwards.
* No engine or desktop module imports a telemetry/analytics SDK, and only the modules whose job
  is the network import network clients.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.net import OFFLINE_ENV, hub_access
from tests.support.hub_server import loopback_hub
from tests.support.netguard import NetGuard

REPO = Path(__file__).resolve().parents[2]
CLEAN_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONPATH": str(REPO),
             "QT_QPA_PLATFORM": "offscreen"}


def _run_python(code: str, tmp_path: Path) -> dict:
    env = {**CLEAN_ENV, "HOME": str(tmp_path), "HEARTH_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=180)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_cli_start_turns_every_offline_switch_on(tmp_path: Path) -> None:
    """`hearth doctor --json` reports the environment as the CLI set it, from a clean start."""
    env = {**CLEAN_ENV, "HOME": str(tmp_path), "HEARTH_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-m", "engine", "doctor", "--json", "--skip-llama"],
                          capture_output=True, text=True, env=env, timeout=180)
    offline = json.loads(proc.stdout)["offline"]["env"]
    assert offline == OFFLINE_ENV
    assert offline["HF_HUB_OFFLINE"] == "1" and offline["ANONYMIZED_TELEMETRY"] == "False"


def test_desktop_start_turns_every_offline_switch_on(tmp_path: Path) -> None:
    code = ("import json, os, sys\n"
            "from desktop.app import main\n"
            "rc = main(['--smoke'])\n"
            f"print(json.dumps({{'rc': rc, 'env': {{k: os.environ.get(k) for k in {sorted(OFFLINE_ENV)!r}}}}}))\n")
    out = _run_python(code, tmp_path)
    assert out["rc"] == 0 and out["env"] == OFFLINE_ENV


def test_chroma_client_of_the_document_index_has_telemetry_off(tmp_path: Path) -> None:
    code = ("import json\n"
            "from pathlib import Path\n"
            "from engine.docs.vectors import VectorStore\n"
            f"store = VectorStore(Path({str(tmp_path / 'chroma')!r}))\n"
            "import chromadb.config\n"
            "print(json.dumps({'client': store.client.get_settings().anonymized_telemetry,\n"
            "                  'default': chromadb.config.Settings().anonymized_telemetry}))\n")
    out = _run_python(code, tmp_path)
    assert out == {"client": False, "default": False}


@pytest.fixture
def hub():
    with loopback_hub({"hearth-test/Tiny": {"notes.txt": b"hello from the loopback hub\n"}}) as h:
        yield h


def test_hub_is_closed_unless_a_download_was_started(hub, tmp_path: Path) -> None:
    from huggingface_hub import constants, hf_hub_download

    def download(cache: str) -> str:
        return hf_hub_download("hearth-test/Tiny", "notes.txt", endpoint=hub.endpoint,
                               cache_dir=str(tmp_path / cache))

    assert constants.HF_HUB_OFFLINE is True
    with NetGuard() as guard:
        with pytest.raises(Exception) as offline_error:
            download("a")
    assert type(offline_error.value.__cause__).__name__ == "OfflineModeIsEnabled"
    guard.assert_none()
    assert hub.requests == []  # nothing reached the hub

    with hub_access():  # what the model manager wraps a user-started download in
        assert constants.HF_HUB_OFFLINE is False
        path = download("b")
    assert Path(path).read_bytes() == b"hello from the loopback hub\n"
    assert hub.requests

    served = len(hub.requests)
    assert constants.HF_HUB_OFFLINE is True
    with pytest.raises(Exception) as again:
        download("c")
    assert type(again.value.__cause__).__name__ == "OfflineModeIsEnabled"
    assert len(hub.requests) == served


# --------------------------------------------------------------------------- static checks

TELEMETRY_SDKS = {"posthog", "sentry_sdk", "segment", "analytics", "mixpanel", "amplitude",
                  "opentelemetry", "datadog", "bugsnag", "rollbar", "statsd"}
NETWORK_CLIENTS = {"socket", "http", "urllib", "urllib3", "httpx", "requests", "aiohttp",
                   "websockets", "ssl", "ftplib", "smtplib", "openai", "anthropic"}
# Modules whose job is the network: the gate itself, cloud providers, the model hub/downloads,
# and the remote inference server the user configured (model.remote_url; client from engine.net).
# Adding a module here is a privacy decision: say why in the commit.
NETWORK_ALLOWED = ("engine/net.py", "engine/cloud/", "engine/models/hub.py", "engine/models/download.py",
                   "engine/models/storage.py", "engine/inference/remote.py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _sources() -> list[Path]:
    files = sorted((REPO / "engine").rglob("*.py")) + sorted((REPO / "desktop").rglob("*.py"))
    assert len(files) > 10
    return files


def test_no_telemetry_sdk_is_imported() -> None:
    offenders = {str(p.relative_to(REPO)): sorted(_imports(p) & TELEMETRY_SDKS) for p in _sources()}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_network_modules_import_network_clients() -> None:
    offenders = {}
    for p in _sources():
        rel = p.relative_to(REPO).as_posix()
        if rel.startswith(NETWORK_ALLOWED):
            continue
        found = _imports(p) & NETWORK_CLIENTS
        if found:
            offenders[rel] = sorted(found)
    assert offenders == {}, ("these modules import network clients outside engine/net.py, the cloud "
                             f"providers and the model hub: {offenders}")


def test_import_scanner_sees_imports(tmp_path: Path) -> None:
    """Control for the two static checks: the scanner finds every import form."""
    src = tmp_path / "m.py"
    src.write_text("import posthog\nfrom httpx import Client\nimport urllib.request as u\n"
                   "def f():\n    import socket\n", encoding="utf-8")
    assert _imports(src) == {"posthog", "httpx", "urllib", "socket"}

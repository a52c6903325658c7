"""Everything Hearth asks the model hub, through ``huggingface_hub``: file metadata, search.

Every function here must run inside :func:`engine.net.hub_access` (the callers in download and
search open it), so nothing reaches the network unless the person asked for it. The endpoint
is read from ``HF_ENDPOINT`` at call time (``engine.net.hub_endpoint``) and passed explicitly:
``huggingface_hub`` freezes its own default at import time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.errors import DownloadError, HearthError, NotOnHub
from engine.net import hub_access, hub_endpoint

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class RemoteFile:
    repo: str
    file: str
    url: str            # where to GET it (may be a CDN location after the hub's redirect)
    commit: str         # the revision resolved to a commit hash
    size: int | None
    sha256: str | None  # from the hub's LFS metadata; None if the hub did not say


@dataclass(frozen=True)
class HubModel:
    id: str
    downloads: int
    likes: int
    gguf_files: tuple[str, ...]


@dataclass(frozen=True)
class HubFileInfo:
    name: str
    size: int | None
    sha256: str | None


def map_hub_error(exc: BaseException, what: str) -> HearthError:
    """Translate huggingface_hub / HTTP errors into our hierarchy with an actionable message."""
    from huggingface_hub import errors as hf_errors

    if isinstance(exc, HearthError):
        return exc
    if isinstance(exc, hf_errors.RepositoryNotFoundError):
        return NotOnHub(f"The hub has no repository for {what} (or it is private or gated).",
                        "Check the repo id; for a gated model, log in with `hf auth login` first.")
    if isinstance(exc, hf_errors.RevisionNotFoundError):
        return NotOnHub(f"The pinned revision of {what} does not exist on the hub.",
                        "The catalog entry may be stale; update Hearth or pull a search result instead.")
    if isinstance(exc, (hf_errors.RemoteEntryNotFoundError, hf_errors.EntryNotFoundError)):
        return NotOnHub(f"The file {what} does not exist on the hub.",
                        "List the repo's files with: hearth models search <name> --files")
    if isinstance(exc, hf_errors.OfflineModeIsEnabled):
        return DownloadError("The hub is switched off (offline mode).",
                             "Unset HF_HUB_OFFLINE to allow downloads you start.")
    if isinstance(exc, hf_errors.HfHubHTTPError):
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if status == 404:
            return NotOnHub(f"The hub has no {what}.", "Check the repo id and file name.")
        if status in (401, 403):
            return DownloadError(f"The hub refused access to {what} (HTTP {status}).",
                                 "Log in with `hf auth login` and accept the model's licence on its page.")
        return DownloadError(f"The hub answered HTTP {status} for {what}.", "Try again in a few minutes.")
    import httpx2

    if isinstance(exc, httpx2.TimeoutException):
        return DownloadError(f"The hub did not answer in time for {what}.", "Check your connection and try again.")
    if isinstance(exc, httpx2.TransportError):
        return DownloadError(f"Could not reach the model hub at {hub_endpoint()} for {what}.",
                             "Check your internet connection (or HF_ENDPOINT) and try again.")
    return DownloadError(f"Talking to the hub about {what} failed: {exc}.", "Try again.")


def file_metadata(repo: str, file: str, revision: str | None, *, token: str | bool | None = None) -> RemoteFile:
    """HEAD the file at ``revision``: commit, size, sha256 (LFS), download location."""
    from huggingface_hub import HfApi, get_hf_file_metadata, hf_hub_url

    endpoint = hub_endpoint()
    what = f"{repo}/{file}"
    try:
        url = hf_hub_url(repo, file, revision=revision or "main", endpoint=endpoint)
        meta = get_hf_file_metadata(url, token=token, endpoint=endpoint)
        if not meta.commit_hash:
            raise DownloadError(f"{endpoint} did not answer like a model hub (no commit header) for {what}.",
                                "Check HF_ENDPOINT, your proxy or firewall.")
        sha = meta.etag if meta.etag and _SHA256.match(meta.etag) else None
        if sha is None:  # not an LFS etag: ask the repo listing for the LFS sha256
            info = HfApi(endpoint=endpoint).model_info(repo, revision=meta.commit_hash, files_metadata=True,
                                                       token=token)
            for s in info.siblings or []:
                if s.rfilename == file and s.lfs is not None:
                    sha = s.lfs.sha256
        return RemoteFile(repo, file, meta.location, meta.commit_hash, meta.size, sha)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a HearthError with a message
        raise map_hub_error(exc, what) from exc


def search(query: str, *, limit: int = 20, token: str | bool | None = None) -> list[HubModel]:
    """GGUF model repos whose id contains ``query`` (a user-started search: opens the hub)."""
    from huggingface_hub import HfApi

    with hub_access():
        try:
            api = HfApi(endpoint=hub_endpoint())
            found = api.list_models(search=query, filter="gguf", limit=limit, sort="downloads", token=token)
            return [HubModel(m.id, m.downloads or 0, m.likes or 0,
                             tuple(s.rfilename for s in (m.siblings or []) if s.rfilename.endswith(".gguf")))
                    for m in found]
        except Exception as exc:  # noqa: BLE001
            raise map_hub_error(exc, f"the search '{query}'") from exc


def list_gguf_files(repo: str, revision: str | None = None, *, token: str | bool | None = None) -> list[HubFileInfo]:
    """The .gguf files of a repo with sizes and LFS sha256 (for pulling models outside the catalog)."""
    from huggingface_hub import HfApi

    with hub_access():
        try:
            info = HfApi(endpoint=hub_endpoint()).model_info(repo, revision=revision, files_metadata=True,
                                                             token=token)
        except Exception as exc:  # noqa: BLE001
            raise map_hub_error(exc, repo) from exc
    return [HubFileInfo(s.rfilename, s.size, s.lfs.sha256 if s.lfs else None)
            for s in info.siblings or [] if s.rfilename.endswith(".gguf")]

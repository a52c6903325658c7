"""The one place Hearth opens network connections.

Privacy rule: with cloud escalation off, the app opens no connection except the ones the user
asked for (a model download or a hub search). Everything that talks to the network gets its
client from here, so the rule can be read in one file and tested in one place.

* :func:`enforce_offline_defaults` runs at start-up (CLI and app): every library we embed is
  told to stay offline and send no telemetry.
* :func:`hub_access` lifts the hub's offline switch only for the duration of a download or search
  the user started.
* :func:`openai_client` / :func:`anthropic_client` build the cloud SDK clients (called only by the
  cloud provider code, after the privacy router allowed the message).
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    from engine.errors import IndexError_
    from engine.diagnosis import Diagnosis

# Set before the libraries are imported: several read these at import time.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",  # chromadb
    "DO_NOT_TRACK": "1",
    "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",  # presidio/tldextract would fetch a suffix list
    "TOKENIZERS_PARALLELISM": "false",
}

_hub_lock = threading.Lock()
_hub_users = 0


def enforce_offline_defaults() -> None:
    """Make every embedded library offline and telemetry-free unless the user overrode it."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


def diagnose() -> Diagnosis:
    """The offline defaults as this process sees them; an override that lets a library reach
    the network is a warning."""
    from engine.diagnosis import Diagnosis

    d = Diagnosis("offline", {"env": {k: os.environ.get(k) for k in OFFLINE_ENV}})
    for key in ("HF_HUB_OFFLINE", "HF_HUB_DISABLE_TELEMETRY", "ANONYMIZED_TELEMETRY", "DO_NOT_TRACK"):
        have, want = os.environ.get(key), OFFLINE_ENV.get(key)
        if want is not None and have is not None and have != want:
            d.problem("warning", f"{key}={have} in your environment overrides Hearth's offline default "
                      f"({key}={want}): libraries may contact the network.", f"Unset {key} before starting Hearth.")
    return d


def _set_hub_offline(offline: bool) -> None:
    os.environ["HF_HUB_OFFLINE"] = "1" if offline else "0"
    try:  # huggingface_hub caches the flag at import time
        from huggingface_hub import constants
    except ImportError:
        return
    constants.HF_HUB_OFFLINE = offline


@contextlib.contextmanager
def hub_access() -> Iterator[None]:
    """Allow the model hub for a download or search the user asked for, then close it again.

    Re-entrant across threads: the hub stays reachable while any user-started transfer runs.
    If the user set ``HF_HUB_OFFLINE=1`` themselves *and* asked for hub work, their request wins
    only through the explicit ``hub_access`` call sites (download, search).
    """
    global _hub_users
    with _hub_lock:
        _hub_users += 1
        _set_hub_offline(False)
    try:
        yield
    finally:
        with _hub_lock:
            _hub_users -= 1
            if _hub_users == 0:
                _set_hub_offline(True)


def hub_endpoint() -> str:
    """The hub base URL (``HF_ENDPOINT`` points it at a mirror or a test server)."""
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")


def hub_http_client() -> Any:
    """HTTP client for hub file transfers (model downloads with Range resume).

    It is huggingface_hub's own shared session, so proxies, auth and its offline switch apply
    exactly as for the hub client's calls: outside :func:`hub_access` every request is refused.
    """
    from huggingface_hub.utils import get_session

    return get_session()


def openai_client(*, api_key: str, base_url: str | None, timeout_s: float, max_retries: int) -> Any:
    """The official OpenAI SDK client (any OpenAI-compatible endpoint via ``base_url``)."""
    import openai

    return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=max_retries)


def anthropic_client(*, api_key: str, base_url: str | None, timeout_s: float, max_retries: int) -> Any:
    """The official Anthropic SDK client."""
    import anthropic

    return anthropic.Anthropic(api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=max_retries)


def is_loopback_host(host: str) -> bool:
    """True for addresses only this computer can reach (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    host = host.lower()
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# What each kind of server is called in a refusal, and where the person allows plain http to it.
_SERVER_KINDS = {
    "model": ("model server", "https://gpu-box:8080/v1",
              "(Settings → Model, or model.remote_allow_http = true)"),
    "chroma": ("Chroma server", "https://chroma.example:8000",
               "(Documents → “Allow plain http to this server”, or documents.chroma_allow_http = true)"),
}


def server_url_problem(url: str, allow_http: bool = False, kind: str = "model") -> str | None:
    """Why Hearth will not send text to the server at ``url`` (a model server, or a Chroma
    server holding shared collections), or None.

    Plain ``http://`` is readable (and forgeable) by anyone on the path, so it is accepted only
    to this computer, or to a host the person explicitly allowed it for (``allow_http``).
    ``https://`` is always verified (a private CA goes in via ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``)."""
    from urllib.parse import urlsplit

    what, example, where = _SERVER_KINDS[kind]
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"The {what} address '{url}' is not an http:// or https:// URL (e.g. {example})."
    if parts.scheme == "http" and not allow_http and not is_loopback_host(parts.hostname):
        return (f"The {what} {parts.hostname} is reached over plain http://, which anyone on the network "
                f"can read. Use https://, or, if this network is yours, allow plain http to this server {where}.")
    return None


def chroma_client(url: str, *, token: str | None = None, allow_http: bool = False) -> Any:
    """A ``chromadb.HttpClient`` for a Chroma server holding shared collections.

    Same address rule as model servers (:func:`server_url_problem`); https is verified (certifi,
    or ``SSL_CERT_FILE``); telemetry off; ``token`` (from the keyring) goes as a bearer
    ``Authorization`` header, which Chroma's token auth and a TLS proxy in front of it both accept.
    Raises HearthError when the address is refused or the server cannot be reached."""
    from urllib.parse import urlsplit

    from engine.errors import HearthError

    problem = server_url_problem(url, allow_http, kind="chroma")
    if problem:
        raise HearthError(problem, "Change the collection's server address, or allow plain http as described.")
    enforce_offline_defaults()
    import chromadb
    from chromadb.config import Settings

    parts = urlsplit(url.strip())
    https = parts.scheme == "https"
    settings = Settings(anonymized_telemetry=False, allow_reset=False,
                        chroma_server_ssl_verify=True if https else None)
    headers = {"Authorization": f"Bearer {token}"} if token else None
    status = _preflight(url, headers)
    try:  # the client asks the server for its tenant at once
        client = chromadb.HttpClient(host=parts.hostname or "", port=parts.port or (443 if https else 8000),
                                     ssl=https, headers=headers, settings=settings)
    except Exception as exc:
        raise chroma_server_error(exc, url, status, token_sent=bool(token)) from exc
    # chromadb's HTTP session never times out, so a stalled server would hang a search for good;
    # it has no setting for this, hence the private attribute (skipped if a release renames it).
    session = getattr(getattr(client, "_server", None), "_session", None)
    if session is not None:
        import httpx

        session.timeout = httpx.Timeout(CHROMA_TIMEOUT_S, connect=10.0)
    return client


CHROMA_TIMEOUT_S = 120.0  # one request to a Chroma server (an upsert batch, a query)


def chroma_heartbeat(url: str, token: str | None = None, *, timeout_s: float = 10.0) -> int:
    """Ask the Chroma server at ``url`` for its heartbeat, with ``token`` as a bearer header;
    returns the HTTP status (a proxy's 401 is a status, not an error). Raises HearthError when
    nothing answers in ``timeout_s``, the address cannot be reached or its certificate is refused."""
    return _preflight(url.strip().rstrip("/"), {"Authorization": f"Bearer {token}"} if token else None, timeout_s)


def _preflight(url: str, headers: dict[str, str] | None, timeout_s: float = 10.0) -> int | None:
    """A heartbeat with a timeout before chromadb's client (which has none) is built: a server that
    accepts connections but never answers is an error in seconds. Returns the HTTP status, which
    chromadb loses (a proxy's 401 with an empty body becomes a bare ``ValueError('')``)."""
    import httpx

    try:
        return httpx.get(url.rstrip("/") + "/api/v2/heartbeat", headers=headers, timeout=timeout_s).status_code
    except httpx.TimeoutException as exc:
        from engine.errors import IndexError_

        raise IndexError_(f"The Chroma server at {url} did not answer within {timeout_s:.0f} seconds.",
                          "Check that the server is running and not overloaded; collections on this computer "
                          "keep working.") from exc
    except Exception as exc:
        raise chroma_server_error(exc, url, token_sent=bool(headers)) from exc


def _error_text(exc: Exception) -> str:
    """What an exception says, without a proxy's HTML error page (its <title> is enough)."""
    import re

    raw = str(exc)
    if re.search(r"<(?:!doctype|html)\b", raw, re.I):
        title = re.search(r"<title>(.*?)</title>", raw, re.I | re.S)
        raw = f"an HTML error page: {' '.join(title.group(1).split())}" if title else "an HTML error page"
    return f"{type(exc).__name__}: {raw[:300]}"


def url_host(url: str) -> str:
    """The host part of an address ("" when there is none): URL parsing stays in this module,
    the one place allowed to import network libraries."""
    from urllib.parse import urlsplit

    return urlsplit(url.strip()).hostname or ""


def chroma_server_error(exc: Exception, url: str, status: int | None = None, *,
                        token_sent: bool = True) -> "IndexError_":
    """A Chroma server failure as a HearthError that says what to do (no traceback for people)."""
    from engine.errors import IndexError_

    text = _error_text(exc) + (f", HTTP {status}" if status else "")
    low = text.lower()
    if status in (401, 403) or any(s in low for s in ("401", "403", "unauthorized", "forbidden", "authenticat")):
        what = "refused Hearth's token" if token_sent else "needs a token and none is stored for it"
        return IndexError_(f"The Chroma server at {url} {what} ({text}).",
                           "Store the server's token in Documents → “Shared collection on a server…”, or with "
                           f"`hearth docs server-key {url}`.")
    if any(s in low for s in ("certificate", "ssl")):
        return IndexError_(f"The Chroma server at {url} has a certificate Hearth cannot verify ({text}).",
                           "If your team uses its own certificate authority, point SSL_CERT_FILE at its "
                           "certificate and restart Hearth.")
    if any(s in low for s in ("connect", "refused", "timed out", "timeout", "unreachable", "name or service",
                              "could not connect", "nodename")):
        return IndexError_(f"The Chroma server at {url} cannot be reached ({text}).",
                           "Check that the server is running and reachable from this computer; "
                           "collections on this computer keep working.")
    return IndexError_(f"The Chroma server at {url} failed ({text}).",
                       "Try again; if it keeps failing, ask whoever runs the server to check its log.")


def listen_socket(host: str, port: int, *, allow_network: bool = False) -> Any:
    """A listening TCP socket for Hearth's own servers (the local API, MCP over HTTP).

    Loopback only unless ``allow_network`` (the person passed an explicit flag). ``port=0``
    picks a free port (tests). Raises HearthError with a fix when the port is taken."""
    import socket

    from engine.errors import HearthError

    if not is_loopback_host(host) and not allow_network:
        raise HearthError(f"Hearth serves only this computer by default, not {host}.",
                          "Bind 127.0.0.1, or pass --allow-network to let other machines connect "
                          "(they need the API token too).")
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise HearthError(f"Cannot listen on {host}:{port}: {exc.strerror}.",
                          "Another program may be using that port: pick another with --port.") from exc
    sock.listen(128)
    sock.setblocking(False)
    return sock

"""Settings: one TOML file, validated, with defaults for everything.

A missing file means defaults, and so does a setting the file does not list: the file lists only
what the person set, so a default that moves in a later Hearth reaches everyone who never chose
it (engine/config_intent.py). A corrupt file (not TOML, not UTF-8, or values that fail
validation) is never fatal: :func:`load_config` keeps the broken file as ``config.toml.bak``
(:func:`keep_backup`: atomic, an older different backup kept as ``.bak.1``, ``.bak.2``, ...),
returns defaults, and reports a :class:`ConfigError` naming the file and the line so the CLI and
the app can tell the person. :func:`save_config` judges the file on disk the same way.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from engine import config_intent
from engine.errors import ConfigError, HearthError, StorageError
from engine.fsutil import atomic_write_bytes, atomic_write_text
from engine.paths import Paths, get_paths

if TYPE_CHECKING:
    from engine.diagnosis import Diagnosis

log = logging.getLogger(__name__)

DEFAULT_SYSTEM_PROMPT = "You are Hearth, a helpful assistant running privately on this computer."


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ModelSettings(_Section):
    default: str = "smollm2-135m-instruct-q4_1"
    n_ctx: int = Field(4096, ge=256, le=1_048_576)
    n_threads: int = Field(0, ge=0, description="0 = physical cores minus one (at least one)")
    n_gpu_layers: int | Literal["auto"] = "auto"
    n_batch: int = Field(512, ge=16)
    temperature: float = Field(0.7, ge=0.0, le=2.0)
    top_p: float = Field(0.95, gt=0.0, le=1.0)
    max_tokens: int = Field(512, ge=1)
    seed: int = -1
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    chat_template: str | None = Field(None, description="Jinja override; None = from the GGUF")
    remote_url: str | None = Field(None, description="OpenAI-compatible server instead of a local child")
    # A server off this machine is treated like a cloud provider (only routed text goes there)
    # unless the person marks it trusted, e.g. their team's own GPU box.
    remote_trusted: bool = Field(False, description="the remote_url server may see private messages")
    # Plain http is refused off this machine unless allowed for this endpoint (engine.net.server_url_problem).
    remote_allow_http: bool = Field(False, description="plain http:// to a remote_url that is not on this computer")
    remote_model: str | None = Field(None, description="the served model to ask for; None = the first it lists")


class DocumentSettings(_Section):
    # For new collections only: each collection keeps the embedder it was built with (engine/docs/service.py).
    # The int8 graph of the bundled MiniLM: ~1.5x the float32 graph's speed at the same page recall
    # (docs/retrieval.md); collections built before it was the default keep searching with float32.
    embedding_model: str = "all-MiniLM-L6-v2-int8"
    chunk_tokens: int = Field(200, ge=32, le=2048)
    chunk_overlap: int = Field(40, ge=0, le=512)
    top_k: int = Field(5, ge=1, le=50)
    hybrid: bool = True
    rerank: bool = False
    reranker_model: str | None = None
    ignore_globs: list[str] = Field(default_factory=lambda: ["*.tmp", "*.lock", "~$*"])
    parse_timeout_s: float = Field(60.0, gt=0)
    parse_memory_mb: int = Field(1024, ge=64)
    chroma_url: str | None = Field(None, description="Chroma server for new collections (shared with a team); "
                                   "existing collections stay where they are")
    # Plain http is refused to a Chroma server off this machine unless allowed (engine.net.server_url_problem).
    chroma_allow_http: bool = Field(False, description="plain http:// to a chroma_url not on this computer")
    chroma_http_allowed: list[str] = Field(default_factory=list, description="Chroma server addresses the "
                                           "person allowed plain http:// to, one by one (the Documents window)")

    def chroma_http_ok(self, url: str) -> bool:
        """May plain http:// go to the Chroma server at ``url``? (everywhere, or to this address)"""
        address = url.strip().rstrip("/")
        return self.chroma_allow_http or address in {a.strip().rstrip("/") for a in self.chroma_http_allowed}


class CloudPrices(_Section):
    input_per_mtok: float = Field(0.15, ge=0)
    output_per_mtok: float = Field(0.60, ge=0)


class CloudSettings(_Section):
    mode: Literal["off", "ask", "auto"] = "off"
    provider: Literal["openai", "anthropic"] = "openai"
    model: str = "gpt-4o-mini"
    base_url: str | None = None
    timeout_s: float = Field(60.0, gt=0)
    max_retries: int = Field(2, ge=0, le=10)
    send_history: bool = True
    # Auto/ask mode with the provider unreachable: answer on this computer instead of an error.
    fallback_local: bool = True
    prices: CloudPrices = Field(default_factory=CloudPrices)


class PrivacySettings(_Section):
    sensitive_terms: list[str] = Field(default_factory=list)
    use_ner: bool = True
    judge: bool = False
    learned: bool = Field(True, description="the learned classifiers (multilingual embedding) take part in routing")


class AppearanceSettings(_Section):
    theme: Literal["system", "light", "dark"] = "system"
    welcomed: bool = False


class ServerSettings(_Section):
    """The local OpenAI-compatible API (``hearth serve``; Settings → API server in the app)."""

    enabled: bool = Field(False, description="the desktop app serves the API while it runs")
    port: int = Field(8765, ge=1024, le=65535)
    max_request_bytes: int = Field(1_000_000, ge=1024, le=64_000_000, description="larger requests get HTTP 413")


class SharingSettings(_Section):
    """What other programs on this computer may read: API clients (``hearth:docs/NAME``) and MCP
    clients (whose own model — possibly a cloud one — then reads what they get)."""

    collections: list[str] = Field(default_factory=list, description="document collections shared with other apps")


def settings_problems(config: "Config") -> list[str]:
    """Rules that span fields (one place: the CLI, the app and the API server all ask here)."""
    problems = []
    if config.documents.chunk_overlap >= config.documents.chunk_tokens:
        problems.append("The chunk overlap must be smaller than the chunk size.")
    return problems


def endpoint_problems(config: "Config") -> list[str]:
    """Endpoints Hearth will not send to (plain http off this computer unless allowed). Refused
    when settings are saved; in a file written before the rule existed they are a warning, not
    a reason to drop every other setting — RemoteHost refuses to connect either way."""
    if not config.model.remote_url:
        return []
    from engine.net import server_url_problem

    problem = server_url_problem(config.model.remote_url, config.model.remote_allow_http)
    return [problem] if problem else []


class Config(_Section):
    model: ModelSettings = Field(default_factory=ModelSettings)
    documents: DocumentSettings = Field(default_factory=DocumentSettings)
    cloud: CloudSettings = Field(default_factory=CloudSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    appearance: AppearanceSettings = Field(default_factory=AppearanceSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    sharing: SharingSettings = Field(default_factory=SharingSettings)

    @model_validator(mode="after")
    def _consistent(self) -> "Config":
        problems = settings_problems(self)
        if problems:
            raise ValueError(" ".join(problems))
        return self


def validate_settings(data: dict | "Config") -> "Config":
    """A validated copy of ``data``, or a ConfigError that says which values are wrong (in words
    for the person, one clause per value)."""
    try:
        raw = data.model_dump(mode="json") if isinstance(data, Config) else data
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError("Not saved: " + describe_errors(exc), "Change the values named and try again.") from exc
    problems = endpoint_problems(config)
    if problems:
        raise ConfigError("Not saved: " + " ".join(problems), "Change the values named and try again.")
    return config


@dataclass
class LoadedConfig:
    config: Config
    path: Path
    problem: ConfigError | None = None
    backup: Path | None = None
    warnings: list[str] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (what, fix): see config_intent.notes


def describe_errors(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{key}: {msg}" if key else msg)
    return "; ".join(parts)


def _describe_validation(path: Path, exc: ValidationError) -> str:
    return f"Settings file {path} has invalid values: " + describe_errors(exc)


def _read(path: Path, data: bytes) -> tuple[dict, Config]:
    """The settings in ``data`` (the bytes of ``path``): raw and validated, or a ConfigError that
    names the file (and the line, for TOML). One reading for :func:`load_config` and
    :func:`save_config`, so both count the same files as broken."""
    try:
        raw = tomllib.loads(data.decode("utf-8"))
        return raw, Config.model_validate(raw)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line L, column C)".
        raise ConfigError(f"Settings file {path} is not valid TOML: {exc}.") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"Settings file {path} is not UTF-8 text.") from exc
    except ValidationError as exc:
        raise ConfigError(_describe_validation(path, exc)) from exc


def load_config(paths: Paths | None = None) -> LoadedConfig:
    """Read and validate the settings file; never raises for a bad file (see module doc)."""
    paths = paths or get_paths()
    path = paths.config_file
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return LoadedConfig(Config(), path)
    try:
        raw, config = _read(path, data)
        return LoadedConfig(config, path, warnings=endpoint_problems(config), notes=config_intent.notes(raw, path))
    except ConfigError as exc:
        message = exc.message
    try:
        backup: Path | None = keep_backup(path, data)
        hint = "Hearth started with default settings; the broken file was kept as config.toml.bak."
    except HearthError as exc:
        backup = None
        hint = f"Hearth started with default settings; the broken file could not be copied ({exc.message})."
    problem = ConfigError(message, hint)
    log.warning("config problem: %s", problem.message)
    return LoadedConfig(Config(), path, problem=problem, backup=backup)


def keep_backup(path: Path, data: bytes) -> Path:
    """Keep ``data`` (the settings file's bytes) as ``config.toml.bak``, atomically: a crash
    leaves the previous backup whole. A ``.bak`` that holds the same bytes is left as it is; one
    that holds other bytes (an older broken file) is never overwritten unseen: it is kept first
    under the first free name ``config.toml.bak.1``, ``.bak.2``, ... So ``config.toml.bak`` is
    always the newest copy, and nothing a broken file held is lost. Raises StorageError."""
    backup = path.with_name(path.name + ".bak")
    try:
        older = backup.read_bytes()
    except FileNotFoundError:
        older = None
    except OSError as exc:
        raise StorageError(f"Could not read {backup}: {exc.strerror or exc}.",
                           "Check the file's permissions, or move it away, and try again.") from exc
    if older == data:
        return backup
    if older is not None:
        n = 1
        while (numbered := path.with_name(f"{path.name}.bak.{n}")).exists():
            n += 1
        atomic_write_bytes(numbered, older)
        log.warning("settings backup %s held an earlier file: kept as %s", backup, numbered)
    atomic_write_bytes(backup, data)
    return backup


@dataclass
class SavedConfig:
    """What :func:`save_config` did: the file written and, when the file it replaced could not be
    used (not TOML, not UTF-8, or values this Hearth does not accept), where that file was kept
    and what was wrong with it."""

    path: Path
    backup: Path | None = None
    replaced: ConfigError | None = None

    def user_text(self) -> str:
        """One sentence for the person when a broken file was replaced; empty otherwise."""
        if self.replaced is None:
            return ""
        return (f"{self.replaced.message} It was replaced by the settings just saved; "
                f"its values are kept in {self.backup}.")


def save_config(config: Config, paths: Paths | None = None) -> SavedConfig:
    """Write settings atomically: a crash mid-write leaves the previous file readable. Settings
    that break a cross-field rule (see :func:`settings_problems`) are refused, never written.
    Written are the settings that differ from the defaults and those the file lists already
    (engine/config_intent.py).

    A file on disk that :func:`load_config` would not accept (not TOML, not UTF-8, or a value
    that fails validation, such as ``theme = "drak"`` or a key a later Hearth added) is kept as
    ``config.toml.bak`` first (:func:`keep_backup`) and then counts as listing nothing; the
    result says so (:attr:`SavedConfig.replaced`). If the copy cannot be made nothing is written."""
    problems = settings_problems(config) + endpoint_problems(config)
    if problems:
        raise ConfigError("Not saved: " + " ".join(problems), "Change the values named and try again.")
    paths = paths or get_paths()
    path = paths.config_file
    result = SavedConfig(path)
    listed: set[str] = set()
    try:
        data: bytes | None = path.read_bytes()
    except FileNotFoundError:
        data = None
    except OSError as exc:
        raise ConfigError(f"Not saved: the settings file {path} could not be read ({exc.strerror or exc}).",
                          "Check the file's permissions, or move it away, and try again.") from exc
    if data is not None:
        try:
            raw, _ = _read(path, data)
            listed = set(config_intent.flatten(raw))
        except ConfigError as exc:  # nothing it holds is lost (load_config normally kept it already)
            try:
                result.backup = keep_backup(path, data)
            except HearthError as err:
                raise ConfigError(f"Not saved: the settings file {path} could not be used ({exc.message}) "
                                  f"and could not be copied ({err.message}).",
                                  "Check the folder's permissions and free space, or move the file away, "
                                  "and try again.") from err
            result.replaced = exc
            log.warning("settings file replaced on save: %s (kept as %s)", exc.message, result.backup)
    written = config_intent.to_write(config.model_dump(mode="json", exclude_none=True),
                                     Config().model_dump(mode="json", exclude_none=True), listed)
    atomic_write_text(path, config_intent.HEADER + tomli_w.dumps(written))
    return result


def diagnose(paths: Paths | None = None) -> tuple[Diagnosis, Config]:
    """The settings file: a broken one is an error (Hearth runs on defaults until it is fixed);
    returns the settings in force too, for the checks that depend on them. Changes nothing
    but the ``.bak`` copy :func:`load_config` keeps of a broken file."""
    from engine.diagnosis import Diagnosis

    loaded = load_config(paths)
    c = loaded.config.cloud
    d = Diagnosis("cloud", {"mode": c.mode, "provider": c.provider, "model": c.model, "base_url": c.base_url})
    if loaded.problem is not None:
        d.problem("error", loaded.problem.message, f"Fix or delete {loaded.path} (a copy is in {loaded.backup}); "
                  "until then Hearth uses default settings.")
    for w in loaded.warnings:
        d.problem("warning", w, f"Edit {loaded.path}.")
    for what, fix in loaded.notes:
        d.problem("warning", what, fix)
    return d, loaded.config

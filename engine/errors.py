"""The one error hierarchy of Hearth.

Every error the engine raises on purpose is a :class:`HearthError`. Its ``str()`` is a message
a person can act on; ``hint`` (optional) says what to do next. The CLI prints both and exits
non-zero; the desktop app shows them in a banner.

    HearthError
    ├── ConfigError            settings file unreadable or invalid
    ├── StorageError           a write failed (disk full, permissions); nothing was lost
    ├── Cancelled              the user cancelled long work
    ├── ModelError             anything about a local model
    │   ├── ModelNotFound      no such model installed
    │   ├── ModelLoadError     the file is missing, truncated, corrupt or too large
    │   ├── ModelCrashed       the model process died; the next request restarts it
    │   └── ContextOverflow    the new message alone does not fit the context window
    ├── DownloadError          fetching a model failed
    │   ├── ChecksumMismatch   the file's sha256 is not the expected one (quarantined)
    │   ├── DiskFull           not enough free space
    │   └── NotOnHub           the repo, revision or file does not exist
    ├── IngestError            a document could not be parsed (per file, never fatal)
    ├── IndexError_            the document index is unusable
    ├── ChatNotFound           no such conversation
    ├── NotShared              another app asked for a collection the person did not share
    ├── PrivacyBlocked         the router kept a message local where cloud was required
    ├── LearnedUnavailable     the learned privacy layer cannot run here (CPU, engine or weights)
    ├── KeyringUnavailable     no OS keyring backend: keys are never written in plain text
    └── CloudError             a cloud provider failed; the user can answer locally instead
        ├── CloudAuthError     bad or missing API key
        ├── CloudRateLimited   the provider asked us to slow down
        └── CloudUnavailable   network failure, timeout or server error
"""

from __future__ import annotations


class HearthError(Exception):
    """Base class. ``message`` is for people; ``hint`` says what to do about it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message

    def user_text(self) -> str:
        """Message plus hint, as shown by the CLI and the app."""
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class ConfigError(HearthError):
    pass


class StorageError(HearthError):
    pass


class Cancelled(HearthError):
    def __init__(self, message: str = "Cancelled.", hint: str | None = None) -> None:
        super().__init__(message, hint)


class ModelError(HearthError):
    pass


class ModelNotFound(ModelError):
    pass


class ModelLoadError(ModelError):
    pass


class ModelCrashed(ModelError):
    pass


class ContextOverflow(ModelError):
    pass


class DownloadError(HearthError):
    pass


class ChecksumMismatch(DownloadError):
    pass


class DiskFull(DownloadError):
    pass


class NotOnHub(DownloadError):
    pass


class IngestError(HearthError):
    pass


class IndexError_(HearthError):
    pass


class ChatNotFound(HearthError):
    pass


class NotShared(HearthError):
    pass


class PrivacyBlocked(HearthError):
    pass


class LearnedUnavailable(HearthError):
    pass


class KeyringUnavailable(HearthError):
    pass


class CloudError(HearthError):
    pass


class CloudAuthError(CloudError):
    pass


class CloudRateLimited(CloudError):
    pass


class CloudUnavailable(CloudError):
    pass


class CloudUnreachable(CloudUnavailable):
    """No connection at all (network down, timeout): nothing was answered, a local answer may stand in."""

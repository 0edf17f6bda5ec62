"""careguard's exception tree.

::

    CareguardError
    ├── PolicyError            a policy file is unreadable or invalid (names file and $.path)
    ├── InputError             a request or input file is malformed (HTTP 400/422)
    │   └── ShapeError         valid JSON of the wrong shape (names the field; HTTP 422)
    ├── StageError             a stage (pii, distress, toxicity, ...) could not run
    │   └── StageTimeout       ... within its deadline
    └── UpstreamError          the configured upstream LLM failed
        ├── UpstreamUnavailable    refused / unreachable (HTTP 502)
        ├── UpstreamTimeout        no answer in time (HTTP 504)
        └── UpstreamBadResponse    answered with something unusable (HTTP 502)

Messages never contain conversation text or personal data: they name fields, paths,
stages and limits only.
"""

from __future__ import annotations

__all__ = [
    "CareguardError",
    "InputError",
    "PolicyError",
    "ShapeError",
    "StageError",
    "StageTimeout",
    "UpstreamBadResponse",
    "UpstreamError",
    "UpstreamTimeout",
    "UpstreamUnavailable",
]


class CareguardError(Exception):
    """Base of every error careguard raises on purpose."""


class PolicyError(CareguardError):
    """A policy file could not be loaded; the message names the file and the ``$.path``."""

    def __init__(self, source: str, message: str, path: str = "$") -> None:
        self.source = source
        self.path = path
        self.detail = message
        super().__init__(f"{source}: {path}: {message}")


class InputError(CareguardError):
    """Malformed input (bad JSON, bad encoding, over a limit)."""

    def __init__(self, message: str, *, status: int = 400, field: str | None = None) -> None:
        self.status = status
        self.field = field
        super().__init__(message)


class ShapeError(InputError):
    """Well-formed JSON with the wrong shape; ``field`` names where (a ``$.path``)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, status=422, field=field)


class StageError(CareguardError):
    """A stage could not run; resolved through the policy's failure mode."""

    def __init__(self, stage: str, message: str) -> None:
        self.stage = stage
        super().__init__(f"stage {stage!r} failed: {message}")


class StageTimeout(StageError):
    """A stage did not finish within its deadline."""


class UpstreamError(CareguardError):
    """The upstream LLM failed."""

    status = 502
    kind = "error"


class UpstreamUnavailable(UpstreamError):
    status = 502
    kind = "unavailable"


class UpstreamTimeout(UpstreamError):
    status = 504
    kind = "timeout"


class UpstreamBadResponse(UpstreamError):
    status = 502
    kind = "bad_response"

"""``careguard serve``: run the HTTP proxy with uvicorn.

Every flag also reads a ``CAREGUARD_*`` environment variable (see :mod:`careguard.settings`).
With ``--workers`` > 1 the settings and one pseudonym key go to the workers through the
environment, so all workers give one value the same placeholder.
"""

from __future__ import annotations

import argparse
import logging
import logging.config
import os
import secrets
import tempfile
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from careguard.audit import AUDIT_KEY_ENV, AUDIT_PATH_ENV
from careguard.logs import uvicorn_log_config
from careguard.metrics import MULTIPROC_ENV, prepare_multiprocess_dir
from careguard.policy import LoadedPolicy, load_policy
from careguard.proxy.auth import ClientKeys
from careguard.settings import ECHO, ServeSettings, add_arguments

log = logging.getLogger("careguard.serve")


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the HTTP proxy",
                       description="Run careguard in front of an OpenAI or Anthropic API.")
    add_arguments(p)
    p.add_argument("--log-level", default=os.environ.get("CAREGUARD_LOG_LEVEL", "info"),
                   choices=["critical", "error", "warning", "info", "debug"],
                   help="uvicorn log level [CAREGUARD_LOG_LEVEL]")
    p.add_argument("--audit-path", default=None, metavar="FILE",
                   help="append the PII-free audit trail (JSON Lines) here; '-' for stdout "
                        "[CAREGUARD_AUDIT_PATH]")
    p.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = ServeSettings.from_args(args)
    loaded = load_policy(settings.policy)  # a bad policy stops here, with a one-line error
    if settings.keys_file:  # so does a bad keys file, or a bad policy one of its keys selects
        for path in ClientKeys.load(settings.keys_file).policies:
            load_policy(path)
    settings.to_env(os.environ)  # workers (and this process) read the same settings + key
    _observability_env(args, settings.workers)
    logging.config.dictConfig(uvicorn_log_config(args.log_level))
    _log_start(settings, loaded)
    uvicorn.run(
        "careguard.proxy.app:create_app_from_env", factory=True, host=settings.host,
        port=settings.port, workers=settings.workers, log_level=args.log_level,
        access_log=False, proxy_headers=False, server_header=False,
        log_config=uvicorn_log_config(args.log_level),
    )
    return 0


def _log_start(settings: ServeSettings, loaded: LoadedPolicy) -> None:
    """One line with what this server runs; a loud warning when no LLM is behind it."""
    if settings.upstream == ECHO:
        log.warning("no upstream LLM configured: the built-in echo upstream answers every turn "
                    "with the prompt it would send; set --upstream or CAREGUARD_UPSTREAM",
                    extra={"upstream": ECHO})  # fmt: skip
    log.info("careguard serve starting", extra={
        "host": settings.host, "port": settings.port, "workers": settings.workers,
        "upstream": display_upstream(settings.upstream), "policy": str(loaded.source),
        "policy_version": loaded.policy.version,
    })  # fmt: skip


def display_upstream(upstream: str) -> str:
    """The upstream URL without credentials, query or fragment (safe to log)."""
    if upstream == ECHO:
        return ECHO
    parts = urlsplit(upstream)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _observability_env(args: argparse.Namespace, workers: int) -> None:
    """Audit path, audit key and the metrics directory for the workers (via the environment).

    Several workers share one audit key (so conversation hashes agree) and one
    prometheus-client multiprocess directory (emptied here, before they start).
    """
    if args.audit_path:
        os.environ[AUDIT_PATH_ENV] = args.audit_path
    if workers > 1 and not os.environ.get(AUDIT_KEY_ENV):
        os.environ[AUDIT_KEY_ENV] = secrets.token_hex(32)
    if workers > 1 or os.environ.get(MULTIPROC_ENV):
        directory = os.environ.get(MULTIPROC_ENV) or tempfile.mkdtemp(prefix="careguard-metrics-")
        prepare_multiprocess_dir(directory)

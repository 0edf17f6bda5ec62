"""``careguard serve``: run the HTTP proxy with uvicorn.

Every flag also reads a ``CAREGUARD_*`` environment variable (see :mod:`careguard.settings`).
With ``--workers`` > 1 the settings and one pseudonym key go to the workers through the
environment, so all workers give one value the same placeholder.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from careguard.policy import load_policy
from careguard.settings import ServeSettings, add_arguments


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the HTTP proxy",
                       description="Run careguard in front of an OpenAI or Anthropic API.")
    add_arguments(p)
    p.add_argument("--log-level", default=os.environ.get("CAREGUARD_LOG_LEVEL", "info"),
                   choices=["critical", "error", "warning", "info", "debug"],
                   help="uvicorn log level [CAREGUARD_LOG_LEVEL]")
    p.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = ServeSettings.from_args(args)
    load_policy(settings.policy)  # a bad policy stops here, with a one-line error
    settings.to_env(os.environ)  # workers (and this process) read the same settings + key
    uvicorn.run(
        "careguard.proxy.app:create_app_from_env", factory=True, host=settings.host,
        port=settings.port, workers=settings.workers, log_level=args.log_level,
        access_log=False, proxy_headers=False, server_header=False,
    )
    return 0

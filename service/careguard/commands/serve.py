"""``careguard serve``: run the HTTP service."""

from __future__ import annotations

import argparse
import os
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the HTTP proxy")
    p.add_argument("--host", default=os.environ.get("CAREGUARD_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("CAREGUARD_PORT", "8080")))
    p.add_argument("--policy", default=os.environ.get("CAREGUARD_POLICY"))
    p.add_argument("--upstream", default=os.environ.get("CAREGUARD_UPSTREAM", "echo"))
    p.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from careguard.proxy.app import create_app

    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="info")
    return 0

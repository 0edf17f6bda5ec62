"""careguard inside an existing chatbot: pure ASGI middleware (no web framework imported).

- :class:`CareGuardMiddleware` — guard an app's chat routes.
- :class:`Route` — a guarded route: the standard OpenAI/Anthropic shapes, or the app's own JSON
  described with small paths (``$.message``, ``$.history[*].content``, ``$.reply``).
- :class:`CareGuardState` — what the app finds in ``scope["state"]["careguard"]``.
"""

from careguard.asgi.jsonpath import JsonPath, PathSyntaxError
from careguard.asgi.middleware import CareGuardMiddleware
from careguard.asgi.routes import DEFAULT_ROUTES, Route
from careguard.asgi.state import STATE_KEY, CareGuardState

__all__ = [
    "DEFAULT_ROUTES",
    "STATE_KEY",
    "CareGuardMiddleware",
    "CareGuardState",
    "JsonPath",
    "PathSyntaxError",
    "Route",
]

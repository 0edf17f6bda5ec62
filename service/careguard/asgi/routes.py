"""Which requests the middleware guards, and where the text is in their JSON.

A :class:`Route` is checked when it is created (start-up): a bad path syntax, a missing
required field or a path that selects several values where one is needed raises
:class:`~careguard.errors.PolicyError` naming the route and the field. At request time
:meth:`Route.exchange` reads a body into the pipeline's :class:`~careguard.adapters.Exchange`;
a body of the wrong shape raises :class:`~careguard.errors.ShapeError` (HTTP 422) naming the
``$.path``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from careguard.adapters import Api, Exchange, TextSlot, parse_request
from careguard.asgi.jsonpath import JsonPath, PathSyntaxError, format_path
from careguard.conversation import ROLES, Message, Role
from careguard.country import user_country
from careguard.errors import PolicyError, ShapeError

__all__ = ["DEFAULT_ROUTES", "Route"]

_HEADER = re.compile(r"^[A-Za-z0-9-]+$")


class _PathExchange(Exchange):
    """An app's own request shape: careguard's system block goes to ``scope["state"]``,
    never into the app's JSON."""

    def inject_system(self, block: str) -> None:
        return None


@dataclass(frozen=True, slots=True)
class Route:
    """One guarded route.

    Standard shapes: ``Route.openai()`` / ``Route.anthropic()`` (``api`` set; the body is an
    OpenAI chat-completions or Anthropic messages request). Otherwise ``message`` and ``reply``
    are required.
    """

    path: str
    """The request path, matched exactly (``scope["path"]``)."""
    message: str | None = None
    """Where the user's new message (a string) is in the request body, e.g. ``$.message``."""
    reply: str | None = None
    """Where the reply text (a string) is in a JSON response body, e.g. ``$.reply``."""
    history: str | None = None
    """Earlier messages' texts, oldest first, e.g. ``$.history[*].content`` (may use ``[*]``;
    a body without ``$.history`` has no history)."""
    history_roles: str | None = None
    """Each history entry's role (``user``/``assistant``/...), parallel to ``history``, e.g.
    ``$.history[*].role``. Without it every history entry counts as a user message."""
    stream_delta: str | None = None
    """Streamed replies as server-sent events: where the text delta is in each event's JSON
    data (e.g. ``$.delta``). None: each event's data is the text itself. Plain chunked text
    (``text/plain``) needs nothing."""
    method: str = "POST"
    api: Api | None = None
    """``openai`` / ``anthropic`` for the standard request shapes; None for the paths above."""
    country_header: str | None = "x-careguard-country"
    """Header holding the user's country (ISO 3166-1 alpha-2; alpha-3 codes and common names of
    the directory's countries are understood too); the policy default otherwise."""
    country_field: str | None = None
    """Or a path in the request body holding it (the header wins when both are present)."""
    conversation_header: str | None = "x-careguard-conversation-id"
    """Header holding a conversation id (keys the pseudonyms across turns)."""
    conversation_field: str | None = None
    """Or a path in the request body holding it."""
    _paths: dict[str, JsonPath] = field(default_factory=dict, init=False, repr=False,
                                        compare=False)  # fmt: skip

    @classmethod
    def openai(cls, path: str = "/v1/chat/completions", **kw: Any) -> Route:
        """An OpenAI chat-completions route (streaming and not)."""
        return cls(path, api="openai", **kw)

    @classmethod
    def anthropic(cls, path: str = "/v1/messages", **kw: Any) -> Route:
        """An Anthropic messages route (streaming and not)."""
        return cls(path, api="anthropic", **kw)

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    def __post_init__(self) -> None:
        def bad(fld: str, why: str) -> PolicyError:
            return PolicyError(f"careguard route {self.name}", why, path=fld)

        if not isinstance(self.path, str) or not self.path.startswith("/"):
            raise bad("path", "must be a request path starting with '/'")
        if not isinstance(self.method, str) or not self.method.isalpha():
            raise bad("method", "must be an HTTP method such as POST")
        object.__setattr__(self, "method", self.method.upper())
        if self.api is not None and self.api not in ("openai", "anthropic"):
            raise bad("api", "must be 'openai', 'anthropic' or None")
        if self.api is None:
            for required in ("message", "reply"):
                if getattr(self, required) is None:
                    raise bad(required, "is required for a route without a standard api "
                                        "(a JSON path such as $.message)")
        for hdr in ("country_header", "conversation_header"):
            value = getattr(self, hdr)
            if value is not None and not (isinstance(value, str) and _HEADER.match(value)):
                raise bad(hdr, "must be a header name")
        for fld in ("message", "reply", "history", "history_roles", "stream_delta",
                    "country_field", "conversation_field"):  # fmt: skip
            text = getattr(self, fld)
            if text is None:
                continue
            try:
                compiled = JsonPath.compile(text)
            except PathSyntaxError as exc:
                raise bad(fld, f"bad path syntax: {exc}") from None
            many = fld in ("history", "history_roles")
            if compiled.wildcards and not many:
                raise bad(fld, f"path {text!r} must select one value ('[*]' is not allowed)")
            if compiled.is_root and fld != "stream_delta":
                raise bad(fld, f"path {text!r} must name a field, not the whole body")
            self._paths[fld] = compiled
        if self.history_roles is not None and self.history is None:
            raise bad("history_roles", "needs 'history' as well")

    # -- request side ----------------------------------------------------------------------

    def exchange(self, body: Any) -> Exchange:
        """Read a parsed request body into an :class:`Exchange` (ShapeError when it does not
        match the declared shape)."""
        if self.api is not None:
            return parse_request(self.api, body)
        if not isinstance(body, dict):
            raise ShapeError("the request body must be a JSON object", field="$")
        ex = _PathExchange("openai", body, [])
        history = self._paths.get("history")
        if history is not None:
            texts = history.find(body, optional=True)
            roles = self._roles(body, len(texts))
            for (where, text), role in zip(texts, roles, strict=True):
                self._add(ex, where, role, text)
        where, text = self._paths["message"].get(body)
        self._add(ex, where, "user", text)
        return ex

    def _roles(self, body: Any, count: int) -> list[Role]:
        path = self._paths.get("history_roles")
        if path is None:
            return ["user"] * count
        found = path.find(body, optional=True)
        if len(found) != count:
            raise ShapeError(f"{path.text} must give one role per history entry",
                             field=path.text)  # fmt: skip
        roles: list[Role] = []
        for where, role in found:
            if not isinstance(role, str) or role not in ROLES:
                at = _fmt(where)
                raise ShapeError(f"{at} must be one of {', '.join(sorted(ROLES))}", field=at)
            roles.append(cast(Role, role))
        return roles

    @staticmethod
    def _add(ex: Exchange, where: tuple[str | int, ...], role: Role, text: Any) -> None:
        if not isinstance(text, str):
            at = _fmt(where)
            raise ShapeError(f"{at} must be a string", field=at)
        ex.slots.append(TextSlot(where, len(ex.messages), role, text))
        ex.messages.append(Message(role, text))

    def country(self, headers: Mapping[str, str], body: Any, default: str) -> str:
        """The user's country from the header, else the field, else ``default``."""
        raw = headers.get(self.country_header, "") if self.country_header else ""
        if not raw and "country_field" in self._paths:
            raw = self._optional(body, "country_field")
        return user_country(raw, default)

    def conversation_id(self, headers: Mapping[str, str], body: Any) -> str | None:
        raw = headers.get(self.conversation_header, "") if self.conversation_header else ""
        if not raw and "conversation_field" in self._paths:
            raw = self._optional(body, "conversation_field")
        return raw or None

    def _optional(self, body: Any, fld: str) -> str:
        try:
            _, value = self._paths[fld].get(body)
        except ShapeError:
            return ""
        return value if isinstance(value, str) else ""

    # -- reply side ------------------------------------------------------------------------

    @property
    def reply_path(self) -> JsonPath:
        return self._paths["reply"]

    @property
    def delta_path(self) -> JsonPath | None:
        return self._paths.get("stream_delta")


def _fmt(where: tuple[str | int, ...]) -> str:
    return format_path(where)


DEFAULT_ROUTES: tuple[Route, ...] = (Route.openai(), Route.anthropic())
"""Guarded when no routes are given: ``POST /v1/chat/completions`` and ``POST /v1/messages``."""

"""Wire formats ↔ the internal conversation model, losslessly.

An :class:`Exchange` wraps one parsed request body (OpenAI chat completions or Anthropic
messages). It reads the conversation into :class:`~careguard.conversation.Message` objects for
the stages, remembers *where* every text lives in the JSON (:class:`TextSlot`), and writes
changed text back into exactly those places. Everything careguard does not change (model,
tools, images, unknown fields) stays as the client sent it.

Reply side: :func:`reply_texts` / :func:`set_reply_text` find and replace the text of a
non-streaming reply, and :func:`append_reply_note` adds the crisis-resource note in the
API's own shape (OpenAI: to the message text; Anthropic: its own content block).

Shape errors raise :class:`~careguard.errors.ShapeError` naming the ``$.path``; messages
never contain conversation text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from careguard.conversation import ROLES, Message, Role, message_role
from careguard.errors import ShapeError

__all__ = [
    "Api",
    "Exchange",
    "TextSlot",
    "append_reply_note",
    "parse_request",
    "reply_texts",
    "set_reply_text",
]

Api = Literal["openai", "anthropic"]
PathPart = str | int
_TEXT_PART_TYPES = frozenset({"text", "input_text", "output_text"})
_ANTHROPIC_ROLES = frozenset({"user", "assistant"})


@dataclass(frozen=True, slots=True)
class TextSlot:
    """One piece of text in the request: its JSON path, the message it belongs to, its text."""

    path: tuple[PathPart, ...]
    message: int
    role: Role
    text: str


@dataclass(slots=True)
class Exchange:
    """A parsed request body of one API, with its messages and text slots."""

    api: Api
    body: dict[str, Any]
    messages: list[Message]
    slots: list[TextSlot] = field(default_factory=list)

    @property
    def stream(self) -> bool:
        return self.body.get("stream") is True

    def set_text(self, slot: TextSlot, text: str) -> None:
        """Write ``text`` into the body where ``slot`` was read from."""
        target: Any = self.body
        for part in slot.path[:-1]:
            target = target[part]
        target[slot.path[-1]] = text

    def inject_system(self, block: str) -> None:
        """Add careguard's system block, keeping the client's own system prompt first."""
        if not block:
            return
        if self.api == "anthropic":
            system = self.body.get("system")
            if system is None or system == "":
                self.body["system"] = block
            elif isinstance(system, str):
                self.body["system"] = f"{system}\n\n{block}"
            else:
                system.append({"type": "text", "text": block})
            return
        msgs: list[Any] = self.body["messages"]
        first = msgs[0] if msgs else None
        if isinstance(first, dict) and first.get("role") in ("system", "developer"):
            content = first.get("content")
            if isinstance(content, str):
                first["content"] = f"{content}\n\n{block}" if content else block
                return
            if isinstance(content, list):
                content.append({"type": "text", "text": block})
                return
        msgs.insert(0, {"role": "system", "content": block})


def parse_request(api: Api, body: Any) -> Exchange:
    """Read a request body of ``api`` into an :class:`Exchange` (shape errors name the field)."""
    if not isinstance(body, dict):
        raise ShapeError("the request body must be a JSON object", field="$")
    if body.get("stream") is not None and not isinstance(body["stream"], bool):  # null: unset
        raise ShapeError("$.stream must be a boolean", field="$.stream")
    ex = Exchange(api, body, [])
    if api == "anthropic":
        _read_anthropic_system(ex)
    raw = body.get("messages")
    if not isinstance(raw, list):
        raise ShapeError("$.messages must be a list of messages", field="$.messages")
    if not raw:
        raise ShapeError("$.messages must not be empty", field="$.messages")
    allowed = _ANTHROPIC_ROLES if api == "anthropic" else ROLES
    for i, m in enumerate(raw):
        at = f"$.messages[{i}]"
        role = message_role(m, at, allowed)
        _read_content(ex, role, m, "content", ("messages", i, "content"), at)
        calls = m.get("tool_calls")
        if api == "openai" and isinstance(calls, list):  # arguments are a JSON string
            for k, call in enumerate(calls):
                fn = call.get("function") if isinstance(call, dict) else None
                if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
                    path = ("messages", i, "tool_calls", k, "function", "arguments")
                    ex.slots.append(TextSlot(path, len(ex.messages) - 1, "assistant",
                                             fn["arguments"]))
    return ex


def _read_anthropic_system(ex: Exchange) -> None:
    system = ex.body.get("system")
    if system is None:
        return
    if isinstance(system, str):
        ex.slots.append(TextSlot(("system",), len(ex.messages), "system", system))
        ex.messages.append(Message("system", system))
        return
    if not isinstance(system, list):
        raise ShapeError("$.system must be a string or a list of text blocks", field="$.system")
    texts = _read_parts(ex, "system", system, ("system",), "$.system", len(ex.messages))
    ex.messages.append(Message("system", "\n".join(texts)))


def _read_content(
    ex: Exchange, role: Role, holder: dict[str, Any], key: str, path: tuple[PathPart, ...],
    at: str,
) -> None:
    content = holder.get(key)
    where = f"{at}.{key}"
    index = len(ex.messages)
    if content is None:
        ex.messages.append(Message(role, ""))
    elif isinstance(content, str):
        ex.slots.append(TextSlot(path, index, role, content))
        ex.messages.append(Message(role, content))
    elif isinstance(content, list):
        texts = _read_parts(ex, role, content, path, where, index)
        ex.messages.append(Message(role, "\n".join(texts)))
    else:
        raise ShapeError(f"{where} must be a string, null or a list of parts", field=where)


def _read_parts(
    ex: Exchange, role: Role, parts: Sequence[Any], path: tuple[PathPart, ...], where: str,
    index: int,
) -> list[str]:
    """Record text slots of a list of content parts/blocks; return their texts in order."""
    texts: list[str] = []
    for j, part in enumerate(parts):
        at = f"{where}[{j}]"
        if isinstance(part, str):  # tolerated by some clients
            ex.slots.append(TextSlot((*path, j), index, role, part))
            texts.append(part)
            continue
        if not isinstance(part, dict):
            raise ShapeError(f"{at} must be an object", field=at)
        kind = part.get("type")
        if kind in _TEXT_PART_TYPES:
            text = part.get("text")
            if not isinstance(text, str):
                raise ShapeError(f"{at}.text must be a string", field=f"{at}.text")
            ex.slots.append(TextSlot((*path, j, "text"), index, role, text))
            texts.append(text)
        elif kind == "tool_result":  # Anthropic: a tool's output, text or blocks
            inner = part.get("content")
            if isinstance(inner, str):
                ex.slots.append(TextSlot((*path, j, "content"), index, role, inner))
                texts.append(inner)
            elif isinstance(inner, list):
                texts.extend(
                    _read_parts(ex, role, inner, (*path, j, "content"), f"{at}.content", index)
                )
            elif inner is not None:
                raise ShapeError(
                    f"{at}.content must be a string or a list of blocks", field=f"{at}.content"
                )
        elif kind == "document":  # Anthropic: a plain-text or content-block document
            texts.extend(_read_document(ex, role, part, (*path, j), at, index))
        elif kind == "tool_use":  # Anthropic: arguments the model passed to a tool
            _add_string_leaves(ex, role, part.get("input"), (*path, j, "input"), index)
    return texts


def _read_document(
    ex: Exchange, role: Role, part: dict[str, Any], path: tuple[PathPart, ...], at: str,
    index: int,
) -> list[str]:
    """Text slots of an Anthropic ``document`` block: title, context and a text source.
    (Base64 and URL sources cannot be read here; they go as sent.)"""
    texts: list[str] = []
    for key in ("title", "context"):
        value = part.get(key)
        if isinstance(value, str):
            ex.slots.append(TextSlot((*path, key), index, role, value))
            texts.append(value)
    source = part.get("source")
    if isinstance(source, dict):
        data, content = source.get("data"), source.get("content")
        if source.get("type") == "text" and isinstance(data, str):
            ex.slots.append(TextSlot((*path, "source", "data"), index, role, data))
            texts.append(data)
        elif source.get("type") == "content" and isinstance(content, list):
            texts.extend(_read_parts(ex, role, content, (*path, "source", "content"),
                                     f"{at}.source.content", index))
    return texts


def _add_string_leaves(
    ex: Exchange, role: Role, value: Any, path: tuple[PathPart, ...], index: int
) -> None:
    """Redaction-only slots for every string inside ``value`` (tool arguments): redacted
    before they leave, but not part of the text the distress stage reads."""
    if isinstance(value, str):
        ex.slots.append(TextSlot(path, index, role, value))
    elif isinstance(value, list):
        for k, item in enumerate(value):
            _add_string_leaves(ex, role, item, (*path, k), index)
    elif isinstance(value, dict):
        for key, item in value.items():
            _add_string_leaves(ex, role, item, (*path, key), index)


# ---------------------------------------------------------------- non-streaming replies


def reply_texts(api: Api, reply: Any) -> list[tuple[tuple[PathPart, ...], str]]:
    """The text pieces of a non-streaming reply, each with its path in the JSON."""
    out: list[tuple[tuple[PathPart, ...], str]] = []
    if not isinstance(reply, dict):
        return out
    if api == "anthropic":
        blocks = reply.get("content")
        if isinstance(blocks, list):
            for i, b in enumerate(blocks):
                if isinstance(b, dict) and b.get("type") == "text":
                    text = b.get("text")
                    if isinstance(text, str):
                        out.append((("content", i, "text"), text))
        return out
    choices = reply.get("choices")
    if isinstance(choices, list):
        for i, c in enumerate(choices):
            msg = c.get("message") if isinstance(c, dict) else None
            if isinstance(msg, dict) and isinstance(msg.get("content"), str):
                out.append((("choices", i, "message", "content"), msg["content"]))
    return out


def set_reply_text(reply: dict[str, Any], path: tuple[PathPart, ...], text: str) -> None:
    target: Any = reply
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = text


def append_reply_note(api: Api, reply: dict[str, Any], note: str) -> None:
    """Add the resource note to a non-streaming reply in the API's own shape."""
    if api == "anthropic":
        blocks = reply.get("content")
        if not isinstance(blocks, list):
            blocks = reply["content"] = []
        blocks.append({"type": "text", "text": note})
        return
    choices = reply.get("choices")
    if not isinstance(choices, list) or not choices:
        reply["choices"] = [
            {"index": 0, "message": {"role": "assistant", "content": note},
             "finish_reason": "stop"}
        ]
        return
    for c in choices:
        if not isinstance(c, dict):
            continue
        msg = c.setdefault("message", {"role": "assistant", "content": None})
        content = msg.get("content")
        msg["content"] = f"{content}\n\n{note}" if isinstance(content, str) and content else note

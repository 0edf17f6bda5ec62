"""The internal conversation model and the minimal OpenAI-style reader.

``Message`` is what the stages see: a role and the message's text (text parts joined).
Round-trip adapters for the OpenAI and Anthropic wire formats (which keep everything
careguard does not change) live in :mod:`careguard.adapters`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from careguard.errors import ShapeError

__all__ = ["ROLES", "Message", "Role", "message_role", "messages_from_openai", "text_of_content"]

Role = Literal["system", "developer", "user", "assistant", "tool", "function"]
ROLES: frozenset[str] = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
_TEXT_PART_TYPES = frozenset({"text", "input_text", "output_text"})


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    text: str


def text_of_content(content: Any, where: str) -> str:
    """The text of an OpenAI/Anthropic ``content`` value (string, null or list of parts).

    Text parts are joined with a newline; non-text parts (images, audio, unknown types) carry
    no text and are skipped. Anything else raises :class:`ShapeError` naming ``where``.
    """
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts: list[str] = []
        for i, part in enumerate(content):
            if isinstance(part, str):
                texts.append(part)
                continue
            if not isinstance(part, dict):
                raise ShapeError(f"{where}[{i}] must be an object", field=f"{where}[{i}]")
            if part.get("type") in _TEXT_PART_TYPES:
                text = part.get("text")
                if not isinstance(text, str):
                    raise ShapeError(
                        f"{where}[{i}].text must be a string", field=f"{where}[{i}].text"
                    )
                texts.append(text)
        return "\n".join(texts)
    raise ShapeError(f"{where} must be a string, null or a list of parts", field=where)


def messages_from_openai(messages: Any, where: str = "$.messages") -> list[Message]:
    """Read OpenAI-style message dicts into :class:`Message` objects, validating the shape."""
    if not isinstance(messages, Sequence) or isinstance(messages, str | bytes):
        raise ShapeError(f"{where} must be a list of messages", field=where)
    out: list[Message] = []
    for i, m in enumerate(messages):
        at = f"{where}[{i}]"
        role = message_role(m, at, ROLES)
        out.append(Message(role, text_of_content(m.get("content"), f"{at}.content")))
    return out


def message_role(m: Any, at: str, allowed: frozenset[str]) -> Role:
    """The role of message ``m`` (found at ``at``), which must be an object whose role is
    one of ``allowed``; else a :class:`ShapeError` naming the field."""
    if not isinstance(m, dict):
        raise ShapeError(f"{at} must be an object", field=at)
    role = m.get("role")
    if not isinstance(role, str) or role not in allowed:
        raise ShapeError(
            f"{at}.role must be one of {', '.join(sorted(allowed))}", field=f"{at}.role"
        )
    return cast(Role, role)

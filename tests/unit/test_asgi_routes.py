"""Route declarations: checked at start-up; request bodies read into the pipeline's exchange."""

from __future__ import annotations

from typing import Any

import pytest

from careguard.asgi import Route
from careguard.errors import PolicyError, ShapeError


@pytest.mark.parametrize(("kwargs", "field", "says"), [
    ({"message": "$.msg[", "reply": "$.reply"}, "message", "bad path syntax"),
    ({"message": "$.message", "reply": "reply"}, "reply", "must start with '$'"),
    ({"reply": "$.reply"}, "message", "is required"),
    ({"message": "$.message"}, "reply", "is required"),
    ({"message": "$.items[*]", "reply": "$.reply"}, "message", "must select one value"),
    ({"message": "$", "reply": "$.reply"}, "message", "must name a field"),
    ({"message": "$.m", "reply": "$.r", "history_roles": "$.h[*].role"}, "history_roles",
     "needs 'history'"),
    ({"message": "$.m", "reply": "$.r", "country_header": "bad header!"}, "country_header",
     "header name"),
])  # fmt: skip
def test_misconfigured_route_fails_at_construction(
    kwargs: dict[str, Any], field: str, says: str
) -> None:
    """A bad route stops start-up with the route, the field and the problem."""
    with pytest.raises(PolicyError) as info:
        Route("/chat", **kwargs)
    assert info.value.path == field and says in str(info.value)
    assert "POST /chat" in str(info.value)


def test_path_must_be_absolute() -> None:
    """The request path is checked too."""
    with pytest.raises(PolicyError, match="path"):
        Route("chat", message="$.message", reply="$.reply")


def test_standard_routes_need_no_paths() -> None:
    """``Route.openai()`` guards the OpenAI shape at its usual path."""
    route = Route.openai()
    assert (route.method, route.path, route.api) == ("POST", "/v1/chat/completions", "openai")


def test_exchange_reads_history_then_message_with_roles() -> None:
    """History texts come first with their roles; the new message is the last user turn."""
    route = Route("/chat", message="$.message", history="$.history[*].text",
                  history_roles="$.history[*].who", reply="$.reply")  # fmt: skip
    body = {"history": [{"who": "user", "text": "a"}, {"who": "assistant", "text": "b"}],
            "message": "c"}  # fmt: skip
    ex = route.exchange(body)
    assert [(m.role, m.text) for m in ex.messages] == [("user", "a"), ("assistant", "b"),
                                                       ("user", "c")]  # fmt: skip
    assert [s.path for s in ex.slots] == [("history", 0, "text"), ("history", 1, "text"),
                                          ("message",)]  # fmt: skip


def test_exchange_without_history_body_field_has_only_the_message() -> None:
    """A declared history that the body leaves out is an empty history."""
    route = Route("/chat", message="$.message", history="$.history[*]", reply="$.reply")
    assert [m.text for m in route.exchange({"message": "hi"}).messages] == ["hi"]


@pytest.mark.parametrize(("body", "field"), [
    ([], "$"),
    ({}, "$.message"),
    ({"message": 3}, "$.message"),
    ({"message": "x", "history": [{"who": "robot", "text": "a"}]}, "$.history[0].who"),
    ({"message": "x", "history": [{"who": "user", "text": 1}]}, "$.history[0].text"),
])  # fmt: skip
def test_exchange_shape_errors_name_the_field(body: Any, field: str) -> None:
    """A body that does not match the declared shape is a 422 naming where."""
    route = Route("/chat", message="$.message", history="$.history[*].text",
                  history_roles="$.history[*].who", reply="$.reply")  # fmt: skip
    with pytest.raises(ShapeError) as info:
        route.exchange(body)
    assert info.value.field == field


def test_custom_exchange_never_gets_the_system_block() -> None:
    """careguard's block goes to scope state, not into the app's own JSON."""
    route = Route("/chat", message="$.message", reply="$.reply")
    ex = route.exchange({"message": "hi"})
    ex.inject_system("BLOCK")
    assert ex.body == {"message": "hi"}


@pytest.mark.parametrize(("headers", "body", "country"), [
    ({"x-careguard-country": "de"}, {"cc": "FR"}, "DE"),
    ({}, {"cc": "fr"}, "FR"),
    ({}, {}, "US"),
    ({"x-careguard-country": "Germany"}, {}, "DE"),
    ({"x-careguard-country": "XX"}, {"cc": "FR"}, "US"),
    ({}, {"cc": "United Kingdom"}, "GB"),
])  # fmt: skip
def test_country_from_header_then_field_then_default(
    headers: dict[str, str], body: dict[str, Any], country: str
) -> None:
    """The header wins, then the declared field, then the policy default."""
    route = Route("/chat", message="$.message", reply="$.reply", country_field="$.cc")
    assert route.country(headers, body, "US") == country


def test_conversation_id_from_field() -> None:
    """A conversation id may come from the body."""
    route = Route("/chat", message="$.m", reply="$.r", conversation_field="$.session.id")
    assert route.conversation_id({}, {"session": {"id": "abc"}}) == "abc"

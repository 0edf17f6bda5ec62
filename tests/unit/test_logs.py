"""careguard.logs: JSON lines with the request id that cannot carry message text."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest

from careguard.logs import bind_request_id, configure_logging

CANARY_EMAIL = "canary.person@example.org"
CANARY_PHONE = "+1 415 555 0134"


@pytest.fixture
def logged(logs: io.StringIO) -> io.StringIO:
    """careguard's JSON log lines in a buffer (the shared ``logs`` fixture)."""
    return logs


def lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_each_line_is_json_with_the_request_id(logged: io.StringIO) -> None:
    """A line logged inside bind_request_id carries that id."""
    with bind_request_id("abc123"):
        logging.getLogger("careguard.test").info("turn done", extra={"stage": "pii"})
    (line,) = lines(logged)
    assert (line["request_id"], line["event"], line["stage"]) == ("abc123", "turn done", "pii")


@pytest.mark.parametrize(
    "log",
    [
        lambda lg: lg.info("user wrote %s", CANARY_EMAIL),
        lambda lg: lg.info("user wrote %s and %d", CANARY_PHONE, 3),
        lambda lg: lg.info(f"user wrote {CANARY_EMAIL}"),  # an f-string: the point
        lambda lg: lg.info("x", extra={"stage": CANARY_EMAIL, "distress_level": CANARY_PHONE}),
        lambda lg: lg.info("x", extra={"text": CANARY_EMAIL}),
        lambda lg: lg.warning("x", extra={"country": CANARY_PHONE}),
    ],
)
def test_text_in_arguments_and_extras_never_appears(logged: io.StringIO, log: Any) -> None:
    """Strings passed as arguments or extra fields are dropped or replaced."""
    log(logging.getLogger("careguard.test"))
    text = logged.getvalue()
    assert CANARY_EMAIL not in text
    assert CANARY_PHONE not in text


def test_event_is_the_format_string(logged: io.StringIO) -> None:
    """The event is the call's format string, not the message formatted with its arguments."""
    logging.getLogger("careguard.test").info("plain %s", "secret-value")
    assert lines(logged)[0]["event"] == "plain %s"


def test_numeric_arguments_are_kept(logged: io.StringIO) -> None:
    """Numbers passed as arguments are kept for the reader."""
    logging.getLogger("careguard.test").info("took %d ms over %d tries", 12, 3)
    assert lines(logged)[0]["args"] == [12, 3]


def test_exception_message_is_not_logged(logged: io.StringIO) -> None:
    """An exception logs its type and code locations, not its message."""
    try:
        json.loads('{"email": "' + CANARY_EMAIL)
    except ValueError:
        logging.getLogger("careguard.test").exception("bad body")
    (line,) = lines(logged)
    assert line["exc_type"] == "JSONDecodeError"
    assert CANARY_EMAIL not in logged.getvalue()


def test_access_log_keeps_method_and_status_only(logged: io.StringIO) -> None:
    """uvicorn's access line keeps method and status, not the path or client address."""
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "203.0.113.9:5000", "POST", f"/v1/x?e={CANARY_EMAIL}", "1.1",
        200,
    )  # fmt: skip
    (line,) = lines(logged)
    assert (line["method"], line["status"]) == ("POST", 200)
    assert "203.0.113.9" not in logged.getvalue()
    assert CANARY_EMAIL not in logged.getvalue()


def test_uvicorn_log_config_routes_through_the_formatter() -> None:
    """The dictConfig for uvicorn installs the JSON formatter with the request-id filter."""
    import logging.config

    from careguard.logs import JsonFormatter, uvicorn_log_config

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logging.config.dictConfig(uvicorn_log_config("warning"))
        (handler,) = root.handlers
        assert isinstance(handler.formatter, JsonFormatter)
        assert root.level == logging.WARNING
    finally:
        root.handlers, root.level = saved[0], saved[1]


def test_extras_cannot_overwrite_the_base_fields(logged: io.StringIO) -> None:
    """An extra named like a base field (``level``) does not replace it."""
    logging.getLogger("careguard.test").warning("x", extra={"level": "none"})
    assert lines(logged)[0]["level"] == "warning"


def test_a_logger_disabled_by_an_earlier_dictconfig_logs_again(logged: io.StringIO) -> None:
    """configure_logging re-enables the loggers it owns (dictConfig may have disabled them)."""
    access = logging.getLogger("uvicorn.access")
    access.disabled = True
    configure_logging("DEBUG", logged)
    access.info('%s - "%s %s HTTP/%s" %d', "203.0.113.9:5000", "GET", "/healthz", "1.1", 200)
    assert len(lines(logged)) == 1

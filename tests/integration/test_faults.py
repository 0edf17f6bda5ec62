"""Upstream faults at the byte level, against careguard on 127.0.0.1 (real uvicorn, real models).

A raw TCP upstream (:class:`FaultUpstream`) misbehaves as each test scripts it: a slow
first byte, a stream that stops mid-way or sends garbage, error statuses with and without
bodies, a whole reply that trickles past the total deadline, a redirect to another host, a
listener that never accepts. ``test_proxy_faults.py`` covers the plainer cases (refused, read
timeout, a 429 with a JSON body, client hang-up, a stream past its total deadline); this file
covers the rest. The answers are the table in the README's "Errors" section.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.integration.conftest import StartProxy, policy_with
from tests.integration.harness import ServerThread, path_of, reply_text, request_body

pytestmark = [pytest.mark.integration, pytest.mark.models]

Writer = asyncio.StreamWriter
Behaviour = Callable[[Writer], Awaitable[None]]
CRISIS = "I can't go on anymore. I have decided to kill myself tonight."
SAMARITANS = "116 123"
APIS = ["openai", "anthropic"]


class FaultUpstream:
    """A raw HTTP/1.1 server on loopback that reads a request, then runs ``behaviour``."""

    def __init__(self) -> None:
        self.behaviour: Behaviour = ok_json
        self.requests: list[bytes] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        start = asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.server = asyncio.run_coroutine_threadsafe(start, self.loop).result(10)
        self.port: int = self.server.sockets[0].getsockname()[1]

    def close(self) -> None:
        """Stop serving, cancel every connection's task, then stop and close the loop (no
        transport is left for the garbage collector to close on a dead loop)."""

        async def shutdown() -> None:
            self.server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)  # fmt: skip
            self.requests.append(head + await reader.readexactly(length))
            await self.behaviour(writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


def response(status: int, body: bytes, ctype: str = "application/json",
             extra: str = "") -> bytes:  # fmt: skip
    return (f"HTTP/1.1 {status} X\r\ncontent-type: {ctype}\r\ncontent-length: {len(body)}\r\n"
            f"{extra}connection: close\r\n\r\n").encode() + body


def sse_head() -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n"


def openai_chunk(text: str) -> bytes:
    obj = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
           "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
    return f"data: {json.dumps(obj)}\n\n".encode()


def anthropic_start() -> bytes:
    return (b'event: message_start\ndata: {"type": "message_start", "message": {"id": "m1", '
            b'"type": "message", "role": "assistant", "content": [], "model": "m"}}\n\n'
            b'event: content_block_start\ndata: {"type": "content_block_start", "index": 0, '
            b'"content_block": {"type": "text", "text": ""}}\n\n')  # fmt: skip


def anthropic_delta(text: str) -> bytes:
    obj = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta",
                                                                "text": text}}  # fmt: skip
    return f"event: content_block_delta\ndata: {json.dumps(obj)}\n\n".encode()


def whole(api: str, text: str) -> bytes:
    if api == "anthropic":
        obj: dict[str, Any] = {"id": "m1", "type": "message", "role": "assistant", "model": "m",
                               "content": [{"type": "text", "text": text}],
                               "stop_reason": "end_turn"}  # fmt: skip
    else:
        obj = {"id": "c1", "object": "chat.completion", "created": 1, "model": "m",
               "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop"}]}  # fmt: skip
    return json.dumps(obj).encode()


async def ok_json(w: Writer) -> None:
    w.write(response(200, whole("openai", "Fine.")))
    await w.drain()


def send_bytes(data: bytes, delay: float = 0.0) -> Behaviour:
    async def behave(w: Writer) -> None:
        if delay:
            await asyncio.sleep(delay)
        w.write(data)
        await w.drain()

    return behave


def stream_then_stop(api: str, pieces: int) -> Behaviour:
    """Send an SSE head and some deltas, then close the connection without finishing."""

    async def behave(w: Writer) -> None:
        w.write(sse_head() + (anthropic_start() if api == "anthropic" else b""))
        for i in range(pieces):
            w.write(anthropic_delta(f"part {i}. ") if api == "anthropic"
                    else openai_chunk(f"part {i}. "))  # fmt: skip
            await w.drain()
            await asyncio.sleep(0.01)
        w.transport.abort()  # a reset, not a clean end

    return behave


@pytest.fixture(scope="module")
def faulty() -> Iterator[FaultUpstream]:
    up = FaultUpstream()
    yield up
    up.close()


@pytest.fixture
def fault(faulty: FaultUpstream) -> FaultUpstream:
    faulty.behaviour = ok_json
    faulty.requests.clear()
    return faulty


@pytest.fixture(scope="module")
def guarded(start_proxy: StartProxy, faulty: FaultUpstream) -> ServerThread:
    """careguard with short upstream deadlines in front of the fault upstream."""
    return start_proxy(faulty.url, loaded=policy_with(limits={
        "upstream_connect_s": 0.5, "upstream_read_s": 1.0, "upstream_total_s": 2.5}))


def post(server: ServerThread, api: str, text: str = "Hello, how are you?", *,
         stream: bool = False, country: str = "US") -> httpx.Response:  # fmt: skip
    body = request_body(api, [{"role": "user", "content": text}], stream=stream)
    return httpx.post(server.url + path_of(api), json=body, timeout=30,
                      headers={"x-careguard-country": country})  # fmt: skip


def envelope(api: str, resp: httpx.Response) -> tuple[str, str]:
    """(type, message) of an error body in the API's envelope."""
    data = resp.json()
    if api == "anthropic":
        assert data["type"] == "error"
    return str(data["error"]["type"]), str(data["error"]["message"])


def sse_events(resp: httpx.Response) -> list[Any]:
    out = []
    for block in resp.text.split("\n\n"):
        for line in block.split("\n"):
            if line.startswith("data: ") and line != "data: [DONE]":
                out.append(json.loads(line[6:]))
    return out


# ---------------------------------------------------------------- error statuses


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize(
    ("status", "body", "ctype"),
    [
        (429, b"", "application/json"),
        (500, b"", "application/json"),
        (503, b"", "application/json"),
        (500, b'{"error": {"type": "server_error", "message": "boom"}}', "application/json"),
        (503, b"<html><body>Service Unavailable</body></html>", "text/html"),
        (429, b'{"error": "slow down"}', "application/json"),
        (500, b"\xff\xfe not even text", "application/octet-stream"),
    ],
    ids=["429-empty", "500-empty", "503-empty", "500-json", "503-html", "429-odd-json",
         "500-binary"],
)
def test_upstream_error_status_is_passed_through_in_the_envelope(
    guarded: ServerThread, fault: FaultUpstream, api: str, status: int, body: bytes, ctype: str,
) -> None:
    """An upstream error status reaches the client as that status, in the client's envelope,
    whatever the upstream's body was (none, JSON, HTML, binary)."""
    fault.behaviour = send_bytes(response(status, body, ctype))
    resp = post(guarded, api)
    assert resp.status_code == status
    _, message = envelope(api, resp)
    assert message == f"upstream returned HTTP {status}"
    assert "x-careguard-request-id" in resp.headers


def test_the_upstream_error_type_is_kept_but_never_its_message(
    guarded: ServerThread, fault: FaultUpstream
) -> None:
    """The upstream's error type (an identifier) is passed on; its free-text message, which
    may quote the request, is not."""
    body = b'{"error": {"type": "invalid_request_error", "message": "bad: <PERSON_AB12> said"}}'
    fault.behaviour = send_bytes(response(400, body))
    resp = post(guarded, "openai")
    assert resp.status_code == 400
    assert resp.json()["error"]["type"] == "invalid_request_error"
    assert "PERSON" not in resp.text and "said" not in resp.text


def test_retry_after_from_a_429_reaches_the_client(
    guarded: ServerThread, fault: FaultUpstream
) -> None:
    """A 429's Retry-After header is passed back so clients can back off."""
    fault.behaviour = send_bytes(response(429, b"", extra="retry-after: 7\r\n"))
    resp = post(guarded, "openai")
    assert resp.status_code == 429
    assert resp.headers["retry-after"] == "7"


# ---------------------------------------------------------------- timing faults


def test_a_slow_first_byte_within_the_read_timeout_is_waited_for(
    guarded: ServerThread, fault: FaultUpstream
) -> None:
    """An upstream that takes 0.6 s (under the 1 s read timeout) to answer is waited for."""
    fault.behaviour = send_bytes(response(200, whole("openai", "Late but here.")), delay=0.6)
    resp = post(guarded, "openai")
    assert resp.status_code == 200
    assert "Late but here." in reply_text("openai", resp, stream=False)


@pytest.mark.parametrize("api", APIS)
def test_a_whole_reply_that_trickles_past_the_total_deadline_is_504(
    guarded: ServerThread, fault: FaultUpstream, api: str
) -> None:
    """A non-streaming reply whose body arrives too slowly ends in 504 at the total deadline."""

    async def drip(w: Writer) -> None:
        w.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 999\r\n"
                b"\r\n{")  # fmt: skip
        for _ in range(100):
            await asyncio.sleep(0.3)
            w.write(b" ")
            await w.drain()

    fault.behaviour = drip
    start = time.monotonic()
    resp = post(guarded, api)
    assert resp.status_code == 504
    assert time.monotonic() - start < 10
    envelope(api, resp)


def test_an_upstream_that_never_accepts_is_a_connect_timeout(
    start_proxy: StartProxy,
) -> None:
    """A listener whose accept queue is full (SYNs dropped) trips the connect timeout: 504."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        for _ in range(3):  # fill the accept queue; further connects hang in SYN_SENT
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            fillers.append(s)
        time.sleep(0.1)
        server = start_proxy(f"http://127.0.0.1:{port}", loaded=policy_with(limits={
            "upstream_connect_s": 0.5, "upstream_read_s": 30.0, "upstream_total_s": 60.0}))
        start = time.monotonic()
        resp = post(server, "openai")
        took = time.monotonic() - start
        for s in fillers:
            s.close()
    assert resp.status_code == 504
    assert resp.json()["error"]["code"] == "upstream_timeout"
    assert took < 5


# ---------------------------------------------------------------- broken and garbage replies


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize(
    "body",
    [b"not json at all", b'{"id": "c1", "choices": [', b"[" * 5000 + b"]" * 5000,
     b'{"choices": [{"message": {"content": "\\ud800"}}]}', b"[1, 2, 3]", b""],
    ids=["not-json", "truncated", "nested-5000", "lone-surrogate", "not-an-object", "empty"],
)
def test_an_unusable_whole_reply_is_502(
    guarded: ServerThread, fault: FaultUpstream, api: str, body: bytes
) -> None:
    """A 200 whose body is not a usable JSON object is a 502 bad_response, never a 500."""
    fault.behaviour = send_bytes(response(200, body))
    resp = post(guarded, api)
    assert resp.status_code == 502
    envelope(api, resp)
    if api == "openai":
        assert resp.json()["error"]["code"] == "upstream_bad_response"


def test_a_connection_closed_before_any_answer_is_502(
    guarded: ServerThread, fault: FaultUpstream
) -> None:
    """An upstream that closes the connection without a status line is a 502."""
    fault.behaviour = send_bytes(b"")
    resp = post(guarded, "openai")
    assert resp.status_code == 502
    assert resp.json()["error"]["code"].startswith("upstream_")


def test_a_reply_that_is_not_http_is_502(guarded: ServerThread, fault: FaultUpstream) -> None:
    """Bytes that are not an HTTP response at all are a 502."""
    fault.behaviour = send_bytes(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02garbage")
    resp = post(guarded, "openai")
    assert resp.status_code == 502


@pytest.mark.parametrize("api", APIS)
def test_a_stream_that_stops_mid_way_ends_with_an_error_event(
    guarded: ServerThread, fault: FaultUpstream, api: str
) -> None:
    """A stream reset after some deltas: the client keeps what arrived and gets an error
    event (the status was already 200)."""
    fault.behaviour = stream_then_stop(api, 3)
    resp = post(guarded, api, stream=True)
    assert resp.status_code == 200
    assert "part 0." in reply_text(api, resp, stream=True)
    last = sse_events(resp)[-1]
    assert (last["type"] == "error") if api == "anthropic" else ("error" in last)


@pytest.mark.parametrize("api", APIS)
def test_garbage_in_a_stream_does_not_break_the_relay(
    guarded: ServerThread, fault: FaultUpstream, api: str
) -> None:
    """Events whose data is not JSON (or not the API's shape) pass through as they are; the
    good deltas around them still arrive, and the stream ends normally."""
    good = anthropic_delta if api == "anthropic" else openai_chunk
    data = (sse_head() + (anthropic_start() if api == "anthropic" else b"") + good("Hello ")
            + b"data: {not json\n\n" + b"data: [1, 2]\n\n" + b'data: {"choices": 5}\n\n'
            + b"data: \xff\xfe\n\n" + good("again."))  # fmt: skip

    async def behave(w: Writer) -> None:
        w.write(data)
        await w.drain()

    fault.behaviour = behave
    resp = post(guarded, api, stream=True)
    assert resp.status_code == 200
    assert "Hello" in resp.text and "again." in resp.text
    assert "data: {not json" in resp.text


# ---------------------------------------------------------------- redirects and credentials


def test_a_redirect_is_not_followed_to_another_host(
    start_proxy: StartProxy, fault: FaultUpstream
) -> None:
    """A 307 to another host is not followed (the upstream key would go with it): 502."""
    thief = FaultUpstream()
    fault.behaviour = send_bytes(response(307, b"", extra=f"location: {thief.url}/steal\r\n"))
    server = start_proxy(fault.url, key="sk-upstream-secret-4471")
    resp = post(server, "openai")
    thief.close()
    assert resp.status_code == 502
    assert thief.requests == []
    assert "sk-upstream-secret-4471" not in resp.text + str(resp.headers)
    assert b"sk-upstream-secret-4471" in fault.requests[-1]  # it did go to the configured host


# ---------------------------------------------------------------- crisis turns


CRISIS_FAULTS: dict[str, Behaviour] = {
    "500-empty": send_bytes(response(500, b"")),
    "503-html": send_bytes(response(503, b"<html>down</html>", "text/html")),
    "429": send_bytes(response(429, b'{"error": {"type": "rate_limit_error"}}')),
    "not-json": send_bytes(response(200, b"garbage")),
    "closed": send_bytes(b""),
    "slow": send_bytes(response(200, b"{}"), delay=5.0),
}


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("name", list(CRISIS_FAULTS))
def test_a_crisis_turn_reaches_the_user_whatever_the_upstream_does(
    guarded: ServerThread, fault: FaultUpstream, api: str, stream: bool, name: str
) -> None:
    """Under every upstream fault a crisis turn is answered 200 with the safe message and
    the local crisis line, marked x-careguard-upstream: failed."""
    fault.behaviour = CRISIS_FAULTS[name]
    resp = post(guarded, api, CRISIS, stream=stream, country="GB")
    assert resp.status_code == 200
    assert resp.headers["x-careguard-upstream"] == "failed"
    assert SAMARITANS in reply_text(api, resp, stream=stream)


@pytest.mark.parametrize("api", APIS)
def test_a_crisis_stream_that_breaks_off_still_carries_the_resources(
    guarded: ServerThread, fault: FaultUpstream, api: str
) -> None:
    """A crisis turn whose stream is reset mid-way still ends with the crisis line."""
    fault.behaviour = stream_then_stop(api, 2)
    resp = post(guarded, api, CRISIS, stream=True, country="GB")
    assert resp.status_code == 200
    assert SAMARITANS in reply_text(api, resp, stream=True)


# ---------------------------------------------------------------- oversized replies


def test_a_whole_reply_over_max_reply_bytes_is_502(
    start_proxy: StartProxy, fault: FaultUpstream
) -> None:
    """A non-streamed reply larger than limits.max_reply_bytes is refused with a 502."""
    server = start_proxy(fault.url, loaded=policy_with(limits={"max_reply_bytes": 2000}))
    fault.behaviour = send_bytes(response(200, whole("openai", "x" * 5000)))
    resp = post(server, "openai")
    assert resp.status_code == 502
    assert resp.json()["error"]["code"] == "upstream_bad_response"


@pytest.mark.parametrize("api", APIS)
def test_a_streamed_event_that_never_ends_is_cut_off(
    start_proxy: StartProxy, fault: FaultUpstream, api: str
) -> None:
    """An upstream that streams bytes without ever ending the event is cut off once the
    event passes limits.max_reply_bytes, with an error event to the client."""
    server = start_proxy(fault.url, loaded=policy_with(limits={"max_reply_bytes": 2000}))

    async def endless_event(w: Writer) -> None:
        w.write(sse_head() + b"data: ")
        for _ in range(1000):
            w.write(b"x" * 100)
            await w.drain()
            await asyncio.sleep(0.001)

    fault.behaviour = endless_event
    resp = post(server, api, stream=True)
    assert resp.status_code == 200
    assert resp.text.rstrip().endswith("}")  # the error event's JSON closes the stream
    assert "could not be reached or failed" in resp.text.split("\n\n")[-2]

"""A stub OpenAI-compatible server on loopback for batch tests and the batch benchmark.

Every chat completion gets the same valid tool-call answer after a fixed delay, so what is
measured or tested is claimex's own scheduling, resuming and bookkeeping, not a model. A request
for a task's records (the tool `TaskRecords`) gets no records, which fits any task's schema.
An article containing `STUB-500` gets HTTP 500 instead (with Retry-After-Ms: 10, so that its
retries do not wait), to exercise per-article model errors.

`fault` switches the answers to a misbehaviour (`FAULTS`), for the fault-injection tests; with
`fault_on`, only requests whose body contains that text misbehave.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# The passage the stub quotes; the tests write it into their articles.
QUOTE = "au moins 30 soldats nord-coréens auraient été tués"
ANSWER = {
    "claims": [
        {
            "statement": "Au moins 30 soldats nord-coréens auraient été tués.",
            "type": "quantity",
            "speaker": "GUR",
            "hedging": "reported",
            "entities": ["GUR"],
            "quantities": [{"text": "au moins 30", "value": 30, "unit": "soldats", "approximate": True}],
            "time": None,
            "evidence": [QUOTE],
        }
    ]
}


TASK_ANSWER: dict[str, Any] = {"records": []}


def completion(
    arguments: dict[str, Any], finish_reason: str = "tool_calls", name: str = "ClaimsResponse"
) -> dict[str, Any]:
    """An OpenAI chat completion whose one tool call carries `arguments` as its JSON."""
    call = {
        "id": "call_stub",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 0,
        "model": "stub",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish_reason,
                "message": {"role": "assistant", "content": None, "tool_calls": [call]},
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    }


FAULTS = (
    "drip",  # a valid answer, one byte a second after the headers
    "drip-headers",  # the status line and headers one byte a second
    "hang",  # reads the request and never answers
    "retry-after",  # 429 with Retry-After: 3600
    "retry-after-once",  # 429 with Retry-After: 2 for the first request, then answers
    "unavailable",  # 503, no Retry-After
    "html",  # 200 with a proxy's HTML login page
    "not-json",  # 200, application/json, but the body is not JSON
    "no-choices",  # 200 with a JSON object that has no choices
    "deep-json",  # a tool call whose arguments nest 100,000 lists deep
)


class _Server(ThreadingHTTPServer):
    # Hundreds of connections open at once when a batch starts; the default backlog of 5 would
    # drop some, and the client would wait a second to retry.
    request_queue_size = 1024


class StubServer:
    def __init__(
        self, delay: float = 0.0, *, fault: str | None = None, fault_on: str | None = None, port: int = 0
    ) -> None:
        assert fault is None or fault in FAULTS, fault
        self.delay = delay
        self.fault = fault
        self.fault_on = fault_on
        self.requests = 0
        self.faulted = 0  # requests that met the fault
        self.connections = 0  # TCP connections accepted
        self.in_flight = 0
        self.most_in_flight = 0  # the most requests it answered at once
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in two writes; with Nagle's algorithm and the client's
                # delayed ACK that costs ~40 ms per answer, which would be the stub's, not claimex's.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with stub._lock:
                    stub.connections += 1
                    stub._sockets.append(self.connection)

            def do_GET(self) -> None:
                if self.path == "/stats":
                    self._send(200, json.dumps({"requests": stub.requests}).encode())
                    return
                self._send(200, json.dumps({"object": "list", "data": [{"id": "stub"}]}).encode())

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length)
                with stub._lock:
                    stub.requests += 1
                    stub.in_flight += 1
                    stub.most_in_flight = max(stub.most_in_flight, stub.in_flight)
                try:
                    self._answer(body)
                finally:
                    with stub._lock:
                        stub.in_flight -= 1

            def _answer(self, body: bytes) -> None:
                time.sleep(stub.delay)
                fault = stub.fault if stub.fault_on is None or stub.fault_on.encode() in body else None
                if fault is not None:
                    with stub._lock:
                        stub.faulted += 1
                if b"STUB-500" in body:
                    # Retry-After-Ms (OpenAI's header, which claimex honours): the client's four tries
                    # are made at once, not after a second's backoff each, which made a rerun test
                    # spend 20 s waiting.
                    self._send(
                        500, b'{"error": {"message": "stub failure"}}', headers={"retry-after-ms": "10"}
                    )
                elif fault is None and b'"name":"TaskRecords"' in body.replace(b" ", b""):
                    self._send(200, json.dumps(completion(TASK_ANSWER, name="TaskRecords")).encode())
                elif fault is None:
                    self._send(200, json.dumps(completion(ANSWER)).encode())
                else:
                    self._misbehave(fault)

            def _misbehave(self, fault: str) -> None:
                answer = json.dumps(completion(ANSWER)).encode()
                if fault == "drip":
                    self._send(200, answer, drip=True)
                elif fault == "drip-headers":
                    head = f"HTTP/1.1 200 OK\r\ncontent-length: {len(answer)}\r\n\r\n".encode()
                    self._drip(head + answer)
                elif fault == "hang":
                    stub._stop.wait()
                elif fault == "retry-after-once" and stub.faulted == 1:
                    self._send(429, b'{"error": {"message": "busy"}}', headers={"retry-after": "2"})
                elif fault == "retry-after-once":
                    self._send(200, answer)
                elif fault == "retry-after":
                    self._send(429, b'{"error": {"message": "quota"}}', headers={"retry-after": "3600"})
                elif fault == "unavailable":
                    self._send(503, b'{"error": {"message": "overloaded"}}')
                elif fault == "html":
                    page = (
                        b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Proxy</body></html>"
                    )
                    self._send(200, page, content_type="text/html")
                elif fault == "not-json":
                    self._send(200, b"upstream connect error or disconnect/reset before headers")
                elif fault == "no-choices":
                    self._send(200, b'{"id": "x", "object": "chat.completion", "model": "stub"}')
                elif fault == "deep-json":
                    deep = completion({"claims": []})
                    deep["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = (
                        "[" * 100_000 + "]" * 100_000
                    )
                    self._send(200, json.dumps(deep).encode())

            def _send(
                self,
                status: int,
                body: bytes,
                *,
                content_type: str = "application/json",
                headers: dict[str, str] | None = None,
                drip: bool = False,
            ) -> None:
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                if drip:
                    self._drip(body)
                else:
                    self.wfile.write(body)

            def _drip(self, data: bytes) -> None:
                for byte in data:
                    if stub._stop.wait(1.0):
                        return
                    try:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    except OSError:
                        return

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _Server(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StubServer:
        self._thread.start()
        return self

    def drop_connections(self) -> None:
        """Close every connection from the server's side, as a server does with idle ones."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()  # hanging and dripping handlers end
        self.server.shutdown()
        self.server.server_close()


if __name__ == "__main__":
    # Run on its own (`python tests/stub_openai.py DELAY`), it prints its base URL and serves
    # until killed; GET /stats says how many completions it answered.
    # A fault as second argument: `python tests/stub_openai.py 0 drip`.
    import sys

    delay = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0
    with StubServer(delay=delay, fault=sys.argv[2] if len(sys.argv) > 2 else None) as stub:
        print(stub.base_url, flush=True)
        threading.Event().wait()

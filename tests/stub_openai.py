"""A stub OpenAI-compatible server on loopback for batch tests and the batch benchmark.

Every chat completion gets the same valid tool-call answer after a fixed delay, so what is
measured or tested is claimex's own scheduling, resuming and bookkeeping, not a model.
An article containing `STUB-500` gets HTTP 500 instead, to exercise per-article model errors.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

QUOTE = "au moins 30 soldats nord-coréens"
ANSWER = {
    "claims": [
        {
            "statement": "Au moins 30 soldats nord-coréens auraient été tués ou blessés.",
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


def completion(arguments: dict[str, Any], finish_reason: str = "tool_calls") -> dict[str, Any]:
    """An OpenAI chat completion whose one tool call carries `arguments` as its JSON."""
    call = {
        "id": "call_stub",
        "type": "function",
        "function": {"name": "ClaimsResponse", "arguments": json.dumps(arguments)},
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


class StubServer:
    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.requests = 0
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in two writes; with Nagle's algorithm and the client's
                # delayed ACK that costs ~40 ms per answer, which would be the stub's, not claimex's.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

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
                time.sleep(stub.delay)
                if b"STUB-500" in body:
                    self._send(500, b'{"error": {"message": "stub failure"}}')
                else:
                    self._send(200, json.dumps(completion(ANSWER)).encode())

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


if __name__ == "__main__":
    # Run on its own (`python tests/stub_openai.py DELAY`), it prints its base URL and serves
    # until killed; GET /stats says how many completions it answered.
    import sys

    with StubServer(delay=float(sys.argv[1]) if len(sys.argv) > 1 else 0.0) as stub:
        print(stub.base_url, flush=True)
        threading.Event().wait()

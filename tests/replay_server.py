"""The embedded model's recorded answers, served on loopback: a cassette as an HTTP server.

vcrpy replays a cassette inside the test's own process; the workers of a batch on Ray are other
processes, which it cannot reach. This server answers each request with the response recorded
for the same method, path and JSON body (as the cassettes match), so those workers get exactly
what the embedded model answered when the cassette was recorded (`tests/record_cassettes.py`),
and nothing else: a request that was never recorded gets HTTP 500 and is counted in `unmatched`.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml


def recordings(*cassettes: Path) -> list[tuple[str, str, Any, dict[str, Any]]]:
    """(method, path, JSON body, response) of every interaction of the cassettes."""
    found = []
    for cassette in cassettes:
        for interaction in yaml.safe_load(cassette.read_text(encoding="utf-8"))["interactions"]:
            request = interaction["request"]
            found.append(
                (
                    request["method"],
                    urlsplit(request["uri"]).path,
                    json.loads(request["body"]),
                    interaction["response"],
                )
            )
    return found


class ReplayServer:
    def __init__(self, *cassettes: Path) -> None:
        self.recorded = recordings(*cassettes)
        self.requests = 0
        self.unmatched = 0
        self._lock = threading.Lock()
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                try:
                    sent = json.loads(body)
                except ValueError:
                    sent = None
                path = urlsplit(self.path).path
                response = next(
                    (
                        answer
                        for method, where, recorded, answer in replay.recorded
                        if (method, where, recorded) == ("POST", path, sent)
                    ),
                    None,
                )
                with replay._lock:
                    replay.requests += 1
                    replay.unmatched += response is None
                if response is None:
                    self._send(
                        500, b'{"error": {"message": "no recording of this request"}}', "application/json"
                    )
                    return
                content = response["body"]["string"]
                data = content.encode("utf-8") if isinstance(content, str) else content
                kind = (response["headers"].get("content-type") or ["application/json"])[0]
                self._send(response["status"]["code"], data, kind)

            def _send(self, status: int, data: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

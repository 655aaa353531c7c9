"""A stand-in for llama.cpp's server in lifecycle tests: answers /v1/models on the given port.

It lets the tests start, signal and stop a real child process in milliseconds, without a model.
`--slow N` waits N seconds before listening, like a model loading.
"""

from __future__ import annotations

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"object": "list", "data": [{"id": "stand-in", "object": "model"}]}).encode()
        self.send_response(200 if self.path == "/v1/models" else 404)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


if __name__ == "__main__":
    port = int(sys.argv[1])
    if "--slow" in sys.argv:
        time.sleep(float(sys.argv[sys.argv.index("--slow") + 1]))
    if "--crash" in sys.argv:
        print("error: failed to load model", flush=True)
        sys.exit(3)
    HTTPServer(("127.0.0.1", port), Handler).serve_forever()

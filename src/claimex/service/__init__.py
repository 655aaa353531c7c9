"""`claimex serve`: the pipeline over HTTP (FastAPI under uvicorn, from `claimex[serve]`).

- `app`: the application: its routes, middleware and error handlers, in front of a `Service`.
- `lifecycle`: the `Service` it serves from: the model session, the cache-first path, readiness,
  and how it starts and stops.
- `models`: what the service takes and gives, as pydantic models (its OpenAPI description).
- `errors`: how it answers when it cannot: a status and `{"error": "<one line>"}`, always.
- `guard`: before any route: the Host allow-list, the token (before the body), body bounds.
- `strict`: strict JSON in and out, bodies decoded off the event loop.
- `admission`: bounded work: slots, a FIFO queue, 429 with Retry-After, a clean stop.
- `verifying`: `/v1/verify`'s checks in child processes, killed at the deadline or when unwanted.
- `jobs`: extractions that outlive their request, kept in the state folder across restarts.
- `tasks`: the tasks it offers by name (`serve --task`), `GET /v1/tasks`, and the request
  models made for the names it offers; a request names a task, never sends one.
- `metrics`: `/metrics` in Prometheus's text format.
- `docs`: `/docs` and `/redoc` from packaged assets, no third-party origin, a CSP.
- `protocol`: uvicorn's HTTP/1.1 protocol with connection and header-time bounds.
- `run`: where it may listen, and how SIGTERM and Ctrl-C stop it within the grace period.

Rule: the service is an entry point like the CLI: it calls the same pipeline and session as
every other one and adds only HTTP. It may import anything below it, never `claimex.cli`;
nothing below imports it, and only this package imports FastAPI, Starlette, uvicorn or
prometheus-client.
"""

from .._compat import old_names

# The names the module claimex.service had before it became this package (until 2027-06-01).
__getattr__ = old_names(__name__)

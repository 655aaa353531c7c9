"""`claimex serve`: the pipeline over HTTP (FastAPI under uvicorn, from `claimex[serve]`).

- `app`: the application: routes, authentication, the model session, the cache-first path.
- `models`: what the service takes and gives, as pydantic models (its OpenAPI description).
- `errors`: how it answers when it cannot: a status and `{"error": "<one line>"}`, always.
- `admission`: bounded work: model slots, a FIFO queue, 429 with Retry-After, a clean stop.
- `run`: where it may listen, and how SIGTERM and Ctrl-C stop it within the grace period.

Rule: the service is an entry point like the CLI: it calls the same pipeline and session as
every other one and adds only HTTP. It may import anything below it, never `claimex.cli`;
nothing below imports it, and only this package imports FastAPI, Starlette or uvicorn.
"""

from .._compat import old_names

# The names the module claimex.service had before it became this package (until 2027-06-01).
__getattr__ = old_names(__name__)

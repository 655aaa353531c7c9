"""The model, over the OpenAI-compatible API: settings, structured answers, retries, the wire, the cache.

A call goes: cache look-up (`cache`, keyed in `client`) → the request instructor would make,
prepared once per answer schema (`structured`) → tries within one deadline (`retries`) → a POST
straight to the connection pool (`wire`, `transport`). Only the last two touch the network.

- `settings`: the presets (provider quirks as data) and the settings of a run, from options,
  `CLAIMEX_*` variables and the preset.
- `client`: `ModelClient`, one structured answer per call, and its cache key.
- `diagnosis`: the one-line message of every failure (the classes are in `claimex.errors`).
- `turns`: a batch's workers run their Python one at a time between their waits (the answer,
  the disk's fsync), so that their system calls do not hand the GIL around.
- `_private_openai`, `_private_instructor`, `_private_httpx`: every use of those libraries'
  private parts, each with what it buys in figures; tests/test_private_apis.py guards them.

Rule: this layer knows chat completions and nothing of claims: it may import `claimex.errors`
and `claimex.models` only (the answer schemas come in as arguments), never the text, the
verifier or the strategies.
"""

from .._compat import old_names

# The names the module claimex.llm had before it became this package (until 2027-06-01).
__getattr__ = old_names(__name__)

"""The model, over the OpenAI-compatible API: settings, structured answers, retries, the wire, the cache.

A call goes: cache look-up (`cache`) → the request instructor would make, prepared once per
answer schema (`structured`) → tries within one deadline (tenacity) → a POST straight to the
connection pool (`transport`). Only the last two ever touch the network.

Rule: this layer knows chat completions and nothing of claims: it may import `claimex.errors`
and `claimex.models` only (the answer schemas come in as arguments), never the text, the
verifier or the strategies.
"""

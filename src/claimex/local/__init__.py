"""The embedded model: a GGUF file from PyPI parts, served by llama.cpp on loopback.

- `model`: the model file assembled once from its installed part packages, checked by size and
  sha256, in the user data folder.
- `server`: llama-cpp-python's OpenAI-compatible server, started when a run first needs it,
  stopped with claimex (or kept by `claimex model serve`).

Rule: this layer starts and stops a process; it never asks the model a question. It may import
`claimex.errors` and the settings of `claimex.llm`, nothing above.
"""

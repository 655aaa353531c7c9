"""Proof against the text, with no model: where a quote is, and whether it states its claim.

- `verify`: a quote located in the article (exact, normalized, fuzzy or missing), with spans.
- `figures`: every number a text states, as a value, whatever its typography or language.
- `support`: whether located evidence states a claim (its numbers, its names, its substance).

Rule: everything here is pure and deterministic: text in, verdicts out, no I/O, no clock, no
network. It may import `claimex.text`, `claimex.models` and `claimex.errors`; never the model
client (`llm`) nor anything that asks a model.
"""

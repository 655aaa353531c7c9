"""Proof against the text, with no model: where a quote is, and whether it states its claim.

- `folding`: typography folded away (case, quotation marks, dashes, spaces), letters and digits
  kept, every folded character mapped back to its origin in the text.
- `verify`: a quote located in the article, exact or normalized (elisions, word boundaries),
  with spans; `fuzzy`: the closest passage to a quote the article does not hold, and how they
  differ (never verified).
- `figures`: every number a text states, as a value, whatever its typography or language.
- `support`: whether located evidence states a claim (its numbers, its names, its substance).
- `verdict`: a claim's quotes located and its support judged against one article; `verified`
  follows from that verdict alone.

Rule: everything here is pure and deterministic: text in, verdicts out, no I/O, no clock, no
network. It may import `claimex.text`, `claimex.models` and `claimex.errors`; never the model
client (`llm`) nor anything that asks a model.
"""

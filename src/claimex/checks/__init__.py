"""Proof against the text, with no model: where a quote is, and whether it states its claim.

- `folding`: typography folded away (case, quotation marks, dashes, spaces), letters and digits
  kept, every folded character mapped back to its origin in the text.
- `verify`: a quote located in the article, exact or normalized (elisions, word boundaries),
  with spans; `fuzzy`: the closest passage to a quote the article does not hold, and how they
  differ (never verified).
- `figures`: every number a text states, as a value, whatever its typography or language.
- `support`: whether located evidence states a claim (its numbers, names, substance, wording,
  speaker, and whether it stands alone), with `wording` (content words carried by the
  evidence) and `standalone` (openings that point back, fragments).
- `verdict`: a claim's quotes located and its support judged against one article; `verified`
  follows from that verdict alone.
- `records`: the same proof for the records of a user's task (`claimex.tasks`): every evidence
  field located, its number values stated by it (support's rules and messages), its names and
  dates written near it.
- The readers (`readers` puts them together for one sentence or one claim): `attribution` (who
  says it, from reporting cues, as spans), `hedging` (how firmly, from cues), `when` (its time),
  `worthiness` (which claims a desk checks first), with the word lists of `lexicon`.

Rule: everything here is pure and deterministic: text in, verdicts out, no I/O, no clock, no
network. It may import `claimex.text`, `claimex.models` and `claimex.errors`; never the model
client (`llm`) nor anything that asks a model.
"""

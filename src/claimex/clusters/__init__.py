"""Claim clusters over a batch: the same claim across articles, once, with who said it where.

- `features`: what a claim is compared on, with no model: its figures as values (with the kind
  of thing they count), and keys for its names and words folded so that French and English
  spellings of one name meet ("Kouvrane" and "Kuvran", "Norvalie" and "Norvalian").
- `grouping`: claims sharing a figure or rare keys are compared (blocking), pairs are scored by
  IDF-weighted overlap, and clusters are merged best pair first, never letting two different
  figures of the same kind into one cluster; similar claims whose figures differ are conflicts.
- `dates`: an article's date, from the batch index or its dateline, to tell which came first.
- `folder`: a batch's output folder read result by result (bounded memory: members wait in a
  spill file, not in memory), and `clusters.jsonl` written.
- `embeddings`: an optional meaning-based score from a small sentence model on CPU
  (`claimex[cluster-embeddings]`), measured against the deterministic one.

Rule: clusters read result files only; nothing here asks a model for claims. It sits above
`batch` and `report` (it reads what they write and renders its page through `report`), and
imports `claimex.checks.figures` to read numbers as values.
"""

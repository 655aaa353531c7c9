"""Claim clusters over a batch: the same claim across articles, once, with who said it where.

- `features`: what a claim is compared on, with no model: its figures as values (with the kind
  of thing they count), and keys for its names and words folded so that French and English
  spellings of one name meet ("Kouvrane" and "Kuvran", "Norvalie" and "Norvalian").
- `lexicon`: common news words of French and English as shared concepts ("pompiers" and
  "firefighters"), so that a claim and its translation share keys where they share no name.
- `table`: the batch's features in compact form (interned ids, about 200 bytes a claim).
- `grouping`: each claim compared with a bounded number of earlier claims that share a figure or
  rare keys (blocking by the latest claims of each block), pairs scored by IDF-weighted overlap,
  a few best pairs kept per claim, and clusters merged best pair first, never letting two
  different figures of the same kind into one cluster; similar claims whose figures differ are
  conflicts.
- `dates`: an article's date, from the batch index or its dateline, to tell which came first.
- `folder`: a batch's output folder read result by result (bounded memory: members wait in a
  spill file, not in memory), and `clusters.jsonl` written.
- `embeddings`: an optional meaning-based score from a small sentence model on CPU
  (`claimex[cluster-embeddings]`), measured against the deterministic one.

Rule: clusters read result files only; nothing here asks a model for claims. It sits above
`batch` and `report` (it reads what they write and renders its page through `report`), and
imports `claimex.checks.figures` to read numbers as values.
"""

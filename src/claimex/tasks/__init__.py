"""What is extracted: a task is prompt templates and a record schema, every field grounded.

Every extraction is a task's. The built-in claims are one (`prompts/claims/`, `record =
"claims"`: claimex's claim record, asked by `claimex.strategies` and checked by the claims'
rules), loaded as a user's task is; a user's task asks for its own records.

- `loading`: a task folder (`task.toml`, templates, schema) or one `.toml` file into a `Task`,
  with the sha256 of its files; every way a task can be unusable becomes one `TaskError` line
  naming its file, before anything is asked of a model. `given_tasks` lists the built-in claims
  and `examples/tasks/`.
- `templates`: the task's Jinja templates in a sandbox — per chunk (system, user) and/or per
  sentence (sentence_system, sentence_user) — with undefined variables as errors and only the
  documented variables (`CHUNK_VARIABLES`, `SENTENCE_VARIABLES`); the article is a value, never
  a template.
- `schema`: the record: a short field list (`"speaker name: who speaks, quote evidence: the
  words"`), a JSON Schema file, or a pydantic model in a `.py` file (local, trusted code); its
  open strings and lists bounded for a grammar-constrained local model, and which fields are
  evidence and which are values checked.
- `asking`: a user's task's records, one call per chunk (the single strategy's way) or one per
  sentence it asks about: the answer's schema is the task's records, and a record whose evidence
  is not in the article or does not carry its values is asked again once, naming the problem
  (`checks.records` decides).

Rule: a task asks through `claimex.llm` and proves through `claimex.checks`, with the prompts'
and the re-ask context of `claimex.strategies`; it may import those, `claimex.text`,
`claimex.models` and `claimex.errors`, never the pipeline, the CLI, or anything that starts a
server (`claimex.local`) or writes a file. It imports the user's `.py` schema, which runs it.
"""

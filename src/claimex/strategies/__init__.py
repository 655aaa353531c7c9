"""How claims are asked for: one module per value of `--strategy`, and the prompts they render.

- `single`: one call per chunk; the model writes the claims and quotes their evidence, and a
  quote not in the article, or one that does not state its claim, is asked again once.
- `sentences`: one call per checkable sentence; the sentence is the evidence.
- `prompting`: the messages: a claims task's templates (the built-in `prompts/claims/`, handed
  in as `Prompts`) and claimex's own re-asks (`prompts/*.j2`); the article is data, never a template.
- `context`: what both share: the article the answer's validators check against (the re-ask
  context) and `ChunkAnswer`, what asking about one chunk gives back.

Both strategies take one chunk and give back its claims with their evidence located and their
support judged (`claimex.checks`), and what asking cost.

Rule: a strategy asks through `claimex.llm` and proves through `claimex.checks`; it may import
those, `claimex.text`, `claimex.models` and `claimex.errors`, never the pipeline or anything
that starts a server (`claimex.local`) or writes a file.
"""

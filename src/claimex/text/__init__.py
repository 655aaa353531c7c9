"""The article as text: read it, cut it into sentences and chunks, pick what is worth asking about.

- `documents`: a file, stdin, bytes or an HTML page into one `Document` (its text, sha256 and
  encoding); every way a file can be unreadable becomes one `InputError` line.
- `sentences`: paragraphs and sentences as offsets (pysbd's French and English rules).
- `pysbd_fr`: pysbd's French sentence processor, forked to compile its rules once and skip
  the passes a paragraph cannot match (the same sentences, 2.4 x faster).
- `chunking`: overlapping chunks at paragraph and sentence boundaries for texts past a context.
- `selection`: the sentences with something to check, chosen without a model.

Rule: this layer reads text and nothing else. It may import `claimex.errors` and
`claimex.models` only; never the verifier (`checks`), the model client (`llm`), nor anything
above them.
"""

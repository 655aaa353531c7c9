"""Claims out to the review tools a desk runs: Label Studio, doccano, brat, and CSV.

- `offsets`: claimex's code-point offsets in the units a tool counts: UTF-16 code units
  (doccano by default: its editor indexes JavaScript strings) or grapheme clusters (doccano's
  "count grapheme clusters as one character"); Label Studio and brat count code points.
- `source`: a result file, or every result of a batch folder, with the text its spans index.
- `formats`: one writer per tool: the verified evidence spans as pre-annotations, with the
  claim's statement, speaker, type and verdict where the format has room, and the labelling
  configuration to import them with.

Rule: exports read result files only and call no model. They sit above `clusters` (a CSV row
carries its claim's cluster when the batch was clustered) and `report` (the article is found
and checked by sha256 as `claimex report` finds it).
"""

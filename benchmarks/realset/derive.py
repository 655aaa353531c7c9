"""Rebuild a real-set article's text from the test fixture it was taken from (no model, no network).

Every `NAME.txt` under `benchmarks/realset/` is the main text of a page that an HTML-extraction
project keeps as a test fixture (its `NAME.facts.json` says which repository, path and commit),
turned into plain text by one of three rules, without a word changed:

* `fundus FILE KEY`: a flairNLP/fundus parser fixture (`tests/resources/parser/test_data/...json`):
  the entry's title, its summary paragraphs, then each section's headlines and paragraphs, one
  block each, a blank line between blocks;
* `scrapinghub FILE KEY`: scrapinghub/article-extraction-benchmark's `ground-truth.json`: the
  human-labelled `articleBody` of the page whose key is KEY, as it is;
* `html FILE`: a readability test page's `expected.html` (mozilla/readability,
  fivefilters/readability.php): its main text as claimex reads an HTML page (trafilatura).

    python benchmarks/realset/derive.py fundus LeFigaro.json V1 > fr_lefigaro_londres_epee.txt
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def fundus_text(entry: dict[str, Any]) -> str:
    body = entry["body"]
    blocks = [entry["title"], *body.get("summary", [])]
    for section in body.get("sections", []):
        blocks += [*section.get("headline", []), *section.get("paragraphs", [])]
    return "\n\n".join(blocks) + "\n"


def scrapinghub_text(ground_truth: dict[str, Any], key: str) -> str:
    return str(ground_truth[key]["articleBody"]) + "\n"


def html_text(html: str) -> str:
    from claimex.text.documents import html_to_text

    return html_to_text(html).strip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("kind", choices=["fundus", "scrapinghub", "html"])
    parser.add_argument("file", type=Path)
    parser.add_argument(
        "key", nargs="?", help="the fixture's entry (fundus: V1, V1_1...; scrapinghub: the page hash)"
    )
    options = parser.parse_args(argv)
    raw = options.file.read_text(encoding="utf-8")
    if options.kind == "html":
        text = html_text(raw)
    elif options.key is None:
        parser.error(f"{options.kind} needs the KEY of the entry in {options.file}")
    elif options.kind == "fundus":
        text = fundus_text(json.loads(raw)[options.key])
    else:
        text = scrapinghub_text(json.loads(raw), options.key)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

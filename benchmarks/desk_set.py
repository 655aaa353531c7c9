"""The desk set: short articles by several outlets on one story each, French and English, with
hand-written claims and the clusters they should fall into (benchmarks/desk/).

Two parts. `dev` (benchmarks/desk/: twelve articles on three stories) is what the clustering's
thresholds and lexicon were tuned on. `heldout` (benchmarks/desk/heldout/: fourteen articles on
four stories, with repeated, conflicting and unrelated figures) was written after they were
fixed, and nothing is tuned on it: its figures say how the clustering does on claims it has not
seen.

`build(out_dir)` turns it into what `claimex batch` writes: one result per article, made by
claimex's own verifier from the hand-written claims (`claimex.reverify` locates every quote and
judges every claim; no span is written by hand), and `index.jsonl`. The clustering benchmark and
the tests read those results as they would read a batch's.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent / "desk"
PARTS = {"dev": HERE, "heldout": HERE / "heldout"}
ARTICLES = HERE / "articles"
CLAIMS = HERE / "claims"
EXPECTED = HERE / "expected_clusters.json"


def build(out_dir: Path, part: str = "dev") -> list[Path]:
    """Write OUT_DIR/<article>.txt.json for every article and OUT_DIR/index.jsonl; return the results."""
    from claimex.models import Claim, Result
    from claimex.output import json_bytes, write_atomically
    from claimex.pipeline import reverify, source_of, stats_of
    from claimex.text.documents import load_document

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    lines: list[str] = []
    for article in sorted((PARTS[part] / "articles").glob("*.txt")):
        document = load_document(article)
        claims_file = PARTS[part] / "claims" / f"{article.stem}.claims.json"
        payload = json.loads(claims_file.read_text(encoding="utf-8"))
        checked = reverify(document, payload, name=article.name)
        claims = [Claim.model_validate(claim) for claim in checked["claims"]]
        result = Result(
            source=source_of(document),
            provider="hand-written",
            model="benchmarks/desk/claims",
            strategy="single",
            claims=claims,
            stats=stats_of(claims),
        )
        target = out_dir / f"{article.name}.json"
        write_atomically(target, json_bytes(result))
        written.append(target)
        lines.append(
            json.dumps(
                {
                    "path": article.name,
                    "status": "ok",
                    "claims": len(claims),
                    "verified": sum(claim.verified for claim in claims),
                    "result": target.name,
                }
            )
        )
    (out_dir / "index.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return written


def expected(part: str = "dev") -> dict:
    """{"clusters": {name: ["ARTICLE#INDEX", ...]}, "conflicts": [[name, name], ...]}."""
    return json.loads((PARTS[part] / "expected_clusters.json").read_text(encoding="utf-8"))

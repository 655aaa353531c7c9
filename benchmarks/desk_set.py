"""The desk set: twelve short articles by several outlets on three stories, French and English,
with hand-written claims and the clusters they should fall into (benchmarks/desk/).

`build(out_dir)` turns it into what `claimex batch` writes: one result per article, made by
claimex's own verifier from the hand-written claims (`claimex.reverify` locates every quote and
judges every claim; no span is written by hand), and `index.jsonl`. The clustering benchmark and
the tests read those results as they would read a batch's.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent / "desk"
ARTICLES = HERE / "articles"
CLAIMS = HERE / "claims"
EXPECTED = HERE / "expected_clusters.json"


def build(out_dir: Path) -> list[Path]:
    """Write OUT_DIR/<article>.txt.json for every article and OUT_DIR/index.jsonl; return the results."""
    from claimex.models import Claim, Result
    from claimex.output import json_bytes, write_atomically
    from claimex.pipeline import reverify, source_of, stats_of
    from claimex.text.documents import load_document

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    lines: list[str] = []
    for article in sorted(ARTICLES.glob("*.txt")):
        document = load_document(article)
        payload = json.loads((CLAIMS / f"{article.stem}.claims.json").read_text(encoding="utf-8"))
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


def expected() -> dict:
    """{"clusters": {name: ["ARTICLE#INDEX", ...]}, "conflicts": [[name, name], ...]}."""
    return json.loads(EXPECTED.read_text(encoding="utf-8"))

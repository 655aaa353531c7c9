"""How well claimex finds the facts a fact-checker would pick, per model and extraction strategy.

The labelled sets (`--set`): `dev` (default) and `heldout` are real news articles by real
newsrooms, French and English, taken from the test fixtures of HTML-extraction projects
(`benchmarks/realset/`, whose README says where each comes from); `heldout` is for judging and is
never tuned on. `synthetic` is the short articles written for the first version of the bench
(`benchmarks/devset/`), kept as the unit-test set. A folder of `NAME.txt` + `NAME.facts.json`
works too. Each label gives 5 key facts (a verbatim passage, the figure it gives, who asserts it
and how firmly) and the passages with nothing to check (headings, bylines, teasers, calls to
action, questions).

Every article runs through `claimex.pipeline.extract` for each model × strategy (one embedded
server per model serves all its articles and strategies), and through two baselines computed
without a model: `copy-sentence` (each sentence claimex's selection keeps becomes a claim, the
sentence its statement and its evidence, "the outlet" its speaker) and `first-10` (the same for
the first 10 kept sentences), checked by claimex's verifier exactly like a model's claims. A
program that copies sentences reaches full recall on the recall metric alone; the other columns
say what it lacks. Per row:

* recall: key facts matched to claims one to one (one claim cannot cover two facts; a maximum
  matching). A claim covers a fact when it is verified, its verified evidence overlaps the fact's
  passage and its statement carries the fact's figure (numbers compared digit-wise);
* speaker: of the facts found, those whose claim names one of the fact's speakers (case- and
  accent-insensitive, whole words, containment either way), or whose `speaker_spans` /
  `speaker_passage`, when the result has them, overlap the labelled speaker passage;
* hedge: of the facts found (labels with a hedging), those whose claim has the labelled hedging;
* alone-: verified statements that do not stand alone (they open on a pronoun or a reference to
  an earlier sentence, or are a fragment without a verb: the bench's own rule list, in
  `quality_scoring.standalone_problem`);
* top10: key facts among the first 10 claims in the result's order;
* unsup: verified claims whose statement has a number absent from the text at their evidence;
* junk: verified claims whose evidence lies wholly inside nothing-to-check passages;
* fail: chunks whose answer failed (`stats.failed_chunks`) plus articles whose extraction raised;
* claims and verified claims per article, seconds per 1,000 characters and wall seconds (server
  start excluded, reported apart), prompt and completion tokens, requests sent and articles
  answered wholly from the cache.

Answers are cached in a folder of the bench's own (`--fresh` empties it); the per-article results,
with each fact's verdict, are written as JSON under `--out`. `--rescore OUT` scores a previous
run's results again against the labels as they are now, with no model (timings are the run's).

    python benchmarks/quality_bench.py --strategies sentences            # dev set, embedded model
    python benchmarks/quality_bench.py --set heldout --strategies sentences
    python benchmarks/quality_bench.py --no-model                        # the baselines only
    python benchmarks/quality_bench.py --models qwen2.5-coder-0.5b ~/models/other.gguf
    python benchmarks/quality_bench.py --base-url http://127.0.0.1:8080/v1 --model NAME --mode tools
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import logging
import os
import re
import signal
import sys
import tempfile
import time
import typing
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

if str(Path(__file__).resolve().parent) not in sys.path:  # the scoring module sits beside this script
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality_scoring import (
    BASELINES,
    DEVSET,
    ROOT,
    SETS,
    TOP_N,
    Article,
    ArticleScore,
    Fact,
    LabelError,
    all_spans,
    baseline_claims,
    canonical_number,
    carries_figure,
    covers,
    is_junk,
    label_files,
    load_article,
    load_devset,
    match_facts,
    numbers_in,
    overlaps,
    passage_span,
    same_speaker,
    score,
    set_folder,
    speaker_right,
    standalone_problem,
    unsupported_numbers,
    verified_spans,
)

from claimex.errors import ClaimexError, LocalServerError
from claimex.llm.cache import open_cache
from claimex.llm.client import model_client
from claimex.llm.settings import PRESETS, resolve_settings
from claimex.local.server import serving
from claimex.models import Claim, Result
from claimex.pipeline import extract
from claimex.text.documents import load_document

__all__ = [
    "BASELINES",
    "DEVSET",
    "ROOT",
    "SETS",
    "Article",
    "ArticleScore",
    "Fact",
    "LabelError",
    "all_spans",
    "canonical_number",
    "carries_figure",
    "covers",
    "is_junk",
    "label_files",
    "load_article",
    "load_devset",
    "match_facts",
    "numbers_in",
    "overlaps",
    "passage_span",
    "same_speaker",
    "score",
    "speaker_right",
    "standalone_problem",
    "unsupported_numbers",
    "verified_spans",
]

DEFAULT_STRATEGIES = ("single", "sentences")
# A --models entry that names no file and means "whatever claimex embeds by default".
DEFAULT_EMBEDDED = "embedded"
EMBEDDED_VARIABLE = "CLAIMEX_EMBEDDED_MODEL"
BASELINE_MODEL = "baseline"

# --- one row per (model, strategy) ---------------------------------------------------------------


@dataclass
class Row:
    model: str
    strategy: str
    articles: int = 0
    facts: int = 0
    characters: int = 0
    covered: int = 0
    speaker_right: int = 0
    hedged: int = 0  # facts found whose label gives a hedging
    hedging_right: int = 0
    top: int = 0
    claims: int = 0
    verified: int = 0
    not_standalone: int = 0
    unsupported: int = 0
    junk: int = 0
    failed_chunks: int = 0
    failed_articles: int = 0
    seconds: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0
    cached_articles: int = 0

    def add(self, outcome: dict[str, Any]) -> None:
        self.articles += 1
        self.facts += outcome["facts"]
        self.characters += outcome.get("characters", 0)
        self.seconds += outcome["wall_seconds"]
        if outcome["error"] is not None:
            self.failed_articles += 1
            return
        stats, verdict = outcome["result"]["stats"], outcome["score"]
        self.covered += len(verdict["covered"])
        self.speaker_right += len(verdict.get("speaker_right", []))
        self.hedged += verdict.get("hedged", 0)
        self.hedging_right += len(verdict.get("hedging_right", []))
        self.top += len(verdict.get(f"top{TOP_N}", []))
        self.claims += stats["claims"]
        self.verified += stats["verified"]
        self.not_standalone += len(verdict.get("not_standalone", {}))
        self.unsupported += len(verdict["unsupported"])
        self.junk += len(verdict["junk"])
        self.failed_chunks += stats["failed_chunks"]
        self.prompt_tokens += stats["prompt_tokens"]
        self.completion_tokens += stats["completion_tokens"]
        self.requests += stats["requests"]
        self.cached_articles += bool(stats["cache_hit"])

    def cells(self) -> list[str]:
        per = max(self.articles, 1)

        def share(part: int, whole: int) -> str:
            return f"{part}/{whole} {100 * part / whole:.0f}%" if whole else f"{part}/{whole}"

        per_1000 = f"{1000 * self.seconds / self.characters:.1f}" if self.characters else "-"
        return [
            self.model,
            self.strategy,
            share(self.covered, self.facts),
            share(self.speaker_right, self.covered),
            share(self.hedging_right, self.hedged),
            share(self.not_standalone, self.verified),
            share(self.top, self.facts),
            f"{self.unsupported}/{self.verified}",
            f"{self.junk}/{self.verified}",
            f"{self.failed_chunks}+{self.failed_articles}",
            f"{self.claims / per:.1f}",
            f"{self.verified / per:.1f}",
            per_1000,
            f"{self.seconds:.1f}",
            f"{self.seconds / per:.1f}",
            str(self.prompt_tokens),
            str(self.completion_tokens),
            str(self.requests),
            f"{self.cached_articles}/{self.articles}",
        ]


HEADERS = [
    "model",
    "strategy",
    "recall",
    "speaker",
    "hedge",
    "alone-",
    f"top{TOP_N}",
    "unsup",
    "junk",
    "fail",
    "claims/art",
    "verif/art",
    "s/1k chars",
    "wall s",
    "s/art",
    "prompt tok",
    "compl tok",
    "requests",
    "cached",
]
LEGEND = (
    "recall: key facts matched one to one to verified claims carrying the figure; speaker, hedge: of "
    "those; alone-: verified statements that do not stand alone; top10: key facts among the first 10 "
    "claims; unsup, junk: of verified claims; fail: failed chunks + articles that raised; s/1k chars: "
    "wall seconds per 1,000 characters (server start excluded); cached: articles wholly from the cache"
)


def format_table(rows: Sequence[Row]) -> str:
    table = [HEADERS, *(row.cells() for row in rows)]
    widths = [max(len(line[column]) for line in table) for column in range(len(HEADERS))]
    lines = []
    for line in table:
        cells = [
            cell.ljust(width) if column < 2 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def scored(article: Article, claims: Sequence[Claim]) -> dict[str, Any]:
    """An article's verdict as the per-article JSON and the rows read it."""
    verdict = score(article, claims)
    body = verdict.as_json()
    body["missed"] = [fact.id for fact in article.facts if fact.id not in verdict.covered]
    body["hedged"] = sum(1 for fact in article.facts if fact.id in verdict.covered and fact.hedging)
    return body


# --- baselines -------------------------------------------------------------------------------------


def baseline_outcome(article: Article, name: str) -> dict[str, Any]:
    """One article through a baseline: claims from its kept sentences, no model, no cache."""
    started = time.perf_counter()
    claims = baseline_claims(article.text, BASELINES[name])
    seconds = time.perf_counter() - started
    stats = {
        "claims": len(claims),
        "verified": sum(claim.verified for claim in claims),
        "failed_chunks": 0,
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "requests": 0,
        "cache_hit": False,
    }
    return {
        "article": article.name,
        "model": BASELINE_MODEL,
        "strategy": name,
        "facts": len(article.facts),
        "characters": len(article.text),
        "error": None,
        "wall_seconds": round(seconds, 3),
        "score": scored(article, claims),
        "result": {"stats": stats, "claims": [claim.model_dump(mode="json") for claim in claims]},
    }


# --- strategies --------------------------------------------------------------------------------


def strategy_support() -> tuple[str, frozenset[str] | None]:
    """extract's default strategy, and the strategies it knows (None: any, it says itself).

    Before `strategy` existed, extract ran the one-call strategy, "single".
    """
    parameter = inspect.signature(extract).parameters.get("strategy")
    if parameter is None:
        return "single", frozenset({"single"})
    default = parameter.default if isinstance(parameter.default, str) else "single"
    with contextlib.suppress(Exception):
        hint = typing.get_type_hints(extract).get("strategy")
        if typing.get_origin(hint) is typing.Literal:
            return default, frozenset(str(value) for value in typing.get_args(hint))
    import claimex.pipeline as pipeline

    known = getattr(pipeline, "STRATEGIES", None)
    if isinstance(known, dict | list | tuple | set | frozenset):
        return default, frozenset(str(value) for value in known)
    return default, None


# --- models ------------------------------------------------------------------------------------


@dataclass
class ModelSpec:
    label: str
    model_path: Path | None = None
    embedded_name: str | None = None  # set as CLAIMEX_EMBEDDED_MODEL while it runs
    base_url: str | None = None
    model: str | None = None


def model_specs(options: argparse.Namespace) -> list[ModelSpec]:
    if options.base_url:
        return [ModelSpec(label=options.model or "default", base_url=options.base_url, model=options.model)]
    specs = []
    for entry in options.models:
        path = Path(entry).expanduser()
        if entry.endswith(".gguf") or path.is_file():
            specs.append(ModelSpec(label=path.name, model_path=path))
        elif entry == DEFAULT_EMBEDDED:
            specs.append(ModelSpec(label=entry))
        else:
            specs.append(ModelSpec(label=entry, embedded_name=entry))
    return specs


@contextlib.contextmanager
def environment(**values: str | None) -> Iterator[None]:
    """Set (a str) or remove (None) environment variables for the block, then restore them."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Bench:
    articles: list[Article]
    strategies: list[str]
    out: Path
    cache_dir: Path
    mode: str | None = None
    max_claims: int | None = None
    max_tokens: int = 1500
    timeout: float = 300.0
    default_strategy: str = "single"
    notes: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    def run(self, specs: Iterable[ModelSpec]) -> None:
        for spec in specs:
            self.run_model(spec)

    def run_baselines(self) -> None:
        for name in BASELINES:
            row = Row(BASELINE_MODEL, name)
            for article in self.articles:
                outcome = baseline_outcome(article, name)
                self.save(BASELINE_MODEL, name, article, outcome)
                row.add(outcome)
            self.rows.append(row)

    def rescore(self, folder: Path) -> None:
        """Rows again from a previous run's per-article results, scored against today's labels."""
        by_name = {article.name: article for article in self.articles}
        runs = sorted(path for path in folder.glob("*/*") if path.is_dir())
        for run in runs:
            if run.parent.name == BASELINE_MODEL:
                continue  # baselines are recomputed: they cost nothing
            row: Row | None = None
            for path in sorted(run.glob("*.json")):
                outcome = json.loads(path.read_text(encoding="utf-8"))
                article = by_name.get(outcome.get("article", ""))
                if article is None:
                    continue
                row = row or Row(run.parent.name, run.name)
                outcome["facts"] = len(article.facts)
                outcome["characters"] = len(article.text)
                if outcome["error"] is None:
                    claims = [Claim.model_validate(item) for item in outcome["result"]["claims"]]
                    outcome["score"] = scored(article, claims)
                self.save(row.model, row.strategy, article, outcome)
                row.add(outcome)
            if row is not None:
                self.rows.append(row)
        if not self.rows:
            self.notes.append(f"--rescore {folder}: no per-article result of this set's articles")

    def run_model(self, spec: ModelSpec) -> None:
        """One server for this model: every strategy and article runs on it before the next model."""
        limits = {"max_tokens": self.max_tokens, "timeout": self.timeout}
        variables: dict[str, str | None] = {}
        if spec.base_url:
            settings = resolve_settings(base_url=spec.base_url, model=spec.model, mode=self.mode, **limits)
        else:
            settings = resolve_settings(provider="local", mode=self.mode, **limits)
            if spec.embedded_name is not None:
                # The name chooses among the embedded models; a GGUF path would win over it.
                variables = {EMBEDDED_VARIABLE: spec.embedded_name, "CLAIMEX_LOCAL_MODEL": None}
        preset = PRESETS[settings.provider]
        label = spec.label
        loading = {"seconds": 0.0, "starts": 0}
        on_demand = False  # a server this bench starts (not a given URL, nor `claimex model serve`'s)
        try:
            with (
                environment(**variables),
                serving(settings, model_path=spec.model_path, status=_status) as (ready, connect),
            ):
                if ready.model not in label:
                    label = f"{label} ({ready.model})"
                on_demand = connect is not None

                def timed_connect() -> str:
                    assert connect is not None
                    started = time.perf_counter()
                    try:
                        return connect()
                    finally:
                        loading["seconds"] += time.perf_counter() - started
                        loading["starts"] += 1

                with model_client(
                    ready,
                    use_cache=True,
                    cache_dir=self.cache_dir,
                    connect=timed_connect if connect is not None else None,
                ) as client:
                    for strategy in self.strategies:
                        self.rows.append(self.run_strategy(client, label, strategy, preset, loading))
        except ClaimexError as error:
            # No such model file, an unknown or incomplete embedded model, a server that will not
            # start: this model is skipped (its rows so far are kept) and the next one runs.
            self.notes.append(f"{label}: stopped, the model could not run: {error}")
            return
        if loading["starts"]:
            self.notes.append(f"{label}: server start took {loading['seconds']:.1f} s (not in wall s)")
        elif on_demand:
            self.notes.append(f"{label}: no server started, every answer came from the cache")

    def run_strategy(
        self, client: Any, label: str, strategy: str, preset: Any, loading: dict[str, float]
    ) -> Row:
        row = Row(label, strategy)
        for article in self.articles:
            before = loading["seconds"]
            outcome = self.run_article(client, article, strategy, preset)
            # The server starts inside the first call that needs it: that is load time, not work.
            outcome["wall_seconds"] = round(
                max(0.0, outcome["wall_seconds"] - (loading["seconds"] - before)), 3
            )
            self.save(label, strategy, article, outcome)
            row.add(outcome)
            _progress(label, strategy, article, outcome)
            if outcome.get("server_error"):
                raise LocalServerError(outcome["server_error"])
        return row

    def run_article(self, client: Any, article: Article, strategy: str, preset: Any) -> dict[str, Any]:
        document = load_document(article.path)
        options: dict[str, Any] = {
            # As the CLI does: the preset's cap for this strategy unless --max-claims says otherwise.
            "max_claims": self.max_claims or preset.max_claims(strategy),
            "chunk_chars": preset.chunk_chars,
            "concurrency": preset.concurrency,
        }
        options["strategy"] = strategy
        outcome: dict[str, Any] = {
            "article": article.name,
            "model": client.settings.model,
            "strategy": strategy,
            "facts": len(article.facts),
            "characters": len(article.text),
            "error": None,
        }
        started = time.perf_counter()
        try:
            result: Result = extract(document, client, **options)
        except LocalServerError as error:
            outcome["error"] = outcome["server_error"] = str(error)
        except ClaimexError as error:
            outcome["error"] = str(error)
        outcome["wall_seconds"] = time.perf_counter() - started
        if outcome["error"] is None:
            outcome["strategy_run"] = getattr(result, "strategy", strategy)
            outcome["score"] = scored(article, result.claims)
            outcome["result"] = result.model_dump(mode="json")
        return outcome

    def save(self, label: str, strategy: str, article: Article, outcome: dict[str, Any]) -> None:
        folder = self.out / _slug(label) / _slug(strategy)
        folder.mkdir(parents=True, exist_ok=True)
        body = {key: value for key, value in outcome.items() if key != "server_error"}
        (folder / f"{article.name}.json").write_text(
            json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "model"


def _status(message: str) -> contextlib.AbstractContextManager[object]:
    print(message, file=sys.stderr, flush=True)
    return contextlib.nullcontext()


def _progress(label: str, strategy: str, article: Article, outcome: dict[str, Any]) -> None:
    where = f"[{label} / {strategy}] {article.name}:"
    if outcome["error"] is not None:
        print(f"{where} FAILED ({outcome['wall_seconds']:.1f} s): {outcome['error']}", file=sys.stderr)
        return
    stats = outcome["result"]["stats"]
    source = "cache" if stats["cache_hit"] else f"{stats['requests']} requests"
    print(
        f"{where} {stats['claims']} claims, {stats['verified']} verified, recall "
        f"{outcome['score']['recall']}, {outcome['wall_seconds']:.1f} s ({source})",
        file=sys.stderr,
        flush=True,
    )


def threading_is_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def default_bench_cache() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("claimex-bench"))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--models",
        nargs="+",
        default=[DEFAULT_EMBEDDED],
        help=f"GGUF files, or embedded model names (set as {EMBEDDED_VARIABLE}); "
        f"'{DEFAULT_EMBEDDED}' is the default embedded model",
    )
    parser.add_argument("--strategies", nargs="+", default=list(DEFAULT_STRATEGIES))
    parser.add_argument("--articles", nargs="+", help="dev set names (default: all)")
    parser.add_argument("--base-url", help="bench an OpenAI-compatible server instead of --models")
    parser.add_argument("--model", help="the model name at --base-url")
    parser.add_argument("--mode", help="structured-output mode (tools, json_schema, json, md_json)")
    parser.add_argument("--max-claims", type=int, help="default: the provider preset's, per strategy")
    parser.add_argument("--max-tokens", type=int, default=1500)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--cache-dir", type=Path, help="default: the user cache folder claimex-bench")
    parser.add_argument("--fresh", action="store_true", help="empty the cache first")
    parser.add_argument("--out", type=Path, help="folder for per-article JSON (default: a new temp folder)")
    parser.add_argument("--verbose", action="store_true", help="show instructor's and claimex's logs")
    parser.add_argument(
        "--set",
        default="dev",
        help=f"the labelled articles: {', '.join(SETS)} (default dev), or a folder of labelled articles",
    )
    parser.add_argument("--no-model", action="store_true", help="the baselines only: no model is run")
    parser.add_argument(
        "--rescore", type=Path, metavar="OUT", help="score a previous run's --out folder again, no model"
    )
    # `--strategies a,b` reads as well as `--strategies a b`.
    options = parser.parse_args(argv)
    options.strategies = [part for entry in options.strategies for part in entry.split(",") if part]
    options.models = [part for entry in options.models for part in entry.split(",") if part]
    return options


def quiet_logs(verbose: bool) -> None:
    """As `claimex` does: instructor logs every failed attempt; the bench reports outcomes itself."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s")
    if not verbose:
        logging.getLogger("instructor").setLevel(logging.CRITICAL)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    quiet_logs(options.verbose)
    if threading_is_main():
        # Unwind like Ctrl-C on SIGTERM, so the embedded server is stopped by its `finally`.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    folder = set_folder(options.set)
    try:
        articles = load_devset(options.articles, folder)
    except LabelError as error:
        raise SystemExit(f"--set {options.set}: {error}") from None
    if options.rescore is not None and not options.rescore.is_dir():
        raise SystemExit(f"--rescore {options.rescore}: not a folder of a previous run's results")
    cache_dir = options.cache_dir or default_bench_cache()
    if options.fresh and options.rescore is None and not options.no_model:
        cache = open_cache(cache_dir)
        cleared = cache.clear()
        cache.close()
        print(f"cache {cache_dir}: emptied ({cleared} answers)")
    out = options.out or Path(tempfile.mkdtemp(prefix="claimex-quality-"))
    out.mkdir(parents=True, exist_ok=True)

    default, known = strategy_support()
    strategies, notes = [], []
    for strategy in dict.fromkeys(options.strategies):
        if known is not None and strategy not in known:
            notes.append(
                f"strategy {strategy!r} skipped: claimex.pipeline.extract knows {', '.join(sorted(known))}"
            )
        else:
            strategies.append(strategy)
    for note in notes:
        print(note, file=sys.stderr)
    facts = sum(len(article.facts) for article in articles)
    characters = sum(len(article.text) for article in articles)
    asked = (
        "none (baselines only)" if options.no_model or options.rescore else ", ".join(strategies) or "none"
    )
    print(
        f"set {options.set}: {len(articles)} articles, {characters} characters, {facts} key facts; "
        f"strategies {asked} (default {default}); cache {cache_dir}",
        flush=True,
    )
    bench = Bench(
        articles,
        strategies,
        out,
        cache_dir,
        mode=options.mode,
        max_claims=options.max_claims,
        max_tokens=options.max_tokens,
        timeout=options.timeout,
        default_strategy=default,
        notes=notes,
    )
    if options.rescore is not None:
        bench.rescore(options.rescore)
    elif strategies and not options.no_model:
        bench.run(model_specs(options))
    bench.run_baselines()
    print()
    print(format_table(bench.rows))
    print(LEGEND)
    for note in bench.notes:
        print(f"note: {note}")
    (out / "summary.json").write_text(
        json.dumps(
            {"rows": [asdict(row) for row in bench.rows], "notes": bench.notes},
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"per-article results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

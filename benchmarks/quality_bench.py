"""How well claimex finds the facts a fact-checker would pick, per model and extraction strategy.

The dev set is `benchmarks/devset/`: short news articles (`NAME.txt`, or the file a label names
with "article", relative to the repository) and their labels (`NAME.facts.json`): 5 key facts
each, as a verbatim passage and the figure it gives, and the passages with nothing to check
(headings, questions, bylines, calls to action, teasers). Every article is run through
`claimex.pipeline.extract` for each model × strategy; one embedded server is started per model
and serves all its articles and strategies. Per (model, strategy) it prints:

* recall: key facts covered / key facts. A fact is covered by a verified claim whose verified
  evidence spans overlap the fact's passage and whose statement carries the fact's figure
  (numbers compared digit-wise: "12 000", "12,000" and "12.000" are all 12000; "3,5" is 3.5);
* unsup: verified claims whose statement has a number absent from the text at their evidence;
* junk: verified claims whose evidence lies wholly inside nothing-to-check passages;
* fail: chunks whose answer failed (`stats.failed_chunks`) plus articles whose extraction raised;
* claims and verified claims per article, wall seconds (server start excluded, reported apart),
  prompt and completion tokens, requests sent and articles answered wholly from the cache.

The number check is written here on purpose, independently of claimex's own code. Answers are
cached in a folder of the bench's own (`--fresh` empties it); the per-article results, with
each fact's verdict, are written as JSON under `--out`.

    python benchmarks/quality_bench.py                      # the default embedded model
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

from claimex.errors import ClaimexError, LocalServerError
from claimex.llm.cache import open_cache
from claimex.llm.client import model_client
from claimex.llm.settings import PRESETS, resolve_settings
from claimex.local.server import serving
from claimex.models import VERIFIED_STATUSES, Claim, Result
from claimex.pipeline import extract
from claimex.text.documents import load_document

ROOT = Path(__file__).resolve().parents[1]
DEVSET = Path(__file__).resolve().parent / "devset"
DEFAULT_STRATEGIES = ("single", "sentences")
# A --models entry that names no file and means "whatever claimex embeds by default".
DEFAULT_EMBEDDED = "embedded"
EMBEDDED_VARIABLE = "CLAIMEX_EMBEDDED_MODEL"

Span = tuple[int, int]

# --- the dev set -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    id: str
    passage: str
    figure: str | None
    speaker: str
    note: str = ""


@dataclass(frozen=True)
class Article:
    name: str
    path: Path
    text: str
    language: str
    facts: tuple[Fact, ...]
    nothing_to_check: tuple[str, ...]


class LabelError(Exception):
    """A label that does not fit its article: the dev set, not claimex, is wrong."""


def label_files(devset: Path = DEVSET) -> list[Path]:
    return sorted(devset.glob("*.facts.json"))


def load_article(label_path: Path) -> Article:
    """One article and its labels; the text is what claimex sees (`load_document`)."""
    name = label_path.name.removesuffix(".facts.json")
    label = json.loads(label_path.read_text(encoding="utf-8"))
    path = ROOT / label["article"] if label.get("article") else label_path.with_name(f"{name}.txt")
    text = load_document(path).text
    facts = tuple(
        Fact(
            id=item["id"],
            passage=item["passage"],
            figure=item.get("figure"),
            speaker=item.get("speaker", ""),
            note=item.get("note", ""),
        )
        for item in label["facts"]
    )
    article = Article(name, path, text, label["language"], facts, tuple(label.get("nothing_to_check", [])))
    for fact in facts:
        passage_span(text, fact.passage, where=f"{name} {fact.id}")
    for passage in article.nothing_to_check:
        passage_span(text, passage, where=f"{name} nothing_to_check")
    return article


def load_devset(names: Sequence[str] | None = None, devset: Path = DEVSET) -> list[Article]:
    files = {path.name.removesuffix(".facts.json"): path for path in label_files(devset)}
    if names:
        unknown = [name for name in names if name not in files]
        if unknown:
            raise SystemExit(f"unknown article(s) {', '.join(unknown)}; the dev set has: {', '.join(files)}")
        return [load_article(files[name]) for name in names]
    return [load_article(path) for path in files.values()]


def passage_span(text: str, passage: str, *, where: str = "passage") -> Span:
    start = text.find(passage) if passage else -1
    if start < 0:
        raise LabelError(f"{where}: {passage!r} is not a verbatim substring of the article")
    return start, start + len(passage)


def all_spans(text: str, passage: str) -> list[Span]:
    return [(m.start(), m.end()) for m in re.finditer(re.escape(passage), text)] if passage else []


# --- numbers, compared digit-wise --------------------------------------------------------------

# A number as news pages write it: digit groups of three after a space of any kind, a dot or a
# comma ("12 000", "50.000", "1,150"), then an optional decimal part ("3,5", "4.8"). A dot or
# comma followed by other than exactly three digits is a decimal separator.
_GROUP_SEPARATOR = r"(?:[ \u00a0\u202f\u2009]|[.,](?=\d{3}(?!\d)))"
_NUMBER = re.compile(rf"(?<![\d])(?:\d{{1,3}}(?:{_GROUP_SEPARATOR}\d{{3}})+(?!\d)|\d+)(?:[.,]\d+)?(?!\d)")


def canonical_number(raw: str) -> str:
    """'12 000' → '12000', '50.000' → '50000', '3,5' → '3.5', '4,20' → '4.2', '007' → '7'.

    The part after the last dot or comma is decimals unless it is a group of exactly three digits.
    """
    decimal = re.search(r"[.,](\d+)$", raw)
    if decimal and len(decimal.group(1)) != 3:
        whole, decimals = raw[: decimal.start()], decimal.group(1)
    else:
        whole, decimals = raw, ""
    digits = re.sub(r"\D", "", whole).lstrip("0") or "0"
    decimals = decimals.rstrip("0")
    return f"{digits}.{decimals}" if decimals else digits


def numbers_in(text: str) -> list[str]:
    """Every number in `text`, canonical, in order."""
    return [canonical_number(match.group()) for match in _NUMBER.finditer(text)]


def carries_figure(statement: str, figure: str | None) -> bool:
    """Whether every number of `figure` is among the statement's numbers (None: nothing to carry)."""
    if figure is None:
        return True
    wanted = numbers_in(figure)
    found = set(numbers_in(statement))
    return bool(wanted) and all(number in found for number in wanted)


# --- scoring -----------------------------------------------------------------------------------


def verified_spans(claim: Claim) -> list[Span]:
    return [
        (int(start), int(end))
        for item in claim.evidence
        if item.status in VERIFIED_STATUSES
        for start, end in item.spans
    ]


def overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def covers(claim: Claim, passage: Span, figure: str | None) -> bool:
    """A verified claim whose evidence overlaps the passage and whose statement has the figure."""
    if not claim.verified:
        return False
    if not any(overlaps(span, passage) for span in verified_spans(claim)):
        return False
    return carries_figure(claim.statement, figure)


def unsupported_numbers(claim: Claim, text: str) -> list[str]:
    """The statement's numbers found nowhere in the text at the claim's verified evidence."""
    supported: set[str] = set()
    for start, end in verified_spans(claim):
        supported.update(numbers_in(text[start:end]))
    return [number for number in dict.fromkeys(numbers_in(claim.statement)) if number not in supported]


def _trimmed(text: str, span: Span) -> Span:
    """The span without the spaces and punctuation at its ends."""
    start, end = span
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return start, end


def is_junk(claim: Claim, text: str, junk: Sequence[Span]) -> bool:
    """A verified claim whose every evidence span lies inside some nothing-to-check passage."""
    spans = [_trimmed(text, span) for span in verified_spans(claim)]
    spans = [span for span in spans if span[0] < span[1]]
    if not claim.verified or not spans:
        return False
    return all(any(outer[0] <= start and end <= outer[1] for outer in junk) for start, end in spans)


@dataclass
class ArticleScore:
    facts: int = 0
    covered: list[str] = field(default_factory=list)
    covered_by: dict[str, list[int]] = field(default_factory=dict)
    unsupported: dict[int, list[str]] = field(default_factory=dict)
    junk: list[int] = field(default_factory=list)


def score(article: Article, claims: Sequence[Claim]) -> ArticleScore:
    result = ArticleScore(facts=len(article.facts))
    for fact in article.facts:
        span = passage_span(article.text, fact.passage, where=f"{article.name} {fact.id}")
        by = [number for number, claim in enumerate(claims) if covers(claim, span, fact.figure)]
        result.covered_by[fact.id] = by
        if by:
            result.covered.append(fact.id)
    junk_spans = [span for passage in article.nothing_to_check for span in all_spans(article.text, passage)]
    for number, claim in enumerate(claims):
        if not claim.verified:
            continue
        missing = unsupported_numbers(claim, article.text)
        if missing:
            result.unsupported[number] = missing
        if is_junk(claim, article.text, junk_spans):
            result.junk.append(number)
    return result


# --- one row per (model, strategy) ---------------------------------------------------------------


@dataclass
class Row:
    model: str
    strategy: str
    articles: int = 0
    facts: int = 0
    covered: int = 0
    claims: int = 0
    verified: int = 0
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
        self.seconds += outcome["wall_seconds"]
        if outcome["error"] is not None:
            self.failed_articles += 1
            return
        stats, verdict = outcome["result"]["stats"], outcome["score"]
        self.covered += len(verdict["covered"])
        self.claims += stats["claims"]
        self.verified += stats["verified"]
        self.unsupported += len(verdict["unsupported"])
        self.junk += len(verdict["junk"])
        self.failed_chunks += stats["failed_chunks"]
        self.prompt_tokens += stats["prompt_tokens"]
        self.completion_tokens += stats["completion_tokens"]
        self.requests += stats["requests"]
        self.cached_articles += bool(stats["cache_hit"])

    def cells(self) -> list[str]:
        per = max(self.articles, 1)
        recall = f"{self.covered}/{self.facts} {100 * self.covered / max(self.facts, 1):.0f}%"
        return [
            self.model,
            self.strategy,
            recall,
            f"{self.unsupported}/{self.verified}",
            f"{self.junk}/{self.verified}",
            f"{self.failed_chunks}+{self.failed_articles}",
            f"{self.claims / per:.1f}",
            f"{self.verified / per:.1f}",
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
    "unsup",
    "junk",
    "fail",
    "claims/art",
    "verif/art",
    "wall s",
    "s/art",
    "prompt tok",
    "compl tok",
    "requests",
    "cached",
]
LEGEND = (
    "recall: key facts covered by a verified claim with the figure; unsup, junk: of verified claims; "
    "fail: failed chunks + articles that raised; cached: articles answered wholly from the cache"
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
            verdict = score(article, result.claims)
            outcome["strategy_run"] = getattr(result, "strategy", strategy)
            outcome["score"] = {
                "recall": f"{len(verdict.covered)}/{verdict.facts}",
                "covered": verdict.covered,
                "missed": [fact.id for fact in article.facts if fact.id not in verdict.covered],
                "covered_by_claims": verdict.covered_by,
                "unsupported": {str(number): missing for number, missing in verdict.unsupported.items()},
                "junk": verdict.junk,
            }
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
    parser.add_argument("--devset", type=Path, default=DEVSET, help=argparse.SUPPRESS)
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
    articles = load_devset(options.articles, options.devset)
    cache_dir = options.cache_dir or default_bench_cache()
    if options.fresh:
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
    print(
        f"{len(articles)} articles, {facts} key facts; strategies {', '.join(strategies) or 'none'} "
        f"(default {default}); cache {cache_dir}",
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
    if strategies:
        bench.run(model_specs(options))
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

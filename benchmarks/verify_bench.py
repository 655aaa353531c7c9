"""Speed and verdict accuracy of the evidence verifier against a naive `str.find` baseline.

Run: ``PYTHONPATH=src python benchmarks/verify_bench.py [--size 450000] [--quotes 2000] [--seed 7]``
and, to time an older tree beside this one in the same run (a `git worktree` of it):
``... verify_bench.py --claimex this=src --claimex before=/tmp/claimex-before/src``

The text is CPython's own documentation (`pydoc_data.topics`, 465 KB in all), so the benchmark
needs no download. Quotes are drawn from it in three equal classes:

* exact: a run of whole words copied verbatim → must be ``exact``;
* typographic: the same with curly/straight apostrophes, « » or “ ” quotes, other spaces,
  line breaks, case changes, dash variants and/or an elision → must be ``normalized`` (or
  ``exact``, where the retyped quote happens to be in the text as it is);
* changed: one word swapped for another word of the text, or one digit changed → must be
  ``fuzzy`` or ``missing``, never verified. A changed quote is kept only if its letters and
  digits do not occur in the text at all, so a verified verdict would be a real false proof.

No class is filtered on what the baseline answers: a retyped quote is kept whether or not
`str.find` finds it.

Two runs are measured on the same quotes:

* ``claimex verify``, in a process of its own as a user runs it, start-up included (its modules
  compiled once beforehand, as installing claimex compiles them): each quote
  is one claim whose statement is one word of it, so that the support check runs on every
  claim (its substance, names and wording rules), and a claim is right when it is verified
  exactly where its quote is the text's. Its quotes/s is the quotes over the whole run's wall
  time (Python start-up, imports, reading both files, writing the result). A tree whose
  `claimex verify` spreads a long file over the machine's cores (`--jobs`, its default) is run
  in one process too, and both must write the same claims;
* the verifier alone in this process (`SourceIndex.locate`), beside the baseline, which calls
  a quote verified when ``text.find(quote) >= 0``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trees

from claimex.checks.support import MIN_QUOTE_WORDS
from claimex.checks.verify import SourceIndex

_WORD_TOKEN = re.compile(r"\S+")
_SUBSTANCE_WORD = re.compile(r"[^\W_]+")
_ALPHA_WORD = re.compile(r"(?<![\w'’])[A-Za-z]{3,}(?![\w'’])")
_NEGATION_WORDS = re.compile(
    r"(?i)(?<!\w)(?:not|no|never|nor|neither|none|nothing|without|cannot|non|ne|pas|ni)(?!\w)|n['’]t"
)


def skeleton(s: str) -> str:
    """Letters and digits only, case-folded: what typography can never change."""
    return re.sub(r"[\W_]+", "", s.casefold())


def build_text(size: int) -> str:
    from pydoc_data.topics import topics

    chunks: list[str] = []
    total = 0
    while total < size:
        for key in sorted(topics):
            chunks.append(topics[key])
            total += len(topics[key]) + 2
            if total >= size:
                break
    return "\n\n".join(chunks)[:size]


def draw_passage(text: str, tokens: list[re.Match[str]], rng: random.Random) -> str:
    while True:
        i = rng.randrange(len(tokens) - 25)
        length = rng.randint(4, 18)
        start, end = tokens[i].start(), tokens[i + length - 1].end()
        passage = text[start:end]
        # Keep edges on letters or punctuation: an edge digit may be half of "50 000".
        if passage[0].isdigit() or passage[-1].isdigit() or not any(c.isalpha() for c in passage):
            continue
        # Enough words to state a claim (the support check's substance rule counts letters and
        # digits runs): a claim on '":" [UPPER_BOUND]' is rightly not verified, whatever its quote.
        if len(_SUBSTANCE_WORD.findall(passage)) < MIN_QUOTE_WORDS:
            continue
        return passage


def retype(passage: str, rng: random.Random) -> str:
    """Change typography only: what a model or a copy-paste does to a quote."""
    variant = passage
    transforms: list[Callable[[str], str]] = [
        lambda s: s.replace("'", "’"),
        lambda s: s.replace("’", "'").replace("“", '"').replace("”", '"'),
        lambda s: re.sub(r'"([^"\n]{1,80})"', "«\u00a0\\1\u00a0»", s),
        lambda s: re.sub(r'"([^"\n]{1,80})"', "“\\1”", s),
        lambda s: re.sub(r"\s+", lambda m: rng.choice([" ", "\u00a0", "\n", "  ", "\t", "\u202f"]), s),
        lambda s: s.upper(),
        lambda s: s.lower(),
        lambda s: s.replace(" - ", " – ").replace("--", "—"),
    ]
    for transform in rng.sample(transforms, 3):
        variant = transform(variant)
    if rng.random() < 0.4:
        variant = elide(variant, rng) or variant
    if variant == passage:
        variant = variant.swapcase()
    return variant


def elide(s: str, rng: random.Random) -> str | None:
    words = list(_WORD_TOKEN.finditer(s))
    if len(words) < 6:
        return None
    i = rng.randint(1, len(words) - 4)
    j = rng.randint(i + 1, min(i + 4, len(words) - 2))
    head, gap, tail = s[: words[i].start()], s[words[i].start() : words[j].start()], s[words[j].start() :]
    if (
        _NEGATION_WORDS.search(gap)
        or not any(c.isalnum() for c in head)
        or not any(c.isalnum() for c in tail)
    ):
        # Eliding a negation changes the meaning: the verifier rightly refuses it.
        return None
    if re.search(r"\.\.|…|\[|\(", head[-3:] + tail[:3]):
        return None
    return head.rstrip() + rng.choice([" [...] ", " … ", "... ", " (...) ", " […] ", "..."]) + tail.lstrip()


def change(passage: str, vocabulary: list[str], text_skeleton: str, rng: random.Random) -> str | None:
    digits = [m.start() for m in re.finditer(r"\d", passage)]
    words = list(_ALPHA_WORD.finditer(passage))
    for _ in range(10):
        if digits and rng.random() < 0.5:
            k = rng.choice(digits)
            changed = (
                passage[:k] + rng.choice([d for d in "0123456789" if d != passage[k]]) + passage[k + 1 :]
            )
        elif words:
            w = rng.choice(words)
            replacement = rng.choice(vocabulary)
            if replacement.casefold() == w.group().casefold():
                continue
            changed = passage[: w.start()] + replacement + passage[w.end() :]
        else:
            return None
        if skeleton(changed) not in text_skeleton:
            return changed
    return None


def make_quotes(text: str, count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    tokens = list(_WORD_TOKEN.finditer(text))
    vocabulary = sorted({m.group() for m in _ALPHA_WORD.finditer(text)})
    text_skeleton = skeleton(text)
    quotes: list[tuple[str, str]] = []
    while len(quotes) < count:
        kind = ("exact", "typographic", "changed")[len(quotes) % 3]
        passage = draw_passage(text, tokens, rng)
        if kind == "exact":
            quotes.append((kind, passage))
        elif kind == "typographic":
            # Kept whatever `str.find` makes of it: the baseline does not choose its own test. An
            # elision that leaves too few words to state a claim is drawn again, as for `exact`.
            variant = retype(passage, rng)
            if len(_SUBSTANCE_WORD.findall(variant)) >= MIN_QUOTE_WORDS:
                quotes.append((kind, variant))
        else:
            changed = change(passage, vocabulary, text_skeleton, rng)
            if changed is not None:
                quotes.append((kind, changed))
    return quotes


def is_right(kind: str, status: str, quote: str, text: str) -> bool:
    if kind == "exact":
        return status == "exact"
    if kind == "typographic":
        # Retyping may give a passage that is in the text as it is ("the" lower-cased): exact then.
        return status == "normalized" or (status == "exact" and quote.strip() in text)
    return status in ("fuzzy", "missing")


def is_right_verified(kind: str, verified: bool) -> bool:
    return verified if kind in ("exact", "typographic") else not verified


# A word as the wording check reads one: "user-defined" is one word, not "user" and "defined".
_STATEMENT_WORD = re.compile(r"[^\W\d_]{3,}(?:['’-][^\W\d_]+)*")


def statement_of(quote: str) -> str:
    """One word of the quote, its longest: a statement its evidence carries, naming nothing."""
    words = _STATEMENT_WORD.findall(quote) or re.findall(r"[^\W\d_]+", quote)
    return max(words, key=len) if words else "text"


def run_verify(
    text: str,
    quotes: list[tuple[str, str]],
    src: str | None = None,
    bytecode: str | None = None,
    extra: tuple[str, ...] = (),
) -> tuple[float, float, list[dict[str, Any]]]:
    """`claimex verify` in a process of its own, with `src` first on its path: (its wall seconds,
    start-up included; its CPU seconds, user + sys, its forked children's included, which other
    work on the machine disturbs less; its claims). `extra`: more arguments of the command.
    `bytecode`: a folder where the process keeps its compiled modules (PYTHONPYCACHEPREFIX), as
    an installed claimex has its own: a tree on PYTHONPATH in an environment that sets
    PYTHONDONTWRITEBYTECODE would otherwise compile every module of claimex from source on
    every run."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        article, claims, result = folder / "article.txt", folder / "claims.json", folder / "result.json"
        article.write_text(text, encoding="utf-8")
        payload = {"claims": [{"statement": statement_of(q), "evidence": [{"quote": q}]} for _, q in quotes]}
        claims.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        command = [sys.executable, "-m", "claimex", "verify", str(article), str(claims), "-o", str(result)]
        command += extra
        env = trees.environment(src, bytecode)
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"claimex verify failed: exit {os.waitstatus_to_exitcode(status)}")
        cpu = usage.ru_utime + usage.ru_stime
        checked: list[dict[str, Any]] = json.loads(result.read_text(encoding="utf-8"))["claims"]
    return wall, cpu, checked


_TINY = "The verifier reads one sentence of text."


def spreads(src: str | None) -> bool:
    """Whether this tree's `claimex verify` checks a long file in several processes (`--jobs`)."""
    command = [sys.executable, "-m", "claimex", "verify", "--help"]
    shown = subprocess.run(
        command, env=trees.environment(src), capture_output=True, text=True, check=True
    ).stdout
    return "--jobs" in shown


def report_verify(
    text: str,
    quotes: list[tuple[str, str]],
    naive: list[bool],
    show: int,
    measured: list[tuple[str, str]],
    repeat: int,
) -> None:
    """`claimex verify` of each tree (`LABEL=SRC_DIR`), interleaved `repeat` times, best wall kept;
    the first tree's claims are scored. A tree that spreads a long file over processes (its
    default, the machine's cores) is run in one too (`--jobs 1`, labelled "LABEL, 1 process")."""
    runs = []  # (label, src, extra arguments)
    for label, src in measured:
        runs.append((label, src or None, ()))
        if spreads(src or None):
            runs.append((f"{label}, 1 process", src or None, ("--jobs", "1")))
    n = len(quotes)
    walls: dict[str, float] = {}
    cpus: dict[str, float] = {}
    startup: dict[str, tuple[float, float]] = {}
    scored: list[dict[str, Any]] = []
    scored_by: dict[str | None, list[dict[str, Any]]] = {}  # each tree's claims, by its default run
    with tempfile.TemporaryDirectory() as bytecode:
        for _, src in measured:  # not timed: each tree's modules compiled once, as installing does
            run_verify(text, quotes[:1], src or None, bytecode)
        for _ in range(repeat):
            for number, (label, src, extra) in enumerate(runs):
                wall, cpu, claims = run_verify(text, quotes, src, bytecode, extra)
                walls[label] = min(wall, walls.get(label, wall))
                cpus[label] = min(cpu, cpus.get(label, cpu))
                scored = claims if number == 0 else scored
                # One process or several, run after run: a tree's claims are always the same.
                if claims != scored_by.setdefault(src, claims):
                    raise SystemExit(f"claimex verify [{label}]: claims differ from its tree's first run")
                # Start-up alone: the same command on one claim of a one-sentence text.
                wall, cpu, _ = run_verify(_TINY, [("exact", _TINY)], src, bytecode, extra)
                startup[label] = min((wall, cpu), startup.get(label, (wall, cpu)))
    for label, wall in walls.items():
        print(
            f"claimex verify [{label}]: {n / wall:,.0f} quotes/s with start-up ({wall:.2f} s wall, "
            f"{cpus[label]:.2f} s CPU: {n / cpus[label]:,.0f} quotes per CPU second; best of {repeat}); "
            f"start-up {startup[label][0]:.2f} s wall, {startup[label][1]:.2f} s CPU (a one-claim run)"
        )
    right = [
        is_right_verified(kind, bool(claim["verified"]))
        for (kind, _), claim in zip(quotes, scored, strict=True)
    ]
    naive_right = sum(is_right_verified(kind, found) for (kind, _), found in zip(quotes, naive, strict=True))
    print(
        f"claimex verify [{measured[0][0]}]: {n} one-quote claims, statements one word of "
        f"their quote; claims right {sum(right)}/{n} ({100 * sum(right) / n:.1f}%); the naive str.find "
        f"is wrong on {n - naive_right} of their quotes ({100 * (n - naive_right) / n:.1f}%)"
    )
    wrong = [(kind, claim) for (kind, _), claim, ok in zip(quotes, scored, right, strict=True) if not ok]
    if wrong:
        blocking = Counter(
            problem["rule"]
            for _, claim in wrong
            for problem in claim["support"]["problems"]
            if problem["blocking"]
        )
        print("  blocking rules of the wrong claims:", dict(blocking))
    for kind, claim in wrong[:show]:
        evidence = claim["evidence"][0]
        problems = [problem["message"] for problem in claim["support"]["problems"] if problem["blocking"]]
        print(f"  WRONG claim ({kind}): {evidence['quote']!r} → {evidence['status']}; {problems}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=450_000, help="text length in code points")
    parser.add_argument("--quotes", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show-errors", type=int, default=5)
    parser.add_argument("--no-cli", action="store_true", help="the verifier in this process only")
    trees.add_option(
        parser,
        "a tree whose claimex verify to time (repeatable; the first is scored); default: this checkout",
    )
    parser.add_argument("--repeat", type=int, default=3, help="claimex verify runs per tree, best kept (3)")
    args = parser.parse_args(argv)

    text = build_text(args.size)
    quotes = make_quotes(text, args.quotes, args.seed)
    kinds = Counter(kind for kind, _ in quotes)
    print(f"text: {len(text):,} code points; quotes: {len(quotes)} ({dict(kinds)})")

    t0 = time.perf_counter()
    index = SourceIndex(text)
    t1 = time.perf_counter()
    results = [index.locate(q) for _, q in quotes]
    t2 = time.perf_counter()
    naive = [text.find(q) >= 0 for _, q in quotes]
    t3 = time.perf_counter()

    build_s, locate_s, naive_s = t1 - t0, t2 - t1, t3 - t2
    right = sum(is_right(kind, ev.status, q, text) for (kind, q), ev in zip(quotes, results, strict=True))
    right_verified = sum(
        is_right_verified(kind, ev.verified) for (kind, _), ev in zip(quotes, results, strict=True)
    )
    naive_right = sum(is_right_verified(kind, found) for (kind, _), found in zip(quotes, naive, strict=True))
    false_proofs = sum(
        ev.verified for (kind, _), ev in zip(quotes, results, strict=True) if kind == "changed"
    )
    naive_false_proofs = sum(
        found for (kind, _), found in zip(quotes, naive, strict=True) if kind == "changed"
    )
    n = len(quotes)
    claimex_qps = n / locate_s
    claimex_qps_with_build = n / (build_s + locate_s)
    naive_qps = n / naive_s

    print(f"index build: {build_s * 1000:.0f} ms")
    print(
        f"claimex : {claimex_qps:,.0f} quotes/s ({claimex_qps_with_build:,.0f} incl. index build); "
        f"verdicts right {right}/{n} ({100 * right / n:.1f}%); verified-or-not right "
        f"{right_verified}/{n} ({100 * right_verified / n:.1f}%); changed quotes verified: {false_proofs}"
    )
    print(
        f"naive   : {naive_qps:,.0f} quotes/s; verified-or-not right {naive_right}/{n} "
        f"({100 * naive_right / n:.1f}%); changed quotes verified: {naive_false_proofs}"
    )
    print(
        f"ratio   : naive is {naive_qps / claimex_qps:,.0f}x faster; "
        f"claimex is right on {right_verified - naive_right} more quotes"
    )
    if not args.no_cli:
        report_verify(text, quotes, naive, args.show_errors, trees.parse(args.claimex), args.repeat)
    by_kind = Counter((kind, ev.status) for (kind, _), ev in zip(quotes, results, strict=True))
    print("claimex verdicts by class:", {f"{k}→{s}": c for (k, s), c in sorted(by_kind.items())})

    errors = [
        (kind, q, ev)
        for (kind, q), ev in zip(quotes, results, strict=True)
        if not is_right(kind, ev.status, q, text)
    ]
    for kind, q, ev in errors[: args.show_errors]:
        print(f"  WRONG {kind}: {q!r} → {ev.status} {ev.spans} {[str(d) for d in ev.differences]}")

    tracemalloc.start()
    traced = SourceIndex(text)
    for _, q in quotes:
        traced.locate(q)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    max_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"memory  : peak {peak / 1e6:.1f} MB traced for index + all quotes "
        f"({peak / len(text):.1f} bytes per code point of text); process max RSS {max_rss_kb / 1024:.0f} MB"
    )
    return 0 if right == n else 1


if __name__ == "__main__":
    sys.exit(main())

"""`claimex batch` against a fast endpoint: wall time over ideal, claimex's CPU per article, peak RSS.

A stub OpenAI-compatible server (its own process, so it takes no CPU time from claimex) answers
every chat completion with the same reply after a fixed delay. A batch's wall time should
then be the server's alone: requests × delay / requests in flight.

The reply is, by default, every claim the embedded model gave for the seed in the recordings
(`cassettes/`, each claim once, as recorded: statements, quotes and all), so that claimex's CPU
per article is spent locating and checking answers of a real answer's size and mix: quotes that
are exact, retyped and cut short, one claim its evidence does not support (which makes claimex
ask once more, as the model's own answer did; the stub answers the same, and the answer is kept,
marked). `--answer stub,recorded` also runs the stub's own one-claim reply, interleaved, for
the ratio. Each `claimex batch` runs in a
process of its own, cache off, on seed-sized articles (the seed, 3.4 KB, numbered); what it
costs is read from that process alone (`wait4`: user + sys CPU of all its threads, peak RSS,
and its context switches: at 64 in flight mostly threads that waited for the GIL after a system
call, which is what a batch's CPU per article pays for beyond the work itself).

Every level is run on two folder sizes, so that start-up (Python, imports, the first
connection) cancels out: wall/ideal and CPU per article are the marginal cost of one more
article. Then a 10,000-article run and a 100-article one at 64 in flight compare peak RSS: it
must not grow with the folder. Finally, with the cache on, a second run over the same
articles must make no request.

Several trees of claimex can be measured in one run, on the same machine, interleaved level by
level (`--claimex LABEL=SRC_DIR`, e.g. a `git worktree` of an older commit; the default is this
checkout):

    python benchmarks/batch_bench.py
    git worktree add /tmp/claimex-before 64a84e8
    python benchmarks/batch_bench.py --claimex before=/tmp/claimex-before/src --claimex after=src

`--repeat N` runs every level N rounds, each tree once per round, interleaved, and prints the
median of the rounds with the spread of the CPU figure: on a machine shared with other work one
round's CPU per article moves by a third, and before and after are compared on the medians.
Before each round, the cost of writing one result file as claimex does is measured outside
claimex and printed under the level, and the round waits (`--calm-wait`, 120 s at most) while it
is over `--calm-disk` (0.3 ms). On these machines (ext4 without a journal) the kernel's part of
it goes from 0.03 to 1.4 ms in the minute after many files were deleted, a test suite's or a
benchmark's temporary folders (`calm_disk`), and each article pays it once; a batch run in that
minute costs twice the CPU an article. And before each run a fixed piece of work is timed
(`machine_pace`): on these machines it takes from 19 to 37 ms within a minute, and claimex's CPU
moves with it; each row says how slow the machine was for its rounds, against its fastest moment
in the benchmark:

    python benchmarks/batch_bench.py --levels 64 --big 0 --answer recorded,stub --repeat 3 \\
        --claimex before=/tmp/claimex-before/src --claimex after=src

`--engine local,ray` runs each level through both engines (`claimex batch --engine ray`, a local
Ray started by each run, as a user's run starts one), interleaved. A Ray run is many processes
(the driver, Ray's own, the workers), and Ray's workers are not reaped by the command (`wait4`
misses them): its CPU is the sum over every process of the tree of its own user + sys time, read
from /proc every 0.25 s (the last reading of each), and its memory the peak of the tree's summed
PSS, sampled likewise (RSS would count the libraries the processes share once per process). The
run the issue asked for:

    python benchmarks/batch_bench.py --engine local,ray --levels 64,256 --sizes 200,2000 --big 0
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import trees

ROOT = Path(__file__).resolve().parents[1]
STUB = ROOT / "tests" / "stub_openai.py"
SEED = ROOT / "seeds" / "000_a74d49738eea9ff9.txt"


CASSETTES = ROOT / "cassettes"
# The stub server with its reply replaced: tests/stub_openai.py reads its module's ANSWER per request.
_STUB_WITH_ANSWER = """
import json, sys, threading
sys.path.insert(0, sys.argv[1])
import stub_openai
stub_openai.ANSWER = json.loads(sys.argv[3])
with stub_openai.StubServer(delay=float(sys.argv[2])) as stub:
    print(stub.base_url, flush=True)
    threading.Event().wait()
"""


def recorded_seed_answer() -> dict[str, object]:
    """Every claim the recordings' answers give for the seed, each once, in recorded order."""
    import yaml  # vcrpy's dependency, in claimex[dev]

    title = SEED.read_text(encoding="utf-8").split("\n\n")[1]
    claims: list[object] = []
    for cassette in sorted(CASSETTES.rglob("*.yaml")):
        for interaction in yaml.safe_load(cassette.read_text(encoding="utf-8"))["interactions"]:
            request = json.loads(interaction["request"]["body"] or "{}")
            tools = request.get("tools") or [{}]
            if tools[0].get("function", {}).get("name") != "ClaimsResponse":
                continue
            if title not in request["messages"][1]["content"]:
                continue
            answer = json.loads(interaction["response"]["body"]["string"])
            (call,) = answer["choices"][0]["message"]["tool_calls"]
            for claim in json.loads(call["function"]["arguments"])["claims"]:
                if claim not in claims:
                    claims.append(claim)
    assert claims, f"no recorded answer about the seed under {CASSETTES}"
    return {"claims": claims}


class Stub:
    """The stub server in a child process; `answer`, its reply (else the stub's own)."""

    def __init__(self, delay: float, answer: dict[str, object] | None = None) -> None:
        command = [sys.executable, str(STUB), str(delay)]
        if answer is not None:
            command = [
                sys.executable,
                "-c",
                _STUB_WITH_ANSWER,
                str(STUB.parent),
                str(delay),
                json.dumps(answer),
            ]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().strip()

    @property
    def requests(self) -> int:
        with urllib.request.urlopen(self.base_url.removesuffix("/v1") + "/stats") as response:
            return int(json.load(response)["requests"])

    def __enter__(self) -> Stub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.kill()
        self.process.wait()


@dataclass
class Run:
    articles: int
    wall: float
    cpu: float  # user + sys of the claimex process, every thread (a process tree's: of every process)
    rss_mb: float  # its peak resident set (a process tree's: its peak summed PSS)
    requests: int
    error: str | None = None
    # Context switches of the claimex process (voluntary + involuntary; a process tree's: none
    # read): at 64 in flight, mostly threads waiting for the GIL that another holds.
    switches: int = 0
    # The machine's pace just before the run (`machine_pace`): CPU seconds of a fixed piece of work.
    pace: float = 0.0


def machine_pace(tries: int = 3) -> float:
    """CPU seconds a fixed piece of work takes (sort 60,000 numbers, parse 0.9 MB of JSON, build a
    dict of 60,000 strings), the least of `tries`.

    On these machines the same work takes from 19 to 37 ms within a minute (the host's other
    work, in the caches and memory the machine shares), and claimex's CPU an article moves with
    it: 1.9 ms an article when it took 19 to 21 ms, 2.8 to 3.6 when it took 25 to 37 (six rounds
    of one run). A loop that stays in the first-level cache does not show it. Taken before each
    run, it says how fast the machine was for that run's figures."""
    numbers, text = _pace_work()
    best = float("inf")
    for _ in range(tries):
        started = time.process_time()
        sorted(numbers)
        json.loads(text)
        {number: str(number) for number in numbers}
        best = min(best, time.process_time() - started)
    return best


@functools.cache
def _pace_work() -> tuple[list[int], str]:
    """What `machine_pace` sorts and parses, made once for every run."""
    numbers = list(range(60_000))
    random.Random(0).shuffle(numbers)
    return numbers, json.dumps({f"k{n}": [n, str(n) * 3, {"v": n / 7}] for n in range(15_000)})


_outputs = itertools.count()


def new_output(root: Path) -> Path:
    """A new output folder for each run. None is deleted before the end: on ext4, files deleted a
    moment ago make the next ones slower to create (the allocator skips their inodes for a while),
    which would be charged to the run after."""
    return root / f"out-{next(_outputs)}"


def disk_cost(root: Path, files: int = 200) -> float:
    """CPU ms (user + sys) to write one result-sized file as claimex does (a temporary created,
    written, fsynced, renamed), in a new folder beside the runs' outputs.

    A batch pays it once an article, and on this kind of machine it is not the disk's speed that
    moves it but what was deleted lately (`calm_disk`): printed beside the CPU figures, it says
    how much of their spread is the kernel's."""
    folder = new_output(root)
    folder.mkdir()
    body = b"x" * 2_400
    before = resource.getrusage(resource.RUSAGE_SELF)
    for number in range(files):
        temporary, final = folder / f".{number}.tmp", folder / f"{number}.json"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            os.write(descriptor, body)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, final)
    after = resource.getrusage(resource.RUSAGE_SELF)
    spent = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return 1000 * spent / files


# How often a round that waits for the disk to calm down measures it again (seconds).
CALM_POLL = 10.0


def calm_disk(root: Path, ceiling: float, longest: float) -> tuple[float, float]:
    """(`disk_cost` once it is at most `ceiling` ms, or after `longest` seconds; seconds waited).

    These machines' disk is ext4 without a journal. There, every file created in the minute after
    many were deleted (a test suite's or a benchmark's temporary folders) makes the kernel's inode
    allocator look at, and skip, each inode of its block group deleted in that minute
    (`recently_deleted` in ext4's ialloc.c, which runs only without a journal; `perf record`
    shows it and `find_get_block` taking 53 % of the CPU of a loop creating files). Measured:
    after 20,000 files were created and deleted, one file's creation cost 1.4 ms of kernel CPU
    instead of 0.03, for about 40 s; `claimex batch` at 64 in flight, run in that minute, cost
    3.91 ms of CPU an article instead of 1.83. The kernel's share is not claimex's, and the
    machine's other work is not the batch's: a round waits for it to pass (a journaled
    filesystem never has it, and waits for nothing).
    """
    waited = 0.0
    cost = disk_cost(root)
    while cost > ceiling and waited < longest:
        time.sleep(CALM_POLL)
        waited += CALM_POLL
        cost = disk_cost(root)
    return cost, waited


class Articles:
    """Folders of n seed-sized articles (the seed with its number on top), made once each."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.seed = SEED.read_text(encoding="utf-8")

    def folder(self, count: int) -> Path:
        folder = self.root / f"in-{count}"
        if not folder.is_dir():
            folder.mkdir(parents=True)
            for number in range(count):
                (folder / f"article-{number:05}.txt").write_text(
                    f"Article {number}.\n\n{self.seed}", encoding="utf-8"
                )
        return folder


def _descendants(root: int) -> list[int]:
    """`root` and every live process below it."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    parents[int(entry.name)] = int(stat.read().rpartition(b")")[2].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sorted(tree)


def _pss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
                for line in rollup:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1])
                        break
        except (OSError, ValueError):
            continue
    return total / 1024


def _cpu_seconds(pid: int) -> float | None:
    """A process's own user + sys time (not its children's)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rpartition(b")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Tree:
    """A process tree's peak summed PSS and the CPU of every process in it, sampled until stopped."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0.0
        self.cpu: dict[int, float] = {}  # the last reading of each process
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            pids = _descendants(self.pid)
            for pid in pids:
                seconds = _cpu_seconds(pid)
                if seconds is not None:
                    self.cpu[pid] = max(seconds, self.cpu.get(pid, 0.0))
            self.peak = max(self.peak, _pss_mb(pids))

    def stop(self) -> tuple[float, float]:
        """(peak MB, CPU seconds)."""
        self._stop.set()
        self._thread.join()
        return self.peak, sum(self.cpu.values())


def run_batch(
    stub: Stub, src: Path | None, inputs: Path, outputs: Path, *extra: str, tree: bool = False
) -> Run:
    """One `claimex batch` in a process of its own, with `src` first on its path.

    `tree`: its memory and CPU are those of its whole process tree (a local Ray), sampled.
    """
    env = trees.environment(src)
    args = [sys.executable, "-m", "claimex", "batch", str(inputs), "-o", str(outputs)]
    args += ["--base-url", stub.base_url, "--mode", "tools", *extra]
    count = sum(1 for _ in inputs.iterdir())
    before = stub.requests
    pace = machine_pace()
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        sampled = Tree(process.pid) if tree else None
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        peak, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
        switches = usage.ru_nvcsw + usage.ru_nivcsw
        if sampled is not None:
            peak, cpu = sampled.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        lines = errors.read().decode("utf-8", "replace").strip().splitlines()
    error = None
    if process.returncode != 0:
        said = [line.strip(" │╭╮╰╯─") for line in lines]
        said = [line for line in said if line]
        error = f"exit {process.returncode}: {said[-1] if said else ''}"[:160]
    return Run(count, wall, cpu, peak, stub.requests - before, error, 0 if tree else switches, pace)


def engine_args(engine: str) -> list[str]:
    """Nothing for the local engine, so that trees from before `--engine` run as they are."""
    return [] if engine == "local" else ["--engine", engine]


def marginal(small: Run, large: Run, delay: float, level: int) -> tuple[float, float]:
    """(wall/ideal, CPU ms) of one more article, from two folder sizes. The ideal counts the
    requests made (a re-ask is a second answer to wait for)."""
    more = large.articles - small.articles
    ideal = (large.requests - small.requests) * delay / level
    return (large.wall - small.wall) / ideal, 1000 * (large.cpu - small.cpu) / more


class Bench:
    """`claimex batch` runs of one tree of claimex after another, against one stub per reply, on
    shared folders."""

    def __init__(self, stubs: dict[str, Stub], root: Path, delay: float, width: int) -> None:
        self.stubs, self.root, self.delay, self.width = stubs, root, delay, width
        self.articles = Articles(root)
        self.done: list[Run] = []

    def runs(
        self,
        src: Path | None,
        level: int,
        sizes: tuple[int, int],
        engine: str = "local",
        answer: str = "recorded",
    ) -> list[Run]:
        made = [
            run_batch(
                self.stubs[answer],
                src,
                self.articles.folder(size),
                new_output(self.root),
                "--no-cache",
                "--concurrency",
                str(level),
                *engine_args(engine),
                tree=engine == "ray",
            )
            for size in sizes
        ]
        self.done += made
        return made

    def fastest(self) -> float:
        """The least `machine_pace` of every run so far."""
        return min(run.pace for run in self.done)

    def row(self, label: str, level: int, rounds: list[list[Run]]) -> None:
        """One line of the table: the marginal cost of an article between the two runs of each
        round, the median over the rounds (with the spread of the CPU figure when more than one)."""
        runs = rounds[0]
        failed = next((run.error for pair in rounds for run in pair if run.error), None)
        sizes = f"{runs[0].articles}→{runs[1].articles}"
        if failed:
            print(f"{label:<{self.width}} {level:>9} {sizes:>12} failed: {failed}", flush=True)
            return
        figures = [marginal(*pair, self.delay, level) for pair in rounds]
        ratio = statistics.median(ratio for ratio, _ in figures)
        cpus = [cpu for _, cpu in figures]
        cpu = statistics.median(cpus)
        large = runs[1]
        whole = statistics.median(pair[1].wall / (pair[1].requests * self.delay / level) for pair in rounds)
        asked = large.requests / large.articles
        rss = f"{runs[0].rss_mb:.0f} → {runs[1].rss_mb:.0f}"
        spread = (
            f"   CPU {min(cpus):.2f}–{max(cpus):.2f} over {len(rounds)} rounds" if len(rounds) > 1 else ""
        )
        switches = statistics.median(
            (pair[1].switches - pair[0].switches) / (pair[1].articles - pair[0].articles) for pair in rounds
        )
        if switches:
            spread += f"   {switches:.1f} context switches/article"
        # How slow the machine was for the larger runs, against its fastest moment in this benchmark.
        fastest = self.fastest()
        paces = [pair[1].pace / fastest for pair in rounds]
        spread += f"   machine at {min(paces):.2f}–{max(paces):.2f} × its fastest pace"
        print(
            f"{label:<{self.width}} {level:>9} {sizes:>12} {ratio:>10.3f} {cpu:>14.2f} {rss:>15} "
            f"{large.wall:>8.1f} s {whole:>6.2f} {asked:>13.2f}{spread}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--delay", type=float, default=0.5, help="seconds the stub takes per answer (0.5)")
    parser.add_argument("--levels", default="1,8,64,256", help="requests in flight to measure (1,8,64,256)")
    parser.add_argument(
        "--seconds", type=float, default=4.0, help="ideal seconds of the smaller folder at each level (4)"
    )
    parser.add_argument(
        "--fewest",
        type=int,
        default=40,
        help="articles of the smaller folder at least (40): with fewer, start-up noise swamps the CPU figure",
    )
    parser.add_argument("--big", type=int, default=10_000, help="articles of the memory run (10000; 0: none)")
    parser.add_argument(
        "--small", type=int, default=100, help="articles of the run it is compared with (100)"
    )
    parser.add_argument(
        "--big-level", type=int, default=64, help="requests in flight of the memory runs (64)"
    )
    parser.add_argument(
        "--engine",
        default="local",
        help="engines to run each level through, comma-separated: local, ray (default local)",
    )
    parser.add_argument(
        "--sizes",
        help="the two folder sizes of every level, e.g. 200,2000 (default: from --seconds, and 3 times that)",
    )
    parser.add_argument(
        "--calm-disk",
        type=float,
        default=0.3,
        metavar="MS",
        help="before each round, wait while writing one file costs more CPU than this (0.3 ms; on "
        "these machines 0.1 when calm, up to 1.5 in the minute after many files were deleted)",
    )
    parser.add_argument(
        "--calm-wait",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="the longest a round waits for the disk to calm down (120; 0: never waits)",
    )
    trees.add_option(parser)
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds of every level, each tree once per round, interleaved; the median is printed (1)",
    )
    parser.add_argument(
        "--answer",
        default="recorded",
        help="the stub's replies to run each level with, comma-separated: recorded (every claim the "
        "recordings give for the seed), stub (its own one claim, one quote); default recorded",
    )
    options = parser.parse_args()
    measured = [(label, Path(path).resolve()) for label, path in trees.parse(options.claimex)]
    levels = [int(part) for part in options.levels.split(",")]
    engines = options.engine.split(",")
    assert set(engines) <= {"local", "ray"}, engines
    answers = options.answer.split(",")
    assert set(answers) <= {"recorded", "stub"}, answers
    # One row per tree, engine and reply: "this" for one of each, else "this/ray", "this/stub".
    rows = [
        (
            "/".join(
                [label, *([engine] if len(engines) > 1 else []), *([answer] if len(answers) > 1 else [])]
            ),
            src,
            engine,
            answer,
        )
        for label, src in measured
        for engine in engines
        for answer in answers
    ]
    width = max(7, *(len(label) for label, _, _, _ in rows))
    recorded = recorded_seed_answer()

    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory())
        stubs = {
            answer: stack.enter_context(Stub(options.delay, recorded if answer == "recorded" else None))
            for answer in answers
        }
        bench = Bench(stubs, Path(scratch), options.delay, width)
        claims = recorded["claims"]
        assert isinstance(claims, list)
        quotes = sum(len(claim["evidence"]) for claim in claims)
        print(
            f"seed-sized articles ({len(bench.articles.seed.encode()) / 1000:.1f} KB), stub delay "
            f"{options.delay * 1000:.0f} ms, cache off, {os.cpu_count()} cores; the recorded reply: "
            f"{len(claims)} claims, {quotes} quotes, {len(json.dumps(recorded)):,} bytes; the stub's: "
            "1 claim, 1 quote. wall/ideal and CPU are the marginal cost of one more article between "
            "the two folder sizes (ideal: requests × delay / in flight); peak MB (of each size) is "
            "the process's peak RSS (local), its process tree's peak summed PSS (ray)"
        )
        print(
            f"{'claimex':<{width}} {'in flight':>9} {'articles':>12} {'wall/ideal':>10} "
            f"{'CPU ms/article':>14} {'peak MB':>15} {'wall of the larger':>19} {'requests':>13}"
        )
        print(
            f"{'':<{width}} {'':>9} {'':>12} {'':>10} {'':>14} {'':>15} {'(s, × ideal)':>19} {'/article':>13}"
        )
        for level in levels:
            small = max(options.fewest, round(options.seconds * level / options.delay))
            sizes = (small, 3 * small)
            if options.sizes:
                first_size, _, second_size = options.sizes.partition(",")
                sizes = (int(first_size), int(second_size))
            # Round after round, every tree once in each: what the machine's other work does to
            # one round falls on all of them alike, and the median of the rounds is printed.
            rounds: dict[str, list[list[Run]]] = {label: [] for label, _, _, _ in rows}
            disk: list[float] = []
            waited = 0.0
            for _ in range(options.repeat):
                cost, waiting = calm_disk(bench.root, options.calm_disk, options.calm_wait)
                disk.append(cost)
                waited += waiting
                for label, src, engine, answer in rows:
                    rounds[label].append(bench.runs(src, level, sizes, engine, answer))
                    if options.repeat == 1:
                        bench.row(label, level, rounds[label])
            if options.repeat > 1:
                for label, _, _, _ in rows:
                    bench.row(label, level, rounds[label])
            print(
                f"{'':<{width}} the disk, before each round: {min(disk):.2f}–{max(disk):.2f} ms CPU "
                "to write one result file (create, write, fsync, rename), which each article pays"
                + (f"; the rounds waited {waited:.0f} s in all for it to calm down" if waited else ""),
                flush=True,
            )
            if max(disk) > options.calm_disk:
                print(
                    f"{'':<{width}} the disk did not calm down (over {options.calm_disk:.2f} ms a "
                    "file): these figures carry the kernel's cost of files deleted lately",
                    flush=True,
                )
        if options.big:
            for label, src, engine, answer in rows:
                runs = bench.runs(src, options.big_level, (options.small, options.big), engine, answer)
                bench.row(label, options.big_level, [runs])

        print("\ncache on, 8 in flight: a second run (new output folder) asks nothing")
        inputs = bench.articles.folder(options.small)
        for label, src, engine, answer in rows:
            cache = bench.root / f"cache-{label.replace('/', '-')}"
            first, second = (
                run_batch(
                    stubs[answer],
                    src,
                    inputs,
                    new_output(bench.root),
                    "--cache-dir",
                    str(cache),
                    "--concurrency",
                    "8",
                    *engine_args(engine),
                    tree=engine == "ray",
                )
                for _ in range(2)
            )
            print(
                f"{label:<{width}} first run {first.wall:.2f} s, {first.requests} requests; "
                f"second run {second.wall:.2f} s, {second.requests} requests"
            )


if __name__ == "__main__":
    main()

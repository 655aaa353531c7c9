"""The report in a real browser: headless Chromium loads the page from a file.

Chromium is Debian's `chromium` package, installed by tests/install_chromium.sh (the Makefile's
test target runs it). Most tests use `--dump-dom` (the DOM after the page's scripts ran) and
`--screenshot`; the interaction test drives Chromium over `--remote-debugging-pipe`, the DevTools
protocol on two file descriptors, so no socket is opened and `--block-network` stays on.
Screenshots are saved under test-artifacts/ at the top of the repository.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from claimex.models import Evidence
from claimex.report import write_report
from claimex.text.documents import load_document
from conftest import ROOT, SEED, missing_tool
from test_report import ReportPage, make_claim, make_result, parse_page, seed_claims

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
WINDOW = "1400,1000"
TIMEOUT = 60.0

# --no-sandbox: the tests run as root in a container, where Chromium's sandbox cannot start.
# The background-networking flags stop Chromium from dialling out (the network is closed here).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--mute-audio",
    f"--window-size={WINDOW}",
]


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    if not Path(CHROMIUM).is_file():
        missing_tool(
            "headless Chromium is not installed (no /usr/bin/chromium): run tests/install_chromium.sh "
            "as root (apt-get install chromium) to run the browser tests"
        )


HOSTILE_ARTICLE = (
    "Titre <script>document.title='PWNED'</script>\n"
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">\n"
    "Fin de zone </textarea></title></style><textarea>texte\n"
    '<a href="javascript:alert(1)">cliquez</a> et '
    "<iframe src=\"javascript:parent.document.title='PWNED'\"></iframe>\n"
    "Une citation \" onmouseover=\"document.body.setAttribute('data-pwned','2')\" x=' et &amp; &lt; fin.\n"
)


def chromium(url: str, profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *arguments, url],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )


def dump_dom(page: Path, tmp_path: Path) -> ReportPage:
    profile = tmp_path / f"profile-dom-{page.stem}"
    dom = chromium(page.as_uri(), profile, "--dump-dom").stdout
    assert dom.strip(), "Chromium printed no DOM"
    return parse_page(dom)


def screenshot(page: Path, tmp_path: Path, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / name
    target.unlink(missing_ok=True)
    chromium(page.as_uri(), tmp_path / f"profile-shot-{page.stem}", f"--screenshot={target}")
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert target.stat().st_size > 20_000, "the screenshot is too small to show a rendered report"
    return target


def seed_report(folder: Path) -> tuple[Path, str]:
    """Like `claimex extract` then `claimex report` on the seed, with the quotes located by the verifier."""
    article = folder / "article.txt"
    article.write_bytes(SEED.read_bytes())
    document = load_document(article)
    result = make_result(document.text, seed_claims(document.text), sha256=document.sha256)
    result_path = folder / "result.json"
    result_path.write_text(result.model_dump_json(indent=2), encoding="utf-8")
    return write_report(result_path), document.text


def hostile_report(folder: Path) -> Path:
    article = folder / "hostile.txt"
    article.write_text(HOSTILE_ARTICLE, encoding="utf-8")
    document = load_document(article)
    text = document.text

    def found(quote: str) -> Evidence:
        start = text.index(quote)
        return Evidence(
            quote=quote, status="exact", spans=[(start, start + len(quote))], score=100, occurrences=1
        )

    claims = [
        make_claim(
            "<script>document.body.setAttribute('data-pwned','3')</script>",
            [
                found("<script>document.title='PWNED'</script>"),
                found("</textarea></title></style><textarea>"),
            ],
            speaker="\" onmouseover=\"document.body.setAttribute('data-pwned','4')\" x=\"",
            entities=["javascript:alert(1)", "<img src=x onerror=alert(1)>"],
        ),
        make_claim(
            "</textarea><img src=x onerror=\"document.title='PWNED'\">",
            [
                found('<a href="javascript:alert(1)">cliquez</a>'),
                Evidence(quote='" onclick="x', status="missing"),
            ],
        ),
    ]
    result_path = folder / "hostile.json"
    result = make_result(text, claims, path="hostile.txt", sha256=document.sha256)
    result_path.write_text(result.model_dump_json(indent=2), encoding="utf-8")
    return write_report(result_path)


def test_the_seed_report_puts_every_highlight_on_its_source_slice(tmp_path: Path) -> None:
    page_path, text = seed_report(tmp_path)
    page = dump_dom(page_path, tmp_path)
    assert page.body.get("data-ready") == "1", "the page's own script did not run"
    assert page.article_text == text
    assert len(page.highlights) == 4
    for highlight in page.highlights:
        assert highlight.text == text[highlight.start : highlight.end]
    assert [(h.text, h.evidence) for h in page.highlights] == [
        ("services de renseignement militaire ukrainien", ["c3e1"]),
        ("Selon eux,", ["c1e2"]),
        ("au moins 30 soldats nord-coréens", ["c1e1", "c2e1"]),
        ("auraient été tués", ["c1e2"]),
    ]
    screenshot(page_path, tmp_path, "report-seed.png")


def test_a_hostile_article_runs_no_script_and_shows_as_text(tmp_path: Path) -> None:
    page_path = hostile_report(tmp_path)
    page = dump_dom(page_path, tmp_path)
    assert page.body.get("data-ready") == "1", (
        "the page's own script did not run, so the check proves nothing"
    )
    assert "data-pwned" not in page.body
    assert page.title == "claimex · hostile.txt"
    assert page.article_text == HOSTILE_ARTICLE
    assert [h.text for h in page.highlights] == [
        "<script>document.title='PWNED'</script>",
        "</textarea></title></style><textarea>",
        '<a href="javascript:alert(1)">cliquez</a>',
    ]
    assert len(page.scripts) == 1
    screenshot(page_path, tmp_path, "report-hostile.png")


def test_the_hostile_check_catches_a_page_that_inserts_the_article_raw(tmp_path: Path) -> None:
    # The check above must be able to fail: the same article pasted in as markup does run.
    raw = tmp_path / "raw.html"
    raw.write_text(f"<!DOCTYPE html><title>raw</title><body>{HOSTILE_ARTICLE}</body>", encoding="utf-8")
    page = dump_dom(raw, tmp_path)
    assert page.title == "PWNED"
    assert page.body.get("data-pwned") == "1"


class DevTools:
    """Just enough of the Chrome DevTools Protocol over --remote-debugging-pipe (NUL-framed JSON)."""

    def __init__(self, commands: int, replies: int) -> None:
        self._commands = commands
        self._replies = replies
        self._buffer = b""
        self._next_id = 0
        self.session: str | None = None

    def call(self, method: str, params: dict[str, Any] | None = None, *, browser: bool = False) -> Any:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session and not browser:
            message["sessionId"] = self.session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self._next_id:
                    if "error" in reply:
                        raise AssertionError(f"{method}: {reply['error']}")
                    return reply["result"]
            ready, _, _ = select.select([self._replies], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError(f"Chromium did not answer {method}")
            chunk = os.read(self._replies, 1 << 16)
            if not chunk:
                raise AssertionError(f"Chromium closed the DevTools pipe during {method}")
            self._buffer += chunk

    def evaluate(self, expression: str) -> Any:
        reply = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in reply:
            raise AssertionError(f"{expression!r} threw {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def mouse(self, kind: str, x: float, y: float) -> None:
        self.call(
            "Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}
        )


def _above_stdio(fd: int) -> int:
    """Move a descriptor to 10 or above so the redirections onto 3 and 4 cannot clobber it."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


@contextmanager
def devtools(page: Path, profile: Path) -> Iterator[DevTools]:
    """Chromium on `page`, reading commands on its fd 3 and answering on its fd 4."""
    commands_read, commands_write = os.pipe()
    replies_read, replies_write = os.pipe()
    commands_read, replies_write = _above_stdio(commands_read), _above_stdio(replies_write)
    # bash, not sh: dash cannot redirect from a descriptor above 9.
    script = f'exec "$@" 3<&{commands_read} 4>&{replies_write} {commands_read}<&- {replies_write}>&-'
    arguments = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", page.as_uri()]
    process = subprocess.Popen(
        ["bash", "-c", script, "bash", *arguments],
        pass_fds=(commands_read, replies_write),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(commands_read)
    os.close(replies_write)
    browser = DevTools(commands_write, replies_read)
    try:
        targets = browser.call("Target.getTargets")["targetInfos"]
        target = next(t for t in targets if t["type"] == "page" and t["url"] == page.as_uri())
        browser.session = browser.call(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
        )["sessionId"]
        deadline = time.monotonic() + TIMEOUT
        while browser.evaluate("document.readyState === 'complete' && document.body.dataset.ready") != "1":
            assert time.monotonic() < deadline, "the report never finished loading"
            time.sleep(0.05)
        yield browser
        browser.call("Browser.close", browser=True)
        process.wait(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT)
        os.close(commands_write)
        os.close(replies_read)


def test_hovering_and_clicking_a_highlight_shows_its_claims_and_filters_apply(tmp_path: Path) -> None:
    page_path, text = seed_report(tmp_path)
    with devtools(page_path, tmp_path / "profile-devtools") as browser:
        # Offsets read back from the live DOM, compared in Python, where indices are code points.
        live = browser.evaluate(
            "Array.from(document.querySelectorAll('#article mark.hl'),"
            " m => [+m.dataset.start, +m.dataset.end, m.textContent])"
        )
        assert [fragment for _, _, fragment in live] == [text[start:end] for start, end, _ in live]
        assert browser.evaluate("document.getElementById('article').textContent") == text

        # A real pointer over the shared highlight (claims 1 and 2), on its first line box.
        x, y = browser.evaluate(
            "(() => { const m = document.querySelector('mark.multi'); m.scrollIntoView({block: 'center'});"
            " const box = m.getClientRects()[0];"
            " return [box.left + box.width / 2, box.top + box.height / 2]; })()"
        )
        browser.mouse("mouseMoved", 2, 2)
        browser.mouse("mouseMoved", x, y)
        tip = browser.evaluate(
            "[document.getElementById('tip').hidden, document.getElementById('tip').innerText]"
        )
        assert tip == [
            False,
            "Claim 1 · verified: Au moins 30 soldats nord-coréens auraient été tués ou blessés dans "
            "la région de Koursk.\nClaim 2 · unverified: Au moins 31 soldats nord-coréens ont été tués.",
        ]
        ARTIFACTS.mkdir(exist_ok=True)
        shot = browser.call("Page.captureScreenshot", {"format": "png"})["data"]
        (ARTIFACTS / "report-seed-hover.png").write_bytes(base64.b64decode(shot))

        browser.mouse("mousePressed", x, y)
        browser.mouse("mouseReleased", x, y)
        selected = browser.evaluate("Array.from(document.querySelectorAll('li.claim.selected'), c => c.id)")
        assert selected == ["claim-1", "claim-2"]

        # Filtering to the 'event' claims hides the quantity claims and dims their highlights.
        shown = browser.evaluate(
            "(() => { const type = document.getElementById('filters').elements.type; type.value = 'event';"
            " type.dispatchEvent(new Event('change', {bubbles: true}));"
            " return [Array.from(document.querySelectorAll('li.claim:not([hidden])'), c => c.id),"
            " Array.from(document.querySelectorAll('mark.dim'), m => m.textContent),"
            " document.getElementById('shown').textContent]; })()"
        )
        assert shown == [
            ["claim-3", "claim-4"],
            ["Selon eux,", "au moins 30 soldats nord-coréens", "auraient été tués"],
            "2 of 4 claims shown",
        ]


def test_a_task_report_runs_its_script_and_a_highlight_finds_its_record(tmp_path: Path) -> None:
    from test_tasks_report import task_result

    article = tmp_path / "article.txt"
    article.write_bytes(SEED.read_bytes())
    text = load_document(article).text
    result = task_result(
        text,
        [
            {"quote": "des assauts", "speaker": "Volodymyr Zelensky"},
            {"quote": "au moins 30 soldats nord-coréens", "speaker": "GUR"},
        ],
        path=str(article),
    )
    result_path = tmp_path / "quotes.json"
    result_path.write_text(result.model_dump_json(indent=2), encoding="utf-8")
    page_path = write_report(result_path)
    with devtools(page_path, tmp_path / "profile-devtools") as browser:
        assert browser.evaluate("document.body.dataset.ready") == "1", "the script ran under the page's CSP"
        assert browser.evaluate("document.getElementById('article').textContent") == text
        x, y = browser.evaluate(
            "(() => { const m = document.querySelector('mark.hl'); m.scrollIntoView({block: 'center'});"
            " const box = m.getClientRects()[0];"
            " return [box.left + box.width / 2, box.top + box.height / 2]; })()"
        )
        browser.mouse("mouseMoved", 2, 2)
        browser.mouse("mouseMoved", x, y)
        tip = browser.evaluate("document.getElementById('tip').innerText")
        assert tip == "Record 2 · unverified: speaker: GUR · quote: au moins 30 soldats nord-coréens"
        browser.mouse("mousePressed", x, y)
        browser.mouse("mouseReleased", x, y)
        selected = browser.evaluate("Array.from(document.querySelectorAll('tr.record.selected'), r => r.id)")
        assert selected == ["record-2"]
        shown = browser.evaluate(
            "(() => { const box = document.getElementById('filters').elements.unverified; box.click();"
            " return [Array.from(document.querySelectorAll('tr.record:not([hidden])'), r => r.id),"
            " document.getElementById('shown').textContent]; })()"
        )
        assert shown == [["record-2"], "1 of 2 records shown"]

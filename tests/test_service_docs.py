"""`/docs` and `/redoc` work with no network: every asset from the service, a CSP, rendered in Chromium.

The browser part loads the pages from the service running on loopback in headless Chromium
(Debian's `chromium`, as tests/test_report_browser.py uses it), with every other origin sent to
a proxy that does not exist: a page that needed a CDN would render blank. Screenshots are saved
under test-artifacts/.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from test_report_browser import ARTIFACTS, CHROMIUM, FLAGS, TIMEOUT
from test_service import served
from test_service_bounds import live

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
UNREACHABLE = "http://127.0.0.1:9/v1"
needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(),
    reason="headless Chromium is not installed (no /usr/bin/chromium): run tests/install_chromium.sh as root",
)
# Every host but loopback resolves nowhere, and anything not on loopback goes to a dead proxy.
OFFLINE = [
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=127.0.0.1",
    "--virtual-time-budget=15000",
    "--enable-logging=stderr",
    "--v=0",
]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_name_no_other_origin_and_set_a_csp(page: str) -> None:
    with served(UNREACHABLE) as client:
        response = client.get(page)
        assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
        fetched = {asset: client.get(asset) for asset in assets}
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "http" not in policy and "unsafe-eval" not in policy and "script-src 'self';" in policy
    assert "<script>" not in response.text, "no inline script (the CSP would refuse it)"
    assert assets and all(asset.startswith("/docs/assets/") for asset in assets), assets
    assert "//" not in "".join(assets)
    for asset, answer in fetched.items():
        assert answer.status_code == 200 and len(answer.content) > 0, asset
        assert b"cdn.redoc.ly" not in answer.content, asset


def test_an_unknown_asset_is_a_json_404() -> None:
    with served(UNREACHABLE) as client:
        response = client.get("/docs/assets/../../etc/passwd")
        unknown = client.get("/docs/assets/nothing.js")
    assert response.status_code == 404 and unknown.status_code == 404
    assert unknown.json() == {"error": "no such asset: nothing.js"}


def chromium(url: str, profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CHROMIUM, *FLAGS, *OFFLINE, f"--user-data-dir={profile}", *arguments, url],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )


@needs_chromium
@pytest.mark.parametrize(
    ("page", "rendered"),
    [
        ("/docs", ['class="swagger-ui', "/v1/extract", "/v1/verify", "/v1/jobs/{job_id}/events"]),
        ("/redoc", ["redoc-wrap", "Extract the article", "Re-verify claims", "JobTexts"]),
    ],
)
def test_the_docs_render_in_headless_chromium_with_no_network(
    page: str, rendered: list[str], tmp_path: Path
) -> None:
    with live() as url:
        dom = chromium(url + page, tmp_path / "profile-dom", "--dump-dom")
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"service{page.replace('/', '-')}.png"
        shot.unlink(missing_ok=True)
        chromium(url + page, tmp_path / "profile-shot", f"--screenshot={shot}")
    for fragment in rendered:
        assert fragment in dom.stdout, f"{page}: {fragment!r} not rendered"
    refused = [
        line for line in dom.stderr.splitlines() if "Content Security Policy" in line or "Refused to" in line
    ]
    assert refused == [], refused
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000

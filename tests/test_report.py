"""The HTML report: offsets cut into fragments, escaping of everything untrusted, and the file I/O."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claimex.checks.verify import verify_quote
from claimex.errors import InputError
from claimex.models import (
    Claim,
    ClaimType,
    Difference,
    Evidence,
    Hedging,
    Quantity,
    Result,
    Source,
    Stats,
    Support,
)
from claimex.report import (
    Fragment,
    IndexRow,
    Mark,
    highlight_fragments,
    index_row,
    render_index,
    render_report,
    write_batch_report,
    write_report,
)
from claimex.text.documents import load_document
from conftest import SEED

# --- helpers shared with test_report_browser.py ------------------------------------------------


@dataclass
class Highlight:
    start: int
    end: int
    evidence: list[str]
    claims: list[str]
    classes: list[str]
    text: str = ""


class ReportPage(HTMLParser):
    """What a reader of the page sees: the article's text, its highlights, scripts, the body's attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.article_text = ""
        self.highlights: list[Highlight] = []
        self.scripts: list[str] = []
        self.body: dict[str, str | None] = {}
        self.title = ""
        self._article_depth = 0
        self._in_mark: Highlight | None = None
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "body":
            self.body = attributes
        if tag in ("script", "title"):
            self._in = tag
            if tag == "script":
                self.scripts.append("")
        if self._article_depth:
            self._article_depth += 1
            if tag == "mark":
                self._in_mark = Highlight(
                    start=int(attributes["data-start"] or ""),
                    end=int(attributes["data-end"] or ""),
                    evidence=(attributes.get("data-ev") or "").split(),
                    claims=(attributes.get("data-claims") or "").split(),
                    classes=(attributes.get("class") or "").split(),
                )
        elif attributes.get("id") == "article":
            self._article_depth = 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "title"):
            self._in = None
        if self._article_depth:
            self._article_depth -= 1
            if tag == "mark" and self._in_mark is not None:
                self.highlights.append(self._in_mark)
                self._in_mark = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.scripts[-1] += data
        elif self._in == "title":
            self.title += data
        if self._article_depth:
            self.article_text += data
            if self._in_mark is not None:
                self._in_mark.text += data


def parse_page(html: str) -> ReportPage:
    page = ReportPage()
    page.feed(html)
    page.close()
    return page


def make_claim(
    statement: str,
    evidence: list[Evidence],
    *,
    type_: ClaimType = ClaimType.event,
    speaker: str = "the outlet",
    hedging: Hedging = Hedging.asserted,
    **extra: object,
) -> Claim:
    return Claim(
        statement=statement,
        type=type_,
        speaker=speaker,
        hedging=hedging,
        evidence=evidence,
        # The report shows the verdict it is given; the support check itself is tested in test_support.py.
        support=Support(verdict="supported" if all(item.verified for item in evidence) else "unsupported"),
        verified=all(item.verified for item in evidence),
        **extra,  # type: ignore[arg-type]
    )


def make_result(
    text: str, claims: list[Claim], *, path: str = "article.txt", sha256: str | None = None
) -> Result:
    return Result(
        source=Source(
            path=path,
            sha256=sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest(),
            length=len(text),
            encoding="utf-8",
        ),
        provider="local",
        model="smollm2-360m",
        claims=claims,
        stats=Stats(claims=len(claims), verified=sum(claim.verified for claim in claims)),
    )


def seed_claims(text: str) -> list[Claim]:
    """Realistic claims over the seed: exact, elided (normalized), fuzzy "30 → 31" and missing quotes."""
    return [
        make_claim(
            "Au moins 30 soldats nord-coréens auraient été tués ou blessés dans la région de Koursk.",
            [
                verify_quote(text, "au moins 30 soldats nord-coréens"),
                verify_quote(text, "Selon eux, [...] auraient été tués"),
            ],
            type_=ClaimType.quantity,
            speaker="GUR",
            hedging=Hedging.reported,
            entities=["GUR", "Koursk"],
            quantities=[Quantity(text="30", value=30, unit="soldats", approximate=True)],
            time="ce week-end",
        ),
        make_claim(
            "Au moins 31 soldats nord-coréens ont été tués.",
            [verify_quote(text, "au moins 31 soldats nord-coréens")],
            type_=ClaimType.quantity,
            speaker="GUR",
            hedging=Hedging.reported,
        ),
        make_claim(
            "Les services de renseignement militaire ukrainien ont révélé ces pertes.",
            [verify_quote(text, "services de renseignement militaire ukrainien")],
        ),
        make_claim(
            "Le pape a démissionné.", [verify_quote(text, "Le pape a démissionné hier")], speaker="Vatican"
        ),
    ]


def mark(start: int, end: int, key: str = "c1e1", claim: int = 1, status: str = "exact") -> Mark:
    return Mark(start, end, key, claim, status)


def cut(fragments: list[Fragment]) -> list[tuple[int, int, str, list[str]]]:
    return [(f.start, f.end, f.text, [m.evidence_id for m in f.marks]) for f in fragments]


# --- highlight_fragments ---------------------------------------------------------------------------


def test_no_marks_is_one_plain_fragment() -> None:
    assert cut(highlight_fragments("abc", [])) == [(0, 3, "abc", [])]


def test_spans_at_the_very_start_and_end() -> None:
    fragments = highlight_fragments("abcdefgh", [mark(0, 2, "a"), mark(5, 8, "b")])
    assert cut(fragments) == [(0, 2, "ab", ["a"]), (2, 5, "cde", []), (5, 8, "fgh", ["b"])]


def test_a_span_over_the_whole_text() -> None:
    assert cut(highlight_fragments("abc", [mark(0, 3, "a")])) == [(0, 3, "abc", ["a"])]


def test_adjacent_spans_stay_separate_with_nothing_between() -> None:
    fragments = highlight_fragments("abcdef", [mark(0, 3, "a"), mark(3, 6, "b")])
    assert cut(fragments) == [(0, 3, "abc", ["a"]), (3, 6, "def", ["b"])]


def test_overlapping_spans_split_into_shared_and_single_parts() -> None:
    fragments = highlight_fragments("0123456789", [mark(2, 6, "a"), mark(4, 8, "b")])
    assert cut(fragments) == [
        (0, 2, "01", []),
        (2, 4, "23", ["a"]),
        (4, 6, "45", ["a", "b"]),
        (6, 8, "67", ["b"]),
        (8, 10, "89", []),
    ]


def test_nested_and_identical_spans_list_every_mark_in_input_order() -> None:
    fragments = highlight_fragments(
        "0123456789", [mark(1, 9, "outer"), mark(3, 5, "inner"), mark(3, 5, "twin")]
    )
    assert cut(fragments) == [
        (0, 1, "0", []),
        (1, 3, "12", ["outer"]),
        (3, 5, "34", ["outer", "inner", "twin"]),
        (5, 9, "5678", ["outer"]),
        (9, 10, "9", []),
    ]


def test_marks_given_out_of_order_are_listed_in_input_order() -> None:
    fragments = highlight_fragments("abcdef", [mark(2, 6, "late"), mark(0, 4, "early")])
    assert cut(fragments) == [
        (0, 2, "ab", ["early"]),
        (2, 4, "cd", ["late", "early"]),
        (4, 6, "ef", ["late"]),
    ]


def test_a_multi_part_elided_quote_highlights_each_part_only(seed_text: str) -> None:
    evidence = verify_quote(seed_text, "Selon eux, [...] auraient été tués")
    assert evidence.status == "normalized"
    (first_start, first_end), (second_start, second_end) = evidence.spans
    marks = [mark(start, end, "c1e2") for start, end in evidence.spans]
    highlighted = [f for f in highlight_fragments(seed_text, marks) if f.marks]
    assert [(f.start, f.end, f.text) for f in highlighted] == [
        (first_start, first_end, "Selon eux,"),
        (second_start, second_end, "auraient été tués"),
    ]
    # The elided text between the parts is not highlighted.
    assert seed_text[first_end:second_start] == " au moins 30 soldats nord-coréens "


def test_non_bmp_characters_before_a_span_count_as_one_code_point() -> None:
    text = "🇫🇷 😀 Selon eux, 𝔘𝔫 mot."
    start = text.index("Selon")
    assert start == 5  # two flag halves, a space, an emoji, a space: code points, not UTF-16 units
    fragments = highlight_fragments(
        text, [mark(start, start + 9, "a"), mark(text.index("𝔘"), len(text) - 1, "b")]
    )
    assert cut(fragments) == [
        (0, 5, "🇫🇷 😀 ", []),
        (5, 14, "Selon eux", ["a"]),
        (14, 16, ", ", []),
        (16, 22, "𝔘𝔫 mot", ["b"]),
        (22, 23, ".", []),
    ]


def test_empty_marks_are_ignored_and_marks_outside_the_text_refused() -> None:
    assert cut(highlight_fragments("abc", [mark(1, 1)])) == [(0, 3, "abc", [])]
    with pytest.raises(ValueError, match=r"span \[2, 4\] is outside a text of 3 characters"):
        highlight_fragments("abc", [mark(2, 4)])
    with pytest.raises(ValueError):
        highlight_fragments("abc", [mark(-1, 2)])


def test_a_shared_fragment_takes_the_weakest_status() -> None:
    fragments = highlight_fragments("abcdef", [mark(0, 4, "a", 1, "exact"), mark(2, 6, "b", 2, "fuzzy")])
    assert [(f.status, f.claim_numbers) for f in fragments] == [
        ("exact", [1]),
        ("fuzzy", [1, 2]),
        ("fuzzy", [2]),
    ]


@given(
    text=st.text(min_size=0, max_size=40),
    raw_spans=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), max_size=8),
)
def test_fragments_tile_the_text_and_each_lists_exactly_the_marks_covering_it(
    text: str, raw_spans: list[tuple[int, int]]
) -> None:
    marks = [
        mark(min(a, b, len(text)), min(max(a, b), len(text)), f"m{i}") for i, (a, b) in enumerate(raw_spans)
    ]
    fragments = highlight_fragments(text, marks)
    assert "".join(f.text for f in fragments) == text
    assert all(f.text == text[f.start : f.end] and f.start < f.end for f in fragments)
    assert all(a.end == b.start for a, b in pairwise(fragments))
    for f in fragments:
        expected = [m.evidence_id for m in marks if m.start <= f.start and f.end <= m.end and m.start < m.end]
        assert [m.evidence_id for m in f.marks] == expected
    # No boundary is cut that no mark asks for.
    boundaries = {m.start for m in marks} | {m.end for m in marks}
    assert all(f.start in boundaries for f in fragments[1:])


# --- render_report ---------------------------------------------------------------------------------


def test_every_highlight_of_the_seed_report_is_its_source_slice(seed_text: str) -> None:
    claims = seed_claims(seed_text)
    page = parse_page(render_report(make_result(seed_text, claims), seed_text))
    assert page.article_text == seed_text
    assert page.highlights, "the report highlights nothing"
    for highlight in page.highlights:
        assert highlight.text == seed_text[highlight.start : highlight.end]
    # Every located span is covered, and by its own evidence id.
    for number, claim in enumerate(claims, start=1):
        for position, item in enumerate(claim.evidence, start=1):
            key = f"c{number}e{position}"
            covered = "".join(h.text for h in page.highlights if key in h.evidence)
            assert covered == "".join(seed_text[start:end] for start, end in item.spans)
    exact_start = seed_text.index("au moins 30 soldats nord-coréens")
    shared = [h for h in page.highlights if h.start == exact_start]
    assert [(h.evidence, h.claims, h.classes) for h in shared] == [
        (["c1e1", "c2e1"], ["1", "2"], ["hl", "st-fuzzy", "multi"])
    ]


def test_the_claim_list_shows_statuses_differences_and_unverified_claims(seed_text: str) -> None:
    html = render_report(make_result(seed_text, seed_claims(seed_text)), seed_text)
    assert "<code>30 → 31</code>" in html
    assert "closest passage: «au moins 30 soldats nord-coréens» (score 96.9)" in html
    assert "not found in the article" in html
    assert re.findall(r'<li class="claim( unverified)?" id="claim-(\d)"', html) == [
        ("", "1"),
        (" unverified", "2"),
        ("", "3"),
        (" unverified", "4"),
    ]
    assert '<span class="badge">≈ 30 soldats</span>' in html.replace(' title="30.0 soldats"', "")
    assert "2 / 4 claims verified" in html
    for option in ('<option value="quantity">', '<option value="GUR">', '<option value="Vatican">'):
        assert option in html
    assert 'data-statuses="exact normalized"' in html


def test_an_unverified_claim_shows_why_beside_it(seed_text: str) -> None:
    """The support check's own verdict on the issue's example: the lede as the only quote of "30"."""
    from claimex.checks.verdict import Article, judged

    article = Article.of(seed_text)
    lede = "Les services de renseignement ukrainiens révèlent des pertes importantes"
    fields = make_claim("30 soldats nord-coréens auraient été tués.", [], entities=["GUR"]).model_dump()
    claim = judged(fields, [article.index.locate(lede)], article.checker)
    html = render_report(make_result(seed_text, [claim]), seed_text)

    assert '<li class="claim unverified" id="claim-1"' in html
    assert '<li class="problem blocking" data-rule="numbers">✘ 30 is in none of its quotes' in html
    assert '<li class="problem note" data-rule="entities">ⓘ entity “GUR” is in the article but not' in html


def test_a_hostile_article_and_hostile_model_output_are_only_text() -> None:
    article = (
        "Titre <script>document.title='PWNED'</script> puis </textarea><textarea> et "
        "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\"> "
        '<a href="javascript:alert(1)">lien</a> et " onmouseover="alert(1)" x=\'y\' &amp; fin.'
    )
    quote = "<script>document.title='PWNED'</script>"
    evidence = Evidence(
        quote=quote,
        status="exact",
        spans=[(article.index(quote), article.index(quote) + len(quote))],
        score=100,
    )
    claim = make_claim(
        "<img src=x onerror=alert(1)> </textarea>",
        [evidence, Evidence(quote='" onmouseover="alert(1)', status="missing")],
        speaker='" onmouseover="alert(1)" data-x="',
        entities=["javascript:alert(1)", "<b>bold</b>"],
    )
    result = make_result(article, [claim], path='<script>alert("path")</script>.txt')
    html = render_report(result, article)
    page = parse_page(html)
    assert page.article_text == article
    assert [h.text for h in page.highlights] == [quote]
    # Our one script, nothing else: no tag of the article or of the claim reaches the markup.
    assert len(page.scripts) == 1 and "PWNED" not in page.scripts[0]
    assert html.count("<script") == 1
    for raw in ("<img", "</textarea>", "<textarea>", '<a href="javascript', "<b>bold", 'onmouseover="alert'):
        assert raw not in html
    assert "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;" in html
    assert 'data-speaker="&#34; onmouseover=&#34;alert(1)&#34; data-x=&#34;"' in html
    assert page.title == 'claimex · <script>alert("path")</script>.txt'


def test_the_content_security_policy_allows_exactly_the_page_script(seed_text: str) -> None:
    import base64

    html = render_report(make_result(seed_text, seed_claims(seed_text)), seed_text)
    page = parse_page(html)
    (script,) = page.scripts
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy is not None
    assert policy.group(1) == (
        f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; "
        "base-uri 'none'; form-action 'none'"
    )
    # No external resource of any kind.
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "@import" not in html and "url(" not in html


def test_carriage_returns_survive_html_parsing() -> None:
    text = "Ligne un.\r\nLigne deux.\r\n"
    start = text.index("deux")
    result = make_result(
        text, [make_claim("x", [Evidence(quote="deux", status="exact", spans=[(start, start + 4)])])]
    )
    html = render_report(result, text)
    assert "Ligne un.&#13;\nLigne <mark" in html and ">deux</mark>.&#13;\n</div>" in html
    page = parse_page(html)
    assert page.article_text == text
    assert [(h.start, h.text) for h in page.highlights] == [(start, "deux")]


def test_spans_that_do_not_fit_the_text_are_reported_not_rendered() -> None:
    text = "court"
    evidence = Evidence(quote="x", status="exact", spans=[(1, 3), (4, 99)])
    html = render_report(make_result(text, [make_claim("x", [evidence])]), text)
    page = parse_page(html)
    assert [(h.start, h.end, h.text) for h in page.highlights] == [(1, 3, "ou")]
    assert "claim 1, quote 1: span [4, 99] does not fit the article (5 characters); not highlighted" in html


# --- render_index ----------------------------------------------------------------------------------


def test_the_index_has_one_row_per_article_and_only_relative_links() -> None:
    rows = [
        IndexRow("a.txt", "a.html", claims=4, verified=3, fuzzy=1, missing=0),
        IndexRow("javascript:alert(1).txt", "javascript:alert(1).html", claims=2, verified=2),
        IndexRow("<b>c</b>.txt", None, error="the model timed out <again>"),
    ]
    html = render_index(rows)
    assert re.findall(r'<a href="([^"]*)">([^<]*)</a>', html) == [
        ("./a.html", "a.txt"),
        ("./javascript%3Aalert%281%29.html", "javascript:alert(1).txt"),
    ]
    assert "75 %" in html and "100 %" in html
    assert "1 unverified claim (1 fuzzy, 0 missing quote)" in html
    assert "failed: the model timed out &lt;again&gt;" in html and "<b>c</b>" not in html
    assert "3 articles · 5 / 6 claims verified · 1 failed" in html
    assert "<script" not in html


def test_index_row_counts_claims_and_failed_quotes(seed_text: str) -> None:
    row = index_row(make_result(seed_text, seed_claims(seed_text)), "x.html")
    assert row == IndexRow("article.txt", "x.html", claims=4, verified=2, fuzzy=1, missing=1)
    assert (row.verified_percent, row.unverified) == (50, 2)


# --- write_report ----------------------------------------------------------------------------------


def write_seed_result(folder: Path, *, article_name: str = "article.txt") -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    article = folder / article_name
    article.write_bytes(SEED.read_bytes())
    document = load_document(article)
    result = make_result(document.text, seed_claims(document.text), path=article_name, sha256=document.sha256)
    result_path = folder / "result.json"
    result_path.write_text(result.model_dump_json(indent=2), encoding="utf-8")
    return result_path, article


def test_write_report_finds_the_article_beside_the_result_and_writes_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result_path, _ = write_seed_result(tmp_path / "out")
    monkeypatch.chdir(tmp_path)
    written = write_report(result_path)
    assert written == tmp_path / "out" / "result.html"
    page = parse_page(written.read_text(encoding="utf-8"))
    assert page.article_text == SEED.read_text(encoding="utf-8")
    assert sorted(os.listdir(tmp_path / "out")) == ["article.txt", "result.html", "result.json"]


def test_write_report_finds_the_article_relative_to_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result_path, _ = write_seed_result(tmp_path)
    moved = tmp_path / "results" / "r.json"
    moved.parent.mkdir()
    result_path.rename(moved)
    monkeypatch.chdir(tmp_path)
    assert write_report(moved, tmp_path / "pages" / "r.html") == tmp_path / "pages" / "r.html"
    assert (tmp_path / "pages" / "r.html").is_file()


def test_write_report_refuses_a_changed_article(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result_path, article = write_seed_result(tmp_path)
    monkeypatch.chdir(tmp_path)
    article.write_text(article.read_text(encoding="utf-8").replace("30", "31"), encoding="utf-8")
    with pytest.raises(InputError) as error:
        write_report(result_path)
    assert (
        str(error.value) == "article.txt: changed since the result was made (sha256 differs); pass --article"
    )
    assert not (tmp_path / "result.html").exists()


def test_write_report_takes_an_explicit_article_and_checks_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result_path, article = write_seed_result(tmp_path / "a")
    monkeypatch.chdir(tmp_path)
    elsewhere = tmp_path / "copy.txt"
    elsewhere.write_bytes(article.read_bytes())
    article.unlink()
    assert write_report(result_path, article=elsewhere) == tmp_path / "a" / "result.html"
    other = tmp_path / "other.txt"
    other.write_text("Un autre article.", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"^.*other\.txt: not the article .*result\.json was made from \(sha256 differs\)$"
    ):
        write_report(result_path, article=other)


def test_write_report_says_when_the_article_cannot_be_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result_path, article = write_seed_result(tmp_path / "a")
    article.unlink()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as error:
        write_report(result_path)
    assert str(error.value) == (
        f"article.txt: article not found (looked in the current folder and beside {result_path}); "
        "pass --article"
    )


def test_write_report_refuses_a_result_made_from_stdin(tmp_path: Path) -> None:
    result = make_result("x", [], path="<stdin>")
    result_path = tmp_path / "r.json"
    result_path.write_text(result.model_dump_json(), encoding="utf-8")
    with pytest.raises(
        InputError, match=r"r\.json: made from stdin, so the article cannot be found; pass --article$"
    ):
        write_report(result_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "{not json",
            r"r\.json: malformed JSON \(Expecting property name enclosed in double quotes at line 1",
        ),
        ('{"claims": []}', r"r\.json: not a claimex result \(source: Field required\)"),
        ("", r"r\.json: malformed JSON"),
    ],
)
def test_write_report_refuses_what_is_not_a_result(tmp_path: Path, content: str, message: str) -> None:
    result_path = tmp_path / "r.json"
    result_path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        write_report(result_path)
    with pytest.raises(InputError, match=r"missing\.json: no such file"):
        write_report(tmp_path / "missing.json")


def test_write_batch_report_writes_each_page_and_an_index_linking_them(tmp_path: Path) -> None:
    first, _ = write_seed_result(tmp_path / "one")
    second, _ = write_seed_result(tmp_path / "two")
    index = write_batch_report([first, second], tmp_path / "index.html", failures={"bad.txt": "timed out"})
    assert index == tmp_path / "index.html"
    assert (tmp_path / "one" / "result.html").is_file() and (tmp_path / "two" / "result.html").is_file()
    html = index.read_text(encoding="utf-8")
    assert re.findall(r'<a href="([^"]*)">', html) == ["./one/result.html", "./two/result.html"]
    assert "failed: timed out" in html


def test_the_seed_result_json_round_trips_through_the_schema(seed_text: str) -> None:
    # The report reads results written by `claimex extract`; a dump of our test result must be one.
    result = make_result(seed_text, seed_claims(seed_text))
    assert Result.model_validate(json.loads(result.model_dump_json())) == result
    assert result.claims[1].evidence[0].differences == [Difference(source="30", quote="31")]

"""Evidence verifier: find a model's quote in the article and prove it, or say it is not there.

The verdict ladder, strongest first:

* ``exact``: the quote (trimmed) occurs verbatim.
* ``normalized``: the quote occurs once typography is folded away (see `normalize`), possibly as
  several elided parts that appear in order close together.
* ``fuzzy``: something close exists but at least one letter, digit or word differs. The closest
  region is reported with word-level `Difference`s, and it is never verified.
* ``missing``: nothing close enough, or the quote has no letter or digit at all.

Only ``exact`` and ``normalized`` verify. The folding must therefore never let a letter or a
digit change: it touches case, Unicode composition, apostrophes, quotation marks, dashes,
spaces and invisible characters, and nothing else (accents are kept: "tué" is not "tue").

Decisions (all constants below, so they are easy to find and to change):

* Word boundaries: a part may only match where it is not glued to the text around it. If its
  first (last) character is a letter/digit/combining mark, the character before (after) it in the
  source must not be one; and a part that starts or ends with a digit must not cut a number
  ("000 hommes" inside "50.000 hommes", "30" inside "30,5", "5 degrés" inside "-5 degrés").
  This applies to ``exact`` too: "30 soldats" is a verbatim substring of "130 soldats", but
  it is not what the article says.
* Elisions (``...``, ``…``, ``[...]``, ``(...)``, ``[…]``, ``(…)``, ``. . .``) split a quote into
  parts that must appear in order, each at most `MAX_ELISION_GAP` code points after the end of
  the previous one, and the elided text next to a part (up to the nearest sentence end) must
  not hold a negation word: "n'a [...] confirmé" over "n'a pas confirmé" is ``fuzzy``.
* Quotation marks and the spaces around them fold to one space between two words and to
  nothing elsewhere, so `« x »,` `"x",` `“x”,` and a bare `x,` compare equal whatever the
  spaces inside the marks; spaces next to a dash are dropped ("2014 – 2015" is "2014-2015")
  and touching dashes merge ("--" is "—"). None of this can change a letter or a digit.
* Fuzzy: candidate regions come from a word index (votes of shared words at their relative
  offsets), then `rapidfuzz` scores small windows; a region scoring below `FUZZY_MIN_SCORE`
  makes the quote ``missing``. A non-verified score is capped at `MAX_UNVERIFIED_SCORE` so
  that "score 100" always means verified.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import re
import unicodedata
from array import array
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from claimex.models import Difference, Evidence, QuoteStatus

MAX_ELISION_GAP = 600
"""Most code points of source text an elision may skip between two consecutive parts."""

FUZZY_MIN_SCORE = 60.0
"""Below this rapidfuzz ratio (0-100) the closest region is not shown and the quote is missing."""

MAX_UNVERIFIED_SCORE = 99.0
"""A fuzzy score never reaches 100, even when every part matched but the parts were too far apart."""

MAX_DIFFERENCES = 12
"""A paraphrase differs everywhere; past a dozen differences the list stops helping a reviewer."""

# How many word-postings a fuzzy search may vote with before it stops adding more common words.
# It keeps a quote made of frequent words ("the", "de la") from scanning the whole index.
_VOTE_BUDGET = 6000
_MAX_CANDIDATES = 4

_APOSTROPHES = frozenset("'’‘ʼ`´′‛‚＇")
_QUOTE_MARKS = frozenset('"«»“”„‟‹›〝〞＂″')
_DASHES = frozenset("-‐‑‒–—―−⁃﹘﹣－")
# Invisible characters that editors and CMSs sprinkle into words; they carry no letter.
_IGNORABLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
_SIGNS = _DASHES | frozenset("+±")
# Separators that may sit inside a number: "50.000", "3,5", "1'000", "50 000", "50\u202f000".
_NUMBER_PUNCT = frozenset(".,'’")
_NUMBER_SPACES = frozenset(" \u00a0\u202f\u2009\u2007")

# The fast path of `normalize`: text that folds one-to-one by `str.lower`, i.e. printable ASCII
# except the characters with a rule of their own (`"`, `-` and "`"), and the Latin-1 letters
# except ß (casefolded to "ss") — French and most Western text. Words in a run may be separated
# by single plain spaces, which are already normal. The look-ahead leaves a character followed
# by one beyond Latin-1 (maybe a combining mark) to the per-character path.
_PLAIN = r"[\x21\x23-\x2c\x2e-\x5f\x61-\x7e\xc0-\xd6\xd8-\xde\xe0-\xf6\xf8-\xff]"
_PLAIN_RUN = re.compile(rf"{_PLAIN}+(?:(?<![(\[{{]) (?![%:;!?,.)\]}}]){_PLAIN}+)*(?![^\x00-\xff])")
# French sets a (no-break) space before ; : ! ? % and », English does not; nobody agrees on
# "( x )". A space there is typography.
_TIGHT_BEFORE = frozenset("%‰:;!?,.)]}")
_TIGHT_AFTER = frozenset("([{")

_ELISION = re.compile(
    r"\s*(?:\[\s*(?:\.\s*){2,}\]|\(\s*(?:\.\s*){2,}\)|\[\s*…\s*\]|\(\s*…\s*\)|(?:\.\s?){2,}\.|…)\s*"
)
# A word for indexing and diffing: numbers keep their decimal/thousands punctuation together.
_WORD = re.compile(r"\w+(?:[.,]\d+)*")
_DIFF_TOKEN = re.compile(r"\w+(?:[.,]\d+)*|[^\w\s]")
_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)")
_NEGATION = re.compile(
    r"(?<!\w)(?:ne|pas|ni|jamais|aucun|aucune|nul|nulle|rien|not|no|never|nor|neither|none|"
    r"nothing|nobody|nowhere|without|cannot|sans|non|nicht|kein|keine|nunca|nada)(?!\w)"
    r"|(?<!\w)n['’ʼ](?=\w)|n['’ʼ]t(?!\w)",
    re.IGNORECASE,
)


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "M"


def _is_wordish(ch: str) -> bool:
    # A combining mark belongs to the letter before it: cutting between them cuts a letter.
    # "ʼ" is a letter to Unicode but an apostrophe to writers.
    return (ch.isalnum() or _is_mark(ch)) and ch not in _APOSTROPHES


def _has_alnum(s: str) -> bool:
    return any(ch.isalnum() and ch not in _APOSTROPHES for ch in s)


@lru_cache(maxsize=4096)
def _fold(unit: str) -> str:
    """Case-fold one character with its combining marks, in NFC.

    casefold can emit decomposed text (U+01F0 "ǰ" → "j" + U+030C), hence NFC on both sides of
    it. The text and the quote are both folded unit by unit with this function, so they fold
    alike. The price: conjoining Hangul jamo, which compose across units, do not match
    precomposed syllables (such a quote comes out fuzzy, never falsely verified).
    """
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", unit).casefold())


_IOTA = array("i", range(1 << 16))


def normalize(text: str) -> tuple[str, array[int], array[int]]:
    """Fold typography away and keep, for every output character, its origin in `text`.

    Returns ``(folded, starts, ends)``: ``folded[k]`` comes from ``text[starts[k]:ends[k]]``.
    A character that expands ("ß" → "ss", "…" → "...") maps all its output to the same
    origin; dropped characters (quotation marks, invisible ones, collapsed spaces) map nowhere.

    Separators are where typographies disagree, so they fold by context:

    * a run of whitespace is one space, none at either end, none next to a dash, none
      before ; : ! ? % , . ) and none after (;
    * touching dashes are one "-" ("--" is "—"); dashes with a space between stay apart, so
      "10 - -5" (a sign) does not become "10 - 5";
    * a run of whitespace holding a quotation mark is one space between two word characters
      and nothing otherwise, so `« vrai ».` (French spaces inside the marks), `"vrai".` and
      `“vrai”.` all fold to `vrai.`, and `dit « vrai » hier` to `dit vrai hier`.
    """
    out: list[str] = []
    starts: array[int] = array("i")
    ends: array[int] = array("i")
    n = len(text)
    # Offsets of a plain run are consecutive: copied from a counting array, not made one by one.
    iota = _IOTA if n < len(_IOTA) else array("i", range(n + 1))
    pos = 0
    last = ""  # last character written
    gap_start = -1  # start of a run of whitespace/quotation marks not yet written
    gap_end = -1
    gap_quoted = False  # the run holds a quotation mark
    plain_run = _PLAIN_RUN.match

    def flush_gap(first: str) -> None:
        nonlocal gap_start
        if gap_start >= 0 and last:
            if gap_quoted:
                wanted = _is_wordish(last) and _is_wordish(first)
            else:
                wanted = not (last == "-" or first == "-" or first in _TIGHT_BEFORE or last in _TIGHT_AFTER)
            if wanted:
                out.append(" ")
                starts.append(gap_start)
                ends.append(gap_end)
        gap_start = -1

    while pos < n:
        m = plain_run(text, pos)
        if m is not None:
            end = m.end()
            run = text[pos:end].lower()
            flush_gap(run[0])
            out.append(run)
            starts.extend(iota[pos:end])
            ends.extend(iota[pos + 1 : end + 1])
            last = run[-1]
            pos = end
            continue
        ch = text[pos]
        if ch in _IGNORABLE:
            pos += 1
            continue
        quote_mark = ch in _QUOTE_MARKS
        if quote_mark or ch.isspace():
            if gap_start < 0:
                gap_start, gap_quoted = pos, False
            gap_end = pos + 1
            gap_quoted = gap_quoted or quote_mark
            pos += 1
            continue
        unit_end = pos + 1
        while unit_end < n and _is_mark(text[unit_end]):
            unit_end += 1
        if unit_end == pos + 1 and ch in _DASHES:
            if last == "-" and gap_start < 0:
                # "--" for "—": widen the first dash's origin. Only touching dashes merge, so
                # "10 - -5" (a sign) stays apart from "10 - 5".
                gap_start = -1
                ends[-1] = unit_end
                pos = unit_end
                continue
            folded = "-"
        elif unit_end == pos + 1 and ch in _APOSTROPHES:
            folded = "'"
        elif ch == "…" and unit_end == pos + 1:
            folded = "..."
        else:
            folded = _fold(text[pos:unit_end])
        if folded:
            flush_gap(folded[0])
            out.append(folded)
            for _ in folded:
                starts.append(pos)
                ends.append(unit_end)
            last = folded[-1]
        pos = unit_end
    return "".join(out), starts, ends


def split_elisions(quote: str) -> list[tuple[int, int]]:
    """The ``[start, end)`` ranges of `quote` between elision marks, trimmed, with a letter or digit."""
    parts: list[tuple[int, int]] = []
    prev = 0
    for m in _ELISION.finditer(quote):
        parts.append((prev, m.start()))
        prev = m.end()
    parts.append((prev, len(quote)))
    kept = []
    for a, b in parts:
        while a < b and quote[a].isspace():
            a += 1
        while b > a and quote[b - 1].isspace():
            b -= 1
        if _has_alnum(quote[a:b]):
            kept.append((a, b))
    return kept


def _inside(span: tuple[int, int], region: tuple[int, int] | None) -> bool:
    return region is not None and region[0] <= span[0] and span[1] <= region[1]


def _pick(candidates: list[tuple[int, int]], prefer: tuple[int, int] | None) -> int:
    for i, span in enumerate(candidates):
        if _inside(span, prefer):
            return i
    return 0


@dataclass
class _Part:
    """One elided part of a quote: where it sits in the quote and its folded form."""

    quote_start: int
    quote_end: int
    folded: str
    starts: array[int]  # into the quote
    ends: array[int]


@dataclass
class _FuzzyMatch:
    span: tuple[int, int]
    score: float
    differences: list[Difference] = field(default_factory=list)


class SourceIndex:
    """Built once per document (normalises the text once, keeps an offset map); then locate() many quotes."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._folded, self._starts, self._ends = normalize(text)
        # The word index is only needed for quotes that fail to verify; built on first need.
        self._word_starts: array[int] | None = None
        self._word_ends: array[int] = array("i")
        self._postings: dict[str, list[int]] = {}

    # ----------------------------------------------------------------------------- public

    @property
    def folded(self) -> str:
        """The text with typography folded away (`normalize`)."""
        return self._folded

    def locate(self, quote: str, *, prefer: tuple[int, int] | None = None) -> Evidence:
        """The verdict on one quote, with spans into the original text.

        `prefer` is a ``[start, end)`` region of the text (the chunk the quote came from): among
        several occurrences of equal strength the first one inside it wins, else the first one.
        A verbatim occurrence always beats a typographic one, wherever they are.
        """
        stripped = quote.strip()
        if not _has_alnum(stripped):
            return Evidence(quote=quote, status="missing")

        verbatim = self._find_verbatim(stripped)
        if verbatim:
            chosen = verbatim[_pick(verbatim, prefer)]
            return self._verified(quote, "exact", [chosen], len(verbatim))

        whole = self._part(quote, 0, len(quote))
        found = self._find_folded(whole.folded)
        if found:
            chosen = self._with_quote_marks(found[_pick(found, prefer)], stripped)
            return self._verified(quote, "normalized", [chosen], len(found))

        parts = [self._part(quote, a, b) for a, b in split_elisions(quote)]
        parts = [part for part in parts if _has_alnum(part.folded)]
        if not parts:
            return Evidence(quote=quote, status="missing")
        if _ELISION.search(quote):
            chains, count, blocked = self._find_chain([self._find_folded(p.folded) for p in parts], prefer)
            if chains:
                spans = [
                    self._with_quote_marks(span, quote[part.quote_start : part.quote_end])
                    for span, part in zip(chains, parts, strict=True)
                ]
                return self._verified(quote, "normalized", spans, count)
            if blocked is not None:
                return self._elided_negation(quote, blocked)
        return self._fuzzy(quote, parts, prefer)

    # ------------------------------------------------------------------ exact / normalized

    def _verified(
        self, quote: str, status: QuoteStatus, spans: list[tuple[int, int]], count: int
    ) -> Evidence:
        return Evidence(quote=quote, status=status, spans=spans, score=100.0, occurrences=count)

    def _with_quote_marks(self, span: tuple[int, int], passage: str) -> tuple[int, int]:
        """Widen a span over the source's quotation marks where the quote has marks too.

        Quotation marks fold to nothing, so a match of `"d'importantes"` first covers only
        `d’importantes`; a reviewer expects `« d’importantes »`.
        """
        text = self.text
        start, end = span
        if passage[:1] in _QUOTE_MARKS:
            i = start
            while i > 0 and text[i - 1].isspace():
                i -= 1
            if i > 0 and text[i - 1] in _QUOTE_MARKS:
                start = i - 1
        if passage[-1:] in _QUOTE_MARKS:
            j = end
            while j < len(text) and text[j].isspace():
                j += 1
            if j < len(text) and text[j] in _QUOTE_MARKS:
                end = j + 1
        return start, end

    def _clean_cut(self, start: int, end: int) -> bool:
        """True if ``text[start:end]`` is not glued to the words or numbers around it."""
        text = self.text
        n = len(text)
        before = start - 1
        while before >= 0 and text[before] in _IGNORABLE:
            before -= 1
        after = end
        while after < n and text[after] in _IGNORABLE:
            after += 1
        first, last = text[start], text[end - 1]
        if _is_wordish(first) and before >= 0 and _is_wordish(text[before]):
            return False
        if _is_wordish(last) and after < n and _is_wordish(text[after]):
            return False
        if first.isdigit() and before >= 0 and self._number_continues_before(start, before):
            return False
        return not (last.isdigit() and after < n and self._number_continues_after(after))

    def _number_continues_before(self, start: int, sep: int) -> bool:
        text = self.text
        ch = text[sep]
        prev = text[sep - 1] if sep > 0 else ""
        if ch in _SIGNS:
            # "-5" is a negative number; "2014-15" or "Nord-5" is not a sign.
            return not (prev and _is_wordish(prev))
        if not prev.isdigit():
            return False
        if ch in _NUMBER_PUNCT:
            return True
        if ch in _NUMBER_SPACES:
            # "50 000": a space is a thousands separator only before a group of exactly 3 digits.
            return self._digit_run(start) == 3
        return False

    def _number_continues_after(self, sep: int) -> bool:
        text = self.text
        ch = text[sep]
        if sep + 1 >= len(text) or not text[sep + 1].isdigit():
            return False
        if ch in _NUMBER_PUNCT:
            return True
        return ch in _NUMBER_SPACES and self._digit_run(sep + 1) == 3

    def _digit_run(self, start: int) -> int:
        text = self.text
        end = start
        while end < len(text) and text[end].isdigit():
            end += 1
        return end - start

    def _find_verbatim(self, needle: str) -> list[tuple[int, int]]:
        found = []
        find = self.text.find
        i = find(needle)
        while i >= 0:
            end = i + len(needle)
            if self._clean_cut(i, end):
                found.append((i, end))
            i = find(needle, i + 1)
        return found

    def _find_folded(self, needle: str) -> list[tuple[int, int]]:
        """Spans in the original text of every clean occurrence of a folded needle."""
        if not needle:
            return []
        found = []
        folded, starts, ends = self._folded, self._starts, self._ends
        n = len(folded)
        i = folded.find(needle)
        while i >= 0:
            j = i + len(needle)
            # Both ends must fall between source characters, not inside the expansion of one
            # ("s" must not match half of the "ss" that "ß" folds to).
            aligned = (i == 0 or starts[i] != starts[i - 1]) and (j == n or starts[j] != starts[j - 1])
            if aligned:
                span = (starts[i], ends[j - 1])
                if self._clean_cut(*span):
                    found.append(span)
            i = folded.find(needle, i + 1)
        if not found and len(needle) > 2 and needle[0] == "'" and needle[-1] == "'":
            # Single quotes used as quotation marks around the whole quote: 'x' for « x ».
            return self._find_folded(needle[1:-1].strip())
        return found

    def _part(self, quote: str, start: int, end: int) -> _Part:
        folded, starts, ends = normalize(quote[start:end])
        return _Part(start, end, folded, starts, ends)

    def _negation_elided(self, end: int, next_start: int) -> list[str]:
        """Negation words in the elided text that still belong to a quoted part's sentence."""
        gap = self.text[end:next_start]
        boundaries = [m.end() for m in _SENTENCE_END.finditer(gap)]
        near = gap[: boundaries[0]] + " " + gap[boundaries[-1] :] if boundaries else gap
        return [m.group(0) for m in _NEGATION.finditer(near)]

    def _find_chain(
        self, occurrences: list[list[tuple[int, int]]], prefer: tuple[int, int] | None
    ) -> tuple[list[tuple[int, int]], int, tuple[list[tuple[int, int]], list[str]] | None]:
        """Choose one occurrence per part, in order and close together.

        Returns ``(spans, number of usable first-part occurrences, blocked)``; `blocked` is a
        chain that only failed because it elides a negation, with the words it elides.
        """
        usable = self._usable(occurrences, check_negation=True)
        if usable[0]:
            first = self._chain_from(usable[0][0], usable, check_negation=True)
            if prefer is not None:
                k = bisect.bisect_left(usable[0], (prefer[0], prefer[0]))
                for head in usable[0][k:]:
                    if head[0] >= prefer[1]:
                        break
                    chain = self._chain_from(head, usable, check_negation=True)
                    if _inside((chain[0][0], chain[-1][1]), prefer):
                        return chain, len(usable[0]), None
            return first, len(usable[0]), None
        loose = self._usable(occurrences, check_negation=False)
        if not loose[0]:
            return [], 0, None
        chain = self._chain_from(loose[0][0], loose, check_negation=False)
        words = [w for a, b in itertools.pairwise(chain) for w in self._negation_elided(a[1], b[0])]
        return [], 0, (chain, words)

    def _link(
        self, span: tuple[int, int], following: list[tuple[int, int]], *, check_negation: bool
    ) -> tuple[int, int] | None:
        """The earliest occurrence of the next part that may follow `span` across an elision."""
        k = bisect.bisect_left(following, (span[1], span[1]))
        while k < len(following) and following[k][0] - span[1] <= MAX_ELISION_GAP:
            nxt = following[k]
            if not check_negation or not self._negation_elided(span[1], nxt[0]):
                return nxt
            k += 1
        return None

    def _usable(
        self, occurrences: list[list[tuple[int, int]]], *, check_negation: bool
    ) -> list[list[tuple[int, int]]]:
        """Per part, the occurrences from which the rest of the quote can follow (backward pass)."""
        usable: list[list[tuple[int, int]]] = [[] for _ in occurrences]
        usable[-1] = occurrences[-1]
        for i in range(len(occurrences) - 2, -1, -1):
            usable[i] = [
                span
                for span in occurrences[i]
                if self._link(span, usable[i + 1], check_negation=check_negation) is not None
            ]
        return usable

    def _chain_from(
        self, head: tuple[int, int], usable: list[list[tuple[int, int]]], *, check_negation: bool
    ) -> list[tuple[int, int]]:
        chain = [head]
        for following in usable[1:]:
            nxt = self._link(chain[-1], following, check_negation=check_negation)
            assert nxt is not None  # every usable occurrence has a usable successor
            chain.append(nxt)
        return chain

    def _elided_negation(self, quote: str, blocked: tuple[list[tuple[int, int]], list[str]]) -> Evidence:
        spans, words = blocked
        return Evidence(
            quote=quote,
            status="fuzzy",
            spans=spans,
            score=MAX_UNVERIFIED_SCORE,
            occurrences=0,
            differences=[Difference(source=w, quote="[…]") for w in words][:MAX_DIFFERENCES],
        )

    # -------------------------------------------------------------------------------- fuzzy

    def _build_word_index(self) -> array[int]:
        word_starts: array[int] = array("i")
        word_ends: array[int] = array("i")
        postings: dict[str, list[int]] = {}
        for idx, m in enumerate(_WORD.finditer(self._folded)):
            word_starts.append(m.start())
            word_ends.append(m.end())
            postings.setdefault(m.group(), []).append(idx)
        self._word_starts, self._word_ends, self._postings = word_starts, word_ends, postings
        return word_starts

    def _fuzzy(self, quote: str, parts: list[_Part], prefer: tuple[int, int] | None) -> Evidence:
        matches = [self._fuzzy_part(quote, part, prefer) for part in parts]
        total = sum(len(p.folded) for p in parts)
        score = (
            sum(len(p.folded) * (m.score if m else 0.0) for p, m in zip(parts, matches, strict=True)) / total
        )
        if score < FUZZY_MIN_SCORE:
            return Evidence(quote=quote, status="missing", score=round(score, 1))
        found = [m for m in matches if m is not None]
        spans = [m.span for m in found]
        if len(parts) > 1 and any(b[0] < a[1] for a, b in itertools.pairwise(spans)):
            # Parts out of order: the verdict already says so; spans go in text order for display.
            spans.sort()
        differences = [d for m in found for d in m.differences][:MAX_DIFFERENCES]
        return Evidence(
            quote=quote,
            status="fuzzy",
            spans=spans,
            score=round(min(score, MAX_UNVERIFIED_SCORE), 1),
            occurrences=0,
            differences=differences,
        )

    def _fuzzy_part(self, quote: str, part: _Part, prefer: tuple[int, int] | None) -> _FuzzyMatch | None:
        word_starts = self._word_starts if self._word_starts is not None else self._build_word_index()
        word_ends, postings = self._word_ends, self._postings
        qwords = _WORD.findall(part.folded)
        if not qwords or not word_starts:
            return None
        positions: dict[str, list[int]] = {}
        for i, w in enumerate(qwords):
            positions.setdefault(w, []).append(i)
        votes: Counter[int] = Counter()
        spent = 0
        used = 0
        for w in sorted(positions, key=lambda w: len(postings.get(w, ()))):
            posting = postings.get(w)
            if not posting:
                continue
            if used >= 2 and spent + len(posting) > _VOTE_BUDGET:
                break
            for i in positions[w]:
                votes.update([j - i for j in posting])
            spent += len(posting)
            used += 1
        if not votes:
            return None

        m = len(qwords)
        candidates: list[int] = []
        for start, _ in votes.most_common():
            if all(abs(start - c) > m // 2 + 1 for c in candidates):
                candidates.append(start)
                if len(candidates) == _MAX_CANDIDATES:
                    break

        best: tuple[float, bool, int, int, int] | None = None  # score, in prefer, -start, word range
        for c in candidates:
            region = self._best_region(part.folded, c, m)
            score, first_word, last_word = region
            span = (self._starts[word_starts[first_word]], self._ends[word_ends[last_word] - 1])
            key = (score, _inside(span, prefer), -span[0], first_word, last_word)
            if best is None or key[:3] > best[:3]:
                best = key
        assert best is not None
        score, _, _, first_word, last_word = best
        # ratio() prefers dropping a replaced word at the edge of the region ("ont été tués"
        # scores best against "été tués"); take it back so the difference reads "auraient → ont".
        folded = self._folded
        short = last_word - first_word + 1 < m
        if short and first_word > 0 and folded[word_starts[first_word] : word_ends[first_word]] != qwords[0]:
            first_word -= 1
        short = last_word - first_word + 1 < m
        if (
            short
            and last_word + 1 < len(word_starts)
            and folded[word_starts[last_word] : word_ends[last_word]] != qwords[-1]
        ):
            last_word += 1
        a, b = word_starts[first_word], word_ends[last_word]
        a, b = self._widen_over_punctuation(part.folded, a, b)
        span = (self._starts[a], self._ends[b - 1])
        return _FuzzyMatch(span, score, self._differences(quote, part, a, b))

    def _widen_over_punctuation(self, needle: str, a: int, b: int) -> tuple[int, int]:
        """Regions are whole words; take in as much edge punctuation as the quote has (`(GUR)`)."""
        folded = self._folded
        lead = 0
        while lead < len(needle) and not _is_wordish(needle[lead]) and needle[lead] != " ":
            lead += 1
        trail = 0
        while trail < len(needle) and not _is_wordish(needle[-1 - trail]) and needle[-1 - trail] != " ":
            trail += 1
        while lead and a > 0 and not _is_wordish(folded[a - 1]) and folded[a - 1] != " ":
            a -= 1
            lead -= 1
        while trail and b < len(folded) and not _is_wordish(folded[b]) and folded[b] != " ":
            b += 1
            trail -= 1
        return a, b

    def _best_region(self, needle: str, candidate: int, m: int) -> tuple[float, int, int]:
        """Best-scoring run of whole words near word `candidate`: (score, first word, last word)."""
        assert self._word_starts is not None
        word_starts, word_ends, folded = self._word_starts, self._word_ends, self._folded
        count = len(word_starts)
        slack = 2 + m // 4
        lo = min(max(candidate - slack, 0), count - 1)
        hi = min(max(candidate + m + slack, lo + 1), count)
        win_a, win_b = word_starts[lo], word_ends[hi - 1]
        if win_b - win_a > len(needle):
            al = fuzz.partial_ratio_alignment(needle, folded[win_a:win_b])
            a0, b0 = (win_a + al.dest_start, win_a + al.dest_end) if al is not None else (win_a, win_b)
        else:
            a0, b0 = win_a, win_b
        first = min(max(bisect.bisect_right(word_starts, a0) - 1, lo), hi - 1)
        last = min(max(bisect.bisect_left(word_ends, b0), first), hi - 1)
        best = (-1.0, first, last)
        for s in range(max(lo, first - 2), min(hi, first + 3)):
            for e in range(max(s, last - 2), min(hi, last + 3)):
                score = fuzz.ratio(needle, folded[word_starts[s] : word_ends[e]])
                if score > best[0]:
                    best = (score, s, e)
        return best

    def _differences(self, quote: str, part: _Part, a: int, b: int) -> list[Difference]:
        """Word-level changes from the source region ``folded[a:b]`` to the quote part."""
        src = [(m.group(), m.start(), m.end()) for m in _DIFF_TOKEN.finditer(self._folded, a, b)]
        dst = [(m.group(), m.start(), m.end()) for m in _DIFF_TOKEN.finditer(part.folded)]
        matcher = difflib.SequenceMatcher(
            None, [t for t, _, _ in src], [t for t, _, _ in dst], autojunk=False
        )
        out = []
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                continue
            source = self.text[self._starts[src[i1][1]] : self._ends[src[i2 - 1][2] - 1]] if i2 > i1 else ""
            if j2 > j1:
                qa = part.quote_start + part.starts[dst[j1][1]]
                qb = part.quote_start + part.ends[dst[j2 - 1][2] - 1]
                quoted = quote[qa:qb]
            else:
                quoted = ""
            out.append(Difference(source=source, quote=quoted))
        return out


def verify_quote(text: str, quote: str) -> Evidence:
    """Locate one quote in one text (build a `SourceIndex` to check many quotes against a text)."""
    return SourceIndex(text).locate(quote)

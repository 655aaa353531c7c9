"""Evidence verifier: find a model's quote in the article and prove it, or say it is not there.

The verdict ladder, strongest first:

* ``exact``: the quote (trimmed) occurs verbatim.
* ``normalized``: the quote occurs once typography is folded away (see `normalize`), possibly as
  several elided parts that appear in order close together.
* ``fuzzy``: something close exists but at least one letter, digit or word differs. The closest
  region is reported with word-level `Difference`s, and it is never verified.
* ``missing``: nothing close enough, or the quote has no letter or digit at all.

Only ``exact`` and ``normalized`` verify, so the folding (`folding.py`) never lets a letter or
a digit change. Quotes that do neither go to the fuzzy finder (`fuzzy.py`), which says how
they differ from the closest passage and never verifies one.

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
"""

from __future__ import annotations

import bisect
import itertools
import re
import sys
from array import array
from collections.abc import Iterable

from ..models import Difference, Evidence, QuoteStatus
from .folding import DASHES, IGNORABLE, QUOTE_MARKS, Part, has_alnum, is_wordish, normalize
from .fuzzy import MAX_DIFFERENCES, MAX_UNVERIFIED_SCORE, FuzzyFinder, inside

MAX_ELISION_GAP = 600
"""Most code points of source text an elision may skip between two consecutive parts."""


WHOLE_SCANS_BEFORE_INDEX = 400
"""Searches of a whole text after which its words are indexed (`Occurrences`, and the fuzzy
finder's for the folded text): a scan of 450 KB costs ~40 µs, indexing both ~50 ms, so only a
text asked about many times (a claims file of thousands) pays for it; an article of a batch never does."""

_SIGNS = DASHES | frozenset("+±")
# Separators that may sit inside a number: "50.000", "3,5", "1'000", "50 000", "50\u202f000".
_NUMBER_PUNCT = frozenset(".,'’")
_NUMBER_SPACES = frozenset(" \u00a0\u202f\u2009\u2007")

_ELISION = re.compile(
    r"\s*(?:\[\s*(?:\.\s*){2,}\]|\(\s*(?:\.\s*){2,}\)|\[\s*…\s*\]|\(\s*…\s*\)|(?:\.\s?){2,}\.|…)\s*"
)
_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)")
_NEGATION = re.compile(
    r"(?<!\w)(?:ne|pas|ni|jamais|aucun|aucune|nul|nulle|rien|not|no|never|nor|neither|none|"
    r"nothing|nobody|nowhere|without|cannot|sans|non|nicht|kein|keine|nunca|nada)(?!\w)"
    r"|(?<!\w)n['’ʼ](?=\w)|n['’ʼ]t(?!\w)",
    re.IGNORECASE,
)


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
        if has_alnum(quote[a:b]):
            kept.append((a, b))
    return kept


def _pick(candidates: list[tuple[int, int]], prefer: tuple[int, int] | None) -> int:
    for i, span in enumerate(candidates):
        if inside(span, prefer):
            return i
    return 0


_RUN = re.compile(r"\w+")


class Occurrences:
    """Every occurrence of a string in one text, found through the text's words.

    A run of word characters inside a needle, with a character that is not one on each side
    within the needle, is a whole run of the text wherever the needle occurs. So the needle
    can only start at the starts of that run, less its offset in the needle: the positions of
    its rarest such run are all that is checked, and a needle with a run the text never has
    occurs nowhere. A needle without such a run (one or two words) is left to `str.find`.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        runs: dict[str, list[int]] = {}
        for m in _RUN.finditer(text):
            runs.setdefault(m.group(), []).append(m.start())
        self._runs = runs

    def starts(self, needle: str) -> list[int] | None:
        """The starts of every occurrence of `needle`, overlapping ones too, in order; None when
        the needle has no inner run to look it up by."""
        runs = self._runs
        best: tuple[int, list[int]] | None = None
        for m in _RUN.finditer(needle):
            if m.start() == 0 or m.end() == len(needle):
                continue
            starts = runs.get(m.group())
            if starts is None:
                return []
            if best is None or len(starts) < len(best[1]):
                best = (m.start(), starts)
        if best is None:
            return None
        offset, starts = best
        startswith = self.text.startswith
        return [p - offset for p in starts if p >= offset and startswith(needle, p - offset)]


class SourceIndex:
    """Built once per document (normalises the text once, keeps an offset map); then locate() many quotes."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._folded, self._starts, self._ends = normalize(text)
        # Only quotes that fail to verify need the fuzzy finder (and its word index): made on first need.
        self._fuzzy: FuzzyFinder | None = None
        # The text's and the folded text's words, once they have been searched whole often enough.
        self._scans = 0
        self._occurrences: tuple[Occurrences, FuzzyFinder] | None = None

    # ----------------------------------------------------------------------------- public

    @property
    def folded(self) -> str:
        """The text with typography folded away (`normalize`)."""
        return self._folded

    def prepare(self) -> None:
        """Build now every index `locate` would build on need (for a run of many quotes spread
        over forked processes: built once, before the fork, rather than once in each)."""
        if self._occurrences is None:
            self._occurrences = (Occurrences(self.text), self._fuzzy_finder())

    def locate(self, quote: str, *, prefer: tuple[int, int] | None = None) -> Evidence:
        """The verdict on one quote, with spans into the original text.

        `prefer` is a ``[start, end)`` region of the text (the chunk the quote came from): among
        several occurrences of equal strength the first one inside it wins, else the first one.
        A verbatim occurrence always beats a typographic one, wherever they are.
        """
        stripped = quote.strip()
        if not has_alnum(stripped):
            return Evidence(quote=quote, status="missing")

        verbatim = self._find_verbatim(stripped)
        if verbatim:
            chosen = verbatim[_pick(verbatim, prefer)]
            return self._verified(quote, "exact", [chosen], len(verbatim))

        whole = Part.of(quote, 0, len(quote))
        found = self._find_folded(whole.folded)
        if found:
            chosen = self._with_quote_marks(found[_pick(found, prefer)], stripped)
            return self._verified(quote, "normalized", [chosen], len(found))

        # A quote with no elision is one part: the whole one, already folded, when nothing is trimmed.
        parts = [
            whole if (a, b) == (0, len(quote)) else Part.of(quote, a, b) for a, b in split_elisions(quote)
        ]
        parts = [part for part in parts if has_alnum(part.folded)]
        if not parts:
            return Evidence(quote=quote, status="missing")
        if _ELISION.search(quote):
            chains, count, blocked = self._find_chain(self._find_parts([p.folded for p in parts]), prefer)
            if chains:
                spans = [
                    self._with_quote_marks(span, quote[part.quote_start : part.quote_end])
                    for span, part in zip(chains, parts, strict=True)
                ]
                return self._verified(quote, "normalized", spans, count)
            if blocked is not None:
                return self._elided_negation(quote, blocked)
        return self._fuzzy_finder().locate(quote, parts, prefer)

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
        if passage[:1] in QUOTE_MARKS:
            i = start
            while i > 0 and text[i - 1].isspace():
                i -= 1
            if i > 0 and text[i - 1] in QUOTE_MARKS:
                start = i - 1
        if passage[-1:] in QUOTE_MARKS:
            j = end
            while j < len(text) and text[j].isspace():
                j += 1
            if j < len(text) and text[j] in QUOTE_MARKS:
                end = j + 1
        return start, end

    def _clean_cut(self, start: int, end: int) -> bool:
        """True if ``text[start:end]`` is not glued to the words or numbers around it."""
        text = self.text
        n = len(text)
        before = start - 1
        while before >= 0 and text[before] in IGNORABLE:
            before -= 1
        after = end
        while after < n and text[after] in IGNORABLE:
            after += 1
        first, last = text[start], text[end - 1]
        if is_wordish(first) and before >= 0 and is_wordish(text[before]):
            return False
        if is_wordish(last) and after < n and is_wordish(text[after]):
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
            return not (prev and is_wordish(prev))
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

    def _indexed_starts(self, needle: str, folded: bool) -> list[int] | None:
        """Every start of `needle` in the text (or the folded text) from its words' index, or None:
        then the caller scans. The index is made once the text has been searched whole
        `WHOLE_SCANS_BEFORE_INDEX` times; the folded text's is the fuzzy finder's, used as soon
        as a quote has needed that finder."""
        if self._occurrences is None:
            self._scans += 1
            if self._scans < WHOLE_SCANS_BEFORE_INDEX:
                return self._fuzzy.starts(needle) if folded and self._fuzzy is not None else None
            # The folded text's words are the fuzzy finder's: a text asked about this often
            # has quotes that are neither exact nor normalized too.
            self._occurrences = (Occurrences(self.text), self._fuzzy_finder())
        return self._occurrences[folded].starts(needle)

    def _fuzzy_finder(self) -> FuzzyFinder:
        if self._fuzzy is None:
            self._fuzzy = FuzzyFinder(self.text, self._folded, self._starts, self._ends)
        return self._fuzzy

    def _find_verbatim(self, needle: str) -> list[tuple[int, int]]:
        found = []
        end = len(needle)
        starts = self._indexed_starts(needle, folded=False)
        if starts is not None:
            return [(i, i + end) for i in starts if self._clean_cut(i, i + end)]
        find = self.text.find
        i = find(needle)
        while i >= 0:
            if self._clean_cut(i, i + end):
                found.append((i, i + end))
            i = find(needle, i + 1)
        return found

    def _find_folded(self, needle: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
        """Spans in the original text of every clean occurrence of a folded needle (of those that
        start at folded offsets `lo` to `hi`, excluded, when they are given)."""
        if not needle:
            return []
        found = []
        folded, starts, ends = self._folded, self._starts, self._ends
        n = len(folded)
        last = n if hi is None else min(n, hi - 1 + len(needle))
        indexed = self._indexed_starts(needle, folded=True) if hi is None and lo == 0 else None
        occurrences = iter(indexed) if indexed is not None else None
        i = folded.find(needle, lo, last) if occurrences is None else next(occurrences, -1)
        while i >= 0:
            j = i + len(needle)
            # Both ends must fall between source characters, not inside the expansion of one
            # ("s" must not match half of the "ss" that "ß" folds to).
            aligned = (i == 0 or starts[i] != starts[i - 1]) and (j == n or starts[j] != starts[j - 1])
            if aligned:
                span = (starts[i], ends[j - 1])
                if self._clean_cut(*span):
                    found.append(span)
            i = folded.find(needle, i + 1, last) if occurrences is None else next(occurrences, -1)
        if hi is None and not found and len(needle) > 2 and needle[0] == "'" and needle[-1] == "'":
            # Single quotes used as quotation marks around the whole quote: 'x' for « x ».
            return self._find_folded(needle[1:-1].strip())
        return found

    def _find_parts(self, needles: list[str]) -> list[list[tuple[int, int]]]:
        """The occurrences of each part of an elided quote that `_find_chain` can use or look at.

        A part of a few letters ("a", "the") occurs thousands of times, and each occurrence costs
        a boundary check. So the longest part is found everywhere, and each other part only
        where it can follow (or precede) an occurrence kept for the part before (or after) it:
        starting at most `MAX_ELISION_GAP` after its end (ending at most that before its start).
        An occurrence out of every such reach links to nothing and is linked to by nothing, so
        the chains, the usable first parts counted and the elided negations are the same as
        with every occurrence. A part in single quotation marks may be found without them
        (`_find_folded`), which only a search of the whole text decides: it is searched whole.
        """
        pivot = max(range(len(needles)), key=lambda k: len(needles[k]))
        found: list[list[tuple[int, int]]] = [[] for _ in needles]
        found[pivot] = self._find_folded(needles[pivot])
        starts, ends = self._starts, self._ends
        for k in range(pivot + 1, len(needles)):
            windows = _merged((end, end + MAX_ELISION_GAP) for _, end in found[k - 1])
            found[k] = self._find_within(needles[k], windows, starts, 0)
        for k in range(pivot - 1, -1, -1):
            windows = _merged((start - MAX_ELISION_GAP, start) for start, _ in found[k + 1])
            # Windows bound where an occurrence ends: it starts `len - 1` before its last character.
            found[k] = self._find_within(needles[k], windows, ends, len(needles[k]) - 1)
        return found

    def _find_within(
        self,
        needle: str,
        windows: list[tuple[int, int]],
        offsets: array[int],
        shift: int,
    ) -> list[tuple[int, int]]:
        """Occurrences of a folded needle whose original offset (`offsets`: the starts, or the
        ends, of its folded characters) is in one of `windows`, closed ranges of the original
        text. `shift`: from the needle's first character to the one `offsets` is read at."""
        if len(needle) > 2 and needle[0] == "'" and needle[-1] == "'":
            return [
                span
                for span in self._find_folded(needle)
                if _in_windows(span, windows, offsets is self._ends)
            ]
        found: list[tuple[int, int]] = []
        for a, b in windows:
            lo = max(0, bisect.bisect_left(offsets, a) - shift)
            hi = bisect.bisect_right(offsets, b) - shift
            if hi > lo:
                found += self._find_folded(needle, lo, hi)
        return found

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
                    if inside((chain[0][0], chain[-1][1]), prefer):
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


def _merged(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Closed ranges, sorted, with those that overlap or touch made one."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if merged and a <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _in_windows(span: tuple[int, int], windows: list[tuple[int, int]], by_end: bool) -> bool:
    offset = span[1] if by_end else span[0]
    k = bisect.bisect_right(windows, (offset, sys.maxsize)) - 1
    return k >= 0 and windows[k][0] <= offset <= windows[k][1]


def verify_quote(text: str, quote: str) -> Evidence:
    """Locate one quote in one text (build a `SourceIndex` to check many quotes against a text)."""
    return SourceIndex(text).locate(quote)

"""The fuzzy finder: the closest passage to a quote the text does not hold, and how they differ.

Used only for quotes that are neither exact nor normalized, so that a reviewer sees "30 → 31"
instead of a bare "missing". It reads only the folded text and a word index of its own, built
on first need: candidate regions come from the index (votes of shared pairs of words, or words,
at their relative offsets), then `rapidfuzz` scores small windows of whole words. A region scoring below
`FUZZY_MIN_SCORE` makes the quote ``missing``. A score is capped at `MAX_UNVERIFIED_SCORE`, so
that "score 100" always means verified: nothing found here ever verifies.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import operator
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from rapidfuzz import fuzz, process

from ..models import Difference, Evidence
from .folding import Part, is_wordish

FUZZY_MIN_SCORE = 60.0
"""Below this rapidfuzz ratio (0-100) the closest region is not shown and the quote is missing."""

MAX_UNVERIFIED_SCORE = 99.0
"""A fuzzy score never reaches 100, even when every part matched but the parts were too far apart."""

MAX_DIFFERENCES = 12
"""A paraphrase differs everywhere; past a dozen differences the list stops helping a reviewer."""

# How many postings a quote's words (or pairs of words) may vote with before it stops adding more
# common ones. It keeps a quote made of frequent words ("the", "de la") from scanning the whole index.
_VOTE_BUDGET = 6000
# How many of the offsets with most votes are ranked again by the words matched there.
_SHORTLIST = 16
_MAX_CANDIDATES = 4
# A pair of two words that both occur more often than this is not read (`_pair_postings`).
_PAIR_READ = 300
_Key = TypeVar("_Key", str, tuple[str, str])

# A word for indexing and diffing: numbers keep their decimal/thousands punctuation together.
# Possessive (`*+`): nothing follows the group to give back to, and a regex that keeps no
# backtracking state splits a long text in half the time.
_WORD = re.compile(r"\w+(?:[.,]\d+)*+")
_WORD_SPLIT = re.compile(f"({_WORD.pattern})")
_DIFF_TOKEN = re.compile(r"\w+(?:[.,]\d+)*+|[^\w\s]")
_DIFF_SPLIT = re.compile(f"({_DIFF_TOKEN.pattern})")


def inside(span: tuple[int, int], region: tuple[int, int] | None) -> bool:
    return region is not None and region[0] <= span[0] and span[1] <= region[1]


@dataclass
class _FuzzyMatch:
    span: tuple[int, int]
    score: float
    differences: list[Difference] = field(default_factory=list)


class FuzzyFinder:
    """Finds the closest region of `text` to quotes it does not hold; built once per text, on first need."""

    def __init__(self, text: str, folded: str, starts: array[int], ends: array[int]) -> None:
        self.text = text
        self._folded, self._starts, self._ends = folded, starts, ends
        # The text split into gaps and words, a gap first and last: where each begins and ends
        # is a running sum of their lengths, made in C rather than read off a match per word.
        pieces = _WORD_SPLIT.split(folded)
        # One str object for each distinct word, so that a pair is read by identity (`is`): an
        # equality test reads both strings, wherever in memory the text's copy of a word is.
        self._canonical: dict[str, str] = {}
        words = list(map(self._canonical.setdefault, pieces[1::2], pieces[1::2]))
        bounds = array("i", itertools.accumulate(map(len, pieces), initial=0))
        postings: defaultdict[str, list[int]] = defaultdict(list)
        for idx, word in enumerate(words):
            postings[word].append(idx)
        count = len(words)
        self._word_starts, self._word_ends = bounds[1 : 2 * count : 2], bounds[2 : 2 * count + 1 : 2]
        self._postings: dict[str, list[int]] = dict(postings)
        self._words = words
        # The word after (before) each word, "" past either end: no bounds to check for a pair.
        self._after, self._before = [*words[1:], ""], ["", *words[:-1]]
        # The postings of the pairs of words quotes have asked about: made from a word's postings
        # on first need (indexing every pair of a long text costs more than all its quotes' pairs).
        self._pairs: dict[tuple[str, str], list[int]] = {}

    def starts(self, needle: str) -> list[int] | None:
        """Every start of `needle` in the folded text, overlapping ones too, in order, found through
        this index's words (as `verify.Occurrences` finds them in the text); None when the needle
        has no inner word to look it up by.

        A word of the needle is one of the text's wherever the needle occurs when the needle has
        a character on each side of it that can neither be a word's nor let a number go on
        through it: not "," or "." before it ("1,5" is one word, ",5" is not), and not "," or "."
        ending the needle right after it ("5," may go on as "5,7").
        """
        postings = self._postings
        best: tuple[int, list[int]] | None = None
        end = len(needle)
        for m in _WORD.finditer(needle):
            a, b = m.span()
            if a == 0 or b == end or needle[a - 1] in ".," or (b + 1 == end and needle[b] in ".,"):
                continue
            posting = postings.get(m.group())
            if posting is None:
                return []
            if best is None or len(posting) < len(best[1]):
                best = (a, posting)
        if best is None:
            return None
        offset, posting = best
        word_starts, startswith = self._word_starts, self._folded.startswith
        return [
            p - offset
            for p in map(word_starts.__getitem__, posting)
            if p >= offset and startswith(needle, p - offset)
        ]

    def locate(self, quote: str, parts: list[Part], prefer: tuple[int, int] | None) -> Evidence:
        """The closest region to each part of `quote`, with their differences: fuzzy, or missing."""
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

    def _fuzzy_part(self, quote: str, part: Part, prefer: tuple[int, int] | None) -> _FuzzyMatch | None:
        word_starts, word_ends = self._word_starts, self._word_ends
        qwords = _WORD.findall(part.folded)
        if not qwords or not word_starts:
            return None
        m = len(qwords)
        candidates = self._candidates(qwords)
        if not candidates:
            return None

        best: tuple[float, bool, int, int, int] | None = None  # score, in prefer, -start, word range
        for c in candidates:
            region = self._best_region(part.folded, c, m)
            score, first_word, last_word = region
            span = (self._starts[word_starts[first_word]], self._ends[word_ends[last_word] - 1])
            key = (score, inside(span, prefer), -span[0], first_word, last_word)
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

    def _candidates(self, qwords: list[str]) -> list[int]:
        """Word offsets where the quote may start, best first, at most `_MAX_CANDIDATES`.

        A cheap filter before any alignment: the quote's pairs of consecutive words vote for the
        offsets they would start it at, rarest pairs first, within `_VOTE_BUDGET` postings (a
        quote with one word changed keeps all its pairs but two; single words, "the", "de la",
        vote for thousands of offsets). Where no two pairs agree on an offset, words vote. The
        offsets with most votes are ranked again by how many of the quote's words the text has
        at their place; those matching under half as many as the best are not aligned: an
        alignment there cannot come close.
        """
        words = self._words
        count, m = len(words), len(qwords)
        pairs = list(itertools.pairwise(qwords))
        head = self._votes(pairs, self._pair_postings(pairs)).most_common(_SHORTLIST)
        if not head or head[0][1] < 2:
            # No two pairs agree (a short quote, or one changed every other word): words vote.
            head = self._votes(qwords, self._postings).most_common(_SHORTLIST)
        shortlist = []
        for rank, (start, seeds) in enumerate(head):
            lo, hi = max(start, 0), min(start + m, count)
            matched = sum(map(operator.eq, words[lo:hi], qwords[lo - start : hi - start]))
            shortlist.append((-matched, -seeds, rank, start))
        shortlist.sort()
        candidates: list[int] = []
        for matched, _, _, start in shortlist:
            if 2 * -matched < -shortlist[0][0]:
                break
            if all(abs(start - c) > m // 2 + 1 for c in candidates):
                candidates.append(start)
                if len(candidates) == _MAX_CANDIDATES:
                    break
        return candidates

    def _pair_postings(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], list[int]]:
        """Where each pair of consecutive words starts in the text: read from the rarer word's
        postings. A pair of two words that both occur over `_PAIR_READ` times ("of the") is not
        read: it would vote for too many offsets to be let vote."""
        known, postings, canonical = self._pairs, self._postings, self._canonical
        after, before = self._after, self._before
        for pair in pairs:
            if pair in known:
                continue
            first, second = postings.get(pair[0], ()), postings.get(pair[1], ())
            if min(len(first), len(second)) > _PAIR_READ:
                known[pair] = []
            elif len(first) <= len(second):
                # The text's own object of the word (a word it lacks has no postings to read).
                then = canonical.get(pair[1])
                known[pair] = [j for j in first if after[j] is then]
            else:
                was = canonical.get(pair[0])
                known[pair] = [j - 1 for j in second if before[j] is was]
        return {pair: known[pair] for pair in pairs}

    @staticmethod
    def _votes(keys: Sequence[_Key], postings: Mapping[_Key, list[int]]) -> Counter[int]:
        """For each offset, how many of `keys` (the quote's words or pairs) the text has there;
        the rarest keys first, and more common ones only within `_VOTE_BUDGET` postings."""
        positions: dict[_Key, list[int]] = {}
        for i, key in enumerate(keys):
            positions.setdefault(key, []).append(i)
        votes: Counter[int] = Counter()
        spent = 0
        rarest_first = sorted(filter(postings.get, positions), key=lambda k: len(postings[k]))
        for used, key in enumerate(rarest_first):
            posting = postings[key]
            if used >= 2 and spent + len(posting) > _VOTE_BUDGET:
                break
            for i in positions[key]:
                votes.update(map((-i).__add__, posting))  # j - i for each j, without a list
            spent += len(posting)
        return votes

    def _widen_over_punctuation(self, needle: str, a: int, b: int) -> tuple[int, int]:
        """Regions are whole words; take in as much edge punctuation as the quote has (`(GUR)`)."""
        folded = self._folded
        lead = 0
        while lead < len(needle) and not is_wordish(needle[lead]) and needle[lead] != " ":
            lead += 1
        trail = 0
        while trail < len(needle) and not is_wordish(needle[-1 - trail]) and needle[-1 - trail] != " ":
            trail += 1
        while lead and a > 0 and not is_wordish(folded[a - 1]) and folded[a - 1] != " ":
            a -= 1
            lead -= 1
        while trail and b < len(folded) and not is_wordish(folded[b]) and folded[b] != " ":
            b += 1
            trail -= 1
        return a, b

    def _best_region(self, needle: str, candidate: int, m: int) -> tuple[float, int, int]:
        """Best-scoring run of whole words near word `candidate`: (score, first word, last word)."""
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
        # Every run of whole words within two of the alignment's ends, scored in one call (the
        # first of equal scores wins, as in reading order).
        runs = [
            (s, e)
            for s in range(max(lo, first - 2), min(hi, first + 3))
            for e in range(max(s, last - 2), min(hi, last + 3))
        ]
        if not runs:
            return (-1.0, first, last)
        windows = [folded[word_starts[s] : word_ends[e]] for s, e in runs]
        _, score, at = process.extractOne(needle, windows, scorer=fuzz.ratio)
        return (score, *runs[at])

    def _differences(self, quote: str, part: Part, a: int, b: int) -> list[Difference]:
        """Word-level changes from the source region ``folded[a:b]`` to the quote part."""
        src, src_bounds = _diff_tokens(self._folded[a:b])
        dst, dst_bounds = _diff_tokens(part.folded)
        matcher = difflib.SequenceMatcher(None, src, dst, autojunk=False)
        out = []
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                continue
            if i2 > i1:
                source = self.text[
                    self._starts[a + src_bounds[2 * i1 + 1]] : self._ends[a + src_bounds[2 * i2] - 1]
                ]
            else:
                source = ""
            if j2 > j1:
                qa = part.quote_start + part.starts[dst_bounds[2 * j1 + 1]]
                qb = part.quote_start + part.ends[dst_bounds[2 * j2] - 1]
                quoted = quote[qa:qb]
            else:
                quoted = ""
            out.append(Difference(source=source, quote=quoted))
        return out


def _diff_tokens(text: str) -> tuple[list[str], list[int]]:
    """The tokens of `text` and the bounds of text and gaps: token k is ``text[b[2k + 1]:b[2k + 2]]``.

    Split rather than matched one by one: between two tokens there is only whitespace."""
    pieces = _DIFF_SPLIT.split(text)
    return pieces[1::2], list(itertools.accumulate(map(len, pieces), initial=0))

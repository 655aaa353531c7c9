"""Folding: typography away, letters and digits kept, with every folded character's origin in the text.

The verifier compares quotes and text once both are folded (`normalize`). The folding must
therefore never let a letter or a digit change: it touches case, Unicode composition,
apostrophes, quotation marks, dashes, spaces and invisible characters, and nothing else
(accents are kept: "tué" is not "tue").

Quotation marks and the spaces around them fold to one space between two words and to nothing
elsewhere, so `« x »,` `"x",` `“x”,` and a bare `x,` compare equal whatever the spaces inside
the marks; spaces next to a dash are dropped ("2014 – 2015" is "2014-2015") and touching dashes
merge ("--" is "—"). None of this can change a letter or a digit.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from array import array
from dataclasses import dataclass
from functools import lru_cache

APOSTROPHES = frozenset("'’‘ʼ`´′‛‚＇")
QUOTE_MARKS = frozenset('"«»“”„‟‹›〝〞＂″')
DASHES = frozenset("-‐‑‒–—―−⁃﹘﹣－")
# Invisible characters that editors and CMSs sprinkle into words; they carry no letter.
IGNORABLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")

# The fast path of `normalize`: text that folds one-to-one by `str.lower`, i.e. printable ASCII
# except the characters with a rule of their own (`"`, `-` and "`"), and the Latin-1 letters
# except ß (casefolded to "ss") — French and most Western text — and the typographic apostrophe
# (’, written "'" as every apostrophe is: French has one in every other sentence, and each one
# sent the characters around it down the per-character path). Words in a run may be separated
# by a single space, line break or no-break space (which fold to a space) where a space is
# written, and by a single hyphen ("a-t-il", "Jean-Pierre": a dash folds to "-"), each of which
# would otherwise end the run: a hard-wrapped text has one at every line, French one at every
# ":" or "50 000". The look-ahead leaves a character followed by one beyond Latin-1 (maybe a
# combining mark) to the per-character path.
_PLAIN = r"[\x21\x23-\x2c\x2e-\x5f\x61-\x7e\xc0-\xd6\xd8-\xde\xe0-\xf6\xf8-\xff\u2019]"
_PLAIN_RUN = re.compile(
    rf"{_PLAIN}+(?:(?:(?<![(\[{{])[ \n\xa0\u202f](?![%:;!?,.)\]}}])|-){_PLAIN}+)*(?![^\x00-\xff])"
)
# French sets a (no-break) space before ; : ! ? % and », English does not; nobody agrees on
# "( x )". A space there is typography.
_TIGHT_BEFORE = frozenset("%‰:;!?,.)]}")
_TIGHT_AFTER = frozenset("([{")
_GAP_RUN = re.compile(rf"[\s{re.escape(''.join(sorted(QUOTE_MARKS)))}]+")
_DASH_RUN = re.compile(rf"[{re.escape(''.join(sorted(DASHES)))}]+")


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "M"


def is_wordish(ch: str) -> bool:
    # A combining mark belongs to the letter before it: cutting between them cuts a letter.
    # "ʼ" is a letter to Unicode but an apostrophe to writers.
    return (ch.isalnum() or _is_mark(ch)) and ch not in APOSTROPHES


def has_alnum(s: str) -> bool:
    return any(ch.isalnum() and ch not in APOSTROPHES for ch in s)


@lru_cache(maxsize=4096)
def _fold(unit: str) -> str:
    """Case-fold one character with its combining marks, in NFC.

    casefold can emit decomposed text (U+01F0 "ǰ" → "j" + U+030C), hence NFC on both sides of
    it. The text and the quote are both folded unit by unit with this function, so they fold
    alike. The price: conjoining Hangul jamo, which compose across units, do not match
    precomposed syllables (such a quote comes out fuzzy, never falsely verified).
    """
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", unit).casefold())


_LOW_BYTES = bytes(range(256))
_SECOND_BYTES = b"".join(bytes([value]) * 256 for value in range(256))


def counting(n: int) -> array[int]:
    """``array("i", range(n))``, laid out as bytes rather than made one int at a time: 1.4 ms for
    a text of 450,000 code points instead of 26 (every offset of a plain run is copied from it)."""
    if array("i").itemsize != 4 or sys.byteorder != "little" or n >= 1 << 31:
        return array("i", range(n))
    buffer = bytearray(4 * n)
    buffer[0::4] = (_LOW_BYTES * (n // 256 + 1))[:n]
    buffer[1::4] = (_SECOND_BYTES * (n // 65536 + 1))[:n]
    for shift, stride in ((16, 2), (24, 3)):
        if n > 1 << shift:
            steps = range((n >> shift) + 1)
            buffer[stride::4] = b"".join(bytes([value & 255]) * (1 << shift) for value in steps)[:n]
    counted = array("i")
    counted.frombytes(buffer)
    return counted


_IOTA = counting(1 << 16)


def _write_gap(
    out: list[str],
    starts: array[int],
    ends: array[int],
    last: str,
    first: str,
    gap_start: int,
    gap_end: int,
    quoted: bool,
) -> int:
    """Write the gap `text[gap_start:gap_end]` pending between the characters `last` (written,
    "" at the start) and `first` (next) as one space, or as nothing; -1, no gap pending any more.

    A gap holding a quotation mark is a space between two word characters only; a plain one is
    a space unless a dash or tight punctuation is beside it."""
    if not last:
        return -1
    if quoted:
        wanted = is_wordish(last) and is_wordish(first)
    else:
        wanted = not (last == "-" or first == "-" or first in _TIGHT_BEFORE or last in _TIGHT_AFTER)
    if wanted:
        out.append(" ")
        starts.append(gap_start)
        ends.append(gap_end)
    return -1


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
    iota = _IOTA if n < len(_IOTA) else counting(n + 1)
    pos = 0
    last = ""  # last character written
    gap_start = -1  # start of a run of whitespace/quotation marks not yet written
    gap_end = -1
    gap_quoted = False  # the run holds a quotation mark
    # A gap pending is written (or not) where the next character is, by a function of the module:
    # a closure writing it made every variable of this loop a cell, slower to read.
    plain_run, gap_run, dash_run = _PLAIN_RUN.match, _GAP_RUN.match, _DASH_RUN.match
    while pos < n:
        m = plain_run(text, pos)
        if m is not None:
            end = m.end()
            run = text[pos:end].lower().replace("’", "'")
            if not run.isascii() or "\n" in run:
                run = run.replace("\n", " ").replace("\xa0", " ").replace("\u202f", " ")
            if gap_start >= 0:
                gap_start = _write_gap(out, starts, ends, last, run[0], gap_start, gap_end, gap_quoted)
            out.append(run)
            starts.extend(iota[pos:end])
            ends.extend(iota[pos + 1 : end + 1])
            last = run[-1]
            pos = end
            continue
        ch = text[pos]
        if ch in IGNORABLE:
            pos += 1
            continue
        m = gap_run(text, pos)
        if m is not None:
            # A run of whitespace and quotation marks at once (an indented line, `" `): it only
            # widens the gap, which the next character written decides on.
            end = m.end()
            if gap_start < 0:
                gap_start, gap_quoted = pos, False
            gap_end = end
            gap_quoted = gap_quoted or not text[pos:end].isspace()
            pos = end
            continue
        if ch in DASHES:
            dashes = dash_run(text, pos)
            assert dashes is not None  # `ch` is one
            end = dashes.end()
            if end < n and _is_mark(text[end]):
                end -= 1  # the last dash and its combining marks are one unit, folded as such
            if end > pos:
                # Touching dashes are one "-" over them all ("--" for "—"), and one touching the
                # "-" written last widens it. Only touching dashes merge, so "10 - -5" (a sign)
                # stays apart from "10 - 5".
                if last == "-" and gap_start < 0:
                    ends[-1] = end
                else:
                    if gap_start >= 0:
                        gap_start = _write_gap(out, starts, ends, last, "-", gap_start, gap_end, gap_quoted)
                    out.append("-")
                    starts.append(pos)
                    ends.append(end)
                    last = "-"
                pos = end
                continue
        unit_end = pos + 1
        while unit_end < n and _is_mark(text[unit_end]):
            unit_end += 1
        if unit_end == pos + 1 and ch in APOSTROPHES:
            folded = "'"
        elif ch == "…" and unit_end == pos + 1:
            folded = "..."
        else:
            folded = _fold(text[pos:unit_end])
        if folded:
            if gap_start >= 0:
                gap_start = _write_gap(out, starts, ends, last, folded[0], gap_start, gap_end, gap_quoted)
            out.append(folded)
            for _ in folded:
                starts.append(pos)
                ends.append(unit_end)
            last = folded[-1]
        pos = unit_end
    return "".join(out), starts, ends


@dataclass
class Part:
    """One elided part of a quote: where it sits in the quote and its folded form."""

    quote_start: int
    quote_end: int
    folded: str
    starts: array[int]  # into the quote
    ends: array[int]

    @classmethod
    def of(cls, quote: str, start: int, end: int) -> Part:
        folded, starts, ends = normalize(quote[start:end])
        return cls(start, end, folded, starts, ends)

"""Code-point offsets in the units another tool counts.

claimex's spans count code points (`text[start:end]` in Python). JavaScript strings count UTF-16
code units, so after an emoji (one code point, two units) every offset of an editor written in
JavaScript is one more; a tool that counts grapheme clusters (what a reader sees as one
character: "é" written as "e" + U+0301, a flag, a family emoji) counts fewer. Grapheme clusters
are the `regex` module's `\\X` (Unicode's extended grapheme clusters).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Literal

import regex

Unit = Literal["code-points", "utf-16", "graphemes"]
UNITS: tuple[Unit, ...] = ("code-points", "utf-16", "graphemes")


class Offsets:
    """Converts offsets of one text from code points into `unit`."""

    def __init__(self, text: str, unit: Unit) -> None:
        self.text = text
        self.unit = unit
        # Code-point positions after which the count changes: astral characters for UTF-16,
        # grapheme boundaries for graphemes.
        if unit == "utf-16":
            self._astral = [index for index, ch in enumerate(text) if ord(ch) > 0xFFFF]
        elif unit == "graphemes":
            self._starts = [match.start() for match in regex.finditer(r"\X", text)] + [len(text)]

    def start(self, offset: int) -> int:
        """A span's start; inside a grapheme it moves back to the grapheme's start."""
        if self.unit == "utf-16":
            return offset + bisect_left(self._astral, offset)
        if self.unit == "graphemes":
            return bisect_right(self._starts, offset) - 1
        return offset

    def end(self, offset: int) -> int:
        """A span's end; inside a grapheme it moves on to the grapheme's end."""
        if self.unit == "graphemes":
            return bisect_left(self._starts, offset)
        return self.start(offset)


def slice_in(text: str, start: int, end: int, unit: Unit) -> str:
    """What a tool counting `unit` shows for [start, end): the other way round, for checking."""
    if unit == "utf-16":
        return text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le")
    if unit == "graphemes":
        return "".join(regex.findall(r"\X", text)[start:end])
    return text[start:end]

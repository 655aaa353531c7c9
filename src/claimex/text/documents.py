"""Load: read an article from a file or stdin and decode it to the text that offsets refer to.

Text files are decoded (UTF-8, UTF-16 with BOM, or a detected legacy 8-bit encoding); HTML is
reduced to its main text. Either way `Document.text` is what every span indexes.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import json
import os
import re
import stat
import sys
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from ..errors import InputError

# Far beyond any article; past it the file is more likely a mistake than a text to send a model.
DEFAULT_MAX_BYTES = 20_000_000
STDIN = "-"
HTML_SUFFIXES = frozenset({".html", ".htm"})


@dataclass(frozen=True)
class Document:
    """An article as claimex sees it. Every span in a result indexes `text` in code points."""

    text: str
    path: str
    sha256: str
    encoding: str
    # "html" when `text` was extracted from markup: the file itself is then not the text.
    kind: str = "text"

    @property
    def text_is_file(self) -> bool:
        """Whether the file's bytes decode to `text` as plain UTF-8, so spans index the file as is."""
        return self.kind == "text" and self.encoding == "utf-8"

    @property
    def name(self) -> str:
        return Path(self.path).name if self.path != "<stdin>" else self.path


def load_document(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read `path` (or stdin for "-") and decode it; any problem is one `InputError` line."""
    if str(path) == STDIN:
        if sys.stdin.isatty():
            print("claimex: reading the article from the terminal; end it with Ctrl-D", file=sys.stderr)
        data = sys.stdin.buffer.read(max_bytes + 1)
        return document_from_bytes(data, "<stdin>", max_bytes=max_bytes)
    data = read_bytes(Path(path), max_bytes=max_bytes)
    return document_from_bytes(
        data, str(path), max_bytes=max_bytes, html=Path(path).suffix.lower() in HTML_SUFFIXES
    )


# A \uD800–\uDFFF escape not preceded by an escaped backslash: half of a UTF-16 pair.
_SURROGATE_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u([dD][89a-fA-F][0-9a-fA-F]{2})")


def _lone_surrogate(text: str) -> str | None:
    """The first `\\uD8xx`-`\\uDFxx` escape of a JSON text that is not half of a pair, as written:
    JSON lets one through, and no UTF-8 output can hold it."""
    if "\\ud" not in text and "\\uD" not in text:
        return None
    matches = list(_SURROGATE_ESCAPE.finditer(text))
    at = 0
    while at < len(matches):
        unit = int(matches[at].group(1), 16)
        following = matches[at + 1] if at + 1 < len(matches) else None
        paired = (
            0xD800 <= unit <= 0xDBFF
            and following is not None
            and following.start(1) - 2 == matches[at].end()
            and 0xDC00 <= int(following.group(1), 16) <= 0xDFFF
        )
        if not paired:
            return "\\u" + matches[at].group(1)
        at += 2
    return None


def read_json(path: Path, *, what: str = "a JSON file") -> Any:
    """A JSON file (UTF-8, BOM allowed); a problem is one `InputError` line naming the file."""
    raw = read_bytes(path, what=what)
    try:
        text = raw.decode("utf-8-sig")
        lone = _lone_surrogate(text)
        if lone is not None:
            raise InputError(
                f"{path}: a lone surrogate {lone} in a string: not text any UTF-8 output can hold"
            )
        return json.loads(text)
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise InputError(f"{path}: malformed JSON ({error.msg} at {where})") from None
    except RecursionError:
        raise InputError(f"{path}: JSON nested too deeply to be {what}") from None


_NOT_FILES = (
    (stat.S_ISDIR, "is a directory"),
    (stat.S_ISFIFO, "is a named pipe (FIFO)"),
    (stat.S_ISSOCK, "is a socket"),
    (stat.S_ISCHR, "is a character device"),
    (stat.S_ISBLK, "is a block device"),
)


def _not_a_file(path: Path, mode: int, what: str) -> InputError:
    kind = next((kind for test, kind in _NOT_FILES if test(mode)), "is not a regular file")
    return InputError(f"{path}: {kind}, not {what}")


# What a link that leads nowhere gives (as `Path.exists` reads it): no target, or a loop.
_LINK_BROKEN = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP})


def read_bytes(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, what: str = "an article file") -> bytes:
    """The bytes of a regular file, at most `max_bytes`.

    Anything else (a FIFO, a socket, a device, a link to one) is refused before it is read:
    reading a FIFO with no writer, or a device, would wait or run forever.
    """
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            try:
                mode = os.stat(path).st_mode
            except OSError as error:
                if error.errno in _LINK_BROKEN:
                    raise InputError(f"{path}: broken symbolic link") from None
                raise
        if not stat.S_ISREG(mode):
            raise _not_a_file(path, mode, what)
        # Non-blocking, so that a FIFO put in the file's place since the check cannot hold the open.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode):
                raise _not_a_file(path, info.st_mode, what)
            if info.st_size > max_bytes:
                raise InputError(f"{path}: too large ({info.st_size:,} bytes; the limit is {max_bytes:,})")
            data = _read_up_to(descriptor, info.st_size, max_bytes + 1)
        finally:
            os.close(descriptor)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror or error})") from None
    if len(data) > max_bytes:
        raise InputError(f"{path}: too large (over {max_bytes:,} bytes; it grew while being read)")
    return data


def _read_up_to(descriptor: int, size: int, limit: int) -> bytes:
    """The file's bytes, at most `limit`: its `size` in one read (no buffer of `limit` made), more if it grew.

    A read of a regular file that returns less than it was asked for has reached the end.
    """
    parts: list[bytes] = []
    read = 0
    while read < limit:
        wanted = min(limit - read, max(size + 1 - read, 1 << 16))
        part = os.read(descriptor, wanted)
        parts.append(part)
        read += len(part)
        if len(part) < wanted:
            break
    return b"".join(parts)


def document_from_bytes(
    data: bytes,
    name: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    html: bool = False,
    sha256: str | None = None,
) -> Document:
    """`sha256`: the bytes' hash, when the caller has it already."""
    if len(data) > max_bytes:
        raise InputError(f"{name}: too large (over {max_bytes:,} bytes)")
    text, encoding = decode_text(data, name)
    kind = "text"
    if html:
        text, kind = html_to_text(text), "html"
        if not text.strip():
            raise InputError(f"{name}: the HTML holds no readable text")
    return Document(
        text=text, path=name, sha256=sha256 or hashlib.sha256(data).hexdigest(), encoding=encoding, kind=kind
    )


def document_from_text(text: str, *, html: bool = False, source: str = "<text>") -> Document:
    """A text given as a string, read as the same text in a UTF-8 file would be.

    For texts that never were a file (an HTTP request's, a Python caller's): problems are named
    "text", the result says it came from `source`, and its sha256 is that of the UTF-8 text.
    """
    if "\x00" in text:
        # Bytes would be sniffed for UTF-16 without a BOM; a string is text already.
        raise InputError("text: contains NUL characters: binary data, not an article")
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InputError(f"text: not valid Unicode ({error.reason} at character {error.start})") from None
    return replace(document_from_bytes(data, "text", html=html), path=source)


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM), BOM-marked UTF-16, or a detected legacy encoding."""
    if not data:
        raise InputError(f"{name}: the file is empty")
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif bomless := _bomless_utf16(data):
        encoding = bomless
    elif b"\x00" in data[:8192]:
        raise InputError(f"{name}: looks like a binary file (it contains NUL bytes), not text")
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        if encoding != "utf-8":
            raise InputError(
                f"{name}: not valid {encoding.upper()} text (byte offset {error.start})"
            ) from None
        legacy = _detect_legacy_encoding(data)
        if legacy is None:
            raise InputError(
                f"{name}: not valid UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}) "
                "and no other encoding fits; convert it to UTF-8 first"
            ) from None
        text, encoding = data.decode(legacy), legacy
    if not text.strip():
        raise InputError(f"{name}: contains only whitespace")
    if _looks_binary(text):
        raise InputError(f"{name}: looks like a binary file (mostly control characters), not text")
    return text, encoding.replace("-sig", "")


def _bomless_utf16(data: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" for UTF-16 written without a BOM (as some Windows tools do).

    Text in a Latin script has a NUL in the high byte of nearly every character, and almost
    never in the low one; a binary file has NULs scattered on both sides.
    """
    sample = data[: min(len(data), 8192) // 2 * 2]
    if len(sample) < 4:
        return None
    pairs = len(sample) // 2
    even, odd = sample[0::2].count(0) / pairs, sample[1::2].count(0) / pairs
    if odd > 0.6 and even < 0.02:
        return "utf-16-le"
    if even > 0.6 and odd < 0.02:
        return "utf-16-be"
    return None


def _detect_legacy_encoding(data: bytes) -> str | None:
    """The 8-bit encoding charset-normalizer finds most coherent.

    On a tie it prefers cp1252, the encoding of most legacy French and Western European
    sites: on short texts cp1250 and cp1252 often score alike, and cp1250 turns "là" into "lŕ".
    """
    import charset_normalizer

    matches = list(charset_normalizer.from_bytes(data))
    if not matches:
        return None
    best = min(match.chaos for match in matches)
    tied = [match.encoding for match in matches if match.chaos == best]
    return "cp1252" if "cp1252" in tied else tied[0]


def html_to_text(html: str) -> str:
    """The main text of a page (trafilatura), else every visible text node (plain tag stripping)."""
    import trafilatura

    extracted = trafilatura.extract(html, include_comments=False, include_tables=True)
    if extracted and extracted.strip():
        return extracted
    return _strip_tags(html)


class _TextCollector(HTMLParser):
    _SKIPPED = frozenset({"script", "style", "noscript", "template", "head"})
    _BLOCKS = frozenset(
        {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "article", "section"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in self._SKIPPED:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED and self._skipping:
            self._skipping -= 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _strip_tags(html: str) -> str:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).splitlines())
    return "\n".join(line for line in lines if line)


# Control characters (Unicode category Cc) other than the line and tab ones.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    controls = len(_CONTROL.findall(sample))
    return controls > len(sample) * 0.05

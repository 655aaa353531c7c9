"""Load: read an article from a file or stdin and decode it to the text that offsets refer to.

Text files are decoded (UTF-8, UTF-16 with BOM, or a detected legacy 8-bit encoding); HTML is
reduced to its main text. Either way `Document.text` is what every span indexes.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import sys
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from .errors import InputError

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
        data = sys.stdin.buffer.read(max_bytes + 1)
        return document_from_bytes(data, "<stdin>", max_bytes=max_bytes)
    data = read_bytes(Path(path), max_bytes=max_bytes)
    return document_from_bytes(
        data, str(path), max_bytes=max_bytes, html=Path(path).suffix.lower() in HTML_SUFFIXES
    )


def read_json(path: Path) -> Any:
    """A JSON file (UTF-8, BOM allowed); a problem is one `InputError` line naming the file."""
    raw = read_bytes(path)
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise InputError(f"{path}: malformed JSON ({error.msg} at {where})") from None


def read_bytes(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    try:
        if path.is_symlink() and not path.exists():
            raise InputError(f"{path}: broken symbolic link")
        if path.is_dir():
            raise InputError(f"{path}: is a directory, not an article")
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"{path}: too large ({size:,} bytes; the limit is {max_bytes:,})")
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror or error})") from None


def document_from_bytes(
    data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES, html: bool = False
) -> Document:
    if len(data) > max_bytes:
        raise InputError(f"{name}: too large (over {max_bytes:,} bytes)")
    text, encoding = decode_text(data, name)
    kind = "text"
    if html:
        text, kind = html_to_text(text), "html"
        if not text.strip():
            raise InputError(f"{name}: the HTML holds no readable text")
    return Document(
        text=text, path=name, sha256=hashlib.sha256(data).hexdigest(), encoding=encoding, kind=kind
    )


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM), BOM-marked UTF-16, or a detected legacy encoding."""
    if not data:
        raise InputError(f"{name}: the file is empty")
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
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


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    controls = sum(1 for char in sample if unicodedata.category(char) == "Cc" and char not in "\n\r\t\f\v")
    return controls > len(sample) * 0.05

"""Load: read an article from a file or stdin and decode it to the text that offsets refer to."""

from __future__ import annotations

import codecs
import hashlib
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

# Far beyond any article; past it the file is more likely a mistake than a text to send a model.
DEFAULT_MAX_BYTES = 20_000_000
STDIN = "-"


@dataclass(frozen=True)
class Document:
    """An article as claimex sees it. Every span in a result indexes `text` in code points."""

    text: str
    path: str
    sha256: str
    encoding: str

    @property
    def name(self) -> str:
        return Path(self.path).name if self.path != "<stdin>" else self.path


def load_document(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read `path` (or stdin for "-") and decode it; any problem is one `InputError` line."""
    if str(path) == STDIN:
        data = sys.stdin.buffer.read(max_bytes + 1)
        return document_from_bytes(data, "<stdin>", max_bytes=max_bytes)
    data = read_bytes(Path(path), max_bytes=max_bytes)
    return document_from_bytes(data, str(path), max_bytes=max_bytes)


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


def document_from_bytes(data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    if len(data) > max_bytes:
        raise InputError(f"{name}: too large (over {max_bytes:,} bytes)")
    text, encoding = decode_text(data, name)
    return Document(text=text, path=name, sha256=hashlib.sha256(data).hexdigest(), encoding=encoding)


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM) or BOM-marked UTF-16; refuse what is not text."""
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
        raise InputError(
            f"{name}: not valid {encoding.upper()} text (byte 0x{data[error.start]:02x} at offset "
            f"{error.start}); convert it to UTF-8 first"
        ) from None
    if not text.strip():
        raise InputError(f"{name}: contains only whitespace")
    if _looks_binary(text):
        raise InputError(f"{name}: looks like a binary file (mostly control characters), not text")
    return text, encoding.replace("-sig", "")


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    controls = sum(
        1 for char in sample if unicodedata.category(char) == "Cc" and char not in "\n\r\t\f\v"
    )
    return controls > len(sample) * 0.05

"""Loading articles: every decodable text in, every bad input out with one line naming the file."""

from __future__ import annotations

import codecs
import hashlib
import os
from pathlib import Path

import pytest

from claimex.errors import InputError
from claimex.text.documents import load_document
from conftest import SEED


def test_seed_is_read_as_utf8_with_its_hash() -> None:
    document = load_document(SEED)
    assert document.encoding == "utf-8"
    assert document.sha256 == hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert document.text.startswith("ActualitésInternational")


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + "l’armée «ici»".encode(), "utf-8"),
        (codecs.BOM_UTF16_LE + "l’armée «ici»".encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + "l’armée «ici»".encode("utf-16-be"), "utf-16"),
    ],
)
def test_boms_are_understood_and_dropped(tmp_path: Path, data: bytes, encoding: str) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(data)
    document = load_document(path)
    assert (document.text, document.encoding) == ("l’armée «ici»", encoding)


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_legacy_french_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    text = "L'armée est là : « des assauts » près de Koursk, a déclaré le président."
    path = tmp_path / "a.txt"
    path.write_bytes(text.encode(encoding))
    document = load_document(path)
    assert document.text == text
    assert document.encoding == "cp1252"  # latin-1's printable range is cp1252's
    assert not document.text_is_file


def test_html_is_reduced_to_its_main_text(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>T</title><script>var x = 1;</script></head><body><article>"
        "<p>Selon le GUR, au moins 30 soldats auraient été tués ce week-end près de Koursk.</p>"
        "</article></body></html>",
        encoding="utf-8",
    )
    document = load_document(path)
    assert document.kind == "html" and not document.text_is_file
    assert document.text == "Selon le GUR, au moins 30 soldats auraient été tués ce week-end près de Koursk."


def test_html_without_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text("<html><body><script>x()</script></body></html>", encoding="utf-8")
    with pytest.raises(InputError, match="holds no readable text"):
        load_document(path)


def test_crlf_is_kept_so_offsets_match_the_decoded_text(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"un\r\ndeux")
    assert load_document(path).text == "un\r\ndeux"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b""), "the file is empty"),
        (lambda p: p.write_bytes(b" \n\t "), "contains only whitespace"),
        (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "looks like a binary file"),
        (lambda p: p.write_bytes(bytes(range(128, 256)) * 4), "not valid UTF-8 text (byte 0x80 at offset 0)"),
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: None, "no such file"),
        (lambda p: p.symlink_to(p.parent / "gone"), "broken symbolic link"),
    ],
)
def test_bad_inputs_give_one_line_naming_the_file(tmp_path: Path, make, message: str) -> None:
    path = tmp_path / "article.txt"
    make(path)
    with pytest.raises(InputError) as raised:
        load_document(path)
    text = str(raised.value)
    assert text.startswith(f"{path}: ") and message in text and "\n" not in text


def test_huge_files_are_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * 101)
    with pytest.raises(InputError, match=r"too large \(101 bytes; the limit is 100\)"):
        load_document(path, max_bytes=100)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root here, and root reads a chmod 000 file: the refusal is simulated.
    path = tmp_path / "secret.txt"
    path.write_text("x")

    def refuse(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(InputError, match=r"secret.txt: permission denied$"):
        load_document(path)

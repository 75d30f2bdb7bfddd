"""Files built to exhaust a reader, and files that are simply not documents: each is refused at once with a
sentence saying why, by the reader's own checks; the reading process' limits catch what no check foresees."""

from __future__ import annotations

import os
import random
import zipfile
from pathlib import Path

import pytest

from ingest.errors import UnreadableDocument
from ingest.isolation import IsolatedReader, ReadLimits
from ingest.reader import load_source, read_document

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
# Generous for any real document, far below what the bombs would take: had a reader's own check not refused a
# bomb, the limit would, with another message than the one each test expects.
LIMITS = ReadLimits(seconds=60, memory_mb=1024)


@pytest.fixture(scope="module")
def reader():
    with IsolatedReader(LIMITS) as reader:
        yield reader


def refusal(reader: IsolatedReader, path: Path) -> str:
    with pytest.raises(UnreadableDocument) as refused:
        reader.read(load_source(path))
    assert str(path) in str(refused.value), "the message names the file"
    return refused.value.reason


def write_docx(path: Path, body: str) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("word/document.xml", f'<?xml version="1.0"?><w:document {W}><w:body>{body}</w:body></w:document>')
    return path


def test_a_docx_that_unpacks_to_hundreds_of_megabytes(reader, tmp_path):
    # 460 KB that unpack to 152 MB of XML: it took 826 s and 4.5 GB to ingest, and succeeded.
    bomb = write_docx(tmp_path / "bomb.docx", "<w:p><w:r><w:t>Text of a paragraph.</w:t></w:r></w:p>" * 3_000_000)
    assert bomb.stat().st_size < 1024 * 1024
    assert "unpacks to 152 MB" in refusal(reader, bomb)


def test_a_docx_compressed_beyond_any_document(reader, tmp_path):
    bomb = write_docx(tmp_path / "dense.docx", "<w:p><w:r><w:t>Text of a paragraph.</w:t></w:r></w:p>" * 700_000)
    assert "ZIP bomb" in refusal(reader, bomb)


def test_a_docx_of_a_million_elements(reader, tmp_path):
    rng = random.Random(0)
    body = "".join(f'<w:p w:rsidR="{rng.getrandbits(32):08X}"/>' for _ in range(1_100_000))
    assert "1,100,002 XML elements" in refusal(reader, write_docx(tmp_path / "many.docx", body))


def test_yaml_aliases_in_front_matter(reader, tmp_path):
    # 426 bytes that name 9^9 strings: 565 s and 4.4 GB, and it succeeded.
    lines = ["---", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    path = tmp_path / "laughs.md"
    path.write_text("\n".join([*lines, "---", "", "A note on the border and asylum seekers."]), encoding="utf-8")
    assert "YAML aliases" in refusal(reader, path)


def test_random_bytes_are_not_text(reader, tmp_path):
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(byte for byte in random.Random(1).randbytes(50_000) if byte))  # no NUL: not "binary"
    assert refusal(reader, path).startswith("is not text in any language")


def test_markup_nested_deeper_than_parsers_go(reader, tmp_path):
    path = tmp_path / "nested.html"
    levels = 3_000_000  # 33 MB
    path.write_text(f"<html><body>{'<div>' * levels}Deep text.{'</div>' * levels}</body></html>", encoding="utf-8")
    assert "more than 255 levels deep" in refusal(reader, path)


def test_utf16_without_a_byte_order_mark_is_read(reader, tmp_path):
    text = "Статья 3. Никто не должен подвергаться пыткам. Article 33 — non-refoulement."
    for encoding in ("utf-16-le", "utf-16-be"):
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes(text.encode(encoding))
        assert [block.text for block in reader.read(load_source(path)).blocks] == [text]


def test_damaged_pdfs_are_described_without_their_bytes(corpus_dir, tmp_path):
    data = (corpus_dir / "pdf" / "eu-charter-2000-oj-c364.pdf").read_bytes()
    rng = random.Random(2)
    reasons = []
    for trial in range(20):
        damaged = bytearray(data)
        start = rng.randrange(len(damaged))
        damaged[start : start + 2000] = rng.randbytes(2000)
        path = tmp_path / f"damaged-{trial}.pdf"
        path.write_bytes(bytes(damaged[: rng.randrange(len(damaged) // 2, len(damaged))]))
        try:
            read_document(load_source(path))
        except UnreadableDocument as error:
            reasons.append(error.reason)
    assert reasons, "some of the damaged copies must be refused"
    for reason in reasons:
        assert "b'" not in reason and "\\x" not in reason and len(reason) < 250, reason


def test_the_limits_stop_what_no_check_foresees(corpus_dir, tmp_path):
    booklet = load_source(corpus_dir / "pdf" / "echr-convention-2021-coe.pdf")  # 1.3 MB, 1,500 lines
    with IsolatedReader(ReadLimits(seconds=0.2)) as slow:
        with pytest.raises(UnreadableDocument, match=r"took more than 0\.2 s and was stopped"):
            slow.read(booklet)
        protocol = load_source(corpus_dir / "statutes" / "echr-protocol-4.txt")
        assert slow.read(protocol).blocks, "the next file gets a new reader"
    with IsolatedReader(ReadLimits(memory_mb=256)) as small:
        big = tmp_path / "big.txt"
        big.write_text(("Asylum seekers at the border. " * 40 + "\n") * 200_000, encoding="utf-8")  # 250 MB
        with pytest.raises(UnreadableDocument, match="needed more than 256 MB of memory"):
            small.read(load_source(big))


def test_the_reader_is_a_process_of_its_own(reader, corpus_dir):
    blocks = reader.read(load_source(corpus_dir / "statutes" / "echr-protocol-4.txt")).blocks
    assert blocks == read_document(load_source(corpus_dir / "statutes" / "echr-protocol-4.txt")).blocks
    assert reader._process.pid != os.getpid()

"""The DOCX reader on real HUDOC judgments and on small Word packages written here."""

from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path

import docx
import pytest

from ingest.docx import read_docx
from ingest.errors import UnreadableDocument
from ingest.reader import load_source
from ingest.records import Block

NUMBERED = re.compile(r"^(\d+)\. \S")


def numbers(blocks: list[Block]) -> list[int]:
    """The paragraph numbers that open non-heading blocks, in order."""
    return [int(m.group(1)) for block in blocks if not block.role and (m := NUMBERED.match(block.text))]


def judgment_numbers(blocks: list[Block]) -> list[int]:
    """The run 1, 2, 3 ... of the judgment's own paragraph numbers before the operative part; a gap ends it.

    Quoted provisions ("2. There shall be no interference ...") also open with a number; they are skipped.
    """
    end = next(i for i, block in enumerate(blocks) if block.text.startswith("FOR THESE REASONS"))
    run: list[int] = []
    for number in numbers(blocks[:end]):
        if number == len(run) + 1:
            run.append(number)
    return run


def texts(blocks: list[Block]) -> list[str]:
    return [block.text for block in blocks]


@pytest.fixture(scope="module")
def khan(corpus_dir: Path) -> list[Block]:
    return read_docx(load_source(corpus_dir / "docx" / "khan-v-germany-gc-2016.docx")).blocks


@pytest.fixture(scope="module")
def uysal(corpus_dir: Path) -> list[Block]:
    return read_docx(load_source(corpus_dir / "docx" / "uysal-and-osal-v-turkey-2007.docx")).blocks


@pytest.fixture(scope="module")
def dl_bulgaria(corpus_dir: Path) -> list[Block]:
    return read_docx(load_source(corpus_dir / "docx" / "dl-v-bulgaria-2016.docx")).blocks


def test_khan_paragraph_numbers_run_without_gaps(khan):
    found = judgment_numbers(khan)
    assert found == list(range(1, 49)), (
        "HUDOC numbers paragraphs with SEQ fields; each of Khan's 48 paragraphs must open with its printed "
        f"number 'N. ' so citations to § N work, got {found}"
    )


@pytest.mark.parametrize("name", ["khan-v-germany-gc-2016", "vm-v-belgium-gc-2016"])
def test_numbered_paragraphs_match_the_flattened_judgment(corpus_dir, name):
    blocks = read_docx(load_source(corpus_dir / "docx" / f"{name}.docx")).blocks
    flattened = (corpus_dir / "case-law" / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    ours = [" ".join(block.text.split()) for block in blocks if NUMBERED.match(block.text) and not block.role]
    theirs = [" ".join(line.split()) for line in flattened if NUMBERED.match(line)]
    assert len(ours) == len(theirs), (
        f"{name}: the .docx and the flattened text of the same judgment must have as many numbered "
        f"paragraphs ({len(ours)} vs {len(theirs)})"
    )
    for mine, reference in zip(ours, theirs, strict=True):
        assert mine.split()[:8] == reference.split()[:8], (
            f"{name}: a numbered paragraph must read as the judgment prints it:\n"
            f"{mine[:120]}\n{reference[:120]}"
        )
    assert ours == theirs, f"{name}: the paragraphs' full text must equal the flattened judgment's"


def test_khan_line_breaks_and_paragraph_breaks(khan):
    paragraph_36 = next(text for text in texts(khan) if text.startswith("36. "))
    assert paragraph_36.startswith(
        "36. In the instant case, the Court notes that the German Government gave"
    ), "the SEQ field result and the text after it must join with one space, as printed"
    judges = next(text for text in texts(khan) if text.startswith("Guido Raimondi, President,"))
    assert "\nAndrás Sajó," in judges, "a w:br inside a paragraph must stay a line break within its block"
    assert all(khan[i].text or khan[i + 1].text for i in range(len(khan) - 1)), (
        "blank Word paragraphs become single Block('') paragraph breaks, never two in a row"
    )
    assert khan[0].text and khan[-1].text, "no paragraph break may open or close the document"


def test_headings_come_from_heading_styles(khan, uysal):
    khan_headings = [block.text for block in khan if block.role == "heading"]
    for expected in (
        "PROCEDURE",
        "THE FACTS",
        "I. THE CIRCUMSTANCES OF THE CASE",
        "B. The Court’s assessment",
        "THE LAW",
        "DISSENTING OPINION OF JUDGE SAJÓ",
    ):
        assert expected in khan_headings, (
            f"ECHR_Title_1 / ECHR_Heading_N paragraph {expected!r} must be a heading"
        )
    uysal_headings = [block.text for block in uysal if block.role == "heading"]
    for expected in (
        "PROCEDURE",
        "THE CIRCUMSTANCES OF THE CASE",
        "II. ALLEGED VIOLATION OF ARTICLE 6 § 1 OF THE CONVENTION",
        "A. Independence and impartiality of the Diyarbakır State Security Court",
        "1. Admissibility",
        "i. In respect of the first applicant",
    ):
        assert expected in uysal_headings, f"old HUDOC Ju_H_* style paragraph {expected!r} must be a heading"
    assert not [b.text for b in khan + uysal if b.role == "heading" and re.match(r"\d+\. .{80}", b.text)], (
        "numbered judgment paragraphs are body text, not headings"
    )


def test_smart_tags_keep_their_text(uysal):
    assert "CASE OF UYSAL AND OSAL v. TURKEY" in texts(uysal), (
        "'TURKEY' sits inside nested w:smartTag elements; dropping them would truncate the case title"
    )
    paragraph_8 = next(text for text in texts(uysal) if text.startswith("8. "))
    assert paragraph_8.startswith(
        "8. On 3 July 1998 the Diyarbakır State Security Court, composed of three"
    ), "court names wrapped in smart tags must stay in the paragraph text"
    assert any("Stanley Naismith" in text for text in texts(uysal)), "the Registrar's smart-tagged first name"
    assert judgment_numbers(uysal) == list(range(1, 42)), "Uysal and Osal's SEQ-numbered paragraphs 1-41"


def test_running_headers_and_footers_are_left_out(khan, uysal, dl_bulgaria):
    body = "\n".join(texts(khan) + texts(uysal) + texts(dl_bulgaria))
    for header in (
        "KHAN v. GERMANY – JUDGMENT (STRIKING OUT)",
        "UYSAL AND OSAL v. TURKEY JUDGMENT",
        "D.L. v. BULGARIA JUDGMENT",
    ):
        assert header not in body, f"running header {header!r} must not appear in the body text"


def test_extract_keeps_the_printed_numbers_after_a_reset(dl_bulgaria):
    found = numbers(dl_bulgaria)
    assert found[:41] == [*range(1, 40), 59, 64], (
        "D.L. v. Bulgaria is an extract: its SEQ fields resume at 59 and 64 (\\r59, \\r64), as it is printed"
    )


def test_footnotes_go_to_the_end_under_their_own_heading(dl_bulgaria):
    heading = texts(dl_bulgaria).index("Footnotes")
    notes = dl_bulgaria[heading + 1 :]
    assert dl_bulgaria[heading].role == "heading", "footnotes need a heading so they are not glued to § 17"
    assert [note.text.split()[0] for note in notes] == [f"[{n}]" for n in range(1, 24)], (
        "D.L. v. Bulgaria has 23 footnotes; each becomes one block '[n] text' after the body"
    )
    assert notes[0].text == (
        "[1] See, for example, Saadi v. the United Kingdom [GC], no. 13229/03, §§ 68-69, ECHR 2008, "
        "with further references."
    )
    body = "\n".join(texts(dl_bulgaria[:heading]))
    assert "Saadi v. the United Kingdom" not in body, (
        "a footnote's text must not be inlined into its paragraph"
    )
    marks = re.findall(r"\[(\d+)\]", body)
    assert marks == [str(n) for n in range(1, 24)], "each reference leaves one mark [n] where it stood"


def test_core_properties_declare_only_meaningful_values(corpus_dir):
    declared = read_docx(load_source(corpus_dir / "docx" / "dl-v-bulgaria-2016.docx")).declared
    assert "title" not in declared, "HUDOC's template title 'ECHR' says nothing about the document"
    assert declared["created"] == "2017-12-21"
    assert declared["application_numbers"] == "7472/14", (
        "HUDOC's RegisteredNo property is the application no."
    )


# Small Word packages written here exercise what the HUDOC samples do not: list numbering, fldSimple, fields
# without a cached result, hyperlinks, content controls, tables and tracked deletions.

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""
_PACKAGE_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="word/document.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>
</Relationships>"""
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def write_docx(path: Path, body: str) -> Path:
    """A minimal but complete .docx package whose body is `body` (WordprocessingML)."""
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _PACKAGE_RELS)
        package.writestr("word/document.xml", f"<w:document {_W}><w:body>{body}</w:body></w:document>")
    return path


def test_fields_wrappers_and_tables(tmp_path):
    body = r"""
    <w:p><w:fldSimple w:instr=" SEQ level0 \*arabic "/><w:r><w:t>. First</w:t></w:r></w:p>
    <w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>
      <w:r><w:instrText> SEQ level0 \*arabic </w:instrText></w:r>
      <w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t xml:space="preserve">.  Second</w:t></w:r>
      <w:r><w:tab/><w:t>tabbed</w:t><w:br/><w:t>next line</w:t></w:r></w:p>
    <w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>
      <w:r><w:instrText>SEQ level0 \*arabic</w:instrText></w:r>
      <w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>3</w:t></w:r>
      <w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t>. Third, see </w:t></w:r>
      <w:hyperlink w:anchor="x"><w:r><w:t>Soering</w:t></w:r></w:hyperlink>
      <w:sdt><w:sdtContent><w:r><w:t xml:space="preserve"> in a control</w:t></w:r></w:sdtContent></w:sdt>
      <w:del><w:r><w:delText> deleted</w:delText></w:r></w:del></w:p>
    <w:p><w:fldSimple w:instr="SEQ level0 \*arabic\r7"/><w:r><w:t>. Resumed</w:t></w:r></w:p>
    <w:p><w:fldSimple w:instr="SEQ level0 \*arabic"/><w:r><w:t xml:space="preserve">. Shown: </w:t></w:r>
      <w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>IF </w:instrText></w:r>
      <w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>REF flag</w:instrText></w:r>
      <w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r>
      <w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:instrText> = 1 "yes" "no"</w:instrText></w:r>
      <w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>yes</w:t></w:r>
      <w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>
    <w:p/><w:p/>
    <w:tbl><w:tr><w:tc><w:p><w:r><w:t>cell one</w:t></w:r></w:p></w:tc>
      <w:tc><w:p><w:smartTag w:element="place"><w:smartTag w:element="City"><w:r><w:t>Strasbourg</w:t></w:r>
      </w:smartTag></w:smartTag></w:p></w:tc></w:tr></w:tbl>
    <w:sdt><w:sdtContent><w:p><w:r><w:t>In a block control</w:t></w:r></w:p></w:sdtContent></w:sdt>
    """
    blocks = read_docx(load_source(write_docx(tmp_path / "fields.docx", body))).blocks
    assert texts(blocks) == [
        "1. First",
        "2. Second tabbed\nnext line",
        "3. Third, see Soering in a control",
        "7. Resumed",
        "8. Shown: yes",
        "",
        "cell one",
        "Strasbourg",
        "In a block control",
    ], (
        "SEQ fields without a cached result are counted (\\r resets) and printed; field instructions, "
        "a nested "
        "field's result inside an instruction, and tracked deletions are not text"
    )


def test_list_numbering_from_the_numbering_part(tmp_path):
    document = docx.Document()
    document.add_paragraph("first point", style="List Number")
    document.add_paragraph("second point", style="List Number")
    document.add_paragraph("a bullet", style="List Bullet")
    document.add_heading("A heading", level=1)
    path = tmp_path / "lists.docx"
    document.save(path)
    blocks = read_docx(load_source(path)).blocks
    assert texts(blocks) == ["1. first point", "2. second point", "a bullet", "A heading"], (
        "automatic list numbers must be printed like the judgment numbers; bullet glyphs are not text"
    )
    assert blocks[-1].role == "heading", "Word's 'Heading 1' style is a heading"


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE compound file (CFB version 3) holding `streams`, as Word writes an encrypted .docx.

    Each stream is padded to 4096 bytes, the mini-stream cutoff, so all live in regular 512-byte sectors.
    """
    end_of_chain, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    blobs = [data.ljust(4096, b"\0") for data in streams.values()]
    fat, starts = [fat_sector, end_of_chain], []  # sector 0 holds the FAT, sector 1 the directory
    for blob in blobs:
        starts.append(len(fat))
        count = len(blob) // 512
        fat += [starts[-1] + i + 1 for i in range(count - 1)] + [end_of_chain]
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, start: int, size: int, right: int = free, child: int = free) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(encoded), kind, 1, free, right, child)
            + bytes(16 + 4 + 16)
            + struct.pack("<IQ", start, size)
        )

    names = list(streams)
    directory = entry("Root Entry", 5, end_of_chain, 0, child=1)
    for index, name in enumerate(names):
        following = index + 2 if index + 1 < len(names) else free
        directory += entry(name, 2, starts[index], len(blobs[index]), right=following)
    directory = directory.ljust(512, b"\0")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end_of_chain, 0, end_of_chain, 0)
        + struct.pack("<109I", 0, *[free] * 108)
    )
    return header + struct.pack("<128I", *fat) + directory + b"".join(blobs)


def test_bad_files_say_what_is_wrong(tmp_path, corpus_dir):
    real = (corpus_dir / "docx" / "khan-v-germany-gc-2016.docx").read_bytes()
    no_document = tmp_path / "sheet.docx"
    with zipfile.ZipFile(no_document, "w") as package:
        package.writestr("xl/workbook.xml", "<workbook/>")
    with zipfile.ZipFile(corpus_dir / "docx" / "khan-v-germany-gc-2016.docx") as package:
        offset = package.getinfo("word/document.xml").header_offset + 200
    damaged = real[:offset] + bytes(b ^ 0x5A for b in real[offset : offset + 64]) + real[offset + 64 :]
    cases = {
        "empty.docx": (b"", "empty"),
        "damaged.docx": (damaged, "damaged"),
        "notes.docx": (b"These are plain-text notes, not Word.", "not a .docx"),
        "truncated.docx": (real[: len(real) // 2], "not a .docx"),
        "protected.docx": (
            compound_file({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\x01"}),
            "encrypted",
        ),
        "old.docx": (compound_file({"WordDocument": b"\xec\xa5"}), ".doc file"),
    }
    for name, (data, _) in cases.items():
        (tmp_path / name).write_bytes(data)
    cases["sheet.docx"] = (None, "no Word document body")
    write_docx(tmp_path / "blank.docx", "<w:p/><w:p><w:r><w:t xml:space='preserve'>   </w:t></w:r></w:p>")
    cases["blank.docx"] = (None, "no text")
    for name, (_, reason) in cases.items():
        with pytest.raises(UnreadableDocument) as raised:
            read_docx(load_source(tmp_path / name))
        assert reason in raised.value.reason, (
            f"{name}: the user must be told why the file cannot be read ({reason!r}), "
            f"got {raised.value.reason!r}"
        )
        assert str(tmp_path / name) in str(raised.value), "the message must name the file"

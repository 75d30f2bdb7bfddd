"""Every note the project ships is checked against the sources in the shared corpus.

A case note names its judgment by `citation` (exactly the MANIFEST.tsv citation of the judgment's text file).
Then: every "§ N" / "paragraph N" it cites exists in that judgment, every “quotation” occurs verbatim, and
its application numbers, case numbers, ECLI and date match the judgment.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from ingest.chunking import chunk_blocks
from ingest.reader import load_source
from ingest.sentences import TokenBudget
from ingest.text import read_text

ROOT = Path(__file__).resolve().parents[1]
NOTES = sorted((ROOT / "corpus" / "case-notes").glob("*.md"))
OTHER_NOTES = sorted((ROOT / "corpus" / "statute-notes").glob("*.md")) + sorted((ROOT / "corpus" / "background").glob("*.md"))

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‑": "-", "\u00a0": " "})


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).replace("\u00ad", "")
    # The flattened HUDOC texts put spaces around punctuation and italics ("v . Italy", "re - examination").
    text = re.sub(r"\s+([.,;:)\]])", r"\1", text)
    text = re.sub(r"\s*-\s*", "-", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def read_note(path: Path) -> tuple[dict, str]:
    raw = path.read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", raw, re.S)
    assert match, f"{path.name}: needs YAML front matter between --- lines"
    return yaml.safe_load(match.group(1)), match.group(2)


def manifest_rows(corpus_dir: Path) -> dict[str, dict]:
    with open(corpus_dir / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return {row["citation"]: row for row in rows if row["path"].startswith("case-law/")}


def paragraph_numbers(path: Path, count_tokens) -> set[int]:
    """The judgment's own numbered paragraphs, as the project's chunker finds them (not opinions' or quotes')."""
    chunks = chunk_blocks(read_text(load_source(path)).blocks, "case-law", TokenBudget(count_tokens, 200))
    return {int(c.paragraph) for c in chunks if c.opinion is None and c.paragraph and c.paragraph.isdigit()}


def cited_paragraphs(body: str) -> set[int]:
    """The paragraph numbers a note cites: "§ 180", "§§ 178-180", "§§ 178 and 180", "paragraphs 30 to 34"."""
    cited: set[int] = set()
    body = re.sub(r"Article\s+\d+\s+§§?\s+\d+(?:\s+and\s+\d+)?", "", body)  # "Article 5 § 4" is the Convention's
    pattern = r"(?:§§?|paragraphs?)\s+(\d+(?:\s*(?:-|–|to|and|,)\s*\d+)*)"
    for group in re.findall(pattern, body):
        numbers = [int(n) for n in re.findall(r"\d+", group)]
        if re.search(r"\d\s*(?:-|–|to)\s*\d", group) and len(numbers) == 2 and numbers[0] < numbers[1]:
            cited.update(range(numbers[0], numbers[1] + 1))
        else:
            cited.update(numbers)
    return cited


def test_there_are_at_least_twenty_case_notes():
    assert len(NOTES) >= 20, f"issue 4 asks for at least 20 case notes, found {len(NOTES)}"


@pytest.mark.parametrize("path", NOTES, ids=[p.stem for p in NOTES])
def test_case_note_matches_its_judgment(path: Path, corpus_dir: Path, count_tokens):
    meta, body = read_note(path)
    assert meta.get("kind") == "note", f"{path.name}: case notes have kind: note (the project's own writing)"
    rows = manifest_rows(corpus_dir)
    citation = meta.get("citation", "")
    assert citation in rows, f"{path.name}: citation {citation!r} must equal a case-law citation of MANIFEST.tsv"
    row = rows[citation]
    judgment = (corpus_dir / row["path"]).read_text(encoding="utf-8")
    flat = normalise(judgment)

    assert str(meta.get("date")) == row["date"], f"{path.name}: date must be the judgment's date {row['date']}"
    for number in meta.get("application_numbers") or []:
        assert number in row["citation"], f"{path.name}: application no. {number} is not the judgment's"
    for number in meta.get("case_numbers") or []:
        assert number in row["citation"], f"{path.name}: case number {number} is not the judgment's"
    if meta.get("ecli"):
        assert meta["ecli"] in row["source"] + row["citation"], f"{path.name}: ECLI {meta['ecli']} does not match"

    missing = sorted(cited_paragraphs(body) - paragraph_numbers(corpus_dir / row["path"], count_tokens))
    assert not missing, f"{path.name}: cites paragraphs that the judgment does not have: {missing}"

    for quotation in re.findall(r"“([^”]+)”", body):
        assert normalise(quotation) in flat, f"{path.name}: quotation not found verbatim: “{quotation}”"

    for number in re.findall(r"\bnos?\.\s+(\d{1,6}/\d{2})", body):
        assert number in judgment, f"{path.name}: application no. {number} does not occur in the judgment"


@pytest.fixture(scope="module")
def all_sources(corpus_dir: Path) -> str:
    """Every text of the shared corpus and the background article, normalised, as one string."""
    files = [*corpus_dir.glob("*/*.txt"), *corpus_dir.glob("*/*.md"), *(corpus_dir.parent / "seed").glob("*.txt")]
    return "\n".join(normalise(path.read_text(encoding="utf-8")) for path in files)


@pytest.mark.parametrize("path", OTHER_NOTES, ids=[p.stem for p in OTHER_NOTES])
def test_statute_and_background_notes_quote_their_sources_verbatim(path: Path, all_sources: str):
    meta, body = read_note(path)
    assert meta.get("kind") == "note" and meta.get("citation"), f"{path.name}: kind: note and the source's citation"
    quotations = re.findall(r"“([^”]+)”", body)
    missing = [q for q in quotations if normalise(q) not in all_sources]
    assert not missing, f"{path.name}: quotations not found verbatim in the shared sources: {missing}"


@pytest.mark.parametrize("path", NOTES + OTHER_NOTES, ids=lambda path: path.name)
def test_a_notes_source_link_leads_to_a_document_not_a_home_page(path: Path):
    front, _ = read_note(path)
    url = front.get("url") or ""
    assert not url or re.match(r"^https?://[^/]+/.+", url), f"{path.name}: its url is a site's home page: {url}"

"""Document metadata: from a folder's MANIFEST.tsv, else the file's own front matter, else the text itself."""

from __future__ import annotations

import csv
import datetime
import re
from dataclasses import replace
from pathlib import Path, PurePath

from ingest.errors import BadMetadata
from ingest.records import KINDS, Block, Metadata

MANIFEST_NAME = "MANIFEST.tsv"

# Folder names that say what a folder holds (the shared corpus and most collections name them so).
_FOLDER_KINDS = {
    "case-law": "case-law", "caselaw": "case-law", "cases": "case-law", "judgments": "case-law",
    "decisions": "case-law", "statutes": "statute", "legislation": "statute", "laws": "statute",
    "treaties": "statute", "regulations": "statute", "articles": "article", "news": "article",
    "reports": "article", "case-notes": "note", "statute-notes": "note", "notes": "note",
}

_MONTHS = ("january february march april may june july august september october november december").split()
_DATE_WORDS = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(" + "|".join(_MONTHS) + r")\s+(\d{4})\b", re.I)
_DATE_DOTS = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
APPLICATION_NUMBER = re.compile(r"\b\d{1,6}/\d{2}\b")
_APPLICATION_LIST = re.compile(r"\b(?:[Aa]pplications?\s+)?[Nn]os?\.\s*((?:\d{1,6}/\d{2}(?:,\s*|\s+and\s+)?)+)")
CASE_NUMBER = re.compile(r"\b[CT][\-‑–]\s?\d{1,4}/\d{2}(?:\s?PPU)?\b")
ECLI = re.compile(r"\bECLI:[A-Z]{2}:[A-Z]+:\d{4}:[0-9A-Z.]+\b")
CELEX = re.compile(r"\bCELEX[:\s]*([0-9]{5}[A-Z]{1,2}[0-9]{4}(?:\([0-9]+\))?)", re.I)
_URL = re.compile(r"https?://[^\s)\]]+")

# A few frequent words per language: enough to tell the corpus' languages apart on a page of text.
_STOPWORDS = {
    "en": "the of and to in that is was for by with not be".split(),
    "fr": "le la les des du et que est dans pour une pas par".split(),
    "de": "der die das und ist nicht mit den von zu sich auf".split(),
    "sv": "och att det som för inte med den av är på ska".split(),
    "fi": "ja on että ei se oli hän mutta kun ovat tai myös".split(),
    "pl": "i w nie na że się z do jest to o jak".split(),
    "ru": "и в не на что с по как это к из для".split(),
    "uk": "і в не на що з та як це до для від".split(),
    "lt": "ir kad yra su į iš ar bet kaip tai buvo nuo".split(),
    "lv": "un ir ka ar uz no par bet kā tas arī vai".split(),
    "it": "il di che la e per non una sono del della le".split(),
    "es": "el de que la y en los del se las por un".split(),
}


def read_manifest(folder: Path) -> dict[str, dict[str, str]]:
    """Rows of `folder/MANIFEST.tsv` by path relative to the folder; {} when there is none."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    if rows and "path" not in rows[0]:
        raise BadMetadata(f"{path}: a MANIFEST.tsv needs a 'path' column (see the shared corpus for the format)")
    return {PurePath(row["path"]).as_posix(): row for row in rows}


def from_manifest_row(row: dict[str, str]) -> dict[str, object]:
    """The metadata fields a MANIFEST.tsv row gives."""
    citation = row.get("citation", "") or ""
    source = row.get("source", "") or ""
    fields: dict[str, object] = {
        "kind": row.get("kind", ""), "title": row.get("title", ""), "citation": citation,
        "court": row.get("court_or_issuer", "") or row.get("court", ""), "date": row.get("date", ""),
        "language": row.get("language", ""),
    }
    urls = _URL.findall(source)
    fields["url"] = urls[0] if urls else ""
    fields.update(_identifiers(f"{citation} {source}"))
    return {key: value for key, value in fields.items() if value}


def from_declared(declared: dict[str, str]) -> dict[str, object]:
    """The metadata fields a file declares about itself (YAML front matter, HTML meta, PDF info)."""
    fields: dict[str, object] = {}
    for key in ("kind", "title", "citation", "court", "language", "url", "ecli", "celex"):
        if declared.get(key):
            fields[key] = str(declared[key]).strip()
    if declared.get("date"):
        fields["date"] = find_date(str(declared["date"])) or ""
    for key in ("application_numbers", "case_numbers"):
        if declared.get(key):
            fields[key] = tuple(part.strip() for part in re.split(r"[;,]", str(declared[key])) if part.strip())
    return {key: value for key, value in fields.items() if value}


def infer(blocks: list[Block], path: PurePath) -> dict[str, object]:
    """What the text and the folder name say: kind, title, court, date, language, identifiers."""
    head = "\n".join(block.text for block in blocks[:80])[:6000]
    text = "\n".join(block.text for block in blocks)
    fields: dict[str, object] = {
        "kind": _kind_from_folder(path) or _kind_from_text(head, text),
        "title": _title(blocks, head, path),
        "court": _court(head),
        "date": find_date(head) or "",
        "language": detect_language(text[:20000]),
    }
    fields.update(_identifiers(head))
    return {key: value for key, value in fields.items() if value}


IDENTIFIERS = ("application_numbers", "case_numbers", "ecli", "celex")


def resolve(*given: dict[str, object], inferred: dict[str, object]) -> Metadata:
    """The given fields (earlier ones winning), then what the text says.

    Numbers found in the text identify a judgment; an article or a note only cites them, so a document that
    is not case-law keeps only the identifiers it was given.
    """
    kind = next((source["kind"] for source in given if source.get("kind")), inferred.get("kind"))
    if kind != "case-law":
        inferred = {key: value for key, value in inferred.items() if key not in IDENTIFIERS}
    return combine(*given, inferred)


def combine(*sources: dict[str, object]) -> Metadata:
    """Merge field dicts, earlier ones winning, into a Metadata with every field valid."""
    merged: dict[str, object] = {}
    for source in reversed(sources):
        merged.update(source)
    kind = str(merged.get("kind", "article"))
    if kind not in KINDS:
        raise BadMetadata(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    known = set(Metadata.__dataclass_fields__)
    metadata = Metadata(kind=kind, title=str(merged.get("title", "Untitled")))
    return replace(metadata, **{key: value for key, value in merged.items() if key in known and key != "kind"})


def find_date(text: str) -> str | None:
    """The first date in `text` as ISO YYYY-MM-DD: "23 February 2012", "29.6.2013" or "2012-02-23"."""
    candidates = []
    for match in _DATE_WORDS.finditer(text):
        day, month, year = int(match[1]), _MONTHS.index(match[2].lower()) + 1, int(match[3])
        candidates.append((match.start(), year, month, day))
    for match in _DATE_DOTS.finditer(text):
        candidates.append((match.start(), int(match[3]), int(match[2]), int(match[1])))
    for match in _DATE_ISO.finditer(text):
        candidates.append((match.start(), int(match[1]), int(match[2]), int(match[3])))
    for _, year, month, day in sorted(candidates):
        if 1800 < year < 2200 and _is_date(year, month, day):
            return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def _is_date(year: int, month: int, day: int) -> bool:
    """Whether the day exists: "2020-02-31" does not."""
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def detect_language(text: str, min_words: int = 20) -> str:
    """The language whose frequent words are most frequent in `text` (ISO 639-1), "" when unsure."""
    words = re.findall(r"\w+", text.lower())
    if len(words) < min_words:
        return ""
    counts = {language: sum(words.count(w) for w in stopwords) for language, stopwords in _STOPWORDS.items()}
    best = max(counts, key=counts.get)
    return best if counts[best] >= 0.05 * len(words) else ""


def _identifiers(text: str) -> dict[str, object]:
    numbers: list[str] = []
    for group in _APPLICATION_LIST.findall(text):
        numbers += [n for n in APPLICATION_NUMBER.findall(group) if n not in numbers]
    case_numbers = []
    for match in CASE_NUMBER.findall(text):
        normalised = re.sub(r"[\-‑–]\s?", "-", match)
        if normalised not in case_numbers:
            case_numbers.append(normalised)
    ecli = ECLI.search(text)
    celex = CELEX.search(text)
    return {
        "application_numbers": tuple(numbers), "case_numbers": tuple(case_numbers),
        "ecli": ecli.group(0) if ecli else "", "celex": celex.group(1) if celex else "",
    }


def _kind_from_folder(path: PurePath) -> str:
    for part in reversed(path.parts[:-1]):
        kind = _FOLDER_KINDS.get(part.lower())
        if kind:
            return kind
    return ""


def _kind_from_text(head: str, text: str) -> str:
    if re.search(r"Application no|European Court of Human Rights|JUDGMENT OF THE COURT|ECLI:EU:C", head, re.I):
        return "case-law"
    if len(re.findall(r"(?m)^(?:Article|Artikel|Art\.)\s+\d+[a-z]?\s*$", text)) >= 3:
        return "statute"
    return "article"


def _title(blocks: list[Block], head: str, path: PurePath) -> str:
    case = re.search(r"\bCASE OF (.+?)\s*\((?:Application|Requête)", head, re.I | re.S)
    if case:
        return "CASE OF " + re.sub(r"\s+", " ", case.group(1)).replace(" v .", " v.").strip().upper()
    for block in blocks[:40]:
        line = block.text.strip()
        if len(line) > 3 and not line.startswith("---"):
            return line if len(line) <= 200 else line[:197].rsplit(" ", 1)[0] + "…"
    return path.stem.replace("-", " ").replace("_", " ")


def _court(head: str) -> str:
    if re.search(r"European Court of Human Rights|Cour européenne des [Dd]roits de l", head):
        return "European Court of Human Rights"
    if re.search(r"JUDGMENT OF THE COURT|ECLI:EU:C|Court of Justice", head):
        return "Court of Justice of the European Union"
    if re.search(r"EUROPEAN PARLIAMENT AND (?:THE )?COUNCIL", head, re.I):
        return "European Parliament and Council"
    return ""

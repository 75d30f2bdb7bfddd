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

# Month names in the languages whose acts the corpus holds in print: "14 maj 2024", "5. Mai 2010", "1er mars 2012".
_MONTH_NAMES = {
    "en": "january february march april may june july august september october november december",
    "sv": "januari februari mars april maj juni juli augusti september oktober november december",
    "de": "januar februar märz april mai juni juli august september oktober november dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
}
_MONTHS = {name: number for names in _MONTH_NAMES.values() for number, name in enumerate(names.split(), 1)}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")"
_DATE_WORDS = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th|er|\.)?\s+" + _MONTH + r"\s+(\d{4})\b", re.I)
# Treaties and proclamations spell their date out: "Done at Nice on the seventh day of December in the year two
# thousand", "this twenty-eighth day of July, one thousand nine hundred and fifty-one", "this 4th day of November 1950".
_CARDINALS = {
    word: value for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen".split()
    )
} | {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_ORDINALS = {
    word: value for value, word in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
        "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split(), 1
    )
} | {"thirtieth": 30}
_NUMBER_VALUES = _CARDINALS | _ORDINALS
_NUMBER_WORD = "(?:" + "|".join(sorted([*_NUMBER_VALUES, "hundred", "thousand"], key=len, reverse=True)) + ")"
_NUMBER_WORDS = _NUMBER_WORD + r"(?:(?:\s+and\s+|[\s-]+)" + _NUMBER_WORD + ")*"
_DATE_SPELLED = re.compile(
    r"\b(\d{1,2}(?:st|nd|rd|th)?|" + _NUMBER_WORDS + r")\s+day\s+of\s+" + _MONTH
    + r",?\s+(?:in\s+the\s+year\s+)?(\d{4}|" + _NUMBER_WORDS + r")\b",
    re.I,
)
_DATE_DOTS = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
APPLICATION_NUMBER = re.compile(r"\b\d{1,6}/\d{2}\b")
_APPLICATION_LIST = re.compile(r"\b(?:[Aa]pplications?\s+)?[Nn]os?\.\s*((?:\d{1,6}/\d{2}(?:,\s*|\s+and\s+)?)+)")
CASE_NUMBER = re.compile(r"\b[CT][\-‑–]\s?\d{1,4}/\d{2}(?:\s?PPU)?\b")
ECLI = re.compile(r"\bECLI:[A-Z]{2}:[A-Z]+:\d{4}:[0-9A-Z.]+\b")
CELEX = re.compile(r"\bCELEX[:\s]*([0-9]{5}[A-Z]{1,2}[0-9]{4}(?:\([0-9]+\))?)", re.I)
_URL = re.compile(r"https?://[^\s)\]]+")
# The heading of a Court of Justice judgment: "In Case C-646/16,", its proceedings, its parties and their roles.
_CJEU_CASES = re.compile(r"^In (?:Joined )?Cases? [CT][\-\u2010-\u2013]\s?\d")
_CJEU_NUMBER = re.compile(r"[CT][\-\u2010-\u2013]\s?\d{1,4}/\d{2}(?:\s?PPU)?")
_CJEU_PROCEEDINGS = re.compile(r"^(?:REQUEST|ACTIONS?|APPEALS?|REFERENCE)\b")
_CJEU_ROLE = re.compile(r"^(?:applicants?|defendants?|interveners?|appellants?|respondents?)\b[,.]?$", re.I)
# The Official Journal's header on the first page of an act: "18.12.2000 EN Official Journal of the European
# Communities C 364/1" until 2023, then "L series" / "2024/1347 22.5.2024" ("L-serien" in Swedish).
_JOURNAL_PAGE = re.compile(
    r"(?<!\d)(\d{1,2}\.\d{1,2}\.\d{4})\s+(?:EN\s+)?Official Journal of the European (?:Communities|Union)\s+([CL])\s+(\d+)/(\d+)"
)
_JOURNAL_ACT = re.compile(r"\b([CL])[- ]seri(?:es|en)\s+(\d{4}/\d+)\s+(\d{1,2}\.\d{1,2}\.\d{4})")

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


def journal_citation(text: str) -> str:
    """How a lawyer cites an act from the Official Journal header on its first page: "OJ C 364, 18.12.2000, p. 1",
    or "OJ L, 2024/1347, 22.5.2024" since the Journal numbers acts instead of pages; "" without a header."""
    page = _JOURNAL_PAGE.search(text)
    if page:
        return f"OJ {page[2]} {page[3]}, {page[1]}, p. {page[4]}"
    act = _JOURNAL_ACT.search(text)
    return f"OJ {act[1]}, {act[2]}, {act[3]}" if act else ""


def infer(blocks: list[Block], path: PurePath) -> dict[str, object]:
    """What the text and the folder name say: kind, title, court, date, language, identifiers."""
    head = "\n".join(block.text for block in blocks[:80])[:6000]
    text = "\n".join(block.text for block in blocks)
    language = detect_language(text[:20000])
    fields: dict[str, object] = {
        "kind": _kind_from_folder(path) or _kind_from_text(head, text),
        "title": _title(blocks, head, path, language),
        "court": _court(head),
        "date": find_date(head) or "",
        "language": language,
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
    """The first date in `text` as ISO YYYY-MM-DD: "23 February 2012", "14 maj 2024", "29.6.2013", "2012-02-23",
    or spelled out as treaties do, "the seventh day of December in the year two thousand"."""
    candidates = []
    for match in _DATE_WORDS.finditer(text):
        candidates.append((match.start(), int(match[3]), _MONTHS[match[2].lower()], int(match[1])))
    for match in _DATE_SPELLED.finditer(text):
        day, year = _number(match[1]), _number(match[3])
        if day and year:
            candidates.append((match.start(), year, _MONTHS[match[2].lower()], day))
    for match in _DATE_DOTS.finditer(text):
        candidates.append((match.start(), int(match[3]), int(match[2]), int(match[1])))
    for match in _DATE_ISO.finditer(text):
        candidates.append((match.start(), int(match[1]), int(match[2]), int(match[3])))
    for _, year, month, day in sorted(candidates):
        if 1800 < year < 2200 and _is_date(year, month, day):
            return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def _number(words: str) -> int | None:
    """The value of a number in digits or English words: "4th" 4, "twenty-eighth" 28, "two thousand" 2000,
    "one thousand nine hundred and fifty-one" 1951; None for anything else."""
    digits = re.fullmatch(r"(\d+)(?:st|nd|rd|th)?", words)
    if digits:
        return int(digits[1])
    total = current = 0
    for word in re.split(r"[\s-]+", words.lower()):
        if word == "and":
            continue
        if word in _NUMBER_VALUES:
            current += _NUMBER_VALUES[word]
        elif word == "hundred":
            current *= 100
        elif word == "thousand":
            total, current = total + current * 1000, 0
        else:
            return None
    return total + current or None


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
    if re.search(r"Application no|JUDGMENT OF THE COURT|ECLI:EU:C", head, re.I):
        return "case-law"
    # A treaty printed by the Court (the Council of Europe's Convention booklet) names the Court on its first
    # pages; its Articles, one heading a line ("ARTICLE 5" in the booklet), say what it is.
    if len(re.findall(r"(?im)^(?:Article|Artikel|Art\.)\s+\d+[a-z]?\s*$", text)) >= 3:
        return "statute"
    if re.search(r"European Court of Human Rights", head, re.I):
        return "case-law"
    return "article"


# Words a title in English keeps in lower case (after its first word): "Charter of Fundamental Rights of the
# European Union", "Convention relating to the Status of Refugees".
_MINOR_WORDS = set("a an and as at by for from in into of on or the to with relating concerning".split())
_LONGEST_TITLE = 200
# Up to 99, as titles number their parts ("PROTOCOL No. XII", "TITLE IV"); "CIVIL" is not one.
_ROMAN_NUMERAL = re.compile(r"(?=[IVXL])(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")


def _title(blocks: list[Block], head: str, path: PurePath, language: str) -> str:
    case = re.search(r"\bCASE OF (.+?)\s*\((?:Application|Requête)", head, re.I | re.S)
    if case:
        return "CASE OF " + re.sub(r"\s+", " ", case.group(1)).replace(" v .", " v.").strip().upper()
    parties = cjeu_parties([block.text for block in blocks[:200]])
    if parties:
        return parties
    lines = _title_lines(blocks[:40])
    if not lines:
        return path.stem.replace("-", " ").replace("_", " ")
    title = title_case(lines) if language == "en" else " ".join(lines)
    return title if len(title) <= _LONGEST_TITLE else title[: _LONGEST_TITLE - 3].rsplit(" ", 1)[0] + "…"


def cjeu_parties(lines: list[str]) -> str:
    """A Court of Justice judgment's parties as its heading lists them, for a title: "C. K. and Others v Republika
    Slovenija (C-578/16 PPU)", "Slovak Republic and Hungary v Council of the European Union (C-643/15, C-647/15)";
    "" for any other text. Interveners and those supporting a party are left out."""
    opening = next((i for i, line in enumerate(lines) if _CJEU_CASES.match(line.strip())), None)
    if opening is None:
        return ""
    sides: list[list[str]] = [[]]
    listing = True  # a role ("applicants,", "intervening parties:") ends a side's own parties
    for line in (line.strip() for line in lines[opening + 1 :]):
        if line.startswith("THE COURT"):
            break
        if line == "v":
            sides.append([])
            listing = True
        elif _CJEU_ROLE.match(line) or line.endswith(":"):
            listing = False
        elif listing and line != "and" and not _CJEU_PROCEEDINGS.match(line):
            name = re.split(r"\s*,\s*(?:represented by|by)\b", line)[0].strip(" ,")
            sides[-1].append(re.sub(r"\s+,", ",", name))  # the flattened texts' "Majid Shiri , also known as"
    if not sides[0]:
        return ""
    named = [side[0] if len(side) == 1 else f"{side[0]} and {side[1]}" if len(side) == 2 else f"{side[0]} and Others"
             for side in sides if side]
    numbers = ", ".join(re.sub(r"[\u2010-\u2013]", "-", number) for number in _CJEU_NUMBER.findall(lines[opening]))
    return f"{' v '.join(named)} ({numbers})"


def _title_lines(blocks: list[Block]) -> list[str]:
    """The lines of a document's title: its first line of text and the lines that carry on the same phrase on the
    same page ("CHARTER OF FUNDAMENTAL RIGHTS" / "OF THE EUROPEAN UNION", "European Convention" / "on Human
    Rights"), up to a line that starts anew ("(2000/C 364/01)", "THE EUROPEAN PARLIAMENT AND THE COUNCIL …")."""
    texts = [block for block in blocks if len(block.text.strip()) > 3 and not block.text.startswith("---")]
    if not texts:
        return []
    lines = [texts[0].text.strip()]
    for block in texts[1:]:
        line = block.text.strip()
        if block.page != texts[0].page or not _carries_on(lines[-1], line):
            break
        lines.append(line)
    return lines


def _carries_on(previous: str, line: str) -> bool:
    """Whether `line` continues the phrase of the title line before it: it starts in lower case, or with a
    connecting word in a title set in capitals ("OF THE EUROPEAN UNION"); not after a finished sentence."""
    if previous.endswith((".", ":", ";")):
        return False
    first = line.split()[0]
    return first[:1].islower() or (_in_capitals(previous) and first.lower() in _MINOR_WORDS)


def _in_capitals(text: str) -> bool:
    """Whether a line is set in capitals; the Official Journal's "No" in "REGULATION (EU) No 604/2013" is."""
    letters = [character for character in text if character.isalpha()]
    return bool(letters) and sum(character.isupper() for character in letters) >= 0.9 * len(letters)


def title_case(lines: list[str]) -> str:
    """Title lines as a lawyer writes them, the lines set in capitals in title case: "CHARTER OF FUNDAMENTAL RIGHTS"
    / "OF THE EUROPEAN UNION" → "Charter of Fundamental Rights of the European Union". Bracketed words ("(EU)"),
    numbers ("604/2013") and Roman numerals stay as printed, and so do lines not in capitals."""
    words: list[str] = []
    for line in lines:
        capitals = _in_capitals(line)
        for word in line.split():
            words.append(_title_word(word, opening=not words) if capitals else word)
    return " ".join(words)


def _title_word(word: str, opening: bool) -> str:
    if word.startswith("(") or any(character.isdigit() for character in word) or _ROMAN_NUMERAL.fullmatch(
        word.rstrip(".,")
    ):
        return word
    if not opening and word.lower() in _MINOR_WORDS:
        return word.lower()
    return "-".join(part[:1] + part[1:].lower() for part in word.split("-"))


def _court(head: str) -> str:
    # A Council of Europe treaty's preamble; checked before the Court, whose booklet prints the treaty.
    if re.search(r"being members of the Council\s+of Europe", head, re.I):
        return "Council of Europe"
    if re.search(r"European Court of Human Rights|Cour européenne des [Dd]roits de l", head):
        return "European Court of Human Rights"
    if re.search(r"JUDGMENT OF THE COURT|ECLI:EU:C|Court of Justice", head):
        return "Court of Justice of the European Union"
    if re.search(r"EUROPEAN PARLIAMENT AND (?:THE )?COUNCIL|EUROPAPARLAMENTETS OCH RÅDETS", head, re.I):
        return "European Parliament and Council"
    proclaimed = re.search(r"^The ((?:[\w ]+, )*[\w ]+ and [\w ]+?) solemnly proclaim", head, re.M)
    if proclaimed:  # the Charter: "The European Parliament, the Council and the Commission solemnly proclaim"
        return re.sub(r"\bthe ", "", proclaimed[1])
    return ""

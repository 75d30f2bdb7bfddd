"""Training pairs from the courts' citations in ../shared/corpus-large: (proposition, cited paragraph), with the
cited judgment's other paragraphs and lexically close paragraphs of other judgments as hard negatives.

Held out: no pair may target a document of ../shared/corpus/, matched by application number, ECLI or case
number (never by file): the project is judged on citations of those documents. `held_out_keys` reads them from
its MANIFEST.tsv, and `build_pairs` drops every citation of one. The validation split is by citing document.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import random
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from ingest.citations import cjeu_citations, ecthr_citations, short_names

CLEAN_FILES = ("ecthr.jsonl.gz", "cjeu.jsonl.gz")  # the bulk CJEU file lost its paragraph numbers: not used
VALIDATION_SHARE = 0.15
NEAR_NEGATIVES = 3  # paragraphs of the cited judgment around the cited one: the same topic, not the holding
OTHER_NEGATIVES = 3  # other paragraphs of the cited judgment (facts, submissions...)
LEXICAL_NEGATIVES = 3  # paragraphs of other judgments that share the proposition's words
_APPLICATION = re.compile(r"\b(\d{1,6}/\d{2})\b")
_ECLI = re.compile(r"\bEU:C:\d{4}:\d+\b")
_CASE = re.compile(r"\b([CT])[-‑–]\s?(\d{1,4}/\d{2})\b")
_NUMBERED = {"ecthr": re.compile(r"^(\d{1,4})\.\s+\S"), "cjeu": re.compile(r"^(\d{1,4})\s+\S")}
_FEWEST_WORDS = 8  # a proposition shorter than this ("See also.") says nothing


@dataclass(frozen=True)
class Judgment:
    """A decision of corpus-large with its numbered paragraphs."""

    id: str
    court: str  # "ecthr" or "cjeu"
    language: str
    keys: frozenset[str]  # application numbers, ECLI, case numbers
    paragraphs: dict[int, str]  # the main text's numbered paragraphs (separate opinions restart: not kept)


@dataclass(frozen=True)
class Pair:
    """A proposition, the paragraph(s) it cites, and paragraphs that do not state it."""

    query: str
    positives: tuple[str, ...]
    negatives: tuple[str, ...]
    citing: str  # ids of the citing and the cited decision
    cited: str
    court: str
    language: str
    split: str  # "train" or "validation"


def keys_of(text: str) -> set[str]:
    """The identifiers a citation may use for a decision: application numbers, ECLI (EU:C:…), case numbers."""
    keys = set(_APPLICATION.findall(text)) | set(_ECLI.findall(text))
    keys |= {f"{letter}-{number}" for letter, number in _CASE.findall(text)}
    return keys


def held_out_keys(shared_corpus: Path) -> set[str]:
    """The identifiers of every document of ../shared/corpus (its MANIFEST.tsv): no pair may cite one."""
    keys: set[str] = set()
    with open(shared_corpus / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            keys |= keys_of(" ".join(str(value) for value in row.values()))
    return keys


def read_judgments(corpus_large: Path) -> Iterator[tuple[dict, Judgment]]:
    """Each clean decision of corpus-large: its record, and it as a Judgment."""
    for name in CLEAN_FILES:
        court = name.split(".")[0]
        with gzip.open(corpus_large / name, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                paragraphs: dict[int, str] = {}
                for block in record["text"].split("\n\n"):
                    match = _NUMBERED[court].match(block)
                    if match and int(match.group(1)) not in paragraphs:
                        paragraphs[int(match.group(1))] = block.strip()
                keys = frozenset(keys_of(f"{record['id']} {record['citation']}"))
                yield record, Judgment(record["id"], court, record["language"], keys, paragraphs)


def build_pairs(corpus_large: Path, shared_corpus: Path, seed: int = 0) -> tuple[list[Pair], Counter]:
    """Every usable citation pair of corpus-large, deterministic, and the counts of what was found and dropped."""
    held_out = held_out_keys(shared_corpus)
    loaded = list(read_judgments(corpus_large))
    by_key: dict[str, Judgment] = {}
    for _, judgment in loaded:
        for key in judgment.keys:
            by_key.setdefault(key, judgment)
    lexical = _LexicalIndex(judgment for _, judgment in loaded)
    counts: Counter = Counter()
    pairs: list[Pair] = []
    for record, citing in loaded:
        text = record["text"]
        found = ecthr_citations(text, short_names(text)) if citing.court == "ecthr" else cjeu_citations(text)
        for citation in found:
            counts["citations"] += 1
            cited = by_key.get(citation.key)
            if cited is None or cited.id == citing.id:
                counts["cited decision not in corpus-large"] += 1
                continue
            if cited.keys & held_out:
                counts["held out: cites a document of shared/corpus"] += 1
                continue
            positives = tuple(cited.paragraphs[n] for n in citation.paragraphs if n in cited.paragraphs)
            if not positives or len(citation.proposition.split()) < _FEWEST_WORDS:
                counts["paragraph or proposition missing"] += 1
                continue
            rng = random.Random(f"{seed}:{citing.id}:{cited.id}:{citation.paragraphs}")
            negatives = _negatives(cited, citation.paragraphs, citation.proposition, lexical, rng)
            split = "validation" if _share(citing.id) < VALIDATION_SHARE else "train"
            pairs.append(Pair(citation.proposition, positives, negatives, citing.id, cited.id, citing.court,
                              citing.language, split))
            counts[f"pairs {citing.court} {split}"] += 1
    return _deduplicated(pairs), counts


def _negatives(cited: Judgment, numbers: tuple[int, ...], query: str, lexical: _LexicalIndex,
               rng: random.Random) -> tuple[str, ...]:
    near = [n for n in range(min(numbers) - 5, max(numbers) + 6) if n in cited.paragraphs and n not in numbers]
    others = [n for n in cited.paragraphs if n not in numbers and n not in near]
    chosen = rng.sample(near, min(NEAR_NEGATIVES, len(near))) + rng.sample(others, min(OTHER_NEGATIVES, len(others)))
    texts = [cited.paragraphs[n] for n in chosen]
    texts += lexical.closest(query, exclude=cited.id, count=LEXICAL_NEGATIVES)
    return tuple(texts)


def _share(identifier: str) -> float:
    """A stable number in [0, 1) for a document: its place in the validation split, whatever the run."""
    return int(hashlib.sha256(identifier.encode()).hexdigest()[:8], 16) / 16**8


def _deduplicated(pairs: list[Pair]) -> list[Pair]:
    """One pair per proposition and cited paragraphs (a judgment repeats its citations)."""
    seen: set[tuple[str, tuple[str, ...]]] = set()
    kept = []
    for pair in pairs:
        if (pair.query, pair.positives) not in seen:
            seen.add((pair.query, pair.positives))
            kept.append(pair)
    return kept


class _LexicalIndex:
    """BM25 over every numbered paragraph of corpus-large (SQLite FTS5 in memory), to find look-alikes."""

    def __init__(self, judgments: Iterable[Judgment]):
        self._db = sqlite3.connect(":memory:")
        self._db.execute("CREATE VIRTUAL TABLE paragraphs USING fts5(judgment UNINDEXED, text)")
        self._db.executemany(
            "INSERT INTO paragraphs(judgment, text) VALUES (?, ?)",
            ((judgment.id, text) for judgment in judgments for text in judgment.paragraphs.values()),
        )

    def closest(self, query: str, exclude: str, count: int) -> list[str]:
        words = [word for word in re.findall(r"\w{4,}", query.lower())][:30]
        if not words:
            return []
        match = " OR ".join(f'"{word}"' for word in dict.fromkeys(words))
        rows = self._db.execute(
            "SELECT text FROM paragraphs WHERE paragraphs MATCH ? AND judgment != ? ORDER BY bm25(paragraphs) "
            "LIMIT ?", (match, exclude, count),
        ).fetchall()
        return [row[0] for row in rows]


def write_pairs(pairs: list[Pair], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for pair in pairs:
            handle.write(json.dumps(asdict(pair), ensure_ascii=False) + "\n")


def read_pairs(path: Path) -> list[Pair]:
    with open(path, encoding="utf-8") as handle:
        return [Pair(**{**row, "positives": tuple(row["positives"]), "negatives": tuple(row["negatives"])})
                for row in map(json.loads, handle)]

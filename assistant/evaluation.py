"""Scoring retrieval against a gold question set, by the matching rule of the shared eval's score.py.

A passage answers a gold when it contains the gold snippet, compared on normalised text; a passage holding
at least 70% of the snippet's words as one contiguous run also counts (a snippet cut by a chunk boundary).
"""

from __future__ import annotations

import difflib
import json
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.search import SearchResult

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
                         "–": "-", "—": "-", "‑": "-", "−": "-", "\u00a0": " "})
METRICS = ("r1", "r5", "rk", "rr", "ndcg", "false_abstention", "abstention")


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    question: str
    golds: tuple[str, ...]  # snippets; empty when the corpus has no answer


def read_questions(path: Path) -> list[Question]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Question(r["id"], r["type"], r["question"], tuple(g["snippet"] for g in r["gold"])) for r in rows]


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).replace("\u00ad", "")
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def contains(passage: str, snippet: str) -> bool:
    """Whether a passage answers a gold snippet."""
    p, s = normalise(passage), normalise(snippet)
    if s in p:
        return True
    snippet_words, passage_words = re.findall(r"\w+", s), re.findall(r"\w+", p)
    if not snippet_words:
        return False
    match = difflib.SequenceMatcher(None, snippet_words, passage_words, autojunk=False).find_longest_match(
        0, len(snippet_words), 0, len(passage_words)
    )
    return match.size >= max(4, math.ceil(0.7 * len(snippet_words)))


def score_question(question: Question, passages: list[str], abstained: bool, k: int) -> dict:
    """The metrics of one question's ranked passage texts."""
    if not question.golds:
        return {"answerable": False, "abstained": abstained}
    first_rank, found, dcg = None, set(), 0.0
    for rank, text in enumerate(passages[:k], 1):
        new = {i for i, gold in enumerate(question.golds) if i not in found and contains(text, gold)}
        if new and first_rank is None:
            first_rank = rank
        dcg += len(new) / math.log2(rank + 1)
        found |= new
    ideal = sum(1 / math.log2(r + 1) for r in range(1, min(len(question.golds), k) + 1))
    return {
        "answerable": True, "abstained": abstained, "first_rank": first_rank,
        "r1": first_rank == 1, "r5": first_rank is not None and first_rank <= 5, "rk": first_rank is not None,
        "rr": 1 / first_rank if first_rank else 0.0, "ndcg": min(1.0, dcg / ideal) if ideal else 0.0,
    }


def score_result(question: Question, result: SearchResult, k: int) -> dict:
    """The score row of one question: its id and type, and the metrics of the passages a search returned."""
    texts = [passage.text for passage in result.passages]
    return {"id": question.id, "type": question.type, **score_question(question, texts, result.abstained, k)}


def aggregate(rows: Iterable[dict]) -> dict:
    rows = list(rows)
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    out: dict = {"n": len(rows)}
    if answerable:
        for key in ("r1", "r5", "rk", "rr", "ndcg"):
            out[key] = sum(r[key] for r in answerable) / len(answerable)
        out["false_abstention"] = sum(r["abstained"] for r in answerable) / len(answerable)
    if unanswerable:
        out["abstention"] = sum(r["abstained"] for r in unanswerable) / len(unanswerable)
    return out


def score_table(rows: list[dict]) -> list[tuple[str, dict]]:
    """(type, aggregate) per question type, then ("ALL", aggregate)."""
    by_type = defaultdict(list)
    for row in rows:
        by_type[row["type"]].append(row)
    return [(name, aggregate(group)) for name, group in sorted(by_type.items())] + [("ALL", aggregate(rows))]


def format_table(table: list[tuple[str, dict]], k: int, label: str = "type") -> str:
    header = f"{label:16} {'n':>3} " + " ".join(f"{c.replace('rk', f'r@{k}'):>8}" for c in METRICS)
    lines = [header]
    for name, agg in table:
        cells = " ".join(f"{agg[c]:8.3f}" if c in agg else f"{'-':>8}" for c in METRICS)
        lines.append(f"{name:16} {agg['n']:3d} {cells}")
    return "\n".join(lines)

"""Pure ranking functions: fusing rankings, weighing a passage by the part of the judgment it is in, dedup."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from ingest.records import Chunk

T = TypeVar("T")

# Where a judgment paragraph sits says what it is worth to a lawyer: the court's own reasoning decides,
# the parties' submissions and the recital of facts and domestic law do not (and often echo the question's
# words more closely than the holding does). Matched against the heading path, lower case, first match wins.
_SECTION_PATTERNS = (
    ("reasoning", re.compile(r"court.s assessment|findings of the court|general principles|application of (?:those|the general) principles|consideration of the questions?|operative part|for these reasons")),
    ("submissions", re.compile(r"submissions|arguments of the parties|the parties.? (?:arguments|observations)|observations of|\bthe government\b|\bthe applicants?\b|third.part(?:y|ies)|intervener")),
    ("background", re.compile(r"the facts|circumstances of the case|relevant (?:domestic|international|legal|law|eu|european|country|material|information)|legal (?:context|framework)|domestic law|the dispute in the main proceedings|^procedure|background to the case|country information|international (?:texts|material)")),
)


def section_role(chunk: Chunk) -> str:
    """"opinion", "reasoning", "submissions", "background" or "other" for a chunk of a judgment."""
    if chunk.opinion:
        return "opinion"
    if chunk.paragraph and chunk.paragraph.startswith("operative part"):
        return "reasoning"
    # The innermost heading decides: "B. The Court's assessment" under "THE LAW" is reasoning.
    for heading in reversed(chunk.heading):
        text = heading.lower()
        for role, pattern in _SECTION_PATTERNS:
            if pattern.search(text):
                return role
    return "other"


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], weights: Sequence[float], k: int
) -> dict[int, float]:
    """Fuse ranked id lists: score = Σ weight / (k + rank). Robust to rankers whose scores are incomparable."""
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return scores


def with_document_evidence(
    scores: dict[int, float], document_of: dict[int, str], weight: float, top: int = 3
) -> dict[int, float]:
    """Add to each passage's score `weight` × the mean of its document's `top` best passage scores.

    A judgment that matches a question in several paragraphs is likely the one that decides it, and its
    reasoning paragraph should not lose to a lone paragraph of an unrelated case that echoes the wording.
    """
    if not weight:
        return scores
    best: dict[str, list[float]] = {}
    for item, score in sorted(scores.items(), key=lambda pair: pair[1], reverse=True):
        kept = best.setdefault(document_of[item], [])
        if len(kept) < top:
            kept.append(score)
    return {item: score + weight * sum(best[document_of[item]]) / top for item, score in scores.items()}


def drop_near_duplicates(
    items: Sequence[T], text_of: Callable[[T], str], limit: int, threshold: float = 0.7
) -> list[T]:
    """The first `limit` items, skipping any whose text shares at least `threshold` of its word trigrams
    (Jaccard) with one kept before it.

    The same statute ingested from a .txt and from its PDF gives two copies of each Article.
    """
    kept: list[T] = []
    kept_shingles: list[set[tuple[str, ...]]] = []
    for item in items:
        if len(kept) == limit:
            break
        shingles = _shingles(text_of(item))
        if any(_jaccard(shingles, other) >= threshold for other in kept_shingles):
            continue
        kept.append(item)
        kept_shingles.append(shingles)
    return kept


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(max(1, len(words) - 2))}


def _jaccard(a: set, b: set) -> float:
    if not (a and b):
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)

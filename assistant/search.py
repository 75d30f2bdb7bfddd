"""Hybrid retrieval: dense (FAISS) and lexical (FTS5 BM25) rankings fused, near-duplicates dropped, cited."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from assistant.citations import cite
from assistant.query import fts_query
from assistant.records import Passage
from assistant.settings import Settings
from index.corpus import CorpusIndex
from index.embedder import Embedder
from index.store import Filters

T = TypeVar("T")


@dataclass(frozen=True)
class SearchResult:
    """The passages found for a query, best first, and whether they are too weak to answer it."""

    query: str
    passages: tuple[Passage, ...]
    abstained: bool
    query_vector: np.ndarray


class Retriever:
    """Searches one index with one model. Load once, then query many times (threads allowed)."""

    def __init__(self, index: CorpusIndex, embedder: Embedder, settings: Settings):
        self.index = index
        self.embedder = embedder
        self.settings = settings

    def search(self, query: str, k: int | None = None, filters: Filters = Filters()) -> SearchResult:
        """The k passages that best match `query` within `filters`."""
        k = k or self.settings.k
        self.index.refresh()
        query_vector = self.embedder.embed_query(query)
        depth = max(self.settings.candidates, k)
        dense = self.index.dense_search(query_vector, depth, filters)
        match = fts_query(query)
        lexical = self.index.lexical_search(match, depth, filters) if match else []
        fused = reciprocal_rank_fusion(
            [[i for i, _ in dense], [i for i, _ in lexical]], [1.0, self.settings.lexical_weight], self.settings.rrf_k
        )
        # Materialise more than k: some will go as near-duplicates of better-ranked ones.
        head = fused[: k * 3]
        stored = self.index.chunks([i for i, _ in head])
        head = [(i, score) for i, score in head if i in stored]
        similarity = dict(dense)
        unknown = [i for i, _ in head if i not in similarity]
        if unknown:
            similarity.update(zip(unknown, (self.index.store.vectors(unknown) @ query_vector).tolist()))
        kept = drop_near_duplicates(head, lambda item: stored[item[0]].chunk.text)[:k]
        documents = {}
        passages = []
        for rank, (chunk_id, score) in enumerate(kept, 1):
            entry = stored[chunk_id]
            document = documents.get(entry.doc_id) or self.index.document(entry.doc_id)
            documents[entry.doc_id] = document
            passages.append(
                Passage(
                    rank=rank, score=score, similarity=float(similarity[chunk_id]), chunk_id=chunk_id,
                    ordinal=entry.ordinal, document=document, chunk=entry.chunk, citation=cite(document, entry.chunk),
                )
            )
        best = max((p.similarity for p in passages), default=0.0)
        return SearchResult(query, tuple(passages), best < self.settings.min_score, query_vector)


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], weights: Sequence[float], k: int
) -> list[tuple[int, float]]:
    """Fuse ranked id lists: score = Σ weight / (k + rank). Robust to rankers whose scores are incomparable."""
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: pair[1], reverse=True)


def drop_near_duplicates(items: Sequence[T], text_of: Callable[[T], str], threshold: float = 0.7) -> list[T]:
    """Keep the first of any items whose texts share at least `threshold` of their word trigrams (Jaccard).

    The same statute ingested from a .txt and from its PDF gives two copies of each Article.
    """
    kept: list[T] = []
    kept_shingles: list[set[tuple[str, ...]]] = []
    for item in items:
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
    return len(a & b) / len(a | b) if a and b else 0.0

"""FAISS: exact inner-product search over normalised vectors, ids shared with the SQLite chunk rows."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import faiss
import numpy as np


class VectorIndex:
    """A flat inner-product index (exact: a corpus of this size needs no approximation) keyed by chunk id.

    Searches may run in several threads while one thread adds or removes vectors: a lock keeps
    each FAISS call whole.
    """

    def __init__(self, dimension: int):
        self.dimension = dimension
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._index.ntotal

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            with self._lock:
                self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))

    def remove(self, ids: list[int]) -> None:
        if ids:
            with self._lock:
                self._index.remove_ids(np.array(ids, dtype=np.int64))

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k nearest ids with their cosine, best first; only among `allowed` ids when given."""
        if k <= 0 or self._index.ntotal == 0 or (allowed is not None and len(allowed) == 0):
            return []
        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed.astype(np.int64)))
        with self._lock:
            scores, ids = self._index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]

    def save(self, folder: Path, generation: int) -> None:
        """Write `vectors.<generation>.faiss` atomically (temp file, then rename) and drop older files."""
        final = folder / f"vectors.{generation}.faiss"
        temporary = folder / f".vectors.{generation}.faiss.tmp"
        with self._lock:
            faiss.write_index(self._index, str(temporary))
        os.replace(temporary, final)
        for old in folder.glob("vectors.*.faiss"):
            if old != final:
                old.unlink(missing_ok=True)

    @classmethod
    def load(cls, folder: Path, generation: int, dimension: int) -> VectorIndex | None:
        """The saved index of exactly this generation, or None when it is missing or stale."""
        path = folder / f"vectors.{generation}.faiss"
        if not path.exists():
            return None
        index = cls(dimension)
        index._index = faiss.read_index(str(path))
        if index._index.d != dimension:
            return None
        return index


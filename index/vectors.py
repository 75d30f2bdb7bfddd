"""FAISS: inner-product search over normalised vectors, ids shared with the SQLite chunk rows.

Exact (flat) up to APPROXIMATE_FROM vectors; beyond, where exact search costs more than a query's budget
(measured on 2 cores: 52 ms at 100k, 300 ms at 1M), an inverted file (IVF): the vectors are grouped around
4·√n centroids and a query scans the PROBED share of the groups nearest to it; recall@10 against exact search
is measured by bench/scale.py.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from pathlib import Path

import faiss
import numpy as np

log = logging.getLogger(__name__)
_SAVED = re.compile(r"vectors\.(\d+)\.faiss")
APPROXIMATE_FROM = 50_000
PROBED = 1 / 8  # of the groups, nearest first (1/16 measured recall@10 0.970 at 100k)


class VectorIndex:
    """An inner-product index keyed by chunk id: exact, or approximate (IVF) for `expected` vectors or more.

    Searches may run in several threads while one thread adds or removes vectors: a lock keeps
    each FAISS call whole.
    """

    def __init__(self, dimension: int, expected: int = 0, approximate_from: int | None = None):
        self.dimension = dimension
        if expected >= (approximate_from or APPROXIMATE_FROM):
            groups = int(4 * expected**0.5)
            self._index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, groups,
                                             faiss.METRIC_INNER_PRODUCT)
        else:
            self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._index.ntotal

    @property
    def approximate(self) -> bool:
        return isinstance(self._index, faiss.IndexIVF)

    def suits(self, count: int) -> bool:
        """Whether this kind of index suits `count` vectors (an approximate one down to half the threshold, so
        that a corpus around it is not rebuilt at every start)."""
        return count >= APPROXIMATE_FROM / 2 if self.approximate else count < APPROXIMATE_FROM

    def training_size(self) -> int:
        """Vectors the first `add` should bring at once to place the groups well (0: exact, none needed)."""
        return 40 * self._index.nlist if self.approximate and not self._index.is_trained else 0

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            vectors = np.ascontiguousarray(vectors, dtype=np.float32)
            with self._lock:
                if not self._index.is_trained:
                    self._index.train(vectors)
                self._index.add_with_ids(vectors, ids.astype(np.int64))

    def remove(self, ids: list[int]) -> None:
        if ids:
            with self._lock:
                self._index.remove_ids(np.array(ids, dtype=np.int64))

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None, exact: bool = False
    ) -> list[tuple[int, float]]:
        """The k nearest ids with their cosine, best first; only among `allowed` ids when given; `exact` probes
        every group of an approximate index."""
        if k <= 0 or self._index.ntotal == 0 or (allowed is not None and len(allowed) == 0):
            return []
        params = faiss.SearchParametersIVF() if self.approximate else faiss.SearchParameters()
        if self.approximate:
            params.nprobe = self._index.nlist if exact else max(1, int(self._index.nlist * PROBED))
        if allowed is not None:
            selector = faiss.IDSelectorBatch(allowed.astype(np.int64))  # kept alive until the search is done
            params.sel = selector
        with self._lock:
            scores, ids = self._index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]

    def ids(self) -> np.ndarray:
        """The ids it holds, in no particular order."""
        with self._lock:
            if not self.approximate:
                return faiss.vector_to_array(self._index.id_map).copy()
            lists = self._index.invlists
            return np.concatenate([np.zeros(0, dtype=np.int64)] + [
                faiss.rev_swig_ptr(lists.get_ids(group), lists.list_size(group)).copy()
                for group in range(self._index.nlist)
            ])

    def save(self, folder: Path, generation: int, replace: bool = False) -> bool:
        """Write `vectors.<generation>.faiss` atomically (temp file, then rename) and drop older ones; whether it
        was saved. `replace` rewrites a saved file of that generation (an exact index rebuilt as approximate).
        The cache is only a cache: a disk that refuses the write leaves it unsaved, not broken."""
        final = folder / f"vectors.{generation}.faiss"
        if final.exists() and not replace:
            return True  # the same generation holds the same vectors, whoever saved them
        temporary = folder / f".vectors.{generation}.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            with self._lock:
                faiss.write_index(self._index, str(temporary))
            os.replace(temporary, final)
        except (OSError, RuntimeError) as error:  # faiss reports a failed write as a RuntimeError
            temporary.unlink(missing_ok=True)
            log.warning("the vector cache of %s was not saved (%s); the next start rebuilds it", folder, error)
            return False
        for old, older_generation in _saved(folder):
            if older_generation < generation:  # a newer one, saved by another process meanwhile, stays
                old.unlink(missing_ok=True)
        return True

    @classmethod
    def load_newest(cls, folder: Path, generation: int, dimension: int) -> tuple[int, VectorIndex] | None:
        """The newest saved index of a generation up to `generation`, with its generation; None if there is none."""
        for path, saved_generation in sorted(_saved(folder), key=lambda pair: pair[1], reverse=True):
            if saved_generation > generation:
                continue  # not of this database (it was replaced)
            index = cls(dimension)
            try:
                index._index = faiss.read_index(str(path))
            except RuntimeError:  # removed meanwhile by a process that saved a newer one, or damaged
                continue
            if index._index.d == dimension:
                return saved_generation, index
        return None


def _saved(folder: Path) -> list[tuple[Path, int]]:
    found = []
    for path in folder.glob("vectors.*.faiss"):
        match = _SAVED.fullmatch(path.name)
        if match:
            found.append((path, int(match[1])))
    return found


"""Where an index lives: a folder (SQLite, FTS5 and FAISS: index/corpus.py) or a Milvus collection
(index/milvus.py), named by one address, and the one function that opens either."""

from __future__ import annotations

from pathlib import Path

from index.corpus import CorpusIndex
from index.manifest import Manifest
from index.milvus import MilvusIndex, is_milvus

Index = CorpusIndex | MilvusIndex  # one face: the same methods, the same contract tests (tests/test_index.py)


def open_index(address: str | Path, wanted: Manifest | None = None, create: bool = False, token: str = "") -> Index:
    """Open the index at `address` (a folder, `milvus://HOST:PORT/NAME` or `milvus-lite:PATH.db`); create it when
    `create` (then `wanted` is required). `token` logs in to a Milvus server (the setting milvus_token)."""
    if is_milvus(address):
        return MilvusIndex.open(str(address), wanted, create, token)
    return CorpusIndex.open(Path(address), wanted, create)

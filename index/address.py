"""Where an index lives: a folder (SQLite, FTS5 and FAISS: index/corpus.py) or a Milvus collection
(index/milvus.py), named by one address, and the one function that opens either."""

from __future__ import annotations

import os
from pathlib import Path

from index.corpus import CorpusIndex
from index.manifest import Manifest
from index.milvus import TOKEN_VARIABLE, MilvusIndex, is_milvus

Index = CorpusIndex | MilvusIndex  # one face: the same methods, the same contract tests (tests/test_index.py)


def open_index(address: str | Path, wanted: Manifest | None = None, create: bool = False) -> Index:
    """Open the index at `address` (a folder, `milvus://HOST:PORT/NAME` or `milvus-lite:PATH.db`); create it when
    `create` (then `wanted` is required). A Milvus server's token comes from ASYLUM_ASSISTANT_MILVUS_TOKEN only, so
    that it is never seen on a command line."""
    if is_milvus(address):
        return MilvusIndex.open(str(address), wanted, create, token=os.environ.get(TOKEN_VARIABLE, ""))
    return CorpusIndex.open(Path(address), wanted, create)

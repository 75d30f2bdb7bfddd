"""The index on its own: FAISS against brute force, SQLite transactions, the manifest's refusal, the FAISS cache."""

from __future__ import annotations

import numpy as np
import pytest

from index.corpus import CorpusIndex
from index.manifest import Manifest
from index.store import Filters
from index.vectors import VectorIndex
from ingest.errors import IndexMismatch, IndexNotFound
from ingest.records import Chunk, Document, Metadata

DIMENSION = 16


def unit_vectors(count: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(count, DIMENSION)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def manifest(model: str = "test-model") -> Manifest:
    return Manifest(model=model, dimension=DIMENSION, chunk_tokens=200, chunker_version="1", embed_context="none")


def document(doc_id: str, kind: str = "case-law", date: str = "2012-02-23") -> Document:
    meta = Metadata(kind=kind, title=f"Title of {doc_id}", court="European Court of Human Rights", date=date)
    return Document(doc_id=doc_id, source=f"/corpus/{doc_id}.txt", content_hash=doc_id * 3, format="txt", metadata=meta)


def chunks(*texts: str) -> list[Chunk]:
    return [Chunk(text=text, paragraph=str(n)) for n, text in enumerate(texts, 1)]


def test_faiss_search_equals_brute_force():
    vectors, ids = unit_vectors(500, seed=1), np.arange(1000, 1500, dtype=np.int64)
    index = VectorIndex(DIMENSION)
    index.add(ids, vectors)
    for query in unit_vectors(5, seed=2):
        expected = ids[np.argsort(-(vectors @ query))[:10]]
        found = [i for i, _ in index.search(query, 10)]
        assert found == expected.tolist(), "the flat inner-product index must return the exact nearest neighbours"


def test_faiss_search_restricted_to_allowed_ids_equals_brute_force():
    vectors, ids = unit_vectors(300, seed=3), np.arange(300, dtype=np.int64)
    index = VectorIndex(DIMENSION)
    index.add(ids, vectors)
    allowed = ids[::7]
    query = unit_vectors(1, seed=4)[0]
    expected = allowed[np.argsort(-(vectors[allowed] @ query))[:5]]
    assert [i for i, _ in index.search(query, 5, allowed)] == expected.tolist(), "filters must not change the order"


def test_opening_a_missing_index_says_how_to_build_one(tmp_path):
    with pytest.raises(IndexNotFound, match="asylum-assistant ingest"):
        CorpusIndex.open(tmp_path / "nothing-here")


def test_an_index_refuses_another_model(tmp_path):
    CorpusIndex.open(tmp_path, manifest("model-a"), create=True).close()
    with pytest.raises(IndexMismatch, match="model-a") as caught:
        CorpusIndex.open(tmp_path, manifest("model-b"))
    assert "--index" in str(caught.value) or "--model" in str(caught.value), "the message must say what to do"


def test_add_replace_remove_keep_sqlite_and_faiss_in_step(tmp_path):
    index = CorpusIndex.open(tmp_path, manifest(), create=True)
    index.add(document("a"), chunks("first", "second"), unit_vectors(2, 5))
    index.add(document("b"), chunks("third"), unit_vectors(1, 6))
    assert len(index) == index.store.count_chunks() == 3
    index.add(document("a"), chunks("only one now"), unit_vectors(1, 7))  # same source: replaces
    assert len(index) == index.store.count_chunks() == 2
    index.remove("b")
    assert len(index) == index.store.count_chunks() == 1
    assert [d.doc_id for d, _ in index.documents()] == ["a"]


def test_a_failed_write_leaves_the_store_as_it_was(tmp_path):
    index = CorpusIndex.open(tmp_path, manifest(), create=True)
    index.add(document("a"), chunks("kept"), unit_vectors(1, 8))
    generation = index.store.generation()
    # The second vector is not a vector: the insert fails after the document and its first chunk are written.
    with pytest.raises(ValueError):
        index.store.put_document(document("b"), chunks("one", "two"), [unit_vectors(1, 9)[0], "not a vector"])
    assert index.store.generation() == generation, "a rolled-back write must not count as a change"
    assert [d.doc_id for d, _ in index.documents()] == ["a"], "no trace of the half-written document"
    assert index.store.count_chunks() == 1


def test_a_stale_faiss_file_is_rebuilt_from_sqlite(tmp_path):
    index = CorpusIndex.open(tmp_path, manifest(), create=True)
    index.add(document("a"), chunks("one", "two"), unit_vectors(2, 10))
    index.close()
    # Another run adds a document and dies before saving FAISS: only SQLite has it.
    crashed = CorpusIndex.open(tmp_path, manifest())
    crashed.store.put_document(document("b"), chunks("three"), unit_vectors(1, 11))
    reopened = CorpusIndex.open(tmp_path, manifest())
    assert len(reopened) == 3, "the FAISS cache must be rebuilt from the vectors SQLite holds"
    query = unit_vectors(1, 11)[0]
    best_id, score = reopened.dense_search(query, 1)[0]
    assert reopened.chunks([best_id])[best_id].chunk.text == "three" and score == pytest.approx(1.0, abs=1e-5)


def test_lexical_search_and_filters(tmp_path):
    index = CorpusIndex.open(tmp_path, manifest(), create=True)
    index.add(document("old", date="2002-02-05"), chunks("collective expulsion of aliens"), unit_vectors(1, 12))
    index.add(document("new", kind="statute", date="2020-02-13"), chunks("expulsion at the border"), unit_vectors(1, 13))
    hits = index.lexical_search('"expulsion"', 10)
    assert len(hits) == 2
    only_old = index.lexical_search('"expulsion"', 10, Filters(date_to="2010-01-01"))
    assert [index.chunks([i])[i].doc_id for i, _ in only_old] == ["old"]
    statutes = index.dense_search(unit_vectors(1, 12)[0], 10, Filters(kinds=("statute",)))
    assert [index.chunks([i])[i].doc_id for i, _ in statutes] == ["new"]

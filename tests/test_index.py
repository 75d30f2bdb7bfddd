"""The index: the contract of its face (CorpusIndex), then the parts of the folder backend.

The contract tests use the index's public methods only and run against each storage backend of BACKENDS: the
folder (SQLite, FTS5, FAISS) and Milvus (through Milvus Lite, in-process).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pytest

from index.address import Index
from index.address import open_index as open_address
from index.corpus import CorpusIndex
from index.errors import DocumentNotFound, IndexMismatch, IndexNotFound
from index.manifest import Manifest
from index.records import Filters
from index.vectors import VectorIndex
from ingest.records import Chunk, CitedParagraph, Document, Metadata

DIMENSION = 16
BACKENDS = ["folder", "milvus-lite"]


def unit_vectors(count: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(count, DIMENSION)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def manifest(model: str = "test-model") -> Manifest:
    return Manifest(model=model, dimension=DIMENSION, chunk_tokens=200, chunker_version="1", embed_context="none")


def document(doc_id: str, kind: str = "case-law", date: str = "2012-02-23", source: str = "", **fields) -> Document:
    meta = Metadata(kind=kind, title=f"Title of {doc_id}", court="European Court of Human Rights", date=date,
                    **fields)
    return Document(doc_id=doc_id, source=source or f"/corpus/{doc_id}.txt", content_hash=doc_id * 3, format="txt",
                    metadata=meta)


def chunks(*texts: str) -> list[Chunk]:
    return [Chunk(text=text, paragraph=str(n)) for n, text in enumerate(texts, 1)]


def open_index(backend: str, where, wanted: Manifest | None = None, create: bool = False) -> Index:
    """An index of `backend` at `where` (a pytest tmp_path)."""
    address = {"folder": where / "index", "milvus-lite": f"milvus-lite:{where / 'index.db'}"}[backend]
    return open_address(address, wanted, create=create)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def new_index(backend, tmp_path) -> Callable[[], CorpusIndex]:
    """Opens the test's index (created on the first call); every call is another handle, as another process has."""
    return lambda: open_index(backend, tmp_path, manifest(), create=True)


# -- the contract ---------------------------------------------------------------------------------------------


def test_opening_a_missing_index_says_how_to_build_one(backend, tmp_path):
    with pytest.raises(IndexNotFound, match="asylum-assistant ingest"):
        open_index(backend, tmp_path)


def test_an_index_refuses_another_model(backend, tmp_path):
    open_index(backend, tmp_path, manifest("model-a"), create=True).close()
    with pytest.raises(IndexMismatch, match="model-a") as caught:
        open_index(backend, tmp_path, manifest("model-b"))
    assert "--index" in str(caught.value) or "--model" in str(caught.value), "the message must say what to do"


def test_add_replace_remove_keep_chunks_and_vectors_in_step(new_index):
    index = new_index()
    index.add(document("a"), chunks("first", "second"), unit_vectors(2, 5))
    index.add(document("b"), chunks("third"), unit_vectors(1, 6))
    assert len(index) == index.chunk_count() == 3
    index.add(document("a"), chunks("only one now"), unit_vectors(1, 7))  # same source: replaces
    assert len(index) == index.chunk_count() == 2
    assert index.remove("b").doc_id == "b"
    assert len(index) == index.chunk_count() == 1
    assert [(listed.document.doc_id, listed.chunks) for listed in index.documents()] == [("a", 1)]
    with pytest.raises(DocumentNotFound, match="docs"):
        index.remove("b")


def test_a_new_document_gets_a_free_id_and_a_replaced_one_keeps_its_own(new_index):
    index = new_index()
    first = index.add(document("protocol"), chunks("one"), unit_vectors(1, 1))
    other = index.add(document("protocol", source="/elsewhere/protocol.txt"), chunks("two"), unit_vectors(1, 2))
    third = index.add(document("protocol", source="/third/protocol.txt"), chunks("three"), unit_vectors(1, 3))
    assert [first.doc_id, other.doc_id, third.doc_id] == ["protocol", "protocol-txt", "protocol-txt-2"]
    again = index.add(document("wanted-anew", source="/elsewhere/protocol.txt"), chunks("2b"), unit_vectors(1, 4))
    assert again.doc_id == "protocol-txt", "a replaced document keeps its id: citations and links stay valid"


def test_documents_are_found_by_id_source_and_content(new_index):
    index = new_index()
    index.add(document("b", kind="statute"), chunks("x"), unit_vectors(1, 1))
    index.add(document("a"), chunks("y", "z"), unit_vectors(2, 2))
    assert index.document("a").metadata.title == "Title of a" and index.document("nothing") is None
    assert index.document_by_source("/corpus/b.txt").doc_id == "b" and index.document_by_source("/x") is None
    assert index.document_by_hash("aaa").doc_id == "a" and index.document_by_hash("zzz") is None
    assert set(index.documents_by_id(["a", "b", "c"])) == {"a", "b"}
    assert [listed.document.doc_id for listed in index.documents()] == ["a", "b"], "by kind, then title"


def test_chunks_come_back_as_they_were_stored_with_their_vectors(new_index):
    index = new_index()
    stored = [
        Chunk("Article text", heading=("CHAPTER II", "Article 5 — Personal interview"), paragraph="1", article="5",
              page=38, part=2),
        Chunk("I dissent.", paragraph="3", opinion="Dissenting opinion of Judge X"),
    ]
    vectors = unit_vectors(2, 8)
    index.add(document("a"), stored, vectors)
    hits = index.dense_search(vectors[0], 2)
    ids = [hits[0][0], next(i for i, _ in hits if i != hits[0][0])]
    found = index.chunks(ids)
    assert [found[i].chunk for i in ids] == stored and [found[i].ordinal for i in ids] == [0, 1]
    assert {found[i].doc_id for i in ids} == {"a"}
    assert np.allclose(index.vectors(ids), vectors)


def test_around_gives_each_place_its_neighbours_in_order(new_index):
    index = new_index()
    index.add(document("a"), chunks(*"abcdefg"), unit_vectors(7, 9))
    index.add(document("b"), chunks("x", "y"), unit_vectors(2, 10))
    around = index.around([("a", 0), ("a", 4), ("b", 1)], radius=2)
    assert [c.chunk.text for c in around[("a", 0)]] == ["a", "b", "c"], "cut at the document's start"
    assert [c.ordinal for c in around[("a", 4)]] == [2, 3, 4, 5, 6]
    assert [c.chunk.text for c in around[("b", 1)]] == ["x", "y"]
    assert index.around([], 2) == {}


def test_what_chunks_cite_is_stored_with_them_and_goes_with_them(new_index):
    index = new_index()
    cited = [CitedParagraph(1, "27765/09", 180), CitedParagraph(1, "EU:C:2017:127", 59)]
    index.add(document("a"), chunks("facts", "see Hirsi, § 180"), unit_vectors(2, 21), cited)
    index.add(document("b"), chunks("no citation"), unit_vectors(1, 22))
    assert [c.chunk.text for c in index.document_chunks("a")] == ["facts", "see Hirsi, § 180"]
    assert [c.ordinal for c in index.document_chunks("a")] == [0, 1] and index.document_chunks("nothing") == []
    rows = index.citing(["27765/09", "EU:C:2017:127", "1/00"])
    assert sorted((key, paragraph) for key, paragraph, _ in rows) == [("27765/09", 180), ("EU:C:2017:127", 59)]
    citing = index.chunks([chunk_id for _, _, chunk_id in rows])
    assert {(c.doc_id, c.ordinal) for c in citing.values()} == {("a", 1)}
    assert index.citations_unread() == [], "documents added with their citations (even none) are read"
    index.record_citations("b", [CitedParagraph(0, "27765/09", 181)])
    assert len(index.citing(["27765/09"])) == 2
    index.record_citations("b", [])
    assert len(index.citing(["27765/09"])) == 1, "recording again replaces"
    index.add(document("a"), chunks("replaced"), unit_vectors(1, 23))
    assert index.citing(["27765/09", "EU:C:2017:127"]) == [], "a replaced document's citations go with it"
    index.record_citations("gone", [CitedParagraph(0, "27765/09", 1)])  # removed meanwhile: nothing to record
    assert index.citing(["27765/09"]) == []


def test_dense_search_is_exact_and_filtered(new_index):
    index = new_index()
    vectors = unit_vectors(50, 11)
    index.add(document("old", date="2002-02-05"), chunks(*map(str, range(10))), vectors[:10])
    index.add(document("new", kind="statute", date="2020-02-13", language="en"), chunks(*map(str, range(10))),
              vectors[10:20])
    index.add(document("undated", date="", language="sv"), chunks(*map(str, range(10))), vectors[20:30])
    index.add(document("note-on-old", kind="note", date="", application_numbers=("12345/02",)),
              chunks(*"abcdefghij"), vectors[30:40])
    index.add(document("background", kind="note", date=""), chunks(*"abcdefghij"), vectors[40:])
    query = unit_vectors(1, 12)[0]
    found = index.dense_search(query, 5)
    assert [round(score, 5) for _, score in found] == [round(float(s), 5) for s in np.sort(vectors @ query)[::-1][:5]]
    cases = [
        (Filters(kinds=("statute",)), {"new"}),
        (Filters(date_to="2010-01-01"), {"old"}),
        (Filters(date_from="2010-01-01"), {"new"}),
        (Filters(court="human RIGHTS"), {"old", "new", "undated", "note-on-old", "background"}),
        (Filters(court="Justice"), set()),
        (Filters(language="sv"), {"undated"}),
        (Filters(doc_ids=("old", "undated")), {"old", "undated"}),
        (Filters(kinds=("case-law",)), {"old", "undated", "note-on-old"}),
        (Filters(kinds=("note",)), {"note-on-old", "background"}),
    ]
    for filters, expected in cases:
        hits = index.dense_search(query, 50, filters)
        assert {index.chunks([i])[i].doc_id for i, _ in hits} == expected, filters
        assert len(hits) == 10 * len(expected), f"{filters} must not lose matching chunks"
        # A few hits: broad filters keep them from a deeper search, narrow ones list their ids; both exact.
        allowed = [i for i in range(50) if i // 10 in {("old", "new", "undated", "note-on-old", "background").index(d)
                                                       for d in expected}]
        best = sorted(allowed, key=lambda i: -float(vectors[i] @ query))[:3]
        assert [round(s, 5) for _, s in index.dense_search(query, 3, filters)] == [
            round(float(vectors[i] @ query), 5) for i in best], filters


def test_lexical_search_matches_terms_and_phrases_and_filters(new_index):
    index = new_index()
    index.add(document("old", date="2002-02-05"), chunks("collective expulsion of aliens"), unit_vectors(1, 12))
    index.add(document("new", kind="statute", date="2020-02-13"), chunks("expulsion at the border"),
              unit_vectors(1, 13))
    assert len(index.lexical_search(["expulsion"], 10)) == 2
    assert len(index.lexical_search(["expulsion of aliens"], 10)) == 1, "a phrase needs all its words"
    only_old = index.lexical_search(["expulsion"], 10, Filters(date_to="2010-01-01"))
    assert [index.chunks([i])[i].doc_id for i, _ in only_old] == ["old"]
    best = index.lexical_search(["collective", "expulsion", "aliens"], 10)
    assert index.chunks([best[0][0]])[best[0][0]].doc_id == "old", "more of the terms ranks higher"
    assert index.lexical_search([], 10) == [] and index.lexical_search(['"quoted" OR'], 10) == []
    assert index.mentions("aliens") and not index.mentions("Rwanda")


def test_statute_articles_are_looked_up_by_number(new_index):
    index = new_index()
    protocol = [Chunk("Collective expulsion of aliens is prohibited.", heading=("Article 4",), article="4")]
    index.add(document("p4", kind="statute", citation="ETS No. 46"), protocol, unit_vectors(1, 14))
    judgment = [Chunk("The Court reiterates Article 4.", paragraph="1", article="4")]
    index.add(document("j"), judgment, unit_vectors(1, 15))
    (found, names), = index.article_chunks("4")
    assert found.doc_id == "p4" and found.chunk.article == "4", "only statutes have Articles"
    assert "Title of p4" in names and "ETS No. 46" in names, "with the words that name the statute"
    assert index.article_chunks("5") == [] and index.article_chunks("4", Filters(kinds=("article",))) == []


def test_judgments_and_their_paragraphs_are_looked_up_by_number(new_index):
    index = new_index()
    judgment = [*chunks("First.", "Second.", "Third."), Chunk("Dissent.", paragraph="2", opinion="Dissenting opinion")]
    index.add(document("hirsi", application_numbers=("27765/09",), ecli="ECLI:CE:ECHR:2012:0223JUD002776509"),
              judgment, unit_vectors(4, 16))
    index.add(document("jafari", case_numbers=("C-646/16",)), chunks("Un.", "Deux."), unit_vectors(2, 17))
    index.add(document("note", kind="note", application_numbers=("27765/09",)), chunks("Note."), unit_vectors(1, 18))
    assert [d.doc_id for d in index.case_documents({"27765/09"})] == ["hirsi"], "the judgment, not the note"
    assert [d.doc_id for d in index.case_documents({"ECLI:CE:ECHR:2012:0223JUD002776509", "1/99"})] == ["hirsi"]
    assert [d.doc_id for d in index.case_documents({"C-646/16"})] == ["jafari"]
    assert index.case_documents({"1/99"}) == [] and index.case_documents(set()) == []
    found = index.numbered_paragraphs({"hirsi", "note"}, {"1", "2"})
    assert [(c.doc_id, c.chunk.text) for c in found] == [("hirsi", "First."), ("hirsi", "Second."), ("note", "Note.")], (
        "numbered paragraphs, not a separate opinion's"
    )
    assert index.numbered_paragraphs({"jafari"}, set()) == [] and index.numbered_paragraphs(set(), {"1"}) == []


def test_every_change_is_seen_by_other_handles_and_survives_reopening(new_index):
    writer, reader = new_index(), new_index()
    before = reader.generation()
    writer.add(document("a"), chunks("one", "two"), unit_vectors(2, 16))
    writer.flush()
    assert reader.generation() != before, "another handle (another process) sees that something changed"
    reader.refresh()
    assert len(reader) == 2 and reader.document("a"), "and, refreshed, searches it"
    writer.close()
    reopened = new_index()
    assert len(reopened) == reopened.chunk_count() == 2


def test_a_failed_write_leaves_the_index_as_it_was(new_index):
    index = new_index()
    index.add(document("a"), chunks("kept"), unit_vectors(1, 8))
    generation = index.generation()
    # The second vector is not a vector: the write fails after the document and its first chunk are written.
    with pytest.raises(ValueError):
        index.add(document("b"), chunks("one", "two"), [unit_vectors(1, 9)[0], "not a vector"])
    assert index.generation() == generation, "a rolled-back write must not count as a change"
    assert [listed.document.doc_id for listed in index.documents()] == ["a"], "no trace of the half-written document"
    assert len(index) == index.chunk_count() == 1


def test_a_reader_never_sees_half_a_document_while_it_is_replaced(new_index):
    writer, reader = new_index(), new_index()
    writer.add(document("a"), chunks(*[f"v0 {n}" for n in range(6)]), unit_vectors(6, 30))
    done, read, reader_gone = threading.Event(), threading.Event(), threading.Event()
    reads, errors = 0, []

    def replace_again_and_again():
        try:
            for version in range(1, 31):
                if reader_gone.is_set():  # it failed: stop at once
                    return
                count = 6 if version % 2 == 0 else 9
                writer.add(document("a"), chunks(*[f"v{version} {n}" for n in range(count)]), unit_vectors(count, version))
                # A read in between (the next one races the next write): a read retries while a document keeps
                # changing, so without it a slow backend's reader could wait out the whole loop.
                read.wait(10)
                read.clear()
        except Exception as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            done.set()

    thread = threading.Thread(target=replace_again_and_again)
    thread.start()
    try:
        while not done.is_set():
            texts = [c.chunk.text for c in reader.document_chunks("a")]
            versions = {text.split()[0] for text in texts}
            assert len(versions) == 1, texts
            assert len(texts) == (6 if versions == {"v0"} or int(min(versions)[1:]) % 2 == 0 else 9), texts
            reads += 1
            found = reader.chunks(i for i, _ in reader.dense_search(unit_vectors(1, 99)[0], 20))
            assert len({c.chunk.text.split()[0] for c in found.values()}) <= 1, "a search mixes two versions"
            read.set()
    finally:
        reader_gone.set()
        read.set()
        thread.join()
    assert not errors, errors
    assert [c.chunk.text for c in reader.document_chunks("a")] == [f"v30 {n}" for n in range(6)]
    assert reads > 3, f"the reader must have read while the writer wrote ({reads} reads)"


def test_two_writers_at_once_lose_nothing(new_index):
    first, second = new_index(), new_index()

    def add_documents(index, prefix: str, seed: int) -> None:
        for n in range(8):
            index.add(document(f"{prefix}{n}"), chunks(*[f"{prefix}{n} {m}" for m in range(n + 1)]),
                      unit_vectors(n + 1, seed + n))

    writers = [threading.Thread(target=add_documents, args=(first, "a", 100)),
               threading.Thread(target=add_documents, args=(second, "b", 200))]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    reader = new_index()
    listed = {entry.document.doc_id: entry.chunks for entry in reader.documents()}
    assert listed == {f"{prefix}{n}": n + 1 for prefix in "ab" for n in range(8)}
    assert len(reader) == reader.chunk_count() == 2 * sum(range(1, 9))


# -- the folder backend: SQLite the source of truth, FAISS a cache of its vectors -----------------------------


def test_a_term_in_too_many_chunks_is_left_to_the_dense_search(tmp_path, monkeypatch):
    monkeypatch.setattr("index.store.COMMON_ROWS", 2)
    index = CorpusIndex.open(tmp_path / "index", manifest(), create=True)
    index.add(document("a"), chunks("expulsion", "expulsion", "expulsion of aliens"), unit_vectors(3, 1))
    found = index.lexical_search(["expulsion", "aliens"], 10)
    assert [index.chunks([i])[i].chunk.text for i, _ in found] == ["expulsion of aliens"], "only the rare term is searched"
    assert index.lexical_search(["expulsion"], 10) == [], "a query of common terms only finds nothing lexically"


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


def clustered_vectors(count: int, dimension: int, seed: int) -> np.ndarray:
    """Vectors around a few topics, as passages are (uniform random vectors have no neighbours to find)."""
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(count // 50, dimension))
    vectors = topics[rng.integers(len(topics), size=count)] + 0.35 * rng.normal(size=(count, dimension))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_the_approximate_index_finds_the_exact_top_10_on_a_small_corpus():
    count, dimension = 5_000, 64
    vectors, ids = clustered_vectors(count, dimension, seed=5), np.arange(1000, 1000 + count, dtype=np.int64)
    index = VectorIndex(dimension, expected=count, approximate_from=count)
    assert index.approximate and index.training_size() > 0
    index.add(ids, vectors)
    queries = clustered_vectors(200, dimension, seed=5)[:50] + 0.05 * unit_vectors_of(50, dimension, seed=6)
    found = exact = 0
    for query in queries:
        query = query / np.linalg.norm(query)
        expected = set(ids[np.argsort(-(vectors @ query))[:10]].tolist())
        found += len(expected & {i for i, _ in index.search(query, 10)})
        exact += 10
    assert found / exact >= 0.99, f"recall@10 {found / exact:.3f} against exact search"
    allowed = ids[::5]
    query = vectors[10]
    assert {i for i, _ in index.search(query, 10, allowed)} <= set(allowed.tolist()), "filters hold"
    index.remove(ids[:100].tolist())
    assert len(index) == count - 100 and sorted(index.ids().tolist()) == ids[100:].tolist()
    assert ids[10] not in {i for i, _ in index.search(query, 10)}, "a removed vector is not found"


def test_an_index_grown_past_exact_search_turns_approximate_when_opened(tmp_path, monkeypatch):
    import index.vectors

    monkeypatch.setattr(index.vectors, "APPROXIMATE_FROM", 1_000)
    vectors = clustered_vectors(1_200, DIMENSION, seed=7)
    first = CorpusIndex.open(tmp_path, manifest(), create=True)
    for n in range(12):
        first.add(document(f"d{n}"), chunks(*[f"p{n}-{i}" for i in range(100)]), vectors[n * 100 : (n + 1) * 100])
    exact = first.dense_search(vectors[5], 10)
    first.close()
    reopened = CorpusIndex.open(tmp_path, manifest())
    assert reopened.approximate and not first.approximate
    assert len(reopened) == 1_200 and reopened.dense_search(vectors[5], 10)[0] == exact[0]
    assert reopened.dense_search(vectors[5], 10, exact=True) == exact, "exact: every group scanned"
    saved_generation, saved_cache = VectorIndex.load_newest(tmp_path, reopened.generation(), DIMENSION)
    assert saved_generation == reopened.generation() and saved_cache.approximate, "the rebuilt cache replaces the exact one"
    hits = reopened.dense_search(vectors[5], 10, Filters(doc_ids=("d3",)))
    assert hits and {c.doc_id for c in reopened.chunks(i for i, _ in hits).values()} == {"d3"}, "filters hold"
    reopened.remove("d0")
    assert len(reopened) == 1_100 and exact[0][0] not in {i for i, _ in reopened.dense_search(vectors[5], 10)}
    reopened.close()
    saved = list(tmp_path.glob("vectors.*.faiss"))
    again = CorpusIndex.open(tmp_path, manifest())
    assert list(tmp_path.glob("vectors.*.faiss")) == saved, "the approximate cache is saved and reused as it is"
    assert again.approximate and len(again) == 1_100


def unit_vectors_of(count: int, dimension: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(count, dimension))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_a_stale_faiss_file_is_rebuilt_from_sqlite(tmp_path):
    index = CorpusIndex.open(tmp_path, manifest(), create=True)
    index.add(document("a"), chunks("one", "two"), unit_vectors(2, 10))
    index.close()
    # Another run adds a document and dies before saving FAISS: only SQLite has it.
    crashed = CorpusIndex.open(tmp_path, manifest())
    crashed.add(document("b"), chunks("three"), unit_vectors(1, 11))  # and no flush()
    reopened = CorpusIndex.open(tmp_path, manifest())
    assert len(reopened) == 3, "the FAISS cache must be rebuilt from the vectors SQLite holds"
    query = unit_vectors(1, 11)[0]
    best_id, score = reopened.dense_search(query, 1)[0]
    assert reopened.chunks([best_id])[best_id].chunk.text == "three" and score == pytest.approx(1.0, abs=1e-5)

"""Several processes on one index: writers that add and remove at once, a reader beside them, and afterwards
every committed document found by dense and lexical search, in every process, the FAISS cache equal to SQLite."""

from __future__ import annotations

import multiprocessing
import zlib

import numpy as np
import pytest

from index.corpus import CorpusIndex
from index.manifest import Manifest
from index.store import Store
from index.vectors import VectorIndex
from ingest.records import Chunk, Document, Metadata

DIMENSION = 32
WRITERS = 3
DOCUMENTS = 12  # per writer; every third one is removed again by the writer that added it


def manifest() -> Manifest:
    return Manifest(model="test-model", dimension=DIMENSION, chunk_tokens=200, chunker_version="1",
                    embed_context="none")


def vector_of(name: str) -> np.ndarray:
    vector = np.random.default_rng(zlib.crc32(name.encode())).normal(size=DIMENSION).astype(np.float32)
    return vector / np.linalg.norm(vector)


def document(writer: int, number: int) -> tuple[Document, list[Chunk], np.ndarray]:
    """A document whose chunks carry words and vectors of their own; every writer's documents ask for the same
    ids ("shared", then the index makes them unique)."""
    name = f"w{writer}n{number}"
    meta = Metadata(kind="case-law", title=f"Judgment {name}")
    document = Document(doc_id="shared", source=f"/writer{writer}/shared-{number}.txt", content_hash=name,
                        format="txt", metadata=meta)
    chunks = [Chunk(f"Paragraph {part} of {name} about token{name}x{part}.", paragraph=str(part)) for part in (1, 2)]
    return document, chunks, np.vstack([vector_of(f"{name}x{part}") for part in (1, 2)])


def write(folder: str, writer: int) -> list[str]:
    """Add DOCUMENTS documents, removing every third one again; the ids of those that stay."""
    index = CorpusIndex.open(folder, manifest())
    kept = []
    for number in range(DOCUMENTS):
        stored = index.add(*document(writer, number))
        if number % 3 == 2:
            index.remove(stored.doc_id)
        else:
            kept.append(stored.doc_id)
        if number % 4 == 0:
            index.flush()
    index.close()
    return kept


def read(folder: str, done, results) -> None:
    """Search while the writers write; once they are done, report whether this process sees what SQLite holds."""
    index = CorpusIndex.open(folder, manifest())
    query = vector_of("w0n0x1")
    while not done.is_set():
        index.refresh()
        index.dense_search(query, 5)
        index.lexical_search(["paragraph"], 5)
    index.refresh()
    index.flush()  # its cache, saved: the test compares it with SQLite
    results.put(len(index) == index.chunk_count())


def test_writers_and_a_reader_at_once_leave_every_document_findable(tmp_path):
    folder = tmp_path / "index"
    CorpusIndex.open(folder, manifest(), create=True).close()
    context = multiprocessing.get_context("spawn")
    done, results = context.Event(), context.Queue()
    reader = context.Process(target=read, args=(str(folder), done, results))
    reader.start()
    with context.Pool(WRITERS) as pool:
        kept = [doc_id for ids in pool.starmap(write, [(str(folder), w) for w in range(WRITERS)]) for doc_id in ids]
    done.set()
    assert results.get(timeout=120), "the reader, patched from the change log, holds exactly SQLite's chunks"
    reader.join(60)

    assert len(kept) == len(set(kept)) == WRITERS * DOCUMENTS * 2 // 3, "every document got an id of its own"
    store = Store(folder / "chunks.sqlite")
    stored_ids = sorted(int(i) for ids, _ in store.all_vectors() for i in ids)
    saved_generation, cache = VectorIndex.load_newest(folder, store.generation(), DIMENSION)
    assert saved_generation == store.generation(), "the reader saved the cache of the last generation"
    assert sorted(cache.ids().tolist()) == stored_ids, "and it holds exactly SQLite's chunks"

    index = CorpusIndex.open(folder, manifest())
    assert len(index) == index.chunk_count() == len(stored_ids)
    listed = {listed.document.doc_id: listed.document for listed in index.documents()}
    assert set(listed) == set(kept), "the removed documents are gone, the others all there"
    for doc_id, stored in listed.items():
        name = stored.content_hash
        (best, score), *_ = index.dense_search(vector_of(f"{name}x2"), 1)
        assert index.chunks([best])[best].doc_id == doc_id and score == pytest.approx(1.0, abs=1e-5)
        (hit, _), *_ = index.lexical_search([f"token{name}x1"], 1)
        assert index.chunks([hit])[hit].doc_id == doc_id


@pytest.mark.model
def test_two_cli_ingests_of_same_named_files_and_an_app_at_once(tmp_path, embedder):
    import os
    import subprocess
    import sys

    from assistant.core import Assistant
    from assistant.settings import load_settings

    places = {"lisbon": "Lisbon", "tallinn": "Tallinn"}
    for folder, city in places.items():
        for number in range(3):  # the same file names in both folders
            path = tmp_path / folder / f"report-{number}.txt"
            path.parent.mkdir(exist_ok=True)
            path.write_text(f"Report {number} from {city}: the reception centre of {city} held asylum seekers "
                            f"for weeks in district {folder}{number}.\n", encoding="utf-8")
    index = tmp_path / "index"
    app = Assistant(load_settings(index=index), create=True, embedder=embedder)  # the running `serve`
    ingests = [
        subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", str(tmp_path / folder), "--index",
                          str(index)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy())
        for folder in places
    ]
    while any(process.poll() is None for process in ingests):
        app.search("reception centre")  # the app keeps answering meanwhile
    for process in ingests:
        assert process.returncode == 0, process.stderr.read().decode()
    documents = [listed.document for listed in app.documents()]
    assert len(documents) == 6 and len({document.doc_id for document in documents}) == 6
    for folder in places:
        for number in range(3):
            text = (tmp_path / folder / f"report-{number}.txt").read_text(encoding="utf-8").strip()
            (hit, _), *_ = app.index.lexical_search([f"{folder}{number}"], 1)
            assert app.index.chunks([hit])[hit].chunk.text == text, "each committed document is in the app's FTS"
            (nearest, score), *_ = app.index.dense_search(app.index.vectors([hit])[0], 1)
            assert nearest == hit and score == pytest.approx(1.0, abs=1e-4), "and in the app's FAISS"
    assert len(app.index) == app.index.chunk_count()

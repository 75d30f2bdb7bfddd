"""A disk that refuses writes: reading an index needs none, and a write says so in one sentence and changes nothing.

The refusing disk is a process whose files may not grow past a size (RLIMIT_FSIZE): the kernel then refuses
writes as a full disk would, on any machine, without mounting anything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from index.corpus import CorpusIndex
from index.manifest import Manifest
from ingest.records import Chunk, Document, Metadata

DIMENSION = 384
LIMIT = 200 * 1024  # bytes a file may grow to; the index holds more than this already

# Run in a child process, on the index built by the test.
CHILD = """
import json, resource, signal, sys
import numpy as np
from index.corpus import CorpusIndex
from ingest.errors import AssistantError
sys.path.insert(0, sys.argv[3])
from test_disk_full import DIMENSION, chunks, document, manifest

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a refused write is an error to handle, not a signal that kills
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), int(sys.argv[2])))
index = CorpusIndex.open(sys.argv[1], manifest())  # its cache is gone: rebuilt in memory, not saved
report = {"documents": [listed.document.doc_id for listed in index.documents()]}
query = np.ones(DIMENSION, dtype=np.float32) / DIMENSION ** 0.5
report["found"] = len(index.dense_search(query, 5))
try:
    index.add(document("b"), chunks(300), np.tile(query, (300, 1)))
except AssistantError as error:
    report["error"] = str(error)
report["after"] = [listed.document.doc_id for listed in index.documents()]
print(json.dumps(report))
"""


def manifest() -> Manifest:
    return Manifest(model="test-model", dimension=DIMENSION, chunk_tokens=200, chunker_version="1",
                    embed_context="none")


def document(doc_id: str) -> Document:
    return Document(doc_id, f"/corpus/{doc_id}.txt", doc_id, "txt", Metadata(kind="article", title=doc_id))


def chunks(count: int) -> list[Chunk]:
    return [Chunk(f"Paragraph {n} of a long report on the border.", paragraph=str(n)) for n in range(count)]


def test_a_full_disk_lets_the_index_be_read_and_refuses_a_write_in_one_sentence(tmp_path):
    folder = tmp_path / "index"
    index = CorpusIndex.open(folder, manifest(), create=True)
    vectors = np.random.default_rng(0).normal(size=(300, DIMENSION)).astype(np.float32)
    index.add(document("a"), chunks(300), vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    index.close()
    for cache in folder.glob("vectors.*.faiss"):
        cache.unlink()  # stale: opening must rebuild it, and cannot save it on this disk
    assert (folder / "chunks.sqlite").stat().st_size > LIMIT, "the test needs an index larger than the limit"

    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder), str(LIMIT), str(Path(__file__).parent)],
        capture_output=True, text=True, timeout=120,
    )
    assert child.returncode == 0 and "Traceback" not in child.stderr, child.stderr
    report = json.loads(child.stdout)
    assert report["documents"] == ["a"] and report["found"] == 5, "reading needs no write"
    assert report["error"].startswith("the disk refused to write") and "nothing was changed" in report["error"]
    assert "\n" not in report["error"], "one sentence"
    assert report["after"] == ["a"]

    reopened = CorpusIndex.open(folder, manifest())
    assert [listed.document.doc_id for listed in reopened.documents()] == ["a"]
    assert len(reopened) == reopened.chunk_count() == 300, "the refused write left the index as it was"

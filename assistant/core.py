"""The assistant: one model, one index, and the operations the CLI and the web app offer on them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from assistant.answer import answer
from assistant.authority import record_unread
from assistant.ingestion import IngestReport, ProgressCallback, chunk_budget, ingest
from assistant.precedents import CaseMatch, find_precedents
from assistant.records import Answer
from assistant.search import Retriever, SearchResult
from assistant.settings import Settings
from index.address import Index, open_index
from index.embedder import Embedder
from index.errors import StorageError
from index.manifest import Manifest
from index.records import Filters, ListedDocument
from ingest.chunking import CHUNKER_VERSION
from ingest.isolation import IsolatedReader, ReadLimits
from ingest.records import Document


def expected_manifest(embedder: Embedder, settings: Settings) -> Manifest:
    """The manifest an index built now with these settings would have."""
    return Manifest(
        model=settings.model,
        dimension=embedder.dimension,
        chunk_tokens=chunk_budget(embedder, settings).limit,
        chunker_version=CHUNKER_VERSION,
        embed_context=settings.embed_context,
    )


def remove_document(index: Index, settings: Settings, doc_id: str) -> Document:
    """Remove a document from the index, and the copy of its file the assistant kept (an upload, a download).

    The one way documents are removed: by `remove` on the command line, the web app, and `fetch` when a newer
    version of a document replaces the older one.
    """
    document = index.remove(doc_id)  # not flushed: the change log lets the next start patch the saved cache,
    # and saving it here would rewrite every vector (1.5 GB at a million passages) to delete a few
    if settings.is_stored_copy(document.source):
        Path(document.source).unlink(missing_ok=True)
    return document


class Assistant:
    """Loads the model once and serves answers, searches and corpus changes on one index."""

    def __init__(
        self, settings: Settings, create: bool = False, embedder: Embedder | None = None,
        build_in_background: bool = False,
    ):
        """The model (`embedder`, else loaded from the settings; `build_in_background`: see Embedder) and the
        index of `settings`, created if `create` and it does not exist."""
        self.settings = settings
        self.embedder = embedder or Embedder(
            settings.model, settings.models, settings.threads or None, settings.backend, build_in_background
        )
        self.index = open_index(settings.index, expected_manifest(self.embedder, settings), create, settings.milvus_token)
        self.retriever = Retriever(self.index, self.embedder, settings)
        try:
            record_unread(self.index)  # an index made before citations were recorded: read them once, now
        except StorageError:
            pass  # a disk that refuses the write: the index serves, without authority, until it can
        # Files are read in a child process with bounded time and memory, started on the first file.
        self.reader = IsolatedReader(ReadLimits(settings.read_timeout, settings.read_memory_mb))

    def answer(self, question: str, k: int | None = None, filters: Filters = Filters()) -> Answer:
        """The cited passages for a question and a summary made of their sentences, or an abstention."""
        return answer(question, self.retriever, k, filters)

    def search(self, query: str, k: int | None = None, filters: Filters = Filters()) -> SearchResult:
        """The passages that best match a query, best first."""
        return self.retriever.search(query, k, filters)

    def precedents(self, facts: str, filters: Filters = Filters(), cases: int = 10) -> list[CaseMatch]:
        """The cases whose paragraphs best match a fact pattern, best first."""
        return find_precedents(self.retriever, facts, filters, cases)

    def ingest(
        self, paths: Iterable[Path], on_progress: ProgressCallback | None = None, metadata: dict | None = None
    ) -> IngestReport:
        """Add files and folders to the index: one outcome per file."""
        return ingest(paths, self.index, self.embedder, self.reader, self.settings, on_progress, metadata)

    def remove(self, doc_id: str) -> Document:
        """Remove a document, and the copy the assistant kept of its file."""
        return remove_document(self.index, self.settings, doc_id)

    def documents(self) -> list[ListedDocument]:
        """Every document of the index with its number of passages."""
        return self.index.documents()

    def close(self) -> None:
        self.reader.close()
        self.index.close()

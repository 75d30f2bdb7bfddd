"""The assistant: one model, one index, and the operations the CLI and the web app offer on them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from assistant.answer import answer
from assistant.ingestion import IngestReport, ProgressCallback, chunk_token_budget, ingest
from assistant.records import Answer
from assistant.search import Retriever, SearchResult
from assistant.settings import Settings
from index.corpus import CorpusIndex
from index.embedder import Embedder
from index.manifest import Manifest
from index.store import Filters
from ingest.chunking import CHUNKER_VERSION
from ingest.records import Document


def expected_manifest(embedder: Embedder, settings: Settings) -> Manifest:
    """The manifest an index built now with these settings would have."""
    return Manifest(
        model=settings.model,
        dimension=embedder.dimension,
        chunk_tokens=chunk_token_budget(embedder, settings),
        chunker_version=CHUNKER_VERSION,
        embed_context=settings.embed_context,
    )


class Assistant:
    """Loads the model once and serves answers, searches and corpus changes on one index."""

    def __init__(self, settings: Settings, create: bool = False, embedder: Embedder | None = None):
        self.settings = settings
        self.embedder = embedder or Embedder(settings.model, settings.models, settings.threads or None)
        self.index = CorpusIndex.open(settings.index, expected_manifest(self.embedder, settings), create=create)
        self.retriever = Retriever(self.index, self.embedder, settings)

    def answer(self, question: str, k: int | None = None, filters: Filters = Filters()) -> Answer:
        return answer(question, self.retriever, k, filters)

    def search(self, query: str, k: int | None = None, filters: Filters = Filters()) -> SearchResult:
        return self.retriever.search(query, k, filters)

    def ingest(
        self, paths: Iterable[Path], on_progress: ProgressCallback | None = None, metadata: dict | None = None
    ) -> IngestReport:
        return ingest(paths, self.index, self.embedder, self.settings, on_progress, metadata)

    def remove(self, doc_id: str) -> Document:
        document = self.index.remove(doc_id)
        self.index.flush()
        return document

    def close(self) -> None:
        self.index.close()

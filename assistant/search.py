"""Hybrid retrieval: dense (FAISS) and lexical (FTS5 BM25) rankings fused, near-duplicates dropped, cited."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from string import ascii_letters

import numpy as np

from assistant.authority import authority_weight, citing_chunks, citing_documents
from assistant.citations import cite
from assistant.errors import BadSetting
from assistant.forms import MOST_PASSAGES, checked_query
from assistant.query import article_references, instrument_words, lexical_terms, proper_names
from assistant.ranking import (
    drop_near_duplicates,
    reciprocal_rank_fusion,
    section_role,
    with_document_evidence,
)
from assistant.records import Passage
from assistant.settings import Settings
from index.address import Index
from index.embedder import E5, Embedder, native_bf16
from index.records import Filters, StoredChunk
from ingest.citations import own_pinpoints, paragraph_numbers
from ingest.metadata import detect_language
from ingest.records import Document, Metadata


@dataclass(frozen=True)
class SearchResult:
    """The passages found for a query, best first, and whether they are too weak to answer it."""

    query: str
    passages: tuple[Passage, ...]
    abstained: bool
    query_vector: np.ndarray
    unknown_names: tuple[str, ...] = ()  # names in the question that no document of the corpus mentions
    min_score: float = 0.0  # the abstention threshold it was held to (an answer's sentences are too)
    article_ranks: frozenset[int] = frozenset()  # the passages that are the text of an Article the query cites


# A question about an Article says little besides the citation ("does it apply at the border?").
_WORDS_BESIDES_THE_ARTICLE = 3
CONTEXT_RADIUS = 2  # chunks shown before and after a passage under "Show in context"
PARAGRAPHS_PER_NOTE = 2  # judgment paragraphs ranked above a note's passage that summarises them
# A note counts this much of its score once its judgment is in the index: the judgment's own paragraphs, which a
# lawyer cites, come before the project's paraphrase of them.
NOTE_BESIDE_ITS_JUDGMENT = 0.8


class Retriever:
    """Searches one index with one model. Load once, then query many times (threads allowed)."""

    def __init__(self, index: Index, embedder: Embedder, settings: Settings):
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self._beside = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lexical-search")
        self.reranker = None
        if settings.rerank_depth and embedder.name == E5:  # the re-ranker is trained on E5's encoder
            from assistant.rerank import Reranker

            self.reranker = Reranker(embedder.path, bf16=embedder.profile.bf16 and native_bf16())

    def search(self, query: str, k: int | None = None, filters: Filters = Filters()) -> SearchResult:
        """The k passages that best match `query` within `filters`; BadSetting for a query or k out of bounds."""
        query, k = checked_query(query), self.settings.k if k is None else k
        if not isinstance(k, int) or not 1 <= k <= MOST_PASSAGES:
            raise BadSetting(f"passages to return: {k!r}; ask for 1 to {MOST_PASSAGES}")
        self.index.refresh()
        language = detect_language(query, min_words=5)
        depth = max(self.settings.candidates, k)
        # SQLite and the encoder both release the GIL: the lexical search runs while the query is embedded.
        lexical_found = self._beside.submit(self.index.lexical_search, lexical_terms(query), depth, filters)
        query_vector = self.embedder.embed_query(query)
        dense = self.index.dense_search(query_vector, depth, filters)
        lexical = lexical_found.result()
        fused = reciprocal_rank_fusion(
            [[i for i, _ in dense], [i for i, _ in lexical]], [1.0, self.settings.lexical_weight], self.settings.rrf_k
        )
        stored = self.index.chunks(list(fused))
        cited = self.cited_articles(query, filters)
        stored.update((entry.id, entry) for entry in cited)
        documents = self.index.documents_by_id({entry.doc_id for entry in stored.values()})
        citing = citing_chunks(self.index, stored.values(), documents) if self.settings.authority_weight else {}
        weighted = {
            i: score * self._weight(stored[i], documents) * authority_weight(citing.get(i, []), self.settings.authority_weight)
            for i, score in fused.items() if i in stored
        }
        weighted = with_document_evidence(
            weighted, {i: stored[i].doc_id for i in weighted}, self.settings.document_weight
        )
        summarised = self._judgment_first(weighted, stored, documents, query_vector)
        # An Article the question cites by number and instrument is what it asks for: it comes first.
        top = max(weighted.values(), default=0.0)
        for n, entry in enumerate(cited):
            weighted[entry.id] = top + 1.0 - n * 1e-6
        ranked = sorted(weighted.items(), key=lambda pair: pair[1], reverse=True)
        if self.reranker:
            ranked = ranked[: len(cited)] + self._reranked(query, language, ranked[len(cited) :], stored, documents)
        kept = drop_near_duplicates(ranked[: k * 3], lambda item: stored[item[0]].chunk.text, limit=k)
        similarity = dict(dense)
        unknown = [i for i, _ in kept if i not in similarity]
        if unknown:
            similarity.update(zip(unknown, (self.index.vectors(unknown) @ query_vector).tolist()))
        shown_citing = {i: citing.get(i, []) for i, _ in kept}
        documents.update(self.index.documents_by_id(
            {c.doc_id for chunks in shown_citing.values() for c in chunks} - documents.keys()
        ))
        passages = []
        for rank, (chunk_id, score) in enumerate(kept, 1):
            entry = stored[chunk_id]
            document = documents[entry.doc_id]
            passages.append(
                Passage(
                    rank=rank, score=score, similarity=float(similarity[chunk_id]),
                    ordinal=entry.ordinal, document=document, chunk=entry.chunk, citation=cite(document, entry.chunk),
                    cited_in=tuple(cite(documents[c.doc_id], c.chunk) for c in shown_citing[chunk_id]),
                    cited_by=citing_documents(shown_citing[chunk_id]),
                    summarises=tuple(
                        cite(documents[stored[j].doc_id], stored[j].chunk) for j in summarised.get(chunk_id, ())
                    ),
                )
            )
        best = max((p.similarity for p in passages), default=0.0)
        unknown = self.unknown_names(query, language)
        threshold = self.min_score(language)
        cited_ids = {entry.id for entry in cited}
        article_ranks = frozenset(rank for rank, (chunk_id, _) in enumerate(kept, 1) if chunk_id in cited_ids)
        return SearchResult(query, tuple(passages), best < threshold or bool(unknown), query_vector, unknown, threshold,
                            article_ranks)

    def _judgment_first(
        self, weighted: dict[int, float], stored: dict[int, StoredChunk], documents: dict[str, Document],
        query_vector: np.ndarray,
    ) -> dict[int, list[int]]:
        """Where a case note's judgment is in the index, the judgment comes first: the paragraphs a note's passage
        summarises (those closest to the question, at most PARAGRAPHS_PER_NOTE) rank just above it, and the note
        counts NOTE_BESIDE_ITS_JUDGMENT of its score. Changes `weighted`, `stored` and `documents`; returns the
        paragraphs' ids for each note chunk that summarises some."""
        notes = {i: _note_keys(documents[stored[i].doc_id]) for i in weighted}
        notes = {i: keys for i, keys in notes.items() if keys}
        judgments = self.index.case_documents(set().union(*notes.values())) if notes else []
        if not judgments:
            return {}
        documents.update((judgment.doc_id, judgment) for judgment in judgments)
        judgments_of = {
            i: {j.doc_id for j in judgments if is_judgment_of(documents[stored[i].doc_id].metadata, j.metadata)}
            for i in notes
        }
        wanted = {i: summarised_paragraphs(stored[i].chunk.text) for i in notes}
        found = self.index.numbered_paragraphs(set().union(*judgments_of.values()), set().union(*wanted.values()))
        closeness = dict(zip([c.id for c in found], (self.index.vectors([c.id for c in found]) @ query_vector).tolist())) if found else {}
        summarised: dict[int, list[int]] = {}
        for i in notes:
            if not judgments_of[i]:
                continue
            paragraphs = [c for c in found if c.doc_id in judgments_of[i] and c.chunk.paragraph in wanted[i]]
            best = sorted(paragraphs, key=lambda c: closeness[c.id], reverse=True)[:PARAGRAPHS_PER_NOTE]
            for n, paragraph in enumerate(best):
                stored[paragraph.id] = paragraph
                above = weighted[i] * (1.0 + 1e-3 * (len(best) - n))
                weighted[paragraph.id] = max(weighted.get(paragraph.id, 0.0), above)
            if best:
                summarised[i] = [paragraph.id for paragraph in best]
            weighted[i] *= NOTE_BESIDE_ITS_JUDGMENT
        return summarised

    def _reranked(
        self, query: str, language: str, ranked: list[tuple[int, float]], stored: dict[int, StoredChunk],
        documents: dict[str, Document],
    ) -> list[tuple[int, float]]:
        """The judgment paragraphs among the first `rerank_depth` candidates re-ordered in their places: by the
        cross-encoder's order mixed with the fused order (`rerank_weight`). It learned from judgments citing
        judgments, mostly in English: statutes, notes and questions in other languages (`language`, the query's)
        keep the fused order."""
        head = ranked[: self.settings.rerank_depth]
        places = [n for n, (i, _) in enumerate(head) if documents[stored[i].doc_id].metadata.kind == "case-law"]
        if len(places) < 2 or language not in ("en", ""):
            return ranked
        ids = [head[n][0] for n in places]
        logits = self.reranker.scores(query, [stored[i].chunk.text for i in ids])
        weight = self.settings.rerank_weight
        mixed = reciprocal_rank_fusion([[ids[j] for j in np.argsort(-logits, kind="stable")], ids],
                                       [weight, 1.0 - weight], self.settings.rrf_k)
        reordered = iter(sorted(ids, key=mixed.get, reverse=True))
        head = [(next(reordered), score) if n in places else (i, score) for n, (i, score) in enumerate(head)]
        return head + ranked[self.settings.rerank_depth :]

    def in_context(self, passages: tuple[Passage, ...]) -> tuple[Passage, ...]:
        """The passages, each with the chunks around it in its document (one query for all)."""
        around = self.index.around([(p.document.doc_id, p.ordinal) for p in passages], CONTEXT_RADIUS)
        return tuple(replace(p, context=tuple(around[(p.document.doc_id, p.ordinal)])) for p in passages)

    def cited_articles(self, query: str, filters: Filters) -> list[StoredChunk]:
        """The chunks of the statute Articles a question is about ("What does Article 33 of the Refugee
        Convention say?"): cited by number, its other words naming one statute better than the others; in order.

        A question that cites an Article on the way to something else ("… which Article 3 test applies when
        returnees face famine?") asks for case law, not the Article, and gets none.
        """
        found: list[StoredChunk] = []
        for reference in article_references(query):
            candidates = self.index.article_chunks(reference.article, filters)
            if not candidates and not reference.article.isdigit():  # "Article 1A": the texts number it "1"
                candidates = self.index.article_chunks(reference.article.rstrip(ascii_letters), filters)
            # The statute whose title shares most words with the question; of equals, the one whose title says
            # least else ("Protocol No. 4 to the Convention" over a booklet "supplemented by Protocols Nos. 1, 4").
            match, other_words = {}, {}
            for entry, names in candidates:
                title = instrument_words(names)
                shared = len(reference.instrument & title)
                match[entry.doc_id] = (shared, shared / max(len(title), 1))
                other_words[entry.doc_id] = len(reference.instrument - title)
            best = max(match.values(), default=(0, 0.0))
            if best[0] == 0:  # "Article 3" alone: which statute's? Leave it to the ranking.
                continue
            chunks = [entry for entry, _ in candidates if match[entry.doc_id] == best]
            if other_words[chunks[0].doc_id] > _WORDS_BESIDES_THE_ARTICLE:
                continue
            pinpointed = [entry for entry in chunks if entry.chunk.paragraph == reference.paragraph]
            found += pinpointed or chunks
        return found

    def unknown_names(self, query: str, language: str) -> tuple[str, ...]:
        """Names an English question (`language` "en") asks about that the corpus never mentions (other languages
        spell the corpus' names their own way, so the check would mislead there)."""
        if language != "en":
            return ()
        return tuple(name for name in proper_names(query) if not self.index.mentions(name))

    def min_score(self, language: str) -> float:
        """The abstention threshold for a question in `language` ("" when unknown): the setting, else the model's
        calibrated value, lower by the model's margin for a question not in English (it matches English passages
        with lower cosines)."""
        if self.settings.min_score is not None:
            return self.settings.min_score
        profile = self.embedder.profile
        return profile.min_score - (0.0 if language in ("en", "") else profile.other_language_margin)

    def _weight(self, entry: StoredChunk, documents: dict[str, Document]) -> float:
        """How much a passage counts by the part of a judgment it is in (see ranking.section_role)."""
        if documents[entry.doc_id].metadata.kind != "case-law":
            return 1.0
        role = section_role(entry.chunk)
        settings = self.settings
        return {
            "submissions": settings.weight_submissions,
            "background": settings.weight_background,
            "opinion": settings.weight_opinion,
        }.get(role, 1.0)


def summarised_paragraphs(text: str) -> set[str]:
    """The paragraph numbers of its judgment a case note's passage cites ("§§ 146-147" → {"146", "147"})."""
    return {str(number) for part in own_pinpoints(text) for number in paragraph_numbers(part)}


def is_judgment_of(note: Metadata, judgment: Metadata) -> bool:
    """Whether `judgment` is the decision a case `note` is on: the same ECLI where both have one (a Chamber and a
    Grand Chamber judgment share their application numbers), else an application or case number in common."""
    if note.ecli and judgment.ecli:
        return note.ecli == judgment.ecli
    return bool(note.case_identifiers & judgment.case_identifiers)


def _note_keys(document: Document) -> set[str]:
    """The identifiers of the case a casebook note is on; none for any other document."""
    return document.metadata.case_identifiers if document.metadata.kind == "note" else set()

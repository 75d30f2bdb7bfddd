"""A paragraph's authority: what judgments cite, resolved to the paragraph at ingest, counted and shown."""

from __future__ import annotations

import math
import sqlite3

import pytest

from assistant.authority import authority_weight
from assistant.core import Assistant
from assistant.search import Retriever
from assistant.settings import load_settings
from index.records import StoredChunk
from ingest.citations import cited_paragraphs
from ingest.records import Chunk, CitedParagraph


def test_each_chunk_cites_its_paragraphs_with_cited_above_resolved_through_the_whole_judgment():
    texts = [
        "The Court refers to its case-law (see Hirsi Jamaa and Others v. Italy [GC], no. 27765/09, § 180, ECHR 2012).",
        "Under Article 3 § 1 of Protocol No. 4 the State must examine each case.",
        "That holds at sea (see Hirsi Jamaa and Others, cited above, §§ 176-77).",
        "The Court of Justice agrees (judgment of 16 February 2017, C. K. and Others, C-578/16 PPU, EU:C:2017:127, "
        "paragraph 59).",
    ]
    assert cited_paragraphs(texts) == [
        CitedParagraph(0, "27765/09", 180),
        CitedParagraph(2, "27765/09", 176), CitedParagraph(2, "27765/09", 177),
        CitedParagraph(3, "EU:C:2017:127", 59),
    ], "a provision's paragraph (Article 3 § 1) is no citation"


def test_authority_grows_with_citing_documents_not_with_citing_paragraphs():
    def citing(*doc_ids: str) -> list[StoredChunk]:
        return [StoredChunk(n, doc_id, n, Chunk("x")) for n, doc_id in enumerate(doc_ids)]

    assert authority_weight([], 0.2) == 1.0
    assert authority_weight(citing("a", "a", "a"), 0.2) == pytest.approx(1 + 0.2 * math.log(2))
    assert authority_weight(citing("a", "b", "c"), 0.2) == pytest.approx(1 + 0.2 * math.log(4))
    assert authority_weight(citing("a", "b"), 0.0) == 1.0


# Hida v. Denmark (dec., 2004) cites Čonka v. Belgium, no. 51564/99, § 79, on the effective remedy.
CITED = "case-law/conka-v-belgium-2002.txt"
CITING = "case-law/hida-v-denmark-dec-2004.txt"
CONKA_79 = ("the notion of an effective remedy under Article 13 requires that the remedy may prevent the execution of "
            "measures that are contrary to the Convention and whose effects are potentially irreversible")


def conka_79(assistant: Assistant, **settings):
    retriever = Retriever(assistant.index, assistant.embedder, assistant.settings.with_overrides(**settings))
    return next(p for p in retriever.search(CONKA_79, k=5).passages if p.citation.pinpoint == "§ 79")


def test_a_cited_paragraph_ranks_higher_shows_who_cites_it_and_survives_an_old_index(tmp_path, corpus_dir, embedder):
    settings = load_settings(index=tmp_path / "index")
    assistant = Assistant(settings, create=True, embedder=embedder)
    report = assistant.ingest([corpus_dir / CITED, corpus_dir / CITING])
    assert len(report.added) == 2, report
    cited = conka_79(assistant)
    assert cited.cited_by == 1 and len(cited.cited_in) == 1 and "Hida" in cited.cited_in[0].text
    assert cited.as_json()["cited_in"] == [cited.cited_in[0].text]
    plain = conka_79(assistant, authority_weight=0.0)
    assert cited.score == pytest.approx(plain.score * (1 + 0.2 * math.log(2))), "one citing document: × 1 + 0.2 ln 2"
    assistant.close()

    # An index written before citations were recorded has neither table: it is read once, when opened.
    with sqlite3.connect(tmp_path / "index" / "chunks.sqlite") as db:
        db.executescript("DROP TABLE citations; DROP TABLE citations_read;")
    assistant = Assistant(settings, embedder=embedder)
    assert conka_79(assistant).cited_by == 1

    hida = next(listed.document.doc_id for listed in assistant.documents() if "hida" in listed.document.source)
    assistant.remove(hida)
    assert conka_79(assistant).cited_in == (), "the citing document removed, its citation goes with it"
    assistant.close()

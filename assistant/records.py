"""What the assistant returns: passages with their citations, and answers built only from them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from itertools import groupby
from pathlib import PurePath

from index.records import StoredChunk
from ingest.records import Chunk, Document


@dataclass(frozen=True)
class Citation:
    """A reference a lawyer can check: "Hirsi Jamaa and Others v. Italy [GC], no. 27765/09, § 180, 23 February 2012"."""

    text: str
    pinpoint: str  # the part that points inside the document: "§ 180", "Article 27(1)", "p. 4"; "" if none


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk: its text exactly as in the document, where it is, and how well it matched."""

    rank: int  # 1-based
    score: float  # fused ranking score (only comparable within one result list)
    similarity: float  # cosine of the question and the chunk (model-specific scale)
    ordinal: int  # position of the chunk in its document
    document: Document
    chunk: Chunk
    citation: Citation
    # The chunks around it in its document, itself included, in order ("Show in context"); () until asked for.
    context: tuple[StoredChunk, ...] = ()
    # The paragraphs of other documents of the index that cite this one (its authority; judgments only), and
    # how many documents they are in.
    cited_in: tuple[Citation, ...] = ()
    cited_by: int = 0
    # A casebook note's passage: the paragraphs of the judgment it summarises, ranked just above it.
    summarises: tuple[Citation, ...] = ()

    @property
    def text(self) -> str:
        return self.chunk.text

    @property
    def paragraph_label(self) -> str | None:
        """The paragraph as the JSON contract gives it: "180" in a judgment, "Article 27(1)" in a statute."""
        return self.chunk.article_label or self.chunk.paragraph

    def as_json(self) -> dict:
        """The passage in the shape `search --jsonl` and `ask --json` print (a stable contract)."""
        meta = self.document.metadata
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "doc_id": self.document.doc_id,
            "title": meta.title,
            "kind": meta.kind,
            "citation": self.citation.text,
            "source": self.document.metadata.url or PurePath(self.document.source).name,
            "url": meta.url,
            "page": self.chunk.page,
            "paragraph": self.paragraph_label,
            "text": self.chunk.text,
            "heading": self.chunk.heading_path,
            "similarity": round(self.similarity, 4),
            "cited_in": [citation.text for citation in self.cited_in],
            "summarises": [citation.text for citation in self.summarises],
        }


@dataclass(frozen=True)
class SummarySentence:
    """One sentence of a passage, quoted in an answer's summary, with the rank of its passage."""

    text: str
    passage: int
    list_item: bool = False  # an item of a bulleted list in its passage: shown as one, never run into prose


@dataclass(frozen=True)
class Answer:
    """An extractive answer: sentences of the passages, each with its citation marker, or an abstention."""

    question: str
    sentences: tuple[SummarySentence, ...]
    passages: tuple[Passage, ...]
    abstained: bool
    unknown_names: tuple[str, ...] = ()  # why it abstained, when the question names what no document mentions

    @property
    def abstention(self) -> str:
        """The sentence that says there is no answer, and why when it can tell."""
        why = f" (no document in it mentions {', '.join(self.unknown_names)})" if self.unknown_names else ""
        return f"The corpus holds no passage that answers this question{why}."

    @property
    def text(self) -> str:
        if self.abstained:
            closest = " The closest passages are listed below, but they are not an answer." if self.passages else ""
            return self.abstention + closest
        parts = []
        for is_list, sentences in self.summary_blocks():
            quoted = [f"{sentence.text} [{sentence.passage}]" for sentence in sentences]
            parts += [f"- {item}" for item in quoted] if is_list else [" ".join(quoted)]
        return "\n".join(parts)

    def summary_blocks(self) -> list[tuple[bool, list[SummarySentence]]]:
        """The summary as it reads: runs of prose and the lists quoted from a passage, in order; (is a list,
        sentences) each. Plain text makes a list "- " lines, the page a <ul>."""
        return [(is_list, list(group)) for is_list, group in groupby(self.sentences, key=lambda s: s.list_item)]

    def as_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "passages": [passage.as_json() for passage in self.passages],
        }


class Status(str, Enum):
    """What became of a file (or a web address) that was to be added to the corpus."""

    ADDED = "added"
    REPLACED = "replaced"  # a newer version of a document already there (same file, or same web address)
    UNCHANGED = "unchanged"  # already there as it is: nothing to do
    DUPLICATE = "duplicate"  # its content is already there, from another file
    FAILED = "failed"  # it could not be read
    REFUSED = "refused"  # not taken: a type or size the web app does not accept
    NOT_FETCHED = "not fetched"  # a web address that could not be downloaded

    @property
    def ok(self) -> bool:
        return self in (Status.ADDED, Status.REPLACED, Status.UNCHANGED, Status.DUPLICATE)


@dataclass(frozen=True)
class FileOutcome:
    """What became of one file, upload or web address: the one record the CLI, the web app and fetch count and show."""

    name: str  # what the user knows it by: a path, the name of an uploaded file, a web address
    status: Status
    document: Document | None = None  # the document it became, or the one that already holds its content
    chunks: int = 0  # passages stored for it
    reused: int = 0  # of them, those whose vectors the version it replaced had (not embedded again)
    reason: str = ""  # why it failed, was refused or not fetched
    notes: tuple[str, ...] = ()  # things the user may want to know ("HUDOC did not describe the judgment…")

    @property
    def doc_id(self) -> str:
        return self.document.doc_id if self.document else ""

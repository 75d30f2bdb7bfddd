"""Precedent search: a fact pattern in, cases out, ranked by how well their best paragraphs match it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from assistant.records import Passage
from assistant.search import Retriever
from index.records import Filters
from ingest.records import Metadata

CASE_KINDS = ("case-law", "note")
# A case's score adds its best paragraphs with falling weights: one strong paragraph beats many weak ones,
# but a case that matches in several places beats one that matches once.
PARAGRAPH_WEIGHTS = (1.0, 0.5, 0.25)


@dataclass(frozen=True)
class CaseMatch:
    """One case (a judgment, with the project's note on it when there is one) and its best passages."""

    citation: str
    court: str
    date: str
    score: float
    passages: tuple[Passage, ...]


def find_precedents(
    retriever: Retriever, facts: str, filters: Filters = Filters(), cases: int = 10, per_case: int = 3
) -> list[CaseMatch]:
    """The cases whose paragraphs best match `facts`, best first, each with up to `per_case` passages."""
    if not filters.kinds:
        filters = replace(filters, kinds=CASE_KINDS)
    result = retriever.search(facts, retriever.settings.candidates, filters)
    groups: dict[tuple[str, str], list[Passage]] = {}
    for passage in result.passages:
        if not is_about_a_case(passage.document.metadata):
            continue
        groups.setdefault(case_key(passage.document.metadata, passage.document.doc_id), []).append(passage)
    matches = []
    for passages in groups.values():
        best = tuple(passages[:per_case])
        judgment = next((p for p in passages if p.document.metadata.kind == "case-law"), passages[0])
        meta = judgment.document.metadata
        matches.append(
            CaseMatch(
                citation=meta.citation or meta.title,
                court=meta.court,
                date=meta.date,
                score=sum(w * p.score for w, p in zip(PARAGRAPH_WEIGHTS, best)),
                passages=best,
            )
        )
    matches = sorted(matches, key=lambda match: match.score, reverse=True)[:cases]
    shown = iter(retriever.in_context(tuple(p for match in matches for p in match.passages)))
    return [replace(match, passages=tuple(next(shown) for _ in match.passages)) for match in matches]


def is_about_a_case(meta: Metadata) -> bool:
    """A judgment, or a casebook note on one (statute notes and background notes name no case number)."""
    return meta.kind == "case-law" or bool(meta.application_numbers or meta.case_numbers)


def case_key(meta: Metadata, doc_id: str) -> tuple[str, str]:
    """What identifies a case: its first application or case number and its date (the Chamber and Grand
    Chamber judgments of one application are different decisions), else the document itself."""
    number = (meta.application_numbers or meta.case_numbers or (doc_id,))[0]
    return number, meta.date

"""Telling a document's own numbering (paragraphs 1, 2, 3 ...; Articles; recitals) from numbers that
merely look like it: quoted provisions, list items, sub-headings, cross-references on a wrapped line."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

# What a skipped number costs a run of numbering. Below 1, so one missing paragraph (lost in
# conversion) does not break the run; above 0, so a run without gaps beats one with them.
_GAP_COST = 0.5


@dataclass(frozen=True)
class Candidate:
    """A line that may open a numbered unit."""

    position: int  # where it sits (line index): the run must follow reading order
    number: int
    suffix: int = 0  # "Article 5a" follows "Article 5": number 5, suffix 1
    # Doubt about this line, from 0 (a plain paragraph) to below 1: a short line without a full
    # stop may be a sub-heading ("2. The applicants"), a line ending with ";" a list item.
    doubt: float = 0.0


def numbering_run(candidates: Sequence[Candidate], max_gap: int) -> list[int]:
    """Indices of the candidates that form the document's numbering.

    The best run increases in reading order by 1 (at most `max_gap` numbers skipped, each at a cost),
    starting from 1; each member adds 1 minus its doubt. Between equally good members for the same
    number, the later one wins: a quotation with a list item "9." sits inside paragraph 8, before
    the real paragraph 9.
    """
    order = sorted(range(len(candidates)), key=lambda i: candidates[i].position)
    by_number: dict[int, list[int]] = defaultdict(list)
    score: dict[int, float] = {}
    previous: dict[int, int | None] = {}
    for j in order:
        cand = candidates[j]
        best = 1 - cand.doubt - _GAP_COST * max(cand.number - 1, 0)
        best_previous = None
        for number in range(cand.number - max_gap - 1, cand.number + 1):
            for i in by_number.get(number, ()):
                before = candidates[i]
                if (before.number, before.suffix) >= (cand.number, cand.suffix):
                    continue
                gap = max(cand.number - before.number - 1, 0)
                value = score[i] + 1 - cand.doubt - _GAP_COST * gap
                if value >= best:
                    best, best_previous = value, i
        score[j], previous[j] = best, best_previous
        by_number[cand.number].append(j)
    if not score:
        return []
    end: int | None = max(order, key=lambda j: (score[j], candidates[j].position))
    run = []
    while end is not None:
        run.append(end)
        end = previous[end]
    return run[::-1]

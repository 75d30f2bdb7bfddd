"""The pure parts of retrieval, without a model: fusion, document evidence, near-duplicates, section roles."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.ranking import (
    drop_near_duplicates,
    reciprocal_rank_fusion,
    section_role,
    with_document_evidence,
)
from ingest.records import Chunk


def test_reciprocal_rank_fusion_adds_weighted_inverse_ranks():
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1]], [1.0, 0.5], k=10)
    assert fused[1] == pytest.approx(1 / 11 + 0.5 / 12)
    assert fused[2] == pytest.approx(1 / 12), "an item one ranking misses gets only the other's share"
    assert fused[3] == pytest.approx(1 / 13 + 0.5 / 11)
    assert max(fused, key=fused.get) == 1, "first in one list and second in the other beats the rest"
    assert reciprocal_rank_fusion([[], []], [1.0, 1.0], k=60) == {}


def test_document_evidence_lifts_a_document_that_matches_in_several_places():
    scores = {1: 0.50, 2: 0.45, 3: 0.44, 4: 0.52}
    document_of = {1: "hirsi", 2: "hirsi", 3: "hirsi", 4: "lone"}
    assert with_document_evidence(scores, document_of, 0.0) == scores, "weight 0 changes nothing"
    lifted = with_document_evidence(scores, document_of, 1.0)
    assert lifted[1] > lifted[4], "three matching paragraphs of one judgment outweigh one paragraph elsewhere"
    assert lifted[1] - scores[1] == pytest.approx((0.50 + 0.45 + 0.44) / 3)
    assert lifted[4] - scores[4] == pytest.approx(0.52 / 3), "the mean is over `top` places, missing ones count 0"


def test_near_duplicates_are_dropped_and_the_limit_kept():
    article = "No one shall be subjected to torture or to inhuman or degrading treatment or punishment."
    items = [article, article.replace("punishment.", "punishment"), "Collective expulsion of aliens is prohibited.",
             "Everyone has the right to liberty and security of person.", "Another text about something else."]
    kept = drop_near_duplicates(items, lambda text: text, limit=3)
    assert kept == [items[0], items[2], items[3]], "the same Article from the .txt and the PDF is shown once"
    assert drop_near_duplicates(items, lambda text: text, limit=1) == [items[0]]


@pytest.mark.parametrize(
    "heading, role",
    [
        (("THE LAW", "ALLEGED VIOLATION OF ARTICLE 3", "B. The Court's assessment"), "reasoning"),
        (("THE LAW", "ALLEGED VIOLATION OF ARTICLE 3", "A. The parties' submissions", "1. The applicants"),
         "submissions"),
        (("THE FACTS", "I. THE CIRCUMSTANCES OF THE CASE"), "background"),
        (("RELEVANT LEGAL FRAMEWORK AND PRACTICE",), "background"),
        (("Consideration of the questions referred",), "reasoning"),
        (("Introduction",), "other"),
        ((), "other"),
    ],
)
def test_section_role_is_read_from_the_innermost_heading(heading, role):
    assert section_role(Chunk("Some paragraph.", heading=heading, paragraph="12")) == role


def test_opinions_and_the_operative_part_have_their_own_roles():
    assert section_role(Chunk("I dissent.", paragraph="3", opinion="Dissenting opinion of Judge X")) == "opinion"
    assert section_role(Chunk("Holds that...", heading=("THE FACTS",), paragraph="operative part, point 2")) == (
        "reasoning"
    ), "what the Court rules is its holding, whatever heading the extraction left above it"


def test_a_case_note_belongs_to_its_own_judgment_not_to_the_others_of_its_application():
    from assistant.search import is_judgment_of
    from ingest.records import Metadata

    def decision(kind: str, ecli: str = "") -> Metadata:
        return Metadata(kind=kind, title="Khlaifia and Others v. Italy", application_numbers=("16483/12",), ecli=ecli)

    chamber, grand_chamber = "ECLI:CE:ECHR:2015:0901JUD001648312", "ECLI:CE:ECHR:2016:1215JUD001648312"
    note = decision("note", grand_chamber)
    assert is_judgment_of(note, decision("case-law", grand_chamber))
    assert not is_judgment_of(note, decision("case-law", chamber)), "the Chamber's § 180 is not the Grand Chamber's"
    assert is_judgment_of(note, decision("case-law")), "without an ECLI, the application number decides"
    assert not is_judgment_of(note, replace(decision("case-law"), application_numbers=("27765/09",)))

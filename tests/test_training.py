"""The citation pairs the re-ranker learns from: citations found and resolved, and the held-out rule kept."""

from __future__ import annotations

import gzip
import json

from assistant.training.pairs import build_pairs, held_out_keys
from ingest.citations import cjeu_citations, ecthr_citations, paragraph_numbers, short_names


def test_ecthr_citations_are_resolved_by_number_or_by_an_earlier_full_citation():
    text = ("The Court has held so before (see Hirsi Jamaa and Others v. Italy [GC], no. 27765/09, § 180, ECHR "
            "2012). The prohibition of refoulement is absolute (see Hirsi Jamaa and Others, cited above, §§ 176-78; "
            "and Saadi v. Italy [GC], no. 37201/06, § 127, ECHR 2008). The applicant lodged a complaint (see "
            "paragraph 12 above, and Rule 39 § 1).")
    citations = ecthr_citations(text, short_names(text))
    assert [(c.key, c.paragraphs) for c in citations] == [
        ("27765/09", (180,)), ("27765/09", (176, 177, 178)), ("37201/06", (127,)),
    ], "a Rule's '§ 1' and the judgment's own paragraphs are no citation of another case"
    assert citations[1].proposition == "The prohibition of refoulement is absolute.", "the citation taken out"


def test_cjeu_citations_are_keyed_by_ecli():
    (citation,) = cjeu_citations("Member States must respect those rights (judgment of 16 February 2017, C. K. and "
                                 "Others, C-578/16 PPU, EU:C:2017:127, paragraph 59 and the case-law cited).")
    assert (citation.key, citation.paragraphs) == ("EU:C:2017:127", (59,))


def test_paragraph_ranges_read_as_the_court_writes_them():
    assert paragraph_numbers("176-80") == (176, 177, 178, 179, 180)
    assert paragraph_numbers("21, 25 and 30") == (21, 25, 30)
    assert paragraph_numbers("100-130") == (), "a whole section is no pinpoint"


def test_no_pair_targets_a_document_of_the_shared_corpus(tmp_path, corpus_dir):
    held_out = held_out_keys(corpus_dir)
    assert {"27765/09", "47287/17"} <= held_out, "Hirsi Jamaa and A.T. v. Italy are in the shared corpus"
    assert any(key.startswith("EU:C:") for key in held_out) and any(key.startswith("C-") for key in held_out)

    def judgment(item: str, application: str, paragraphs: list[str]) -> dict:
        text = "\n\n".join(f"{n}. {paragraph}" for n, paragraph in enumerate(paragraphs, 1))
        return {"id": item, "kind": "case-law", "court": "European Court of Human Rights", "title": item,
                "citation": f"{item}, no. {application}", "date": "2020-01-01", "language": "en",
                "source": "", "text": text}

    citing = judgment("001-1", "11111/11", [
        "The Court reiterates that States must examine an asylum claim before a removal (see Hirsi Jamaa and "
        "Others v. Italy [GC], no. 27765/09, § 180, ECHR 2012).",
        "A collective expulsion requires a reasonable and objective examination of each case (see Other v. State, "
        "no. 22222/22, § 2, 1 January 2019).",
    ])
    cited = judgment("001-2", "22222/22", ["The facts of the case.", "The Court's holding on the examination of each "
                                           "individual case before an expulsion."])
    hirsi = judgment("001-3", "27765/09", ["Facts.", "Holding on pushbacks at sea."])
    folder = tmp_path / "corpus-large"
    folder.mkdir()
    with gzip.open(folder / "ecthr.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(record) + "\n" for record in (citing, cited, hirsi))
    with gzip.open(folder / "cjeu.jsonl.gz", "wt", encoding="utf-8"):
        pass
    pairs, counts = build_pairs(folder, corpus_dir)
    assert [(pair.cited, pair.positives) for pair in pairs] == [("001-2", ("2. The Court's holding on the "
                                                                            "examination of each individual case "
                                                                            "before an expulsion.",))]
    assert counts["held out: cites a document of shared/corpus"] == 1, "the citation of Hirsi Jamaa was dropped"
    assert pairs[0].negatives and all("holding on the examination" not in n for n in pairs[0].negatives)

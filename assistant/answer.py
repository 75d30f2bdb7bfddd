"""answer(): the passages for a question and an extractive summary made only of their own sentences."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.records import Answer, Passage, SummarySentence
from assistant.search import Retriever
from index.records import Filters
from ingest.sentences import Sentence, find_sentences

# Sentences are taken from the best few passages only: lower ones rarely hold a better sentence,
# and every sentence costs an embedding at question time (most of an answer's latency).
SUMMARY_PASSAGES = 3
MAX_SENTENCES = 24
# Short sentences of judgments and notes are fragments that say nothing alone ("See § 12.", "That is so.");
# a statute's short sentences are whole rules ("Academic freedom shall be respected.").
MIN_SENTENCE_WORDS = 6
MIN_STATUTE_SENTENCE_WORDS = 3
# A sentence is quoted with the one before it when it points back to it ("She added that…"); one that needs two or
# more before it would fill a short summary with its preamble, and is left out.
LONGEST_RUN = 2

# Openings that point back to the sentence before: a pronoun with no one named ("She added that…"), a connective
# ("However, …", "It follows that…"), a reference to what was just said ("The same digest…", "In her words…").
# "This Regulation", "These Articles" name the instrument itself, and stand alone.
_INSTRUMENT = (r"(?:Regulation|Directive|Convention|Protocol|Charter|Treaty|Articles?|Chapter|Section|Title|Part"
               r"|Decision|Agreement|Annex)\b")
_POINTS_BACK = re.compile(
    r"^[“\"‘']?(?:"
    r"(?:She|He|It|They|Its|Their|His|Her|Such|Both|However|Moreover|Furthermore|Also|Accordingly|Consequently"
    r"|Therefore|Thus|Hence|Nevertheless|Nonetheless|Likewise|Similarly|Conversely|Instead|Otherwise|Indeed|Further"
    r"|Besides|Thereby|Thereafter|Yet|But|And|Nor|So|Then|Here)\b"
    r"|(?:(?:In|On|For|By|At)\s+)?(?:this|these|that|those|This|These|That|Those)\b(?!\s+" + _INSTRUMENT + ")"
    r"|(?:In|On|For|To|As|At)\s+(?:addition|contrast|particular|such|his|her|their|the other hand"
    r"|the contrary|the same|that end|a result)\b"
    r"|The\s+(?:same|latter|former|above|foregoing)\b"
    r"|The\s+\w+\s+of\s+(?:this|these|that|those)\b(?!\s+" + _INSTRUMENT + ")"  # "The consequence of that…"
    r"|(?:In|For)\s+(?:both|either|each|neither|such)\s+(?:cases?|instances?|situations?)\b"
    # A conclusion drawn from the sentence before, a few words in: "Article 4 would thus be ineffective…".
    r"|[^,.;:()]{0,40}?\b(?:thus|therefore|hence|accordingly|consequently)\b"
    # "In N.D. and N.T. it observed that…": a court named only in the sentence before.
    r"|(?:In|Under)\s[^,;:]{1,60}?\s(?:it|he|she|they)\s(?:noted|observed|held|found|added|said|stated|considered"
    r"|concluded|reiterated|recalled|explained|described|relied|accepted|rejected)\b"
    r")"
)
# A court's conclusion stands alone, however it opens: it sums up the reasoning, not the sentence before
# ("Consequently, the answer to the question referred is that…", "It follows from the foregoing that…").
_SUMS_UP = re.compile(
    r"^[^.;:]{0,40}\b(?:the answer to the (?:\w+ )*?questions? referred|from (?:all )?(?:of )?the foregoing)\b"
)

# Sentences about the document rather than the law: the casebook notes' openings and provenance remarks
# ("This note summarises…", "Quotations are from the text shipped with the project…", "Each paragraph names its
# source."). A sentence that merely mentions the shipped text on the way to the law ("Article 18, in the 2000 text
# shipped with the project, reads: …") is not one of them.
_ABOUT_THE_DOCUMENT = re.compile(
    r"^(?:This|The present) (?:background |casebook |statute |case )?note\b"
    r"|^Quotations are\b"
    r"|^Case-law is taken only from\b"
    r"|^Each paragraph names its source\b"
    r"|^(?:The text|No judgment|The judgments) shipped with the project\b"
    r"|\bhas its own note\b"
    r"|\bnot legal advice\b"
    r"|\b(?:is|are) not (?:among the texts )?shipped(?: with the project)?\W*$"
)


def answer(question: str, retriever: Retriever, k: int | None = None, filters: Filters = Filters()) -> Answer:
    """Answer `question` from the corpus, or abstain when nothing in it is close enough.

    The summary is made of sentences of the retrieved passages, each marked with its passage's rank;
    it never contains a sentence that is not in a document.
    """
    result = retriever.search(question, k, filters)
    passages = retriever.in_context(result.passages)
    if result.abstained:
        return Answer(question, (), passages, abstained=True, unknown_names=result.unknown_names)
    sentences = summarise(passages, result.article_ranks, result.query_vector, result.min_score, retriever,
                          retriever.settings.summary_sentences)
    return Answer(question, tuple(sentences), passages, abstained=False)


@dataclass(frozen=True)
class Quotable:
    """A sentence a summary may quote, after the sentences of its passage it needs to be understood."""

    passage: int  # the rank of its passage
    run: tuple[Sentence, ...]  # the sentences it depends on, in the passage's order, then the sentence itself

    @property
    def sentence(self) -> Sentence:
        return self.run[-1]


def summarise(
    passages: tuple[Passage, ...], article_ranks: frozenset[int], query_vector: np.ndarray, min_score: float,
    retriever: Retriever, count: int,
) -> list[SummarySentence]:
    """The `count` sentences of the top passages most similar to the question, best first; the text of an
    Article the question cites (the passages ranked `article_ranks`) comes before what others say of it (see
    choose_sentences)."""
    top = passages[:SUMMARY_PASSAGES]
    quotables = [
        Quotable(passage.rank, run)
        for passage in top
        for run in quotable_runs(passage.text, passage.document.metadata.kind)
    ][:MAX_SENTENCES]
    if not quotables:
        return _fallback(top)
    scores = retriever.embedder.embed_sentences([q.sentence.text for q in quotables]) @ query_vector
    return choose_sentences(quotables, scores.tolist(), article_ranks, min_score, count)


def choose_sentences(
    quotables: Sequence[Quotable], scores: Sequence[float], first: frozenset[int], min_score: float, count: int
) -> list[SummarySentence]:
    """At most `count` sentences: those of the passages ranked in `first` (an Article the question cites) in the
    Article's order, then the others best first; each quoted after the sentences it depends on.

    The best sentence always goes in (its passage passed the abstention bar); the others must score `min_score`
    too, except the cited Article's own, which is what the question asks for.
    """
    # An Article is read in its own order: its paragraph 2 ("The benefit of the present provision may not, however,
    # be claimed…") qualifies paragraph 1.
    order = sorted(
        range(len(quotables)),
        key=lambda i: (0, quotables[i].passage, quotables[i].sentence.start, 0.0) if quotables[i].passage in first
        else (1, 0, 0, -scores[i]),
    )
    chosen: list[tuple[int, Sentence]] = []
    for i in order:
        quotable = quotables[i]
        if chosen and scores[i] < min_score and quotable.passage not in first:
            break
        new = [sentence for sentence in quotable.run if (quotable.passage, sentence) not in chosen]
        if not new or len(chosen) + len(new) > count:
            continue
        # Judgments quote statutes and each other: the same sentence found twice is said once.
        if any(_words(sentence.text) == _words(other.text) for sentence in new for _, other in chosen):
            continue
        at = _after_its_antecedent(chosen, quotable)
        chosen[at:at] = [(quotable.passage, sentence) for sentence in new]
    return [SummarySentence(sentence.text, rank, sentence.list_item) for rank, sentence in chosen]


def _after_its_antecedent(chosen: list[tuple[int, Sentence]], quotable: Quotable) -> int:
    """Where a run goes in the summary: after the last of its sentences already there and the sentences of its
    passage that follow that one and come before it in the passage (items of one list keep their order); else at
    the end."""
    there = [n for n, entry in enumerate(chosen) if entry in [(quotable.passage, s) for s in quotable.run]]
    if not there:
        return len(chosen)
    at = there[-1] + 1
    while at < len(chosen) and chosen[at][0] == quotable.passage and chosen[at][1].start < quotable.sentence.start:
        at += 1
    return at


def quotable_runs(text: str, kind: str) -> list[tuple[Sentence, ...]]:
    """For each sentence of a passage that a summary may quote, the run of sentences to quote for it: those it
    depends on, then itself (see antecedent). Left out: sentences about the document rather than the law, short
    ones (except in a statute), and those depending on a sentence before the passage or about the document."""
    sentences = find_sentences(text)
    least = MIN_STATUTE_SENTENCE_WORDS if kind == "statute" else MIN_SENTENCE_WORDS
    runs = []
    for i, sentence in enumerate(sentences):
        if len(sentence.text.split()) < least or is_about_the_document(sentence.text):
            continue
        run = _run(sentences, i)
        if run is not None:
            runs.append(run)
    return runs


def _run(sentences: Sequence[Sentence], i: int) -> tuple[Sentence, ...] | None:
    """Sentence i after the chain of sentences it depends on; None when that chain leaves the passage, goes
    through a sentence about the document, or is longer than LONGEST_RUN."""
    run = [sentences[i]]
    j = antecedent(sentences, i)
    while j is not None:
        if j < 0 or is_about_the_document(sentences[j].text) or len(run) == LONGEST_RUN:
            return None
        run.insert(0, sentences[j])
        j = antecedent(sentences, j)
    return tuple(run)


def antecedent(sentences: Sequence[Sentence], i: int) -> int | None:
    """The index of the sentence that sentence i cannot be understood without, -1 if it lies before the text, or
    None if it stands alone: the sentence before, for one that points back to it ("She added…", "However, …");
    for a list item, the sentence introducing the list ("… are the following:")."""
    sentence = sentences[i]
    if points_back(sentence.text):
        return i - 1
    if sentence.list_item:
        lead = next((j for j in range(i - 1, -1, -1) if not sentences[j].list_item), None)
        if lead is not None and sentences[lead].text.endswith(":"):
            return lead
    return None


def points_back(sentence: str) -> bool:
    """Whether a sentence opens by pointing back to the one before ("She added…", "However, …", "This means…")."""
    return bool(_POINTS_BACK.match(sentence)) and not _SUMS_UP.match(sentence)


def is_about_the_document(sentence: str) -> bool:
    """Whether a sentence speaks of the document itself, not the law ("This note summarises…", "Each paragraph
    names its source.")."""
    return bool(_ABOUT_THE_DOCUMENT.search(sentence))


def _fallback(passages: Sequence[Passage]) -> list[SummarySentence]:
    """When no sentence qualifies: the first sentence of the top passages that is not about the document."""
    for passage in passages:
        for sentence in find_sentences(passage.text):
            if not is_about_the_document(sentence.text):
                return [SummarySentence(sentence.text, passage.rank, sentence.list_item)]
    return []


def _words(sentence: str) -> list[str]:
    return re.findall(r"\w+", sentence.lower())

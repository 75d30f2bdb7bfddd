"""answer(): the passages for a question and an extractive summary made only of their own sentences."""

from __future__ import annotations

import re

import numpy as np

from assistant.records import Answer, Passage, SummarySentence
from assistant.search import Retriever
from index.records import Filters
from ingest.sentences import split_sentences

# Sentences are taken from the best few passages only: lower ones rarely hold a better sentence,
# and every sentence costs an embedding at question time (most of an answer's latency).
SUMMARY_PASSAGES = 3
MAX_SENTENCES = 24
MIN_SENTENCE_WORDS = 6


def answer(question: str, retriever: Retriever, k: int | None = None, filters: Filters = Filters()) -> Answer:
    """Answer `question` from the corpus, or abstain when nothing in it is close enough.

    The summary is made of sentences of the retrieved passages, each marked with its passage's rank;
    it never contains a sentence that is not in a document.
    """
    result = retriever.search(question, k, filters)
    passages = retriever.in_context(result.passages)
    if result.abstained:
        return Answer(question, (), passages, abstained=True, unknown_names=result.unknown_names)
    sentences = summarise(passages, result.query_vector, result.min_score, retriever,
                          retriever.settings.summary_sentences)
    return Answer(question, tuple(sentences), passages, abstained=False)


def summarise(
    passages: tuple[Passage, ...], query_vector: np.ndarray, min_score: float, retriever: Retriever, count: int
) -> list[SummarySentence]:
    """The `count` sentences of the top passages most similar to the question, best first."""
    candidates = [
        (passage.rank, sentence)
        for passage in passages[:SUMMARY_PASSAGES]
        for sentence in split_sentences(passage.text)
        if len(sentence.split()) >= MIN_SENTENCE_WORDS
    ][:MAX_SENTENCES]
    if not candidates:
        return [SummarySentence(passages[0].text, passages[0].rank)] if passages else []
    scores = retriever.embedder.embed_sentences([sentence for _, sentence in candidates]) @ query_vector
    order = np.argsort(-scores)
    chosen: list[SummarySentence] = []
    for i in order:
        rank, sentence = candidates[i]
        # The best sentence always goes in (its passage passed the abstention bar); the others must be close too.
        if chosen and scores[i] < min_score:
            break
        # Judgments quote statutes and each other: the same sentence found twice is said once.
        if all(_words(sentence) != _words(other.text) for other in chosen):
            chosen.append(SummarySentence(sentence, rank))
        if len(chosen) == count:
            break
    return chosen


def _words(sentence: str) -> list[str]:
    return re.findall(r"\w+", sentence.lower())

"""Which sentences of a passage to highlight: those an answer quotes, else the one closest in words to the query."""

from __future__ import annotations

import re

from assistant.records import Answer
from ingest.sentences import split_sentences

_STOPWORDS = frozenset(
    """the and for with from that this which what when where who whom how whether are was were been being has
    have had its not can may does did their there than then them they into onto upon any all such""".split()
)


def key_words(text: str) -> set[str]:
    """The words that carry meaning, cut to five letters so that "expulsion", "expulsions" and "expulsed",
    or "examine" and "examined", meet without a stemmer."""
    return {word[:5] for word in re.findall(r"\w+", text.lower()) if len(word) > 2 and word not in _STOPWORDS}


def closest_sentence(text: str, query: str) -> str | None:
    """The sentence of `text` sharing the most key words with `query` (the first on a tie); None if none does."""
    wanted = key_words(query)
    best, best_shared = None, 0
    for sentence in split_sentences(text):
        shared = len(key_words(sentence) & wanted)
        if shared > best_shared:
            best, best_shared = sentence, shared
    return best


def answer_highlights(answer: Answer) -> dict[int, tuple[str, ...]]:
    """For each passage (by rank) the sentences to highlight: its sentences quoted in the summary, else its
    sentence closest to the question."""
    quoted: dict[int, list[str]] = {}
    for sentence in answer.sentences:
        quoted.setdefault(sentence.passage, []).append(sentence.text)
    highlights = {}
    for passage in answer.passages:
        if passage.rank in quoted:
            highlights[passage.rank] = tuple(quoted[passage.rank])
        else:
            closest = closest_sentence(passage.text, answer.question)
            highlights[passage.rank] = (closest,) if closest else ()
    return highlights

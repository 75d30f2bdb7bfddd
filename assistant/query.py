"""Reading a question: the terms of its lexical search (content words, legal references kept together as
phrases), the names it mentions, and the statute Articles it cites."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.metadata import APPLICATION_NUMBER, ECLI

# Words that carry no meaning for retrieval in the questions users ask (English: the corpus' main language).
STOPWORDS = set(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each either few for from further had has have
    having he her here hers him his how i if in into is it its itself just may me might more most must my no
    nor not now of off on once only or other our out over own same shall she should so some such than that the
    their them then there these they this those through to too under until up upon very was we were what when
    where whether which while who whom why will with would you your yes ever even still really""".split()
)

# "P4-4" is how HUDOC writes Article 4 of Protocol No. 4.
_PROTOCOL_SHORT = re.compile(r"\bP(\d+)-(\d+)\b")
# "33", "27(1)", "5 § 4" after "Article": the Article and, when given, its paragraph.
_NUMBER_AND_PARAGRAPH = r"(\d+[a-z]?)(?:\s*(?:§|\()\s*(\d+)\)?)?"
_ARTICLE = re.compile(r"\bArt(?:icle|\.)?\s+" + _NUMBER_AND_PARAGRAPH, re.I)
_REFERENCES = (  # searched as phrases: "Articles 3", "Art. 4 of Protocol No. 4", "27765/09", "C-646/16", ECLI
    re.compile(r"\bArt(?:icle|\.)?s?\s+" + _NUMBER_AND_PARAGRAPH + r"(?:\s+of\s+Protocol\s+No\.?\s*\d+)?", re.I),
    APPLICATION_NUMBER,
    re.compile(r"\b[CT]\s*[-‑–]\s*\d{1,4}/\d{2}\b"),  # CJEU case numbers, spaced as users type them
    ECLI,
)


def _spell_out_protocols(question: str) -> str:
    return _PROTOCOL_SHORT.sub(lambda m: f"Article {m[2]} of Protocol No. {m[1]}", question)


def lexical_terms(question: str) -> tuple[str, ...]:
    """The words and phrases a lexical search looks for, lower case: "article 4 of protocol no 4", "27765 09",
    "expulsion"...; any of them may match (BM25 ranks the passages that match more, and rarer, terms first)."""
    question = _spell_out_protocols(question)
    phrases = []
    for pattern in _REFERENCES:
        for match in pattern.finditer(question):
            words = re.findall(r"\w+", match.group(0).lower())
            words = ["article" if w in ("art", "articles", "arts") else w for w in words]
            phrases.append(" ".join(words))
    terms = [w for w in re.findall(r"\w+", question.lower()) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return tuple(dict.fromkeys(phrases + terms))


# Capitalised words that are names of nothing in particular: legal vocabulary and sentence openers.
_COMMON_CAPITALISED = set(
    """Article Articles Art Court Convention Protocol Regulation Directive Charter Member State States Union
    European EU ECHR CJEU Grand Chamber Government Strasbourg Luxembourg Can Does Did Is Are Was Were What When
    Where Which Who Whom Why How May Must Should Would Could If In On At For Under After Before My Our The A An
    I Mr Ms Mrs Dublin Geneva Refugee Refugees UN UNHCR Council Commission Parliament""".split()
)


def proper_names(question: str) -> list[str]:
    """Capitalised words inside sentences (not at their start) that are not legal vocabulary: names of
    countries, cities, people, laws. A corpus that never mentions one cannot answer a question about it."""
    names = []
    for sentence in re.split(r"(?<=[.?!])\s+", question):
        words = re.findall(r"[A-Za-zÀ-ÿ][\w'’-]*", sentence)
        for word in words[1:]:
            base = re.sub(r"['’]s$", "", word)
            if base[:1].isupper() and len(base) >= 3 and base not in _COMMON_CAPITALISED and base not in names:
                names.append(base)
    return names


@dataclass(frozen=True)
class ArticleReference:
    """"Article 33 of the Refugee Convention": an Article, maybe its paragraph, and the words naming the text."""

    article: str
    paragraph: str | None
    instrument: frozenset[str]  # the question's other words, normalised; matched against statute titles


# Names lawyers use for instruments whose titles say it differently.
_ALIASES = {
    "echr": "human rights fundamental freedoms",
    "refugee": "status refugees",
    "geneva": "status refugees",
    "charter": "charter fundamental rights",
    "cfr": "charter fundamental rights",
}
_PROTOCOL_NUMBER = re.compile(r"\bprotocol\s+(?:no\.?\s*)?(\d+)", re.I)


def instrument_words(text: str) -> frozenset[str]:
    """Words of a title or question, lower case, plural "s" dropped, aliases expanded, stopwords out.

    "Protocol No. 4" is one word, "protocol4"; other short numbers (days of a date, "Protocols Nos. 11 and 14")
    say nothing about which instrument is meant and are dropped.
    """
    words = re.findall(r"\w+", _PROTOCOL_NUMBER.sub(r"protocol\1", text).lower())
    expanded = " ".join(_ALIASES.get(word, word) for word in words).split()
    return frozenset(
        w[:-1] if w.endswith("s") and len(w) > 3 else w
        for w in expanded
        if w not in STOPWORDS and not (w.isdigit() and len(w) <= 2)
    )


def article_references(question: str) -> list[ArticleReference]:
    """The statute Articles a question cites by number ("Article 33", "Art. 27(1)", "P4-4")."""
    question = _spell_out_protocols(question)
    rest = instrument_words(_ARTICLE.sub(" ", question)) - {"article", "art"}
    return [ArticleReference(m[1], m[2], rest) for m in _ARTICLE.finditer(question)]

"""Fuzzing the parsers that take what users type and what files hold: whatever comes in, they return a value or
refuse with our own error, never crash. Bounded: a few hundred examples each, a few seconds in all."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import BadSetting
from assistant.forms import checked_query, filters_from_values
from assistant.query import article_references, instrument_words, lexical_terms, proper_names
from ingest.errors import UnreadableDocument
from ingest.html import parse_html
from ingest.reader import read_document
from ingest.records import SourceFile
from ingest.text import FrontMatterRefused, markdown_inline, split_front_matter

BOUNDED = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Legal text's own characters, so that the fuzzer reaches the patterns and not only their failures.
LEGAL = st.text(alphabet=st.sampled_from(list("Article 33(1) § P4-4 no. 27765/09 C-646/16 ECLI:EU:C:2017:127 "
                                               "Протокол «»\"'*_#[]()-\n\t")), max_size=200)
ANY_TEXT = st.one_of(st.text(max_size=300), LEGAL)


@BOUNDED
@given(ANY_TEXT)
def test_questions_are_read_whatever_they_hold(question):
    terms = lexical_terms(question)
    assert all(term and term == term.lower() for term in terms)
    for reference in article_references(question):
        assert reference.article
    instrument_words(question)
    proper_names(question)
    try:
        assert checked_query(question) == checked_query(question).strip()
    except BadSetting:
        pass


FORM_VALUE = st.one_of(st.none(), st.text(max_size=50), st.integers(), st.lists(st.text(max_size=10), max_size=3))


@BOUNDED
@given(st.fixed_dictionaries({}, optional={name: FORM_VALUE for name in
                                           ("kinds", "court", "language", "date_from", "date_to", "doc_ids")}))
def test_filters_are_checked_whatever_a_form_sends(values):
    try:
        filters = filters_from_values(values)
    except BadSetting:
        return
    assert not filters.date_from or not filters.date_to or filters.date_from <= filters.date_to


@BOUNDED
@given(st.binary(max_size=2000), st.sampled_from(["txt", "md", "html"]))
def test_text_and_html_readers_read_or_refuse_any_bytes(data, fmt):
    try:
        parsed = read_document(SourceFile(Path(f"fuzz.{fmt}"), data, fmt))
    except UnreadableDocument:
        return
    assert all(isinstance(block.text, str) for block in parsed.blocks)


@BOUNDED
@given(ANY_TEXT)
def test_markdown_and_front_matter_never_crash(text):
    markdown_inline(text)
    try:
        split_front_matter(["---", *text.splitlines(), "---", "body"])
    except FrontMatterRefused:
        pass
    try:
        parse_html(text.encode("utf-8"), "fuzz.html")
    except UnreadableDocument:
        pass

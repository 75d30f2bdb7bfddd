"""What a user types into the web app's forms, its API or the command line, checked and turned into the core's
values: search filters (declared once, by index.records.Filters) and the description of uploaded files."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import Field, fields

from assistant.errors import BadSetting
from index.records import Filters
from ingest.metadata import find_date
from ingest.records import KINDS

# What a source link may point to: a web address, never javascript:, file: or a local path.
WEB_ADDRESS = re.compile(r"https?://[^\s/]+")
_YEAR = re.compile(r"\d{4}")
_MONTH = re.compile(r"\d{4}-\d{2}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LONGEST_TEXT = 200  # characters of a court's name or a language code a filter takes

MOST_PASSAGES = 200  # a lawyer reads ten; more is a mistake, or an attempt to make the server work
LONGEST_QUERY = 5_000  # characters: a long fact pattern is a few hundred words


def checked_query(query: object) -> str:
    """A query as text the model can read: non-empty, bounded, without the lone surrogates that undecodable
    bytes on a command line become (they are replaced, as a browser replaces bytes it cannot decode)."""
    if not isinstance(query, str):
        raise BadSetting(f"the question must be text, not {type(query).__name__}")
    query = query.encode("utf-8", "surrogateescape").decode("utf-8", "replace").strip()
    if not query:
        raise BadSetting("the question is empty")
    if len(query) > LONGEST_QUERY:
        raise BadSetting(f"the question has {len(query):,} characters; at most {LONGEST_QUERY:,} are read")
    return query


FILTER_FIELDS: tuple[Field, ...] = fields(Filters)
# The filters a page or the API offers: all but the choice of documents by id (a command-line option).
PAGE_FILTERS = tuple(spec for spec in FILTER_FIELDS if spec.metadata["form"] != "ids")


def filters_from_values(values: Mapping[str, object]) -> Filters:
    """The filters that values by field name describe (a form, an API call, command-line options); missing or
    empty ones restrict nothing. BadSetting names the field that is wrong."""
    parsed = {spec.name: _READERS[spec.metadata["form"]](values.get(spec.name), spec) for spec in FILTER_FIELDS}
    filters = Filters(**parsed)
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise BadSetting(f"the date range is empty: {values.get('date_from')} is after {values.get('date_to')}")
    return filters


def _names(value: object, spec: Field) -> tuple[str, ...]:
    """A list of names (kinds, document ids): one name alone counts as a list of one."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple, type(None))) or not all(isinstance(name, str) for name in value or ()):
        raise BadSetting(f"{spec.name}: a list of names, not {value!r}")
    return tuple(value or ())


def _kinds(value: object, spec: Field) -> tuple[str, ...]:
    kinds = _names(value, spec)
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown:
        raise BadSetting(f"unknown kind {unknown[0]!r}: use one of {', '.join(KINDS)}")
    return kinds


def _text(value: object, spec: Field) -> str:
    text = str(value or "").strip()
    if len(text) > _LONGEST_TEXT:
        raise BadSetting(f"{spec.metadata['label'].lower()}: {len(text):,} characters; at most {_LONGEST_TEXT} are taken")
    return text


def _language(value: object, spec: Field) -> str:
    return _text(value, spec).lower()


def _date_from(value: object, spec: Field) -> str:
    return date_bound(str(value or ""), spec.metadata["label"].lower(), end=False)


def _date_to(value: object, spec: Field) -> str:
    return date_bound(str(value or ""), spec.metadata["label"].lower(), end=True)


_READERS: dict[str, Callable[[object, Field], object]] = {
    "kinds": _kinds, "text": _text, "language": _language, "date-from": _date_from, "date-to": _date_to,
    "ids": _names,
}


def date_bound(text: str, field: str, end: bool) -> str:
    """An ISO date bound from "2012", "2012-02", "2012-02-23" or "23 February 2012"; "" for no bound.

    Dates are compared as ISO strings, so a year or a month as the end of a range must reach its last day.
    """
    text = (text or "").strip()
    if not text:
        return ""
    if _YEAR.fullmatch(text):
        return f"{text}-12-31" if end else f"{text}-01-01"
    # Bounds are compared with ISO dates as strings: a month's end is "-31" whatever its length.
    if _MONTH.fullmatch(text) and 1 <= int(text[5:]) <= 12:
        return f"{text}-31" if end else f"{text}-01"
    found = find_date(text)
    if not found or (_ISO_DATE.fullmatch(text) and found != text):
        raise BadSetting(f"date {field}: {text!r} is not a date; write it as 2012-02-23, 2012-02 or 2012")
    return found


def metadata_from_form(kind: str = "", title: str = "", citation: str = "", date: str = "", url: str = "") -> dict:
    """The metadata a user gave for uploaded files (only the fields filled in), checked.

    It overrides what the files say about themselves (see assistant.ingestion.ingest).
    """
    fields = {"kind": (kind or "").strip(), "title": (title or "").strip(), "citation": (citation or "").strip()}
    if fields["kind"] and fields["kind"] not in KINDS:
        raise BadSetting(f"unknown kind {fields['kind']!r}: use one of {', '.join(KINDS)}")
    if (date or "").strip():
        fields["date"] = find_date(date.strip()) or ""
        if not fields["date"]:
            raise BadSetting(f"date: {date.strip()!r} is not a date; write it as 2012-02-23")
    url = (url or "").strip()
    if url and not WEB_ADDRESS.match(url):  # it becomes a link on every passage
        raise BadSetting(f"source URL: {url!r} is not a web address; it must start with https:// or http://")
    fields["url"] = url
    return {key: value for key, value in fields.items() if value}

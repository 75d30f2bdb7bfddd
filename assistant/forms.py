"""What a user types into the web app's forms, its API or the command line, checked and turned into the core's
values."""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.store import Filters
from ingest.errors import BadSetting
from ingest.metadata import find_date
from ingest.records import KINDS

# What a source link may point to: a web address, never javascript:, file: or a local path.
WEB_ADDRESS = re.compile(r"https?://[^\s/]+")
_YEAR = re.compile(r"\d{4}")
_MONTH = re.compile(r"\d{4}-\d{2}")


def filters_from_form(
    kinds: Sequence[str] | None = None, court: str = "", language: str = "", date_from: str = "", date_to: str = ""
) -> Filters:
    """The search filters a form (or an API call) describes; BadSetting names the field that is wrong."""
    unknown = [kind for kind in kinds or () if kind not in KINDS]
    if unknown:
        raise BadSetting(f"unknown kind {unknown[0]!r}: use one of {', '.join(KINDS)}")
    start, end = date_bound(date_from, "from", end=False), date_bound(date_to, "to", end=True)
    if start and end and start > end:
        raise BadSetting(f"the date range is empty: {date_from} is after {date_to}")
    return Filters(
        kinds=tuple(kinds or ()), court=(court or "").strip(), language=(language or "").strip().lower(),
        date_from=start, date_to=end,
    )


def date_bound(text: str, field: str, end: bool) -> str:
    """An ISO date bound from "2012", "2012-02", "2012-02-23" or "23 February 2012"; "" for no bound.

    Dates are compared as ISO strings, so a year or a month as the end of a range must reach its last day.
    """
    text = (text or "").strip()
    if not text:
        return ""
    if _YEAR.fullmatch(text):
        return f"{text}-12-31" if end else f"{text}-01-01"
    if _MONTH.fullmatch(text):
        return f"{text}-31" if end else f"{text}-01"
    found = find_date(text)
    if not found:
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

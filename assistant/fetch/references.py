"""Case numbers `fetch` takes besides addresses: ECtHR application numbers, CJEU case numbers, ECLI and CELEX.

An ECtHR application number or ECLI is looked up with HUDOC's own search (its query API); a CJEU case number, an
EU ECLI or a CELEX number names its EUR-Lex document directly (EUR-Lex resolves `uri=CELEX:…` and `uri=ecli:…`).
Either way the reference becomes the document's public address, which `fetch` then takes as if the user had
given it, so the document records an address a reader can open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.errors import FetchError
from assistant.fetch.download import FetchPolicy, get
from assistant.fetch.sources import EURLEX, HUDOC, Sites, celex_metadata, hudoc_query, hudoc_rows

_APPLICATION = re.compile(r"^(?:(?:application\s+)?nos?\.?\s*)?(\d{1,6}/\d{2})$", re.I)
# "C-646/16", "C-578/16 PPU", "T-192/16", "C-231/21 P": court, number, year, procedure.
_CJEU_CASE = re.compile(r"^([CTF])\s*-\s*(\d{1,4})/(\d{2})(?:\s+(?:PPU|P|R|AVIS))?$", re.I)
_CJEU_COURTS = {"C": "CJ", "T": "TJ", "F": "FJ"}  # Court of Justice, General Court, Civil Service Tribunal
_ECLI = re.compile(r"^ECLI:([A-Z]{2}):([A-Z0-9.]+):(\d{4}):([A-Z0-9.]+)$", re.I)
# HUDOC's document types, most wanted first: a judgment, then a decision; English before French.
_HUDOC_TYPES = ("HEJUD", "HEDEC", "HFJUD", "HFDEC")
_MAX_CANDIDATES = 50
_HUDOC_SEARCH_LIMIT = 2 * 1024 * 1024


@dataclass(frozen=True)
class Reference:
    """A document named by a number: which service knows it and how to ask it."""

    text: str  # as the user wrote it
    service: str  # "HUDOC" or "EUR-Lex"
    query: str  # HUDOC: a query-API clause ('appno:"40503/17"'); EUR-Lex: a `uri` ("CELEX:62016CJ0646")


def parse_reference(text: str) -> Reference | None:
    """The reference `text` is ("40503/17", "C-646/16", "ECLI:…", "62016CJ0646"), or None for anything else."""
    text = " ".join(text.split())
    if match := _APPLICATION.match(text):
        return Reference(text, "HUDOC", f'appno:"{match[1]}"')
    if match := _CJEU_CASE.match(text):
        court, number, year = match[1].upper(), int(match[2]), int(match[3])
        century = 1900 if year >= 53 else 2000  # the Court's first cases were lodged in 1953
        return Reference(text, "EUR-Lex", f"CELEX:6{century + year}{_CJEU_COURTS[court]}{number:04d}")
    if match := _ECLI.match(text):
        ecli = text.upper()
        if match[1].upper() == "CE" and match[2].upper() == "ECHR":
            return Reference(text, "HUDOC", f'ecli:"{ecli}"')
        if match[1].upper() == "EU":
            return Reference(text, "EUR-Lex", f"ecli:{ecli}")
        return None
    celex = re.sub(r"^CELEX:\s*", "", text, flags=re.I).upper()
    if celex_metadata(celex):  # a well-formed CELEX number
        return Reference(text, "EUR-Lex", f"CELEX:{celex}")
    return None


def reference_address(reference: Reference, policy: FetchPolicy, sites: Sites = Sites()) -> tuple[str, list[str]]:
    """The public address of the document `reference` names, and notes for the user (other matches).

    Raises:
        FetchError: HUDOC could not be asked, or knows no judgment or decision by that number.
    """
    if reference.service == "EUR-Lex":
        return f"{EURLEX}/legal-content/EN/TXT/?uri={reference.query}", []
    search = hudoc_query(sites.hudoc, reference.query, _MAX_CANDIDATES, sort="kpdate Descending")
    quick = replace(policy, max_bytes=min(policy.max_bytes, _HUDOC_SEARCH_LIMIT))
    try:
        payload = get(search, quick, {"application/json", "text/json", "text/plain"}, "HUDOC's search results").body
    except FetchError as error:
        raise FetchError(reference.text, f"HUDOC's search could not be asked ({error.reason})") from error
    rows = hudoc_candidates(payload)
    if not rows:
        raise FetchError(
            reference.text,
            "HUDOC's search finds no judgment or decision with this number; check it, or open the case in "
            "HUDOC and fetch its address",
        )
    best, others = rows[0], rows[1:]
    notes = [
        f"HUDOC also lists {row['docname']} ({str(row.get('kpdate', ''))[:10]}): {HUDOC}/eng?i={row['itemid']}"
        for row in others[:3]
    ]
    return f"{HUDOC}/eng?i={best['itemid']}", notes


def hudoc_candidates(payload: bytes) -> list[dict]:
    """The judgments and decisions of HUDOC's search answer, the one to fetch first: a judgment before a
    decision, English before French, the Grand Chamber's before a Chamber's, the latest first."""
    rows = [row for row in hudoc_rows(payload) if row.get("doctype") in _HUDOC_TYPES and row.get("itemid")]
    rows.sort(key=lambda row: str(row.get("kpdate") or ""), reverse=True)
    # Sorting is stable: among equals the later date stays first.
    rows.sort(key=lambda row: (
        _HUDOC_TYPES.index(row["doctype"]), "GRANDCHAMBER" not in str(row.get("documentcollectionid2") or "")
    ))
    return rows

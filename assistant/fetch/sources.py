"""Addresses `fetch` understands beyond "a document at a URL": HUDOC judgments, EUR-Lex documents, ELI links.

For each it finds the document itself (not the page around it) and what the address and the service say about
it. Address shapes, as the services and public code that uses them show them:

- HUDOC: a judgment's page `https://hudoc.echr.coe.int/eng?i=001-109231` (also `/fre?i=`, the older
  `/sites/eng/pages/search.aspx?i=`, and the search form `/eng#{"itemid":["001-109231"]}`, whose fragment the
  browser keeps to itself). The page is a JavaScript application; the judgment is served as Word by
  `/app/conversion/docx/?library=ECHR&id=<itemid>&filename=<name>.docx` (as PDF by `/app/conversion/pdf/?…`),
  and described by the query API `/app/query/results?query=…&select=…`, which answers
  `{"resultcount": n, "results": [{"columns": {"itemid", "docname", "appno", "kpdate", "ecli", …}}]}`
  (`appno` separated by ";", `kpdate` "2012-02-23T00:00:00").
- EUR-Lex: `https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:62016CJ0201` and its variants
  (`TXT/HTML/`, `TXT/PDF/`, `ALL/`, `AUTO/`; `uri=ecli:ECLI:EU:C:2017:586`; `uri=OJ:…`); the older
  `/LexUriServ/LexUriServ.do?uri=CELEX:32013R0604:EN:HTML`; ELI links
  `http://data.europa.eu/eli/reg/2013/604/oj` and `https://eur-lex.europa.eu/eli/reg/2013/604/oj/eng`.
  The text is taken from `…/TXT/HTML/?uri=…`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from assistant.errors import FetchError

HUDOC = "https://hudoc.echr.coe.int"
EURLEX = "https://eur-lex.europa.eu"
ELI_RESOLVER = "http://data.europa.eu"

_ITEM_ID = re.compile(r"^\d{3}-\d{1,8}$")
_ITEM_IN_FRAGMENT = re.compile(r'"itemid"\s*:\s*\[\s*"(\d{3}-\d{1,8})"')
# The fields asked of HUDOC's query API. It answers 404 unless sort, start, length, rankingmodelid and
# facetquery are all there (even empty).
_HUDOC_FIELDS = "itemid,docname,appno,kpdate,ecli,languageisocode,doctype,documentcollectionid2"
_HUDOC_LANGUAGES = {"ENG": "en", "FRE": "fr"}
# CELEX: sector, year, document type, number (with suffixes such as "(01)" or "-20160504" for consolidations).
_CELEX = re.compile(r"^([0-9CE])(\d{4})([A-Z]{1,2})(\d{4}[0-9A-Z()_.\-]*)$")
_ECLI = re.compile(r"^ECLI:[A-Z]{2}:[A-Z0-9.]+:\d{4}:[A-Z0-9.]+$", re.I)
# Sectors whose documents are law in force (treaties, agreements, acts, consolidations) or judgments.
_STATUTE_SECTORS = set("01234")
_CASE_LAW_SECTORS = {"6"}
_ELI = re.compile(r"^/eli/([a-z_]+)/(\d{4})/(\d{1,5})(?:/oj)?(?:/([a-z]{3}))?/?$")
# ELI document types whose CELEX type letter is known: R regulations, L directives, D decisions.
_ELI_TYPE_LETTERS = {
    "reg": "R", "reg_impl": "R", "reg_del": "R", "dir": "L", "dir_impl": "L", "dir_del": "L",
    "dec": "D", "dec_impl": "D", "dec_del": "D",
}
# ELI language codes (ISO 639-3/B, as EUR-Lex uses them) of the EU's official languages → ISO 639-1.
_ELI_LANGUAGES = dict(
    pair.split("=") for pair in (
        "bul=bg spa=es ces=cs dan=da deu=de est=et ell=el eng=en fra=fr gle=ga hrv=hr ita=it lav=lv lit=lt "
        "hun=hu mlt=mt nld=nl pol=pl por=pt ron=ro slk=sk slv=sl fin=fi swe=sv"
    ).split()
)


@dataclass(frozen=True)
class Sites:
    """Where the services live. Tests point these at a local server that answers the same paths."""

    hudoc: str = HUDOC
    eurlex: str = EURLEX
    eli: str = ELI_RESOLVER

    @classmethod
    def from_settings(cls, settings) -> Sites:
        return cls(hudoc=settings.hudoc, eurlex=settings.eurlex)


@dataclass(frozen=True)
class Plan:
    """How to fetch one address: the document's own addresses, in order, and what is known beforehand."""

    service: str  # "HUDOC", "EUR-Lex", or "" for any other address
    documents: tuple[str, ...]  # tried in order (HUDOC: the Word file, then the PDF)
    formats: tuple[str, ...]  # the formats acceptable from them
    label: str  # a file-name stem from checked identifiers only: "hudoc-001-109231", "celex-62016cj0646"
    metadata: dict[str, object] = field(default_factory=dict)  # Metadata fields the address alone gives
    metadata_url: str = ""  # where the service describes the document (HUDOC's query API)
    identifier: str = ""  # the service's id of the document: a HUDOC itemid

    def read_metadata(self, payload: bytes) -> dict[str, object]:
        """Metadata fields from the service's description (the body of `metadata_url`); {} if unreadable."""
        return hudoc_metadata(payload, self.identifier) if self.service == "HUDOC" else {}


def plan_fetch(url: str, sites: Sites = Sites()) -> Plan:
    """What to download for `url`. Raises FetchError for a HUDOC or EUR-Lex address that names no document."""
    parts = urlsplit(url.strip())
    # A service's public address is fetched from wherever `sites` says the service lives.
    if _same_site(parts, sites.hudoc, HUDOC):
        return _hudoc_plan(url, parts, sites.hudoc)
    eli = _same_site(parts, sites.eli, ELI_RESOLVER) and parts.path.startswith("/eli/")
    if _same_site(parts, sites.eurlex, EURLEX) or eli:
        plan = _eurlex_plan(url, parts, sites.eurlex)
        if plan:
            return plan
    return Plan(
        service="", documents=(url.strip(),), formats=("pdf", "docx", "html", "txt", "md"), label="web"
    )


def hudoc_query(base: str, clause: str, length: int, sort: str = "") -> str:
    """The address of HUDOC's query API asking for the documents matching `clause` ('itemid:"001-109231"',
    'appno:"40503/17"'), at most `length`, with the fields hudoc_metadata reads."""
    query = {
        "query": f"contentsitename=ECHR AND {clause}", "select": _HUDOC_FIELDS, "sort": sort,
        "start": "0", "length": str(length), "rankingmodelid": "11111_Ranking", "facetquery": "",
    }
    return f"{base.rstrip('/')}/app/query/results?{urlencode(query, quote_via=quote)}"


def hudoc_rows(payload: bytes) -> list[dict]:
    """The rows (each document's fields) of HUDOC's query API answer; [] if it is not one."""
    try:
        rows = [result.get("columns") or {} for result in json.loads(payload).get("results") or []]
    except (ValueError, AttributeError, TypeError):
        return []
    return [row for row in rows if isinstance(row, dict)]


def hudoc_metadata(payload: bytes, item_id: str) -> dict[str, object]:
    """Title, date, application numbers, ECLI, court and language from HUDOC's query API answer."""
    row = next((row for row in hudoc_rows(payload) if row.get("itemid") == item_id), None)
    if row is None:
        return {}
    # A note of HUDOC's own after the case name ("[Extracts]") is not part of it.
    title = re.sub(r"\s*\[[^\]]*\]\s*$", "", str(row.get("docname") or "")).strip()
    date = str(row.get("kpdate") or "")[:10]
    chamber = " (Grand Chamber)" if "GRANDCHAMBER" in str(row.get("documentcollectionid2") or "") else ""
    fields: dict[str, object] = {
        "kind": "case-law",
        "title": title,
        "date": date if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else "",
        "application_numbers": tuple(n.strip() for n in str(row.get("appno") or "").split(";") if n.strip()),
        "ecli": str(row.get("ecli") or ""),
        "court": f"European Court of Human Rights{chamber}",
        "language": _HUDOC_LANGUAGES.get(str(row.get("languageisocode") or "").upper(), ""),
    }
    return {key: value for key, value in fields.items() if value}


def celex_metadata(celex: str) -> dict[str, object]:
    """What a CELEX number says of its document: the number, and whether it is case-law or a statute."""
    match = _CELEX.match(celex)
    if not match:
        return {}
    sector = match[1]
    kind = "case-law" if sector in _CASE_LAW_SECTORS else "statute" if sector in _STATUTE_SECTORS else ""
    return {key: value for key, value in {"celex": celex, "kind": kind}.items() if value}


def eli_to_celex(kind: str, year: str, number: str) -> str | None:
    """The CELEX number of a regulation, directive or decision's ELI ("reg", "2013", "604" → "32013R0604")."""
    letter = _ELI_TYPE_LETTERS.get(kind)
    return f"3{year}{letter}{int(number):04d}" if letter else None


def _hudoc_plan(url: str, parts, base: str) -> Plan:
    item_id = _hudoc_item_id(parts)
    if not item_id:
        raise FetchError(
            url,
            "this HUDOC address names no single judgment. Open the judgment in HUDOC and copy its address "
            "(it looks like https://hudoc.echr.coe.int/eng?i=001-109231)",
        )
    base = base.rstrip("/")
    return Plan(
        service="HUDOC",
        documents=(
            f"{base}/app/conversion/docx/?library=ECHR&id={item_id}&filename={item_id}.docx",
            f"{base}/app/conversion/pdf/?library=ECHR&id={item_id}&filename={item_id}.pdf",
        ),
        formats=("docx", "pdf"),
        label=f"hudoc-{item_id}",
        metadata={"kind": "case-law"},
        metadata_url=hudoc_query(base, f'itemid:"{item_id}"', 1),
        identifier=item_id,
    )


def _hudoc_item_id(parts) -> str | None:
    query = parse_qs(parts.query)
    candidates = query.get("i", [])
    if parts.path.startswith("/app/conversion/"):
        candidates += query.get("id", [])
    fragment = unquote(parts.fragment)
    try:
        itemids = json.loads(fragment).get("itemid") if fragment.startswith("{") else None
    except (ValueError, AttributeError):
        itemids = None
    if isinstance(itemids, list):
        candidates += [str(itemid) for itemid in itemids]
    candidates += _ITEM_IN_FRAGMENT.findall(fragment)
    return next((candidate.strip() for candidate in candidates if _ITEM_ID.match(candidate.strip())), None)


def _eurlex_plan(url: str, parts, base: str) -> Plan | None:
    """The plan for an EUR-Lex or ELI address; None for an ELI without a CELEX (fetched as a web page)."""
    path, query = parts.path, parse_qs(parts.query)
    if path.startswith("/eli/"):
        eli = _ELI.match(path)
        celex = eli_to_celex(eli[1], eli[2], eli[3]) if eli else None
        if not celex:  # a treaty, a consolidated version…: the ELI address itself leads to the page
            return None
        language = (_ELI_LANGUAGES.get(eli[4] or "eng") or "en").upper()
        return _eurlex_document(f"CELEX:{celex}", language, base)
    legal_content = re.match(r"^/legal-content/([A-Za-z]{2})/", path)
    uri = (query.get("uri") or [""])[0].strip()
    if legal_content and uri:
        return _eurlex_document(uri, legal_content[1].upper(), base)
    if path.lower().startswith("/lexuriserv/") and uri:
        # uri=CELEX:32013R0604:EN:HTML — identifier, then language and format.
        pieces = uri.split(":")
        language = pieces[2].upper() if len(pieces) > 2 and re.fullmatch(r"[A-Za-z]{2}", pieces[2]) else "EN"
        return _eurlex_document(":".join(pieces[:2]), language, base)
    raise FetchError(
        url,
        "this EUR-Lex address names no document. Open the document in EUR-Lex and copy its address "
        "(it looks like https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32013R0604)",
    )


def _eurlex_document(uri: str, language: str, base: str) -> Plan:
    """The plan for EUR-Lex's `uri` ("CELEX:62016CJ0646", "ecli:ECLI:EU:C:2017:586", "OJ:L:2013:180:TOC")."""
    scheme, _, identifier = uri.partition(":")
    metadata: dict[str, object] = {"language": language.lower()}
    label = "eurlex"
    if scheme.upper() == "CELEX":
        identifier = identifier.strip().upper()
        metadata.update(celex_metadata(identifier))
        label = f"celex-{identifier}"
    elif scheme.lower() == "ecli" and _ECLI.match(identifier.strip()):
        identifier = identifier.strip().upper()
        metadata.update({"ecli": identifier, "kind": "case-law"})
        label = identifier
    document = f"{base.rstrip('/')}/legal-content/{language}/TXT/HTML/?uri={quote(uri.strip(), safe=':()')}"
    return Plan(
        service="EUR-Lex", documents=(document,), formats=("html", "pdf"),
        label=re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:60], metadata=metadata,
    )


def _same_site(parts, *bases: str) -> bool:
    """Whether an address is on the service at one of `bases`, whichever of http or https it uses."""
    try:
        return bool(parts.hostname) and any(
            parts.hostname == site.hostname and parts.port == site.port for site in map(urlsplit, bases)
        )
    except ValueError:  # a port that is not a number: not a service address
        return False

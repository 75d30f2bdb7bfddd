"""What the web app shows, built from the core's records: HTML for answers, precedents and upload results, rows
for the document list, and the JSON the API returns.

Documents are untrusted input (a judgment may quote "<script>", a downloaded page may carry an `onerror=`):
every piece of their text and metadata goes through html.escape before it is put into HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import PurePath

from assistant.casebook import BuildState
from assistant.citations import cite, format_date
from assistant.forms import WEB_ADDRESS
from assistant.highlight import answer_highlights, closest_sentence
from assistant.precedents import CaseMatch
from assistant.records import Answer, FileOutcome, Passage, Status
from index.records import ListedDocument

KIND_LABELS = {"case-law": "Case law", "statute": "Statute", "article": "Article", "note": "Casebook note"}
# An answer shows its best passages open (and every passage its summary quotes) and folds the rest.
OPEN_PASSAGES = 5
DOCUMENT_HEADERS = ["Title", "Kind", "Date", "Court or issuer", "Passages"]


def render_answer(answer: Answer, turn: int = 1) -> str:
    """An answer as the Ask tab shows it: the summary, each sentence with a numbered marker linking to its
    passage below; or, when the assistant abstains, a plain "no answer" and the closest passages, labelled so.

    `turn` numbers the answers of one conversation, so that each marker links to its own answer's passages.
    """
    highlights = answer_highlights(answer)
    passages = {passage.rank: passage for passage in answer.passages}
    parts = ['<div class="aa-answer">']
    if answer.abstained:
        parts.append(f'<p class="aa-abstain">{escape(answer.abstention)}</p>')
        if answer.passages:
            parts.append('<h4 class="aa-label">Closest, but not an answer</h4>')
        else:
            hint = "Nothing matches at all: check the filters, or add documents in the Corpus tab."
            parts.append(f'<p class="aa-hint">{hint}</p>')
    else:
        def quoted(sentence) -> str:
            return (
                f"{escape(sentence.text)} <a class=\"aa-marker\" href=\"#{_anchor(turn, sentence.passage)}\" "
                f"title=\"{escape(passages[sentence.passage].citation.text)}\">[{sentence.passage}]</a>"
            )

        # Sentences run on as prose; the items of a list in a passage stay a list.
        blocks = [
            f"<ul>{''.join(f'<li>{quoted(s)}</li>' for s in group)}</ul>" if is_list
            else f"<p>{' '.join(quoted(s) for s in group)}</p>"
            for is_list, group in answer.summary_blocks()
        ]
        parts.append(f'<div class="aa-summary">{"".join(blocks)}</div><h4 class="aa-label">Sources</h4>')
    cards = [
        render_passage(passage, _anchor(turn, passage.rank), highlights[passage.rank])
        for passage in answer.passages
    ]
    shown = max([OPEN_PASSAGES] + [sentence.passage for sentence in answer.sentences])  # every cited one open
    parts += cards[:shown]
    if len(cards) > shown:
        more = len(cards) - shown
        parts.append(f'<details class="aa-more"><summary>{more} more passage{"s" if more > 1 else ""}</summary>')
        parts += cards[shown:] + ["</details>"]
    parts.append("</div>")
    return "".join(parts)


def render_passage(passage: Passage, anchor: str, highlights: Sequence[str]) -> str:
    """One passage: its number and citation line, kind, court and heading path, a link to the source when it
    is on the web, its text with `highlights` marked, and its neighbours folded under "Show in context"."""
    meta = passage.document.metadata
    where = (meta.court, passage.chunk.heading_path)
    details = [_kind_badge(meta.kind)] + [escape(part) for part in where if part]
    link = source_link(meta.url)
    return (
        f'<article class="aa-passage" id="{escape(anchor)}">'
        f'<div class="aa-cite"><span class="aa-rank">{passage.rank}</span>{escape(passage.citation.text)}</div>'
        f'<div class="aa-meta">{" · ".join(details)}{link}</div>'
        f'<div class="aa-text">{highlighted(passage.text, highlights)}</div>'
        f"{render_summarises(passage)}{render_cited_in(passage)}{render_context(passage)}</article>"
    )


def render_summarises(passage: Passage) -> str:
    """For a casebook note's passage, the judgment's paragraphs it summarises (listed above it); else ""."""
    if not passage.summarises:
        return ""
    cited = "; ".join(escape(citation.text) for citation in passage.summarises)
    return f"<p class=\"aa-summarises\">Summarises {cited}, shown above.</p>"


def render_cited_in(passage: Passage) -> str:
    """Which documents of the corpus cite this paragraph, and where, folded; "" when none does."""
    if not passage.cited_in:
        return ""
    items = "".join(f"<li>{escape(citation.text)}</li>" for citation in passage.cited_in)
    plural = "s" if passage.cited_by > 1 else ""
    return (
        f'<details class="aa-cited"><summary>Cited in {passage.cited_by} document{plural} of this corpus</summary>'
        f"<ul>{items}</ul></details>"
    )


def render_context(passage: Passage) -> str:
    """The passage among its neighbouring chunks of the same document, folded; "" when it stands alone."""
    if len(passage.context) <= 1:
        return ""
    items = []
    for stored in passage.context:
        pinpoint = cite(passage.document, stored.chunk).pinpoint
        current = " aa-current" if stored.ordinal == passage.ordinal else ""
        label = f'<span class="aa-pin">{escape(pinpoint)}</span>' if pinpoint else ""
        items.append(f'<div class="aa-context-item{current}">{label}{escape(stored.chunk.text)}</div>')
    return f'<details class="aa-context"><summary>Show in context</summary>{"".join(items)}</details>'


def render_precedents(matches: Sequence[CaseMatch], facts: str) -> str:
    """Cases ranked by how well their paragraphs match a fact pattern, each with its court, date, citation and
    best paragraph (the sentence closest to the facts highlighted), its next best folded."""
    if not matches:
        return '<p class="aa-abstain">No case in the corpus matches these facts. Check the filters.</p>'
    cards = []
    for number, match in enumerate(matches, 1):
        url = next((p.document.metadata.url for p in match.passages if p.document.metadata.url), "")
        facts_line = " · ".join(escape(part) for part in (match.court, format_date(match.date)) if part)
        best, *others = [_case_paragraph(passage, facts) for passage in match.passages]
        # The best paragraph says why the case matches; the others are there for whoever wants them.
        paragraphs = best + (
            f'<details class="aa-more"><summary>{len(others)} more paragraph{"s" * (len(others) > 1)} of this case'
            f'</summary>{"".join(others)}</details>' if others else ""
        )
        cards.append(
            f'<article class="aa-case"><div class="aa-cite"><span class="aa-rank">{number}</span>'
            f"{escape(match.citation)}</div>"
            f'<div class="aa-meta">{facts_line}{source_link(url)}</div>{paragraphs}</article>'
        )
    return f'<div class="aa-precedents">{"".join(cards)}</div>'


def _case_paragraph(passage: Passage, facts: str) -> str:
    closest = closest_sentence(passage.text, facts)
    # Decisions and notes have unnumbered passages: their heading says where they are.
    where = passage.citation.pinpoint or passage.chunk.heading_path
    if passage.document.metadata.kind == "note":
        where = KIND_LABELS["note"] + (f": {where}" if where else "")
    label = f'<div class="aa-pin">{escape(where)}</div>' if where else ""
    return (
        f'<div class="aa-paragraph">{label}'
        f'<div class="aa-text">{highlighted(passage.text, [closest] if closest else [])}</div>'
        f"{render_summarises(passage)}{render_cited_in(passage)}{render_context(passage)}</div>"
    )


def highlighted(text: str, sentences: Sequence[str]) -> str:
    """`text`, escaped, with each of `sentences` found in it wrapped in <mark>."""
    starts = [(text.find(sentence), sentence) for sentence in sentences if sentence]
    spans = sorted((start, start + len(sentence)) for start, sentence in starts if start >= 0)
    parts, position = [], 0
    for start, end in spans:
        if start < position:  # overlaps a sentence already marked
            continue
        parts += [escape(text[position:start]), f"<mark>{escape(text[start:end])}</mark>"]
        position = end
    parts.append(escape(text[position:]))
    return "".join(parts)


def source_link(url: str) -> str:
    """A link to the original when it is on the web; never to a local path, which the reader's browser could not
    open and which would tell them about this machine."""
    if not WEB_ADDRESS.match(url or ""):
        return ""
    return f'<a class="aa-source" href="{escape(url)}" target="_blank" rel="noopener noreferrer">Source ↗</a>'


def document_rows(documents: Sequence[ListedDocument]) -> list[list]:
    """The document list of the Corpus tab: one row per document, columns as DOCUMENT_HEADERS."""
    return [
        [meta.title, KIND_LABELS.get(meta.kind, meta.kind), meta.date, meta.court, listed.chunks]
        for listed in documents
        for meta in [listed.document.metadata]
    ]


def document_choices(documents: Sequence[ListedDocument]) -> list[tuple[str, str]]:
    """(label, doc id) pairs for the "remove a document" menu, by title."""
    choices = [(f"{listed.document.metadata.title} ({listed.document.doc_id})", listed.document.doc_id)
               for listed in documents]
    return sorted(choices, key=lambda choice: choice[0].lower())


def corpus_summary(documents: Sequence[ListedDocument]) -> str:
    chunks = sum(listed.chunks for listed in documents)
    return f"{len(documents)} document{'s' * (len(documents) != 1)} · {chunks} passage{'s' * (chunks != 1)}"


def fetch_texts_label(missing: int) -> str:
    """What the button that fetches the casebook's missing texts says."""
    texts = "the one text" if missing == 1 else f"the {missing} judgments and statutes"
    return f"Fetch the full texts of {texts} the casebook summarises"


def render_upload_results(outcomes: Sequence[FileOutcome]) -> str:
    """One line per uploaded file (or web address) saying, in a user's words, what became of it."""
    lines = []
    for outcome in outcomes:
        name = f"<b>{escape(outcome.name)}</b>"
        title = escape(outcome.document.metadata.title) if outcome.document else ""
        kind = KIND_LABELS.get(outcome.document.metadata.kind, "") if outcome.document else ""
        reason = escape(outcome.reason)
        text = {
            Status.ADDED: f"added as “{title}” ({escape(kind.lower())}, {outcome.chunks} passages).",
            Status.REPLACED: f"updated “{title}” ({outcome.chunks} passages).",
            Status.UNCHANGED: f"already in the corpus as “{title}”; nothing to do.",
            Status.DUPLICATE: f"the same file is already in the corpus as “{title}”; it was not added twice.",
            Status.FAILED: f"could not be read: {reason}. Check that it opens on your computer.",
            Status.REFUSED: f"{reason}.",
            Status.NOT_FETCHED: f"could not be added: {reason}.",
        }[outcome.status]
        mark, css = ("✓", "aa-ok") if outcome.status.ok else ("✗", "aa-error")
        lines.append(f'<li class="{css}">{mark} {name}: {text}</li>')
    return f'<ul class="aa-results">{"".join(lines)}</ul>'


def render_notice(text: str) -> str:
    """A one-line message that something was done (text is escaped)."""
    return f'<ul class="aa-results"><li class="aa-ok">✓ {escape(text)}</li></ul>'


def render_build_notice(state: BuildState) -> str:
    """What the page says of the casebook's build: how far it is while it runs; once it is over, nothing if
    every file was indexed, else which files were not and why."""
    casebook = "the shipped casebook"
    if state.running:
        if state.stage == "embedding":
            so_far = f"{state.done} of {state.total} passages…"
        else:  # the files are read (and cut into passages) before any is embedded
            so_far = f"reading its files ({state.done} of {state.total})…" if state.total else "starting…"
        return (
            f'<div class="aa-notice"><b>Building the index of {casebook}: {escape(so_far)}</b> '
            "Questions are answered from what is indexed so far.</div>"
        )
    if state.error:
        return (
            f'<div class="aa-notice aa-error">Building the index of {casebook} stopped: {escape(state.error)}. '
            "Questions are answered from what was indexed; restart the app to finish the build.</div>"
        )
    if not state.failed:
        return ""
    files = "".join(
        f"<li><b>{escape(_relative(path, state.folder))}</b>: {escape(reason)}</li>" for path, reason in state.failed
    )
    count = f"{len(state.failed)} file{'s' * (len(state.failed) != 1)}"
    return (
        f'<div class="aa-notice aa-error">{count} of {casebook} ({escape(str(state.folder))}) could not be '
        f"indexed; the rest is searchable:<ul>{files}</ul></div>"
    )


def case_match_json(match: CaseMatch) -> dict:
    """A case of a precedent search as the `search` API endpoint returns it."""
    return {
        "citation": match.citation,
        "court": match.court,
        "date": match.date,
        "score": round(match.score, 6),
        "passages": [passage.as_json() for passage in match.passages],
    }


def _kind_badge(kind: str) -> str:
    css = kind if kind in KIND_LABELS else "other"
    return f'<span class="aa-kind aa-kind-{css}">{escape(KIND_LABELS.get(kind, kind))}</span>'


def _relative(path: str, folder: PurePath) -> str:
    """A file of the casebook by its place in it (`case-notes/x.md`); the path itself for the folder or elsewhere."""
    file = PurePath(path)
    return file.relative_to(folder).as_posix() if folder in file.parents else path


def _anchor(turn: int, rank: int) -> str:
    return f"aa-{turn}-{rank}"

"""The web app: Ask, Precedents and Corpus tabs, and the `ask` and `search` API endpoints, over one Assistant.

A thin layer: each handler reads its form, calls the core, and hands the core's records to assistant.web.views.
"""

from __future__ import annotations

import functools
import hmac
import inspect
import ipaddress
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path

import gradio as gr

from assistant.casebook import CasebookBuild
from assistant.core import Assistant
from assistant.errors import BadSetting
from assistant.fetch.reading_list import Reading, fetch_reading_list, reading_list, unfetched
from assistant.forms import PAGE_FILTERS, filters_from_values, metadata_from_form
from assistant.ingestion import Progress
from assistant.settings import Settings
from assistant.web import views
from assistant.web.uploads import MB, Upload, add_from_web, add_uploads
from index.records import Filters
from ingest.errors import AssistantError
from ingest.records import KINDS

CSS = Path(__file__).with_name("web.css").read_text(encoding="utf-8")
# The reader's own system fonts: nothing to download (no font CDN), and every weight exists.
SYSTEM_FONTS = ["system-ui", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "Noto Sans", "sans-serif"]
THEME = gr.themes.Default(primary_hue="blue", neutral_hue="slate", font=SYSTEM_FONTS)
MOST_CASES = 50  # a precedent search returns at most this many cases
# Questions and searches only read, so several run at once; corpus changes run one at a time in a queue of
# their own, so that a question is answered while an upload is being embedded.
QUERY_CONCURRENCY = 4
KIND_CHOICES = [(views.KIND_LABELS[kind], kind) for kind in KINDS]
CASE_KIND_CHOICES = [("Judgments", "case-law"), ("Casebook notes", "note")]
# Once an answer is on screen, bring its start into view (the chat would otherwise stay where it was, or
# jump to the end of the last passage). The chat renders asynchronously: wait a few frames for the answer.
SCROLL_TO_ANSWER = """() => {
  let frames = 0;
  const step = () => {
    const answers = document.querySelectorAll('#aa-chat .aa-answer');
    if (answers.length) { answers[answers.length - 1].scrollIntoView({block: 'start'}); }
    else if (frames++ < 60) { requestAnimationFrame(step); }
  };
  requestAnimationFrame(step);
}"""


# After the header's button fetched the texts: show their outcomes, which are in the Corpus tab.
SHOW_TEXTS_RESULTS = """() => {
  const tab = [...document.querySelectorAll('[role=tab]')].find(t => t.textContent.trim() === 'Corpus');
  if (tab) { tab.click(); }
  requestAnimationFrame(() => document.querySelector('#aa-texts-results')?.scrollIntoView({block: 'center'}));
}"""


def is_local(host: str) -> bool:
    """Whether `host` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings) -> None:
    """Refuse to listen beyond localhost without a password: whoever reached the app could change the corpus."""
    if not settings.password and not is_local(settings.host):
        raise BadSetting(
            f"--host {settings.host} makes the app reachable from other machines: set a password for corpus "
            "changes first (environment variable ASYLUM_ASSISTANT_PASSWORD, or --password)"
        )


def _refused(message: str) -> gr.Error:
    """A request the page cannot carry out as given (an empty field, a wrong password): its message, shown in the
    page; not a fault, so no traceback in the server's log."""
    return gr.Error(message, print_exception=False)


def _shown(handler):
    """Expected failures become a message in the page (or the API caller's error), never a traceback."""

    @functools.wraps(handler)
    def run(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except AssistantError as error:
            raise _refused(str(error)) from error

    return run


class Handlers:
    """What each button and API endpoint does, over one Assistant."""

    def __init__(self, assistant: Assistant, settings: Settings, build: CasebookBuild | None = None):
        self.assistant = assistant
        self.settings = settings
        self.build = build

    # -- Ask

    @_shown
    def chat(self, question: str, history: list, *filter_values):
        question = (question or "").strip()
        if not question:
            raise _refused("Type a question first.")
        answer = self.assistant.answer(question, filters=_page_filters(filter_values))
        turn = 1 + sum(1 for message in history if message["role"] == "assistant")
        return "", history + [
            {"role": "user", "content": escape(question)},
            {"role": "assistant", "content": views.render_answer(answer, turn)},
        ]

    def ask(self, question: str, filters: Filters) -> dict:
        """Answer a question from the corpus: an extractive summary, its cited passages, or an abstention.

        Args:
            question: the question, in plain words.
        """
        return self.assistant.answer(question, filters=filters).as_json()

    # -- Precedents

    @_shown
    def precedents(self, facts: str, *filter_values) -> str:
        facts = (facts or "").strip()
        if not facts:
            raise _refused("Describe the facts of the case first.")
        matches = self.assistant.precedents(facts, _page_filters(filter_values))
        return views.render_precedents(matches, facts)

    def search(self, facts: str, filters: Filters, cases: int = 10) -> list[dict]:
        """Find precedents: the cases whose paragraphs best match a fact pattern, best first, each with its
        best-matching paragraphs.

        Args:
            facts: the facts of a client's case, in a paragraph.
            cases: how many cases to return.
        """
        if isinstance(cases, bool) or not isinstance(cases, (int, float)) or not 1 <= cases <= MOST_CASES:
            raise BadSetting(f"cases: {cases!r}; ask for 1 to {MOST_CASES}")
        matches = self.assistant.precedents(facts, filters, cases=int(cases))
        return [views.case_match_json(match) for match in matches]

    # -- Corpus

    @_shown
    def add(self, files, password, kind, title, citation, date, url, progress=gr.Progress()):  # noqa: B008
        # (a gr.Progress() default is how Gradio knows to show a progress bar for this event)
        self._check_password(password)
        if not files:
            raise _refused("Choose one or more files first.")
        metadata = metadata_from_form(kind, title, citation, date, url)
        uploads = [Upload(Path(file), Path(file).name) for file in files]

        def report(number: int, step: Progress) -> None:
            if step.stage == "reading":
                read = step.pages_done / step.pages_total if step.pages_total else step.done / max(step.total, 1)
                share, what = 0.1 * read, f"reading {read:.0%}"
            else:
                share = 0.1 + 0.9 * step.done / max(step.total, 1)
                what = f"embedding passage {step.done} of {step.total}"
            progress((number + share) / len(uploads), desc=f"{uploads[number].name}: {what}")

        progress(0, desc="Starting")
        results = add_uploads(self.assistant, uploads, metadata, report)
        return (None, views.render_upload_results(results), *self.corpus_views())

    @_shown
    def add_web_address(self, url: str, password: str):
        self._check_password(password)
        url = (url or "").strip()
        if not url:
            raise _refused("Type the web address of a document first.")
        result = add_from_web(self.assistant, url)
        kept = "" if result.status.ok else url  # a failed address stays, to be corrected
        return (kept, views.render_upload_results([result]), *self.corpus_views())

    @_shown
    def fetch_texts(self, password: str, progress=gr.Progress()):  # noqa: B008
        """Fetch the full texts the casebook summarises that the corpus does not hold yet."""
        self._check_password(password)
        readings = unfetched(self.readings, self.assistant.documents())
        if not readings:
            return (views.render_notice("Every text the casebook summarises is already in the corpus."),
                    *self.corpus_views())

        def report(done: int, total: int, reading: Reading) -> None:
            progress(done / total, desc=f"{min(done + 1, total)} of {total}: {reading.note}")

        progress(0, desc="Starting")
        outcomes = fetch_reading_list(self.assistant, readings, on_progress=report)
        return (views.render_upload_results(outcomes), *self.corpus_views())

    @functools.cached_property
    def readings(self) -> list[Reading]:
        """The casebook's reading list (assistant/fetch/reading_list.py): read once, the casebook does not change."""
        return reading_list(self.settings.casebook)

    @_shown
    def remove(self, doc_id: str, password: str):
        self._check_password(password)
        if not doc_id:
            raise _refused("Choose the document to remove first.")
        document = self.assistant.remove(doc_id)
        notice = views.render_notice(f"Removed “{document.metadata.title}” ({document.doc_id}).")
        return (notice, *self.corpus_views())

    def corpus_views(self) -> tuple:
        """The document list and what depends on it, in the order of build_app's `corpus_outputs`: the table, the
        remove menu, the header's summary, the choices of each filter panel's inputs offered from the corpus, then
        the two buttons that fetch the casebook's texts."""
        documents = self.assistant.documents()
        offered = []
        for spec in PAGE_FILTERS:
            if spec.metadata["form"] in _OFFERED_FROM_THE_CORPUS:  # the courts and languages the corpus has
                values = sorted({getattr(listed.document.metadata, spec.name) for listed in documents} - {""})
                offered.append(gr.Dropdown(choices=[("Any", "")] + [(value, value) for value in values]))
        missing = len(unfetched(self.readings, documents))
        label = views.fetch_texts_label(missing)
        # Under the header only while the corpus cites the casebook's notes (a first start), not on one of the user's.
        with_notes = any(listed.document.metadata.kind == "note" for listed in documents)
        return (
            views.document_rows(documents),
            gr.Dropdown(choices=views.document_choices(documents), value=None),
            views.corpus_summary(documents),
            *offered * 2,  # the Ask tab's panel, then the Precedents tab's
            gr.Button(label, visible=missing > 0),
            gr.Button(label, visible=missing > 0 and with_notes),
        )

    # -- The casebook's build on a first start

    def build_notice(self) -> tuple:
        """The notice of the build, the timer polling it (stopped once the build is over), and the header's count
        of what is indexed so far."""
        state = self.build.state
        notice = views.render_build_notice(state)
        summary = views.corpus_summary(self.assistant.documents())
        return gr.HTML(notice, visible=bool(notice)), gr.Timer(active=state.running), summary

    def corpus_views_once_built(self) -> tuple | dict:
        """The document list, refreshed when the build is over (until then left as it is)."""
        return gr.skip() if self.build.state.running else self.corpus_views()

    def _check_password(self, given: str) -> None:
        # Compared in constant time: the time a wrong guess takes says nothing about the password.
        expected = self.settings.password.encode()
        if expected and not hmac.compare_digest((given or "").encode(), expected):
            raise _refused("Wrong or missing password: corpus changes need the password the app started with.")


def build_app(assistant: Assistant, settings: Settings, build: CasebookBuild | None = None) -> gr.Blocks:
    """The app's page and its API (not yet serving: see `start`), with the notice of `build` while it runs."""
    handlers = Handlers(assistant, settings, build)
    # analytics_enabled=False: no usage statistics and no version check; the app sends nothing anywhere.
    with gr.Blocks(title="Asylum Assistant", analytics_enabled=False, delete_cache=(3600, 3600)) as app:
        with gr.Row(elem_classes="aa-header"):
            gr.HTML(
                "<h1>Asylum Assistant</h1><p>Cited answers from asylum and refugee law: judgments, statutes, "
                "articles. Every sentence comes from a document and links to it.</p>"
            )
            summary = gr.Markdown(elem_id="aa-corpus-summary")
        notice = gr.HTML(visible=False, elem_id="aa-build-notice")  # shown while a first start's build runs
        texts_offer = gr.Button(visible=False, size="sm", elem_id="aa-texts-offer")  # while the texts are missing
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"), gr.Row():
                with gr.Column(scale=4):
                    chat = gr.Chatbot(
                        elem_id="aa-chat", show_label=False, height="68vh", layout="panel", buttons=[],
                        # The answers are HTML built by assistant.web.views (escaped there): no Markdown, no LaTeX.
                        render_markdown=False, latex_delimiters=[], autoscroll=False, feedback_options=None,
                        placeholder="Ask about asylum law. Each answer quotes the corpus and cites its sources "
                        "by paragraph or Article.",
                    )
                    with gr.Row():
                        question = gr.Textbox(
                            show_label=False, scale=6, autofocus=True,
                            placeholder="e.g. Can a state return migrants intercepted at sea without examining "
                            "their asylum claims?",
                        )
                        ask = gr.Button("Ask", variant="primary", scale=1, min_width=90)
                with gr.Column(scale=1, min_width=250, variant="panel"):
                    ask_filters = _filter_panel(KIND_CHOICES)
            with gr.Tab("Precedents", id="precedents"), gr.Row():
                with gr.Column(scale=2, min_width=320):
                    facts = gr.Textbox(
                        label="Facts of your client's case", lines=7,
                        placeholder="e.g. The applicant, a family with two children, was intercepted at sea and "
                        "returned to the country of departure without any examination of their situation.",
                    )
                    with gr.Accordion("Filters", open=False):
                        precedent_filters = _filter_panel(CASE_KIND_CHOICES)
                    find = gr.Button("Find precedents", variant="primary")
                with gr.Column(scale=3):
                    cases = gr.HTML('<p class="aa-hint">Cases, best match first, appear here.</p>')
            with gr.Tab("Corpus", id="corpus"):
                password = gr.Textbox(
                    label="Corpus password", type="password", visible=bool(settings.password),
                    info="Adding and removing documents needs the password the app was started with.",
                )
                with gr.Row():
                    with gr.Column(scale=2, min_width=320):
                        files = gr.File(
                            label="Add documents (PDF, DOCX, HTML, TXT, MD)", file_count="multiple", height=150,
                            file_types=list(settings.allowed_upload_suffixes), elem_id="aa-upload",
                        )
                        with gr.Accordion("Describe them (optional; for all the files added at once)", open=False):
                            kind = gr.Dropdown([("Detect", "")] + KIND_CHOICES, value="", label="Kind")
                            title = gr.Textbox(label="Title")
                            citation = gr.Textbox(
                                label="Citation",
                                placeholder="e.g. Hirsi Jamaa and Others v. Italy [GC], no. 27765/09, 23 February 2012",
                            )
                            date = gr.Textbox(label="Date", placeholder="YYYY-MM-DD")
                            url = gr.Textbox(label="Source URL", placeholder="https://…")
                        add = gr.Button("Add to the corpus", variant="primary")
                        upload_results = gr.HTML()
                        address = gr.Textbox(
                            label="Or add a document from its web address", max_lines=1,
                            placeholder="https://hudoc.echr.coe.int/eng?i=001-109231 or 40503/17",
                            info="A HUDOC judgment, a EUR-Lex text, any PDF, DOCX or HTML address, or a case "
                            "number: 40503/17, C-646/16, an ECLI",
                        )
                        add_address = gr.Button("Add from the web")
                        web_results = gr.HTML(elem_id="aa-web-results")
                        fetch_texts = gr.Button(visible=False, elem_id="aa-fetch-texts")
                        texts_results = gr.HTML(elem_id="aa-texts-results")
                    with gr.Column(scale=3):
                        table = gr.Dataframe(
                            headers=views.DOCUMENT_HEADERS, datatype=["str", "str", "str", "str", "number"],
                            column_widths=["36%", "14%", "13%", "23%", "14%"], interactive=False, wrap=True,
                            max_height=460, show_search="search", elem_id="aa-documents",
                        )
                        with gr.Accordion("Remove a document", open=False):
                            document = gr.Dropdown(label="Document", choices=[])
                            remove = gr.Button("Remove from the corpus", variant="stop")
                            remove_result = gr.HTML()

        corpus_outputs = [
            table, document, summary, *_offered(ask_filters), *_offered(precedent_filters), fetch_texts, texts_offer,
        ]
        private = {"api_visibility": "private"}  # the page's own events: the API is `ask` and `search` only
        queries = {"concurrency_id": "queries", "concurrency_limit": QUERY_CONCURRENCY}
        corpus = {"concurrency_id": "corpus", "concurrency_limit": 1, **private}
        for trigger in (question.submit, ask.click):
            trigger(handlers.chat, [question, chat, *ask_filters], [question, chat], **queries, **private).then(
                None, js=SCROLL_TO_ANSWER, **private
            )
        for trigger in (facts.submit, find.click):
            trigger(handlers.precedents, [facts, *precedent_filters], cases, **queries, **private)
        add.click(
            handlers.add, [files, password, kind, title, citation, date, url],
            [files, upload_results, *corpus_outputs], show_progress_on=upload_results, **corpus,
        )
        for trigger in (address.submit, add_address.click):
            trigger(
                handlers.add_web_address, [address, password], [address, web_results, *corpus_outputs],
                show_progress_on=web_results, **corpus,
            )
        remove.click(handlers.remove, [document, password], [remove_result, *corpus_outputs], **corpus)
        fetch_texts.click(
            handlers.fetch_texts, [password], [texts_results, *corpus_outputs], show_progress_on=texts_results,
            **corpus,
        )
        texts_offer.click(
            handlers.fetch_texts, [password], [texts_results, *corpus_outputs], show_progress_on=notice, **corpus
        ).then(None, js=SHOW_TEXTS_RESULTS, **private)
        app.load(handlers.corpus_views, None, corpus_outputs, **private)
        if build is not None:
            # The build runs in the server: each page asks how far it is, once a second until it is over.
            timer = gr.Timer(1)
            gr.on([app.load, timer.tick], handlers.build_notice, None, [notice, timer, summary], **private).then(
                handlers.corpus_views_once_built, None, corpus_outputs, show_progress="hidden", **private
            )
        gr.api(api_endpoint(handlers.ask), api_name="ask", **queries)
        gr.api(api_endpoint(handlers.search), api_name="search", **queries)
    return app


# How each kind of filter (index.records.Filters' `form`) is shown in a panel, besides its label.
_OFFERED_FROM_THE_CORPUS = ("text", "language")  # menus of the values the corpus has (corpus_views fills them)
_HINTS = {"kinds": "None ticked: all", "text": "Or type part of a name"}
_PLACEHOLDERS = {"date-from": "e.g. 2010", "date-to": "e.g. 2024"}


def _filter_panel(kind_choices: list[tuple[str, str]]) -> list[gr.components.Component]:
    """An input for each filter the page offers, in PAGE_FILTERS' order (the order handlers read them in); the
    two ends of the date range side by side, last."""
    inputs = {}
    dates = [spec for spec in PAGE_FILTERS if spec.metadata["form"] in _PLACEHOLDERS]
    for spec in PAGE_FILTERS:
        form, label = spec.metadata["form"], spec.metadata["label"]
        if form == "kinds":
            inputs[spec.name] = gr.CheckboxGroup(kind_choices, label=label, info=_HINTS[form])
        elif form in _OFFERED_FROM_THE_CORPUS:
            inputs[spec.name] = gr.Dropdown(
                [("Any", "")], value="", label=label, allow_custom_value=form == "text", info=_HINTS.get(form)
            )
    with gr.Row():
        for spec in dates:
            inputs[spec.name] = gr.Textbox(
                label=spec.metadata["label"], placeholder=_PLACEHOLDERS[spec.metadata["form"]], min_width=90
            )
    return [inputs[spec.name] for spec in PAGE_FILTERS]


def _offered(panel: list[gr.components.Component]) -> list[gr.components.Component]:
    """The inputs of a panel whose choices come from the corpus (what corpus_views refreshes)."""
    return [component for spec, component in zip(PAGE_FILTERS, panel) if spec.metadata["form"] in _OFFERED_FROM_THE_CORPUS]


def _page_filters(values: tuple) -> Filters:
    """The filters a panel's inputs hold, in PAGE_FILTERS' order."""
    return filters_from_values(dict(zip((spec.name for spec in PAGE_FILTERS), values)))


def api_endpoint(method: Callable) -> Callable:
    """`method(..., filters: Filters, ...)` as an API endpoint that takes each filter the page offers as a parameter
    of its own, as index.records.Filters declares it; a bad value comes back as an error with its message."""
    signature = inspect.signature(method)
    parameters: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        if parameter.name != "filters":
            parameters.append(parameter)
            continue
        for spec in PAGE_FILTERS:
            many = spec.metadata["form"] == "kinds"
            parameters.append(inspect.Parameter(
                spec.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None if many else "",
                annotation=list[str] | None if many else str,
            ))
    api_signature = signature.replace(parameters=parameters)

    @_shown
    def endpoint(*args, **kwargs):
        try:
            bound = api_signature.bind(*args, **kwargs)
        except TypeError as error:  # a call by hand, with parameters missing or too many
            raise BadSetting(f"{method.__name__}: {error}") from None
        bound.apply_defaults()
        values = dict(bound.arguments)
        filters = filters_from_values({spec.name: values.pop(spec.name) for spec in PAGE_FILTERS})
        return method(**values, filters=filters)

    endpoint.__signature__ = api_signature
    endpoint.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": signature.return_annotation}
    # The Args of the method's docstring, then one per filter (the Args section ends the docstring).
    endpoint.__doc__ = (method.__doc__ or "").rstrip() + "".join(
        f"\n            {spec.name}: {spec.metadata['help']}." for spec in PAGE_FILTERS
    )
    endpoint.__name__ = method.__name__
    return endpoint


@dataclass(frozen=True)
class Server:
    """A running app."""

    app: gr.Blocks
    url: str
    assistant: Assistant
    seconds: float  # from opening the index to serving, the libraries' imports excluded


def start(settings: Settings, assistant: Assistant | None = None, build: CasebookBuild | None = None) -> Server:
    """Load the model and the index once, and serve the app on settings.host:settings.port (in threads).

    A `build` of the casebook into the assistant's index starts once the app is serving, and the page shows it.
    """
    check_exposure(settings)
    import sentence_transformers  # noqa: F401  # the model's libraries, imported before the clock starts

    started = time.perf_counter()
    assistant = assistant or Assistant(settings)
    app = build_app(assistant, settings, build)
    app.queue()
    try:
        _, url, _ = app.launch(
            server_name=settings.host, server_port=settings.port, share=False, ssr_mode=False, mcp_server=False,
            pwa=False, max_file_size=int(settings.max_upload_mb * MB), footer_links=["api"], theme=THEME,
            css=CSS, prevent_thread_lock=True, quiet=True,
        )
    except OSError as error:  # Gradio's "Cannot find empty port"
        where = f"{settings.host}:{settings.port}"
        raise BadSetting(f"cannot listen on {where}: the port is taken; try another --port") from error
    # The model's first call pays for lazy set-up (about a second): pay it now, not on the first question.
    threading.Thread(target=assistant.search, args=("asylum",), daemon=True).start()
    if build is not None:
        build.start()
    return Server(app, url, assistant, time.perf_counter() - started)

"""The promote editor: a proposed candidate's fields, a live preview of what it finds and predicts, a quick
score on a sample per model, and saving it to the user's library."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Label, Static
from textual.worker import Worker, get_current_worker

from engine.corpus import Document
from engine.errors import LmgameError
from games.candidate_files import save_candidate
from games.candidates import Candidate
from games.documents import documents_for_rows
from games.paths import user_candidates_dir
from games.patterns import Proposal, fitted
from games.preview_matches import Preview, preview
from games.results import BRIEF, ScoreSummary, shown_in
from games.review import ReviewRow
from games.score_cache import score_cache
from games.scoring import Corpus, ScoreOptions, score_all
from tui.literal import ControlPictures, context_cell, literal, token_shown
from tui.messages import CandidateSaved, CorpusReady, PreviewReady, QuickScored
from tui.model_lock import BUSY, MODELS
from tui.screens.confirm import ConfirmScreen
from tui.screens.lmgame_screen import LmgameScreen
from tui.setup import PlaySetup

FIELDS = (  # (id, label, placeholder)
    ("name", "name", "letters, digits, - _ ."),
    ("description", "description", "what the heuristic says, in a sentence"),
    ("finder", "finder", "a regex with a (?P<answer>...) group"),
    ("predictor", "predictor", "a template over the finder's groups: {name}, {n|inc}"),
    ("foil", "foil", "optional: the obvious wrong answer, a template too"),
)
PREVIEW_DELAY = 0.3  # seconds of quiet typing before the preview runs
QUICK_LIMIT = 50  # instances a quick score looks at
SHOWN_MATCHES = 100
MATCH_CONTEXT_CHARS = 48


def proposal_copy(proposal: Proposal) -> Proposal:
    """An editable copy: the screen never changes the proposal it was given."""
    return dataclasses.replace(proposal, examples=list(proposal.examples))


def quick_line(summary: ScoreSummary) -> str:
    return f"{summary.model}: " + " · ".join(f"{column.heading} {column.cell(summary)}" for column in shown_in(BRIEF))


class PromoteScreen(LmgameScreen[None]):
    HELP_MODE = "promote"  # what F1 explains
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "quick_score", "Quick score", id="promote-score"),
        Binding("ctrl+s", "save", "Save", id="promote-save"),
        Binding("escape", "back", "Back", id="promote-back"),
        Binding("f3", "app.open('workbench')", "Candidates", id="open-workbench"),
    ]

    def __init__(self, setup: PlaySetup, proposal: Proposal, rows: list[ReviewRow]) -> None:
        super().__init__()
        self.setup = setup
        self.proposal = proposal_copy(proposal)
        self.rows = rows
        self.documents: list[Document] | None = None  # None until CorpusReady
        self.corpus_label = ""
        self.preview_timer: Timer | None = None
        self.preview: Preview | None = None
        self.error: str | None = None
        self.saved_path: Path | None = None
        self.saving = False

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Vertical(id="promote-fields"):
            for key, label, placeholder in FIELDS:
                with Horizontal(classes="promote-field"):
                    yield Label(label, classes="promote-label")
                    yield Input(self._field_value(key), placeholder=placeholder, id=f"field-{key}",
                                select_on_focus=False, highlighter=ControlPictures())
        yield Static(id="promote-message")
        yield Static("finding the texts to preview on…", id="promote-count")
        yield DataTable(id="promote-matches", cursor_type="row", zebra_stripes=True)
        yield Static(id="promote-scores")
        yield Footer()

    def _field_value(self, key: str) -> str:
        value = getattr(self.proposal, key)
        return value or ""

    def on_mount(self) -> None:
        self.title = "promote · a pattern to a candidate"
        count = len(self.proposal.examples)
        self.sub_title = f"{count} example{'s' * (count != 1)} from {self.proposal.origin}"
        self.query_one("#promote-matches", DataTable).add_columns("", "context", "text says", "predicted")
        self.query_one("#promote-scores", Static).update(
            Text("ctrl+r: quick score on the first 50 instances, per model · ctrl+s: save", "dim"))
        self.query_one("#field-finder", Input).focus()
        self._load_corpus()

    def action_back(self) -> None:
        self.dismiss()

    # the corpus

    @work(thread=True, exclusive=True, group="promote-corpus", exit_on_error=False)
    def _load_corpus(self) -> None:
        try:
            documents = documents_for_rows(self.rows, self.setup.documents)
        except Exception:  # noqa: BLE001 - the logged texts could not be found again: the setup's texts do
            documents = list(self.setup.documents)
        label = "the logged texts and the demo texts" if self.setup.source == "demo" else \
            f"the logged texts and {self.setup.source}"
        self.post_message(CorpusReady(documents, label))

    def on_corpus_ready(self, message: CorpusReady) -> None:
        self.documents, self.corpus_label = message.documents, message.label
        self._run_preview()

    # the fields and the live preview

    def edited(self) -> Proposal:
        """The proposal as the fields now stand."""
        values = {key: self.query_one(f"#field-{key}", Input).value for key, _, _ in FIELDS}
        return dataclasses.replace(self.proposal, name=values["name"].strip(), description=values["description"],
                                   finder=values["finder"], predictor=values["predictor"],
                                   foil=values["foil"] or None, examples=list(self.proposal.examples))

    @on(Input.Changed)
    def _field_changed(self) -> None:
        self.saved_path = None
        if self.preview_timer is not None:
            self.preview_timer.stop()
        self.preview_timer = self.set_timer(PREVIEW_DELAY, self._run_preview)

    def _run_preview(self) -> None:
        if self.documents is None:
            return
        self.query_one("#promote-count", Static).update(Text("looking…", "italic"))
        self._preview(self.edited(), self.documents)

    @work(thread=True, exclusive=True, group="promote-preview", exit_on_error=False)
    def _preview(self, proposal: Proposal, documents: list[Document]) -> None:
        """What the fields find, or why they are not a valid candidate; anything else they raise (a finder that
        fails on a text) reaches work_failed, and the editor stays up."""
        worker = get_current_worker()
        try:
            candidate = proposal.to_candidate()
        except LmgameError as error:
            self.post_message(PreviewReady(None, str(error)))
            return
        result = preview(candidate, documents, cancelled=lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            self.post_message(PreviewReady(result))

    def on_preview_ready(self, message: PreviewReady) -> None:
        self.preview, self.error = message.preview, message.error
        line = self.query_one("#promote-message", Static)
        count = self.query_one("#promote-count", Static)
        table = self.query_one("#promote-matches", DataTable)
        if message.error or message.preview is None:
            line.update(literal(f"✗ {message.error}", "bold red"))
            line.set_class(True, "-error")
            count.update(Text("no preview until the candidate is valid", "dim"))
            table.clear()
            return
        line.set_class(False, "-error")
        if self.saved_path is None:
            line.update(Text("✓ a valid candidate", "green"))
        count.update(literal(f"{message.preview.count_line()} · in {self.corpus_label}"))
        table.clear()
        for match in message.preview.matches[:SHOWN_MATCHES]:
            mark = Text("!", "bold yellow") if match.error else Text("✓", "bold green") if match.right else \
                Text("✗", "bold red")
            predicted = match.error or ("(abstains)" if match.predicted is None else token_shown(match.predicted))
            table.add_row(mark, context_cell(match.context, MATCH_CONTEXT_CHARS), Text(token_shown(match.answer)),
                          literal(predicted))

    # quick score

    def action_quick_score(self) -> None:
        if self.documents is None:
            self.notify("the texts are still being read", severity="warning")
            return
        try:
            candidate = self.edited().to_candidate()
        except LmgameError as error:
            self.notify(str(error), title="not a valid candidate", severity="error")
            return
        self.query_one("#promote-scores", Static).update(Text(f"scoring the first {QUICK_LIMIT} instances…",
                                                              "italic"))
        self._quick_score(candidate, Corpus(self.corpus_label, list(self.documents)))

    @work(thread=True, exclusive=True, group="promote-score", exit_on_error=False)
    def _quick_score(self, candidate: Candidate, corpus: Corpus) -> None:
        if not MODELS.acquire(blocking=False):
            self.post_message(QuickScored([], BUSY))
            return
        try:
            results = score_all([candidate], self.setup.models, corpus, ScoreOptions(limit=QUICK_LIMIT),
                                score_cache(kept=False))
        finally:
            MODELS.release()
        self.post_message(QuickScored([r.summary() for r in results]))

    def on_quick_scored(self, message: QuickScored) -> None:
        scores = self.query_one("#promote-scores", Static)
        if message.error:
            scores.update(literal(f"quick score failed: {message.error}", "red"))
            return
        lines = [quick_line(s) for s in message.summaries]
        scores.update(literal("\n".join(lines) or "nothing scored", keep="\n"))

    # save

    def action_save(self) -> None:
        if self.saving:
            return
        proposal = self.edited()
        try:
            name = proposal.to_candidate().name
        except LmgameError as error:
            self._say(f"✗ not saved: {error}", error=True)
            return
        folder = user_candidates_dir()
        if (folder / f"{name}.toml").exists():
            def answer(overwrite: bool | None) -> None:
                if overwrite:
                    self._save(proposal, folder, True)
                else:
                    self._say(f"not saved: {name}.toml exists; change the name, or save again and overwrite it",
                              error=True)

            self.app.push_screen(ConfirmScreen(f"{folder / (name + '.toml')} exists. Overwrite it?"), answer)
            return
        self._save(proposal, folder, False)

    def _save(self, proposal: Proposal, folder: Path, overwrite: bool) -> None:
        self.saving = True
        self._say("saving: checking its examples…")
        self._fit_and_save(proposal, [d.text for d in self.documents or []], folder, overwrite)

    @work(thread=True, exclusive=True, group="promote-save", exit_on_error=False)
    def _fit_and_save(self, proposal: Proposal, texts: list[str], folder: Path, overwrite: bool) -> None:
        """Keep the examples the edited candidate passes (topped up from the texts), then write it."""
        saved = fitted(proposal, texts)
        path = save_candidate(saved.to_candidate(), folder, overwrite=overwrite)
        self.post_message(CandidateSaved(saved, path))

    def work_failed(self, worker: Worker[Any], error: str) -> None:
        """Each failure where that work's result would have gone: the preview's line, the scores, the save's."""
        if worker.group == "promote-preview":
            self.post_message(PreviewReady(None, error))
        elif worker.group == "promote-score":
            self.post_message(QuickScored([], error))
        elif worker.group == "promote-save":
            self.post_message(CandidateSaved(None, None, error))
        else:
            super().work_failed(worker, error)

    def on_candidate_saved(self, message: CandidateSaved) -> None:
        self.saving = False
        if message.error or message.proposal is None or message.path is None:
            self._say(f"✗ not saved: {message.error}", error=True)
            return
        description = self.query_one("#field-description", Input)
        with description.prevent(Input.Changed):  # what was saved, without marking the editor as changed
            description.value = message.proposal.description
        count = len(message.proposal.examples)
        self.sub_title = f"saved with {count} example{'s' * (count != 1)} that pass its check"
        self.saved_path = message.path
        self._say(f"✓ saved to {message.path} · it is in the workbench's library (F3)")
        self.notify(f"saved {message.proposal.name} to {message.path}", title="candidate saved")

    def _say(self, line: str, error: bool = False) -> None:
        message = self.query_one("#promote-message", Static)
        message.update(literal(line, "bold red" if error else "bold green"))
        message.set_class(error, "-error")

"""Red-teaming in play: an edited context read by each model beside the original (figures equal to a plain
forward pass), the heuristic's answer on the edit, the edits logged (a schema-1 log migrates and keeps its
guesses), what the models predict after a text's last character, and the screen from Ctrl+R to Esc."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from engine.corpus import Document
from engine.tokens import continuation_ids, encode
from games.counterfactual import MAX_EDIT_CHARS, edit_summary, heuristic_at, read
from games.library import load_library
from games.log import SCHEMA_VERSION, EditRecord, GuessLog, export
from games.paths import guess_log_path
from tests.conftest import run, settle
from tui.app import LmgameApp
from tui.setup import PlaySetup

IOI = "When Lily and Tom went to the park, Tom gave a ball to"
SWAPPED = "When Tom and Lily went to the park, Lily gave a ball to"
REST = " Lily. They played all day."
V1_LOG = Path(__file__).parent / "data" / "guess_log_v1.sqlite"


def direct(lm, context: str, answer: str) -> tuple[float, int]:
    """The answer's first-token probability and rank from a plain forward pass over BOS + the context."""
    ids = [lm.bos_id] + encode(lm.tokenizer, context)
    with torch.inference_mode():
        logits = lm.model(torch.tensor([ids])).logits[0, -1].float()
    first = continuation_ids(lm.tokenizer, context, answer)[0]
    return float(logits.softmax(-1)[first]), 1 + int((logits > logits[first]).sum())


def test_an_edit_is_read_as_a_plain_forward_pass_and_the_heuristic_follows_it(default_lm, stories260k) -> None:
    candidates = list(load_library().candidates.values())
    original = heuristic_at(candidates, IOI, REST, len(" Lily"))
    edited = heuristic_at(candidates, SWAPPED, REST, len(" Lily"))
    assert original is not None and (original.candidate, original.answer) == ("ioi", " Lily")
    assert edited is not None and (edited.candidate, edited.answer) == ("ioi", " Tom")  # the other name now
    assert heuristic_at(candidates, "A plain sentence", " here.", 1) is None
    variant = read([default_lm, stories260k], 1, SWAPPED, " Lily", edited, top_k=5)
    for lm, reading in zip((default_lm, stories260k), variant.readings, strict=True):
        assert reading.label == lm.identity.label and len(reading.top_k) == 5
        assert reading.true is not None and reading.heuristic is not None
        for standing, answer in ((reading.true, " Lily"), (reading.heuristic, " Tom")):
            prob, rank = direct(lm, SWAPPED, answer)
            assert standing.text == answer and standing.prob == pytest.approx(prob, abs=1e-5)
            assert standing.rank == rank


def test_an_edit_is_summarised_by_what_changed() -> None:
    assert edit_summary(IOI, SWAPPED) == "Lily and Tom went to the park, Tom → Tom and Lily went to the park, Lily"
    assert edit_summary("a b c", "a c") == "b  → ∅"  # "b " deleted
    assert edit_summary("same", "same") == "no change"
    assert edit_summary("x" * 100, "y" * 100, most=10) == "xxxxxxxxx… → yyyyyyyyy…"


def test_a_schema_1_log_reads_and_migrates_keeping_its_guesses(tmp_path: Path) -> None:
    path = tmp_path / "guesses.sqlite"
    shutil.copy(V1_LOG, path)  # written by lmgame with schema 1, before edits existed
    with GuessLog(path, read_only=True) as log:
        assert log.version == 1 and list(log.edits()) == []
        (before,) = list(log.rows())
    assert before["guess"] == " time" and before["models"][0]["true_rank"] == 1
    with GuessLog(path) as log:  # opened for writing: migrated
        assert log.version == SCHEMA_VERSION == 2
        assert list(log.rows()) == [before]
        session = log.start_session("guess", [], "demo")
        log.add_edit(EditRecord(session, "demo:1", 12, "Once upon a", "Twice upon a", " time",
                                {"original": {"context": "Once upon a"}, "edited": {"context": "Twice upon a"}}))
        (edit,) = list(log.edits())
        assert (edit["offset"], edit["edited_context"], edit["readings"]["edited"]["context"]) == (
            12, "Twice upon a", "Twice upon a")
        assert '"edited_context": "Twice upon a"' in export(log, "jsonl", edits=True)
        assert export(log, "jsonl").count("\n") == 1  # the guesses, as before


def test_red_team_from_play_to_the_log_and_back(default_lm) -> None:
    from textual.widgets import DataTable, Static, TextArea

    from tui.screens.counterfactual import CounterfactualScreen
    from tui.screens.guess import GuessScreen

    text = IOI + REST
    hostile_edit = IOI.replace("park", "[b]p[/]\x1b[31m")
    app = LmgameApp(PlaySetup(models=[default_lm], documents=[Document("ioi", text)], source="--text", top_k=5))

    async def script(pilot) -> None:
        screen = app.screen
        assert isinstance(screen, GuessScreen)
        while screen.game.board.positions[screen.game.position] < len(IOI):
            await pilot.press("ctrl+n")
            await settle(app, pilot)
        position = screen.game.position
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        red = app.screen
        assert isinstance(red, CounterfactualScreen) and red.query_one(TextArea).text == IOI
        red.query_one(TextArea).text = SWAPPED
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert red.query_one(DataTable).row_count == 2
        detail = str(red.query_one("#red-team-detail", Static).render())
        assert "heuristic ioi: ␣Tom" in detail and "(on the original: ␣Lily)" in detail
        assert "next ␣Lily: " in detail and " → " in detail
        await pilot.press("ctrl+r")  # unchanged since: nothing new to read
        await settle(app, pilot)
        assert red.query_one(DataTable).row_count == 2
        hostile = IOI.replace("park", "[b]p[/]\x1b[31m")  # markup and an escape sequence, as typed
        red.query_one(TextArea).text = hostile
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        edit_cell = str(red.query_one(DataTable).get_row_at(2)[1])
        assert "[b]p[/]" in edit_cell and "\x1b" not in edit_cell and "␛" in edit_cell
        red.query_one(TextArea).text = "x" * (MAX_EDIT_CHARS + 1)  # a paste gone wrong: one line, no crash
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        status = str(red.query_one("#red-team-status", Static).render())
        assert "over 100,000 characters" in status and red.query_one(DataTable).row_count == 3
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen and screen.game.position == position  # where it was

    run(app, script)
    with GuessLog(guess_log_path(), read_only=True) as log:
        edit, edited_again = list(log.edits())
    assert (edit["text_id"], edit["offset"], edit["context"]) == ("ioi", len(IOI), IOI)
    assert edit["edited_context"] == SWAPPED and edit["true_token"] == " Lily"
    assert edited_again["edited_context"] == hostile_edit
    assert edit["readings"]["edited"]["heuristic"] == {"candidate": "ioi", "answer": " Tom"}


def test_the_end_of_a_text_shows_what_each_model_predicts_after_it(default_lm) -> None:
    from games.models import top_k_after
    from tui.screens.guess import AFTER_THE_TEXT
    from tui.widgets.predictions import RevealArea

    app = LmgameApp(PlaySetup(models=[default_lm], documents=[Document("ioi", IOI)], source="--text", top_k=4))

    async def script(pilot) -> None:
        for _ in range(3):
            await pilot.press("ctrl+f")
            await settle(app, pilot)
        area = app.screen.query_one(RevealArea)
        assert area.plain_verdict == AFTER_THE_TEXT
        (panel,) = area.panels
        expected = top_k_after(default_lm, IOI, 4)
        assert panel.next_top == expected
        assert [line.split()[1] for line in panel.plain.splitlines()[1:5]] == [
            e["token"].replace(" ", "␣") for e in expected]

    run(app, script)

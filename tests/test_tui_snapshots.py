"""Snapshots: the guess screen after one reveal, on a short fixed text; the review screen, the promote editor
and the workbench's results and plot, on guesses logged in a session with a fixed id and on the demo texts;
the guess screen, the review and the workbench's results again at 80x24, the smallest terminal lmgame fits.

The default model will be retrained: regenerate the SVGs then with
`pytest tests/test_tui_snapshots.py --snapshot-update`, and look at them before committing.
Nothing time-dependent is drawn (no clock, no elapsed time, no blinking cursor).
"""

from __future__ import annotations

from textual.pilot import Pilot

from engine.corpus import Document
from engine.models import LoadedModel
from tests.conftest import settle
from tui.app import LmgameApp, PlaySetup
from tui.widgets.guess_input import GuessInput

TEXT = "Once upon a time, there was a little dog named Max. Max liked to run."


def _guess_revealed(lm: LoadedModel) -> tuple[LmgameApp, object]:
    doc = Document("snapshot-max", TEXT, "Max the dog")
    app = LmgameApp(PlaySetup(models=[lm], documents=[doc], source="test"))

    async def run_before(pilot: Pilot) -> None:
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.screen.query_one(GuessInput).cursor_blink = False
        await pilot.press("ctrl+f")  # a few tokens in, so that the text pane shows rank colours
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("n", "a", "m", "e", "d", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()

    return app, run_before


def test_guess_screen_after_one_reveal(snap_compare, default_lm: LoadedModel) -> None:
    app, run_before = _guess_revealed(default_lm)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_guess_screen_at_80x24(snap_compare, default_lm: LoadedModel) -> None:
    app, run_before = _guess_revealed(default_lm)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def _fixed_log(lm: LoadedModel, monkeypatch) -> None:
    """Guesses on the first demo text in one session with a fixed id: wrong ones, then right ones."""
    import uuid

    from games.demo import demo_documents
    from tests.test_tui_review import TRUE, log_guesses

    monkeypatch.setattr("games.log.uuid.uuid4", lambda: uuid.UUID(int=0x5EED))
    log_guesses(lm, demo_documents()[0], ["zzz", "the"] * 6 + [TRUE] * 4)


async def _settle(app, pilot: Pilot, wait: float = 0.0) -> None:
    """Timers fired, workers done, their messages handled, and time for idle work (a table sizing its columns)."""
    await settle(app, pilot, wait)
    await pilot.pause(0.1)


def _review(lm: LoadedModel, monkeypatch) -> tuple[LmgameApp, object]:
    from textual.widgets import DataTable, Input

    from games.demo import demo_documents

    _fixed_log(lm, monkeypatch)
    app = LmgameApp(PlaySetup(models=[lm], documents=demo_documents(), source="demo", start="review"))

    async def run_before(pilot: Pilot) -> None:
        await _settle(app, pilot, 1.0)
        app.screen.query_one("#filter-token", Input).cursor_blink = False
        app.screen.query_one("#review-table", DataTable).move_cursor(row=8)
        await _settle(app, pilot)

    return app, run_before


def test_review_screen(snap_compare, default_lm: LoadedModel, monkeypatch) -> None:
    app, run_before = _review(default_lm, monkeypatch)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_review_screen_at_80x24(snap_compare, default_lm: LoadedModel, monkeypatch) -> None:
    app, run_before = _review(default_lm, monkeypatch)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_promote_editor(snap_compare, default_lm: LoadedModel, monkeypatch) -> None:
    from textual.widgets import Input

    from games.demo import demo_documents
    from games.patterns import Proposal
    from tui.screens.promote import PromoteScreen

    _fixed_log(default_lm, monkeypatch)
    app = LmgameApp(PlaySetup(models=[default_lm], documents=demo_documents(), source="demo", start="review"))
    proposal = Proposal(name="named-then-name", description="A character introduced as 'named X' is called X next.",
                        finder=r"named (?P<name>[A-Z][a-z]+)\. (?P<answer>[A-Z][a-z]+)", predictor="{name}",
                        foil="She", examples=[("a little girl named Lily. ", "Lily")])

    async def run_before(pilot: Pilot) -> None:
        await _settle(app, pilot, 1.0)
        await app.push_screen(PromoteScreen(app.setup, proposal, app.screen.all_rows))
        for field in app.screen.query(Input):
            field.cursor_blink = False
        await _settle(app, pilot, 1.0)
        await pilot.press("ctrl+r")  # a quick score on the sample
        await _settle(app, pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def _workbench_scored(lm: LoadedModel) -> tuple[LmgameApp, object]:
    from games.demo import demo_documents

    app = LmgameApp(PlaySetup(models=[lm], documents=demo_documents(), source="demo", start="workbench"))

    async def run_before(pilot: Pilot) -> None:
        await _settle(app, pilot)
        screen = app.screen
        for name in ("once-upon-a-time", "agreement-was-were", "ioi"):
            screen.query_one("#library").move_cursor(row=[c.name for c in screen.candidates].index(name))
            screen.action_toggle_chosen()
        await pilot.press("s")
        await _settle(app, pilot)

    return app, run_before


def test_workbench_results(snap_compare, default_lm: LoadedModel) -> None:
    app, scored = _workbench_scored(default_lm)
    assert snap_compare(app, terminal_size=(120, 40), run_before=scored)


def test_workbench_results_at_80x24(snap_compare, default_lm: LoadedModel) -> None:
    app, scored = _workbench_scored(default_lm)
    assert snap_compare(app, terminal_size=(80, 24), run_before=scored)


def test_workbench_plot(snap_compare, default_lm: LoadedModel) -> None:
    app, scored = _workbench_scored(default_lm)

    async def run_before(pilot: Pilot) -> None:
        await scored(pilot)
        await pilot.press("v")
        await _settle(app, pilot)
        await pilot.wait_for_scheduled_animations()  # the tab's underline slides to "Plot"

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_scan_screen(snap_compare, default_lm: LoadedModel) -> None:
    from tests.test_tui_scan import scan_app

    app = scan_app([default_lm])

    async def run_before(pilot: Pilot) -> None:
        await _settle(app, pilot)
        await pilot.press("right", "right", "right")
        await _settle(app, pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)

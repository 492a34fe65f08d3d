"""Snapshot of the guess screen after one reveal, on a short fixed text.

The default model will be retrained: regenerate the SVGs then with
`pytest tests/test_tui_snapshots.py --snapshot-update`, and look at them before committing.
Nothing time-dependent is drawn (no clock, no elapsed time, no blinking cursor).
"""

from __future__ import annotations

from textual.pilot import Pilot

from engine.corpus import Document
from engine.models import LoadedModel
from tui.app import LmgameApp, PlaySetup
from tui.widgets.guess_input import GuessInput

TEXT = "Once upon a time, there was a little dog named Max. Max liked to run."


def test_guess_screen_after_one_reveal(snap_compare, default_lm: LoadedModel) -> None:
    doc = Document("snapshot-max", TEXT, "Max the dog")
    app = LmgameApp(PlaySetup(models=[default_lm], documents=[doc], source="test"))

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

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)

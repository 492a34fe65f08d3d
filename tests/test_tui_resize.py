"""Resizing the terminal below 80x24 and back while reveals, look-aheads or a scoring run post their results
must never wedge the app.

A terminal sends a resize and the keys typed after it at once (tmux resize-window then send-keys does); that
interleaving is what wedged the app. `pilot.resize_terminal` waits for the app to settle after each resize,
so these tests also feed the driver directly, as the terminal does. A wedged event loop never lets a timeout
inside it fire: the app runs in a thread, and the test waits for that thread with a generous bound.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual import events
from textual.app import App
from textual.geometry import Size
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from engine.models import LoadedModel
from games.demo import demo_documents
from tests.conftest import settle
from tests.test_tui import type_text
from tui.app import LmgameApp, PlaySetup
from tui.screens.candidates import CandidatesScreen
from tui.screens.guess import GuessScreen

CYCLES = 20
WEDGED_AFTER = 600.0  # seconds: far beyond what these runs take on a busy machine; only a wedged app gets there
SMALL, LARGE = (70, 20), (120, 40)


def terminal_sends(app: App, size: tuple[int, int], keys: str | list[str]) -> None:
    """What the terminal does at once: report its new size, then deliver the keys typed and Enter."""
    app._driver._size = Size(*size)  # the headless driver's idea of the terminal, as Pilot sets it
    app._driver.send_message(events.Resize(Size(*size), Size(*size)))
    for key in [*keys, "enter"]:
        app._driver.send_message(events.Key(key, key if len(key) == 1 else None))


def run_in_thread(app: LmgameApp, script: Callable[[Pilot], Awaitable[None]]) -> None:
    """Run `script` on `app` in a thread, and fail if it has not finished after WEDGED_AFTER seconds."""
    failures: list[BaseException] = []

    async def main() -> None:
        async with app.run_test(size=LARGE) as pilot:
            await settle(app, pilot)
            await script(pilot)

    def target() -> None:
        try:
            asyncio.run(main())
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            failures.append(error)

    thread = threading.Thread(target=target, daemon=True)  # a wedged app must not keep pytest from exiting
    thread.start()
    thread.join(WEDGED_AFTER)
    assert not thread.is_alive(), "the app stopped answering: its event loop is wedged"
    if failures:
        raise failures[0]


def test_resizing_below_the_minimum_and_back_during_reveals_never_wedges(default_lm: LoadedModel,
                                                                           home: Path) -> None:
    app = LmgameApp(PlaySetup(models=[default_lm], documents=demo_documents()[:2], source="demo"))
    answered: list[str] = []

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, GuessScreen)
        for _ in range(CYCLES):
            for size, keys in ((SMALL, "the"), (LARGE, "a")):
                terminal_sends(app, size, keys)  # a reveal starts; look-aheads follow each reveal
                await asyncio.sleep(0.05)
        for _ in range(5):
            await pilot.resize_terminal(*SMALL)
            await pilot.resize_terminal(*LARGE)
        await settle(app, pilot)
        assert screen.game is not None and screen.game.position > 0  # guesses were revealed during the resizes
        position = screen.game.position
        screen.query_one("#guess", Input).value = ""
        await type_text(pilot, "x")
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.game.position == position + 1  # the app still answers a key: a reveal completes
        answered.append("reveal")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code == 0  # and Ctrl+Q quits
        answered.append("quit")

    run_in_thread(app, script)
    assert answered == ["reveal", "quit"]


def test_resizing_the_workbench_during_a_scoring_run_never_wedges(default_lm: LoadedModel, home: Path) -> None:
    app = LmgameApp(PlaySetup(models=[default_lm], documents=demo_documents(), source="demo", start="workbench"))
    answered: list[str] = []

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, CandidatesScreen)
        for name in ("once-upon-a-time", "ioi", "agreement-was-were"):
            screen.query_one("#library", DataTable).move_cursor(row=[c.name for c in screen.candidates].index(name))
            screen.action_toggle_chosen()
        await pilot.press("s")  # the run posts its progress all along
        for _ in range(CYCLES):
            for size in (SMALL, LARGE):
                terminal_sends(app, size, ["down", "v"])  # the table and the plot, their layouts redone
                await asyncio.sleep(0.05)
        await settle(app, pilot)
        assert not screen.running and screen.results  # the run finished, its results drawn
        library = screen.query_one("#library", DataTable)
        library.focus()
        before = library.cursor_row
        await pilot.press("up")
        assert library.cursor_row == before - 1  # the app still answers a key
        answered.append("key")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code == 0
        answered.append("quit")

    run_in_thread(app, script)
    assert answered == ["key", "quit"]

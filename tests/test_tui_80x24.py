"""Every screen at 80x24, the smallest terminal lmgame runs in: guess mode shows all its top-k (or says how
many it leaves out) and its counter, the review gives the context what the other columns leave, the
workbench and the instances keep their key footer and the columns that matter, and the scan text follows the
selected token. Asserted on what is drawn: regions, table widths, the screen's lines.

Expected values come from the game and the library on the same text, never from hard-coded model outputs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from engine.corpus import Document
from engine.models import LoadedModel
from games.demo import demo_documents
from tests.conftest import run as run_app
from tests.conftest import settle
from tests.screen_text import screen_lines, screen_text
from tests.test_tui_review import TRUE, log_guesses
from tests.test_tui_scan import scan_app
from tui.app import LmgameApp, PlaySetup
from tui.columns import SCROLLBAR
from tui.literal import token_shown
from tui.screens.candidates import CandidatesScreen
from tui.screens.guess import GuessScreen
from tui.screens.instances import InstancesScreen
from tui.screens.review import CONTEXT_MIN, ReviewScreen
from tui.screens.scan import SELECTED, ScanScreen
from tui.widgets.predictions import PredictionsPanel, top_k_layout

SMALL = (80, 24)


def run(app: LmgameApp, script: Callable[[Pilot], Awaitable[None]]) -> None:
    run_app(app, script, size=SMALL, wait=0.5)


def fits(table: DataTable) -> bool:
    """The table's columns fit its width: nothing is cut off to the right, no sideways scrolling."""
    return table.virtual_size.width <= table.size.width - SCROLLBAR + 1 and table.max_scroll_x == 0


def footer_shows_every_key(app: LmgameApp) -> None:
    footer = screen_lines(app)[-1]
    for binding in app.screen.active_bindings.values():
        if binding.binding.show and binding.binding.group is None:
            assert f"{app.get_key_display(binding.binding)} {binding.binding.description}" in footer, footer


def test_guess_mode_shows_the_whole_top_k_and_the_counter(default_lm: LoadedModel, home: Path) -> None:
    app = LmgameApp(PlaySetup(models=[default_lm], documents=demo_documents()[:2], source="demo"))

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, GuessScreen)
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        for key in "the":
            await pilot.press(key)
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.game is not None
        n = len(screen.game.board)
        assert f"token {screen.game.position + 1}/{n} · text 1/2" in screen_lines(app)[0]  # the counter, whole
        (panel,) = screen.query(PredictionsPanel)
        assert app.screen.region.contains_region(panel.region)
        view = panel.outcome.view
        shown = screen_text(app)
        for rank, entry in enumerate(view.top_k, start=1):  # all ten, each with its rank and token
            assert f"{rank:>2} {token_shown(entry.token, 12):<12}" in shown
        assert "more" not in panel.plain
        footer_shows_every_key(app)

    run(app, script)


def test_guess_mode_with_two_models_says_how_many_it_leaves_out_and_keeps_the_counter(default_lm: LoadedModel,
                                                                 stories260k: LoadedModel, home: Path) -> None:
    app = LmgameApp(PlaySetup(models=[default_lm, stories260k], documents=demo_documents()[:1], source="demo"))

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        await pilot.press("x", "enter")
        await settle(app, pilot)
        shown = screen_text(app)
        n = len(screen.game.board)
        assert f"token {screen.game.position + 1}/{n} · text 1/1" in shown  # two labels crowd the header out
        for panel in screen.query(PredictionsPanel):
            if panel.outcome is None:
                continue
            assert app.screen.region.contains_region(panel.region)
            entries = [f"{rank:>2} {token_shown(entry.token, 12):<12}"
                       for rank, entry in enumerate(panel.outcome.view.top_k, start=1)]
            drawn = [entry for entry in entries if entry in shown]
            assert drawn == entries[: len(drawn)] and len(drawn) >= 3  # the first ones, in order
            assert len(drawn) == len(entries) or f"+{len(entries) - len(drawn)} more" in panel.plain
            assert len(panel.plain.splitlines()) <= panel.content_size.height  # nothing drawn below the border

    run(app, script)


def test_top_k_layout() -> None:
    assert top_k_layout(10, 76, 20) == (1, 10, 10)  # room for a column
    assert top_k_layout(10, 76, 5) == (2, 5, 10)  # two columns of five
    assert top_k_layout(10, 76, 4) == (2, 4, 7)  # seven, and "+3 more" in the eighth place
    assert top_k_layout(10, 36, 4) == (1, 4, 3)  # too narrow for two columns
    assert top_k_layout(3, 36, 0) == (1, 1, 0)  # no room at all: only "+3 more"


def test_review_gives_the_context_what_the_other_columns_leave(default_lm: LoadedModel, home: Path) -> None:
    log_guesses(default_lm, demo_documents()[0], ["zzz", "Tchaikovsky"] * 5 + [TRUE] * 4)
    app = LmgameApp(PlaySetup(models=[default_lm], documents=demo_documents(), source="demo", start="review"))

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        footer_shows_every_key(app)
        table = screen.query_one("#review-table", DataTable)
        assert fits(table)
        context = table.columns[next(k for k in table.columns if k.value == "context")]
        assert context.width >= CONTEXT_MIN
        others = sum(c.get_render_width(table) for k, c in table.columns.items() if k.value != "context")
        assert others + context.get_render_width(table) == table.size.width - SCROLLBAR  # it takes the rest
        row = screen.rows[-1]
        table.move_cursor(row=len(screen.rows) - 1)
        await pilot.pause()
        end = token_shown(row.context)[-(CONTEXT_MIN - 1):]
        assert any(line.rstrip().endswith(end) for line in screen_lines(app))  # the context's end, on screen
        await pilot.resize_terminal(120, 40)
        await settle(app, pilot)
        assert fits(table) and table.columns[context.key].width > context.width  # wider with the terminal
        footer_shows_every_key(app)

    run(app, script)


def test_workbench_and_instances_keep_the_keys_and_the_columns_that_matter(default_lm: LoadedModel,
                                                                           home: Path) -> None:
    app = LmgameApp(PlaySetup(models=[default_lm], documents=demo_documents(), source="demo", start="workbench"))

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, CandidatesScreen)
        library = screen.query_one("#library", DataTable)
        assert fits(library)
        assert {"name", "tags"} <= {k.value for k in library.columns}
        assert {f"p-{default_lm.identity.label}", f"top1-{default_lm.identity.label}"} <= {
            k.value for k in library.columns}
        footer_shows_every_key(app)
        names = [c.name for c in screen.candidates]
        library.move_cursor(row=names.index("agreement-was-were"))
        await pilot.press("s")
        await settle(app, pilot)
        results = screen.query_one("#results", DataTable)
        assert fits(results)
        kept = [k.value for k in results.columns]
        assert kept[0] == "candidate" and {"n", "answer_prob", "ci", "answer_top1"} <= set(kept)
        assert "agreement-was-were" in screen_text(app)
        await pilot.press("d")
        await settle(app, pilot)
        instances = app.screen
        assert isinstance(instances, InstancesScreen)
        table = instances.query_one("#instances", DataTable)
        assert fits(table)
        assert {"p", "heur", "context", "says", "predicted"} <= {k.value for k in table.columns}
        footer_shows_every_key(app)

    run(app, script)


def test_the_scan_text_follows_the_selected_token(default_lm: LoadedModel, home: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    story = " ".join(document.text for document in demo_documents()[:3])  # far longer than the pane
    monkeypatch.setattr("tests.test_tui_scan.TEXTS", [Document("long", story)])
    app = scan_app([default_lm])

    def selected_in_view(screen: ScanScreen) -> str:
        """The text drawn in the selection's style inside the text pane."""
        pane = screen.query_one("#scan-document").content_region
        strips = screen._compositor.render_strips()
        return "".join(segment.text for y in range(pane.y, pane.bottom) for segment in strips[y].crop(
            pane.x, pane.right) if segment.style is not None and segment.style.reverse and segment.style.bold)

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, ScanScreen) and SELECTED.reverse
        for presses in (60, 60, 120):
            for _ in range(presses):
                await pilot.press("right")
            await settle(app, pilot)
            starts = screen.main.scans[0].starts
            token = story[int(starts[screen.index]):int(starts[screen.index + 1])]
            assert selected_in_view(screen).strip() == token.strip()  # drawn, inside the pane
        footer_shows_every_key(app)

    run(app, script)

"""The scan screen: colours by rank or difference, groups that jump to their examples, each model's top-k at a
token, and promoting a group into the candidate editor."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from engine.corpus import Document
from engine.models import LoadedModel
from games.library import load_library
from games.scanning import ScanOptions, scan_catalogue, scan_model
from tests.conftest import run, settle
from tui.app import LmgameApp, PlaySetup
from tui.screens.scan import ScanScreen

TEXTS = [Document("a", "Once upon a time, there was a little girl named Lily. Lily liked to play. One day, Lily "
                       "saw a big dog. The dog was happy."),
         Document("b", "Once upon a time, a cat named Tom sat in the sun. Tom was happy. From that day on, Tom "
                       "sat in the sun every day.")]


def scan_app(models: list[LoadedModel]) -> LmgameApp:
    options = ScanOptions(threshold=0.3)
    scans = [scan_model(lm, TEXTS, options, None) for lm in models]
    candidates = list(load_library().candidates.values())
    view = scan_catalogue(scans, candidates, options).view()
    return LmgameApp(PlaySetup(models=models, documents=TEXTS, source="scan", start="scan", scan=view))


def test_browse_groups_tokens_and_promote(default_lm: LoadedModel, stories260k: LoadedModel) -> None:
    app = scan_app([default_lm, stories260k])

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        view = screen.view
        titles = [title for title, _ in view.compare_groups]
        assert view.groups and titles == ["only lmgame-default", f"only {stories260k.identity.name}"]
        summary = str(screen.query_one("#scan-summary", Static).render())
        assert "compared on the" in summary and "positions both tokenizers split alike" in summary
        assert "candidates\ncompared on the" in summary and f"of {stories260k.identity.name}'s" in summary
        assert screen.query_one("#scan-summary", Static).region.height >= 2
        token_pane = screen.query_one("#scan-token", Static)
        shown = str(token_pane.render())
        assert "lmgame-default" in shown and stories260k.identity.name in shown  # both models' top-k
        await pilot.press("right", "right")
        await settle(app, pilot)
        assert screen.index == 2 and "at character" in str(token_pane.render())
        groups = screen.query_one("#scan-groups", OptionList)
        groups.focus()
        groups.highlighted = 1  # the first group, under its heading
        await pilot.press("enter")
        await settle(app, pilot)
        first = view.groups[0]
        assert (screen.document, screen.index) == first.positions[0]
        await pilot.press("n")
        await settle(app, pilot)
        assert (screen.document, screen.index) == first.positions[1 % first.count]
        await pilot.press("d")
        assert screen.difference and "difference" in str(screen.query_one("#scan-legend", Static).render())
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        from tui.screens.promote import PromoteScreen

        assert isinstance(app.screen, PromoteScreen)

    run(app, script)


def test_one_model_cannot_colour_by_difference(default_lm: LoadedModel) -> None:
    app = scan_app([default_lm])

    async def script(pilot: Pilot) -> None:
        await pilot.press("d", "ctrl+p", "right_square_bracket")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ScanScreen) and not screen.difference and screen.document == 1

    run(app, script)

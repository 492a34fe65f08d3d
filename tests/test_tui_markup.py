"""Hostile text everywhere a user can type it or a file can hold it: every screen shows it literally.

Guesses typed as markup (`[/]` crashed `lmgame review` on every launch), escape sequences pasted into a guess,
a corpus with markup and control characters in its text and titles, a guess log whose contexts, true tokens
and sessions hold markup, and a candidate file whose description, tags, finder and predictor do. Each screen
is opened with Pilot; the test asserts that nothing raised, that the literal text is on the screen, and that
no control character reaches what the terminal is sent (an ESC is shown as ␛).

Expected values come from the game and the log on the same text, never from hard-coded model outputs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from engine.corpus import Document
from engine.models import LoadedModel
from games.display import is_control
from games.log import GuessLog
from games.paths import guess_log_path, user_candidates_dir
from games.review import read_review
from tests.conftest import run as run_app
from tests.conftest import settle
from tests.screen_text import screen_text
from tests.test_tui_review import log_guesses
from tests.test_tui_scan import scan_app
from tui.app import LmgameApp, PlaySetup
from tui.literal import pictured, token_shown
from tui.screens.candidates import CandidatesScreen
from tui.screens.guess import GuessScreen
from tui.screens.help import HelpScreen
from tui.screens.instances import InstancesScreen
from tui.screens.promote import PromoteScreen
from tui.screens.review import ReviewScreen
from tui.screens.scan import ScanScreen
from tui.screens.which import WhichScreen
from tui.widgets.guess_input import GuessInput
from tui.widgets.reading import ReadingPane
from tui.widgets.review_detail import ReviewDetail

GUESSES = ["[/]", "[bold]x", "[link=https://example.com]y", "\x1b[2J"]
HOSTILE = ("Once upon a time [/] there was a cat named [bold]Max. [red]Max ran[/red] to the "
           "[link=https://example.com]park\x1b[2J and \x1b]0;owned\x07 back\x9b31m home. "
           "Once upon a time [/] there was a dog named [i]Tom. [red]Tom ran[/red] to the [/] park.")
TITLE = "[red]stories[/] \x1b[2J"
KEYS = {"[": "left_square_bracket", "]": "right_square_bracket", "/": "slash"}
CANDIDATE = '''\
name = "hostile-markup"
description = "[/] closes [red]nothing"
tags = ["[/]", "[red]"]
finder = '(?P<answer>\\[/\\])'
predictor = "[red]"

[[examples]]
context = "Once upon a time "
answer = "[/]"
'''


def run(app: LmgameApp, script: Callable[[Pilot], Awaitable[None]], size: tuple[int, int] = (120, 40)) -> None:
    """As the other TUI tests run an app, with notifications shown (they quote guesses and paths)."""
    run_app(app, script, size=size, notifications=True)


def hostile_documents() -> list[Document]:
    return [Document("[/]doc", HOSTILE, TITLE), Document("plain", "Once upon a time [/] there was a [b]cat.")]


def assert_shown(app: LmgameApp, *texts: str) -> None:
    """Each text is on the screen as it is, and no control character is in what the terminal is sent."""
    shown = screen_text(app)
    for text in texts:
        assert text in shown, f"{text!r} is not on the screen"
    controls = [c for c in shown if is_control(c) and c != "\n"]
    assert not controls, f"control characters reach the terminal: {controls!r}"


def test_guess_screen_shows_hostile_guesses_and_text_literally(default_lm: LoadedModel, home: Path) -> None:
    app = LmgameApp(PlaySetup(models=[default_lm], documents=hostile_documents(), source="[red]src[/]"))

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, GuessScreen)
        assert_shown(app, pictured(TITLE))  # the document's title, in the header
        for number, guess in enumerate(GUESSES):
            guess_input = screen.query_one(GuessInput)
            if number == 0:
                for key in guess:
                    await pilot.press(KEYS[key])  # typed
            else:
                guess_input.post_message(events.Paste(guess))  # pasted: an ESC cannot be typed
                await pilot.pause()
            assert guess_input.value == guess  # kept as typed, and shown with ␛ for ESC
            await settle(app, pilot)  # the preview is computed in a worker
            assert screen.game is not None
            judged, _ = screen.game.preview(guess)  # as the game reads it (a word gets its space)
            assert_shown(app, pictured(guess), f"guess: {token_shown(judged)} →")  # the input, the preview
            await pilot.press("enter")
            await settle(app, pilot)
            assert_shown(app, f"you guessed {token_shown(judged)} →")  # the verdict
        while screen.game is not None and HOSTILE.index("back") > screen.game.board.positions[screen.game.position]:
            await pilot.press("ctrl+f")
            await settle(app, pilot)
        # the reading pane: markup and an ESC from the corpus, as the text has them
        assert_shown(app, "[red]Max ran[/red]", "␛[2J", "␛]0;owned␇")
        assert pictured(HOSTILE[: HOSTILE.index("back")], "\n") in screen.query_one(ReadingPane).plain
        screen.notify(f"quoting {GUESSES[0]} and {GUESSES[3]}")  # notifications quote guesses as they are
        await settle(app, pilot, 0.5)
        assert_shown(app, "quoting [/] and ␛[2J")
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen

    run(app, script)
    with GuessLog(guess_log_path()) as log:
        assert [row["guess"].strip() for row in log.rows()][:4] == GUESSES  # logged as judged


def test_which_screen_shows_a_hostile_text_literally(default_lm: LoadedModel, home: Path) -> None:
    app = LmgameApp(PlaySetup(models=[default_lm], documents=hostile_documents(), source="demo", mode="which"))

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, WhichScreen)
        while screen.game is not None and HOSTILE.index("back") > screen.game.board.positions[screen.game.position]:
            await pilot.press("n")
            await settle(app, pilot)
        await pilot.press("5")
        await settle(app, pilot)
        assert_shown(app, "[red]Max ran[/red]", "␛[2J")

    run(app, script)


@pytest.fixture
def hostile_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory whose path holds markup: every message that quotes a path quotes it."""
    home = tmp_path / "[red]home[/]"
    monkeypatch.setenv("LMGAME_HOME", str(home))
    return home


def test_review_patterns_and_promote_show_a_hostile_log_literally(default_lm: LoadedModel,
                                                                  hostile_home: Path) -> None:
    document = hostile_documents()[0]
    log_guesses(default_lm, document, GUESSES + ["zzz", "[/]"] * 14, source="[red]src[/]", skip=1)
    with GuessLog(guess_log_path()) as log:
        rows = read_review(log)
    hostile_rows = [row for row in rows if "[/]" in row.context or "[" in row.true_token]
    assert hostile_rows, "the log holds contexts with markup"
    app = LmgameApp(PlaySetup(models=[default_lm], documents=hostile_documents(), source="[red]src[/]",
                              start="review"))

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        table = screen.query_one("#review-table", DataTable)
        assert table.row_count == len(rows)
        for number, row in enumerate(screen.rows):
            cells = [str(cell) for cell in table.get_row_at(number)]
            assert cells[2:4] == [token_shown(row.true_token, 14), token_shown(row.guess, 14)]
        for row in screen.rows[: len(GUESSES)] + hostile_rows:
            table.move_cursor(row=screen.rows.index(row))
            await pilot.pause()
            # the table's cells, and the detail: the guess, the true token marked after its context
            assert_shown(app, token_shown(row.guess, 14), f"you guessed {token_shown(row.guess)}",
                         f"⟨{token_shown(row.true_token)}⟩")
            assert pictured(row.context[-60:].replace("\n", "⏎ ")) in screen.query_one(ReviewDetail).plain
        sessions = screen.query_one("#filter-session", Select)
        sessions.value = rows[0].session
        await settle(app, pilot, 1.0)
        assert_shown(app, "· [red]src[/] ·")

        await pilot.press("v")
        await settle(app, pilot, 1.0)
        assert screen.groups, "the disagreements make groups"
        groups = screen.query_one("#pattern-table", DataTable)
        assert [str(groups.get_row_at(n)[0]) for n in range(groups.row_count)] == [
            pictured(g.title) for g in screen.groups]

        await pilot.press("m")
        await settle(app, pilot, 1.0)
        editor = app.screen
        assert isinstance(editor, PromoteScreen)
        fields = {"name": "hostile", "description": "[/] closes [red]nothing", "finder": r"(?P<answer>\[/\])",
                  "predictor": "[red]", "foil": "[/]"}
        for key, value in fields.items():
            editor.query_one(f"#field-{key}", Input).value = value
        await settle(app, pilot, 1.0)
        assert editor.preview is not None and editor.preview.matches
        assert_shown(app, "[/] closes [red]nothing", "[red]")  # the fields, and the preview's cells
        matches = editor.query_one("#promote-matches", DataTable)
        assert [str(cell) for cell in matches.get_row_at(0)[2:]] == ["[/]", "[red]"]
        editor.query_one("#field-finder", Input).value = "[/"
        await settle(app, pilot, 1.0)
        assert editor.error is not None
        assert_shown(app, f"✗ {editor.error}"[:60])
        editor.query_one("#field-finder", Input).value = fields["finder"]
        editor.query_one("#field-name", Input).value = "[/]"
        await settle(app, pilot, 1.0)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert_shown(app, "✗ not saved")
        editor.query_one("#field-name", Input).value = "hostile"
        await settle(app, pilot, 1.0)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert editor.saved_path is not None and "[red]home[/]" in str(editor.saved_path)
        assert_shown(app, "✓ saved to", "[red]home[/]")

    run(app, script, size=(160, 40))


def test_workbench_and_instances_show_a_hostile_candidate_file_literally(default_lm: LoadedModel,
                                                                         hostile_home: Path) -> None:
    folder = user_candidates_dir()
    folder.mkdir(parents=True)
    (folder / "hostile-markup.toml").write_text(CANDIDATE, encoding="utf-8")
    app = LmgameApp(PlaySetup(models=[default_lm], documents=hostile_documents(), source="[red]corpus[/]",
                              start="workbench"))

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, CandidatesScreen)
        names = [c.name for c in screen.candidates]
        assert "hostile-markup" in names
        library = screen.query_one("#library", DataTable)
        library.move_cursor(row=names.index("hostile-markup"))
        await pilot.pause()
        assert_shown(app, "[/],[red]", "[red]corpus[/]")  # the tags, and the corpus in the title
        await pilot.press("s")
        await settle(app, pilot)
        assert [s.candidate for s in screen.summaries] == ["hostile-markup"] and screen.summaries[0].n > 0
        await pilot.press("d")
        await settle(app, pilot)
        instances = app.screen
        assert isinstance(instances, InstancesScreen)
        await pilot.press("o")  # all instances: the heuristic is never right here
        await pilot.pause()
        table = instances.query_one("#instances", DataTable)
        assert [str(cell) for cell in table.get_row_at(0)[4:6]] == ["[/]", "[red]"]  # says, predicted
        assert_shown(app, "⟨[/]⟩", "the heuristic says [red]")  # the detail

    run(app, script, size=(160, 40))


def test_scan_screen_shows_a_hostile_corpus_literally(default_lm: LoadedModel, home: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tests.test_tui_scan.TEXTS", hostile_documents())
    app = scan_app([default_lm])

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        assert_shown(app, pictured(f"text 1/2: {TITLE}"), "[/] there was a cat named [bold]Max.", "␛[2J")
        for _ in range(6):
            await pilot.press("right")
        await settle(app, pilot)
        assert_shown(app, "at character")  # the top-k of a token, drawn
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert_shown(app, "[b]cat.")

    run(app, script)

"""The review screen and the promote editor, driven with Pilot on the embedded model, from guesses logged on
the demo texts to a saved candidate that the workbench scores; and the pieces they are made of.

Expected values come from games/ on the same log (read_review, mine_patterns, Candidate.find), never from
hard-coded model outputs, so that these tests hold when the default model is retrained.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from engine.corpus import Document
from engine.models import LoadedModel
from games.board import Board
from games.candidate_files import load_file
from games.demo import demo_documents
from games.documents import document_for_row, documents_for_rows
from games.guess_mode import GuessGame
from games.log import GuessLog
from games.paths import guess_log_path, user_candidates_dir
from games.patterns import Proposal
from games.preview_matches import preview
from games.review import ReviewFilter, ReviewRow, read_review
from tests.conftest import run, settle
from tui.app import LmgameApp, PlaySetup
from tui.screens.base import start_position
from tui.screens.candidates import CandidatesScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.instances import InstancesScreen
from tui.screens.promote import PromoteScreen
from tui.screens.replay import ReplayScreen
from tui.screens.review import EMPTY_LOG, NO_MATCH, ReviewScreen, token_filter
from tui.widgets.review_detail import ReviewDetail

SIZE = (120, 40)


TRUE = None  # a guess that is the true token


def log_guesses(lm: LoadedModel, document: Document, guesses: Sequence[str | None], source: str = "demo",
                skip: int = 3) -> None:
    """Play `guesses` one after another on `document` (after `skip` tokens) and log them, as the game does;
    TRUE guesses the true token."""
    game = GuessGame(Board(document, [lm]), top_k=10)
    game.skip(skip)
    with GuessLog(guess_log_path()) as log:
        session = log.start_session("guess", [lm.identity.as_dict()], source)
        for raw in guesses:
            guess = game.board.true_text(game.position) if raw is TRUE else raw
            log.add(game.record(game.reveal(guess), session))


def logged(keep: ReviewFilter | None = None) -> list[ReviewRow]:
    with GuessLog(guess_log_path()) as log:
        return read_review(log, keep)


def review_app(lm: LoadedModel) -> LmgameApp:
    return LmgameApp(PlaySetup(models=[lm], documents=demo_documents(), source="demo", start="review"))


def test_review_play_promote_save_score_and_drill(default_lm: LoadedModel, home: Path) -> None:
    document = demo_documents()[0]
    log_guesses(default_lm, document, ["zzz", "the"] * 6 + [TRUE] * 6)
    everything = logged()
    disagreements = logged(ReviewFilter(kind="disagreements"))
    assert len(everything) == 18 and sum(row.player_correct for row in everything) == 6
    assert 2 < len(disagreements) < len(everything)  # the filter has guesses to leave out
    app = review_app(default_lm)

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        table = screen.query_one("#review-table", DataTable)
        assert table.row_count == len(everything)
        assert f"{len(everything)} of {len(everything)}" in screen.sub_title

        screen.query_one("#filter-kind", Select).value = "disagreements"
        await settle(app, pilot, 1.0)
        assert [row.id for row in screen.rows] == [row.id for row in disagreements]
        assert table.row_count == len(disagreements)

        # the details of a guess: its context's end, the true token marked, each model's logged top-k
        table.focus()
        target = min(2, len(disagreements) - 1)
        table.move_cursor(row=target)
        await pilot.pause()
        row = disagreements[target]
        detail = screen.query_one(ReviewDetail).plain
        assert row.context[-20:].replace("\n", "⏎ ") in detail
        assert f"{row.models[0].top_k[0]['prob']:.3f}" in detail

        # open it in play, at exactly that position
        await pilot.press("p")
        await settle(app, pilot)
        game_screen = app.screen
        assert isinstance(game_screen, ReplayScreen)
        game = game_screen.game
        assert game is not None and game.board.document == document
        assert game.board.positions[game.position] == row.offset
        assert game.board.true_text(game.position) == row.true_token
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen

        # the patterns among the disagreements, and one promoted to the editor
        await pilot.press("v")
        await settle(app, pilot, 1.0)
        assert screen.groups, "guesses that share true tokens or the words before them make groups"
        assert screen.query_one("#pattern-table", DataTable).row_count == len(screen.groups)
        group = screen.groups[0]
        assert screen.query_one("#pattern-rows", DataTable).row_count == group.count
        await pilot.press("m")
        await settle(app, pilot, 1.0)
        editor = app.screen
        assert isinstance(editor, PromoteScreen)
        expected = group.proposal
        assert expected is not None
        assert editor.query_one("#field-finder", Input).value == expected.finder
        assert editor.query_one("#field-name", Input).value == expected.name

        # an invalid finder: one line on the screen, and the editor goes on
        editor.query_one("#field-finder", Input).value = "(?P<answer>x"
        await settle(app, pilot, 1.0)
        assert editor.error is not None and "not a valid regular expression" in editor.error
        assert "not a valid regular expression" in str(editor.query_one("#promote-message", Static).render())
        assert editor.query_one("#promote-matches", DataTable).row_count == 0
        assert app.is_running and app.screen is editor

        # fixed: the preview lists the matches, ✓ where the heuristic is right
        fields = {"name": "test-once-upon", "finder": r"Once upon a (?P<answer>\w+)", "predictor": "time",
                  "foil": "day", "description": "After 'Once upon a', predict 'time'."}
        for key, value in fields.items():
            editor.query_one(f"#field-{key}", Input).value = value
        await settle(app, pilot, 1.0)
        assert editor.error is None and editor.preview is not None
        found = preview(editor.edited().to_candidate(), editor.documents or [])
        assert len(editor.preview.matches) == len(found.matches) > 0
        assert editor.preview.right == found.right
        assert editor.query_one("#promote-matches", DataTable).row_count == len(found.matches)

        # a quick score on a sample, per model
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        scores = str(editor.query_one("#promote-scores", Static).render())
        assert default_lm.identity.label in scores and "answer p" in scores

        # saved, and saved again over it once confirmed
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        path = user_candidates_dir() / "test-once-upon.toml"
        assert path.is_file() and editor.saved_path == path
        (saved,) = load_file(path)
        assert (saved.finder, saved.predictor, saved.foil) == (fields["finder"], "time", "day")
        assert str(path) in str(editor.query_one("#promote-message", Static).render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(app, pilot)
        assert app.screen is editor and editor.saved_path == path

        # the workbench has it; score it, and drill into its instances
        await pilot.press("f3")
        await settle(app, pilot)
        bench = app.screen
        assert isinstance(bench, CandidatesScreen)
        names = [c.name for c in bench.candidates]
        assert "test-once-upon" in names
        library = bench.query_one("#library", DataTable)
        library.focus()
        library.move_cursor(row=names.index("test-once-upon"))
        await pilot.press("space", "s")
        await settle(app, pilot)
        assert [(s.candidate, s.model) for s in bench.summaries] == [("test-once-upon", default_lm.identity.label)]
        assert bench.query_one("#results", DataTable).row_count == 1
        assert bench.summaries[0].n > 0
        await pilot.press("d")
        await settle(app, pilot)
        instances = app.screen
        assert isinstance(instances, InstancesScreen)
        probs = [r.prob for r in instances.rows if r.prob is not None]
        assert probs == sorted(probs) and len(probs) == bench.summaries[0].n
        await pilot.press("escape", "f2")
        await settle(app, pilot)
        assert app.screen is editor  # the review mode kept its own screens

    run(app, script)


def test_an_empty_log_says_so(default_lm: LoadedModel, home: Path) -> None:
    app = review_app(default_lm)

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        message = screen.query_one("#review-message", Static)
        assert message.display and str(message.render()) == EMPTY_LOG
        assert not screen.query_one("#review-table", DataTable).display
        await pilot.press("p", "m", "v")  # nothing to act on: messages, never a crash
        await settle(app, pilot, 1.0)
        assert app.is_running and isinstance(app.screen, ReviewScreen)

    run(app, script)
    assert not guess_log_path().exists()  # reviewing does not create a log


def test_filters_by_true_token_and_kind(default_lm: LoadedModel, home: Path) -> None:
    log_guesses(default_lm, demo_documents()[1], ["zzz"] * 8)
    rows = logged()
    token = rows[0].true_token
    app = review_app(default_lm)

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        screen.query_one("#filter-token", Input).value = token.replace(" ", "␣")
        await settle(app, pilot)
        assert [r.id for r in screen.rows] == [r.id for r in rows if r.true_token == token]
        screen.query_one("#filter-kind", Select).value = "both-right"  # the player never guessed right
        await settle(app, pilot)
        assert screen.rows == []
        assert str(screen.query_one("#review-message", Static).render()) == NO_MATCH

    run(app, script)


def test_the_true_token_filter_reads_a_token_as_a_guess_is_read(default_lm: LoadedModel, home: Path) -> None:
    log_guesses(default_lm, demo_documents()[1], ["zzz"] * 30)
    rows = logged()
    # a word after a word: the true token is "␣word", and a player types "word"
    token = next(r.true_token for r in rows if r.true_token[:1] == " " and r.true_token[1:].isalpha()
                 and r.context[-1:].isalpha())
    app = review_app(default_lm)

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        for typed in (token[1:], token.replace(" ", "␣"), token):
            screen.query_one("#filter-token", Input).value = typed
            await settle(app, pilot)
            shown = [r.id for r in screen.rows]
            assert shown and set(shown) >= {r.id for r in rows if r.true_token == token and r.context[-1].isalpha()}
            assert all(r.true_token in (token, token[1:]) for r in screen.rows)

    run(app, script)


def test_token_filter_reads_visible_spaces() -> None:
    assert token_filter("␣time") == " time"
    assert token_filter("⏎") == "\n"
    assert token_filter("") is None


def test_start_position_holds_the_offset(default_lm: LoadedModel) -> None:
    document = Document("d", "Once upon a time, there was a dog named Max. Max ran.")
    board = Board(document, [default_lm])
    for position, start in enumerate(board.positions):
        assert start_position(board, start) == position
    inside = document.text.index("Max.") + 1  # inside a token: the token that holds it
    position = start_position(board, inside)
    assert board.positions[position] <= inside < board.ends[position]


def _row(source: str, text_id: str, context: str, true_token: str) -> ReviewRow:
    return ReviewRow(id=1, session="s", source=source, text_id=text_id, offset=len(context), context=context,
                     guess="x", true_token=true_token, player_correct=False)


def test_the_document_of_a_guess(tmp_path: Path) -> None:
    demo = demo_documents()[2]
    assert document_for_row(_row("demo", demo.id, demo.text[:30], demo.text[30:33])) == demo
    file = tmp_path / "notes.txt"
    file.write_text("The cat sat on the mat. The cat sat again.")
    from_file = document_for_row(_row(str(file), "notes.txt", "The cat sat on the ", "mat"))
    assert from_file.text == file.read_text()
    # a changed file, a missing one, a --text: the logged context and true token alone
    changed = document_for_row(_row(str(file), "notes.txt", "A dog sat on the ", "mat"))
    assert changed.text == "A dog sat on the mat"
    assert document_for_row(_row(str(tmp_path / "gone.txt"), "gone", "ab", "c")).text == "abc"
    assert document_for_row(_row("--text", "text", "Hello", " there")).text == "Hello there"
    # several guesses in a text known only from the log: its longest form, once
    rows = [_row("--text", "text", "Hello", " there"), _row("--text", "text", "Hello there", ",")]
    assert [d.text for d in documents_for_rows(rows, [demo])] == ["Hello there,", demo.text]


def test_the_editor_never_changes_the_proposal_it_was_given(default_lm: LoadedModel, home: Path) -> None:
    proposal = Proposal(name="p1", description="", finder=r"named (?P<answer>[A-Z]\w+)", predictor="{answer}",
                        examples=[("a dog named ", "Max")])
    app = review_app(default_lm)

    async def script(pilot: Pilot) -> None:
        editor = PromoteScreen(app.setup, proposal, [])
        await app.push_screen(editor)
        await settle(app, pilot, 1.0)
        assert editor.preview is not None and editor.preview.matches  # the demo texts have named characters
        editor.query_one("#field-name", Input).value = "p2 has spaces"
        await settle(app, pilot, 1.0)
        assert editor.error is not None and "candidate name" in editor.error
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "not saved" in str(editor.query_one("#promote-message", Static).render())
        assert not user_candidates_dir().exists() or not any(user_candidates_dir().iterdir())

    run(app, script)
    assert proposal.name == "p1" and proposal.examples == [("a dog named ", "Max")]


def test_help_lists_the_screens_own_keys(default_lm: LoadedModel, home: Path) -> None:
    from tui.screens.help import HelpScreen

    app = review_app(default_lm)

    async def script(pilot: Pilot) -> None:
        await pilot.press("f1")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        shown = "\n".join(str(s.render()) for s in app.screen.query(Static))
        assert "Review" in shown and "Guess mode" not in shown
        for binding in ReviewScreen.BINDINGS:
            if binding.show:
                assert binding.description in shown

    run(app, script)

"""The Textual app on the real embedded model and the demo texts, driven with Pilot.

Expected values come from the engine and the game on the same text, never from hard-coded model outputs,
so that these tests hold when the default model is retrained.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.pilot import Pilot

from engine.corpus import Document
from engine.models import LoadedModel
from engine.tokens import visible
from games.board import Board
from games.demo import demo_documents
from games.guess_mode import GuessGame
from games.log import GuessLog
from games.which_mode import WhichGame
from tests.conftest import run, settle
from tests.screen_text import screen_text
from tui.app import LmgameApp, PlaySetup
from tui.literal import token_shown
from tui.screens.guess import GuessScreen
from tui.screens.help import HelpScreen
from tui.screens.too_small import TooSmall
from tui.screens.which import WhichScreen
from tui.widgets.predictions import TOKEN_WIDTH, PredictionsPanel, RevealArea, prob_text
from tui.widgets.preview import TokenPreview, preview_line
from tui.widgets.reading import CURSOR, ReadingPane
from tui.widgets.scoreboard import GuessScoreboard, WhichScoreboard
from tui.widgets.which import ANSWER_KEYS, AnswerCard, QuestionCard, answers_line

SIZE = (120, 40)
KEY_NAMES = {" ": "space", "+": "plus", ".": "full_stop", ",": "comma", "?": "question_mark"}


async def type_text(pilot: Pilot, text: str) -> None:
    for char in text:
        await pilot.press(KEY_NAMES.get(char, char))


def rows(home: Path) -> list[dict]:
    with GuessLog(home / "guesses.sqlite3") as log:
        return list(log.rows())


def sessions(home: Path) -> list[tuple[str, list[dict], str]]:
    with GuessLog(home / "guesses.sqlite3") as log:
        found = log.db.execute("SELECT mode, models, source FROM sessions").fetchall()
    return [(mode, json.loads(models), source) for mode, models, source in found]


def test_guess_mode_preview_reveal_skip_and_log(default_lm: LoadedModel, home: Path) -> None:
    docs = demo_documents()[:2]
    app = LmgameApp(PlaySetup(models=[default_lm], documents=docs, source="demo"))
    reference = GuessGame(Board(docs[0], [default_lm]), top_k=10)
    raw = "Tchaikovsky"
    guess, tokens = reference.preview(raw)
    assert len(tokens) > 1  # the preview is exercised on a guess of several tokens
    expected = reference.reveal(raw)
    expected_view = expected.models[0].view
    n = len(reference.board)

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, GuessScreen)
        assert "token 1/" in screen.sub_title and docs[0].title in screen.sub_title
        assert default_lm.identity.label in screen.title
        await type_text(pilot, raw[:1])
        await settle(app, pilot)  # the preview is computed in a worker
        assert screen.query_one(TokenPreview).plain == preview_line(*reference_preview(docs[0], default_lm, raw[:1]))
        await type_text(pilot, raw[1:])
        await settle(app, pilot)
        assert screen.query_one(TokenPreview).plain == preview_line(guess, tokens)
        assert f"[{visible(tokens[0])}]" in screen.query_one(TokenPreview).plain

        await pilot.press("enter")
        await settle(app, pilot)
        (panel,) = screen.query(PredictionsPanel)
        shown = panel.plain
        assert f"true  {token_shown(expected_view.true.token, TOKEN_WIDTH)}" in shown
        assert f"rank {expected_view.true.rank}" in shown
        assert f" 1 {token_shown(expected_view.top_k[0].token, TOKEN_WIDTH)}" in shown
        assert f"guess {token_shown(expected.models[0].guess_first.token, TOKEN_WIDTH)}" in shown
        assert f"log p {expected.models[0].guess_logprob:.2f}" in shown
        verdict = screen.query_one(RevealArea).plain_verdict
        assert f"you guessed {visible(guess)}" in verdict
        assert ("right" if expected.player_correct else "wrong") in verdict
        tally = screen.game.tallies[0]
        assert tally.positions == 1
        board = screen.query_one(GuessScoreboard).plain.splitlines()
        you = f"you {int(expected.player_correct)}/1 "
        assert board[0].startswith(f"this text  {you}") and board[1].startswith(f"session    {you}")
        assert screen.query_one(ReadingPane).plain == docs[0].text[: reference.board.positions[1]] + CURSOR
        assert f"token 2/{n}" in screen.sub_title
        assert screen.query_one("#guess").value == ""

        await pilot.press("ctrl+f")  # the guess Input has the focus: the screen binding must still fire
        await settle(app, pilot)
        assert screen.game.position == 11
        assert f"token 12/{n}" in screen.sub_title
        assert screen.query_one(ReadingPane).plain == docs[0].text[: reference.board.positions[11]] + CURSOR
        assert screen.game.tallies[0].positions == 1  # skipped tokens are not scored

        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert screen.game.position == 12

        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert screen.game.board.document == docs[1] and screen.game.position == 0
        assert docs[1].title in screen.sub_title and "token 1/" in screen.sub_title

    run(app, script)

    (row,) = rows(home)
    assert row["mode"] == "guess" and row["guess"] == guess and row["true_token"] == expected.true_text
    assert row["text_id"] == docs[0].id and row["offset"] == 0
    assert row["player_correct"] == expected.player_correct
    assert row["extra"]["guess_tokens"] == tokens
    (model,) = row["models"]
    assert model["identity"] == default_lm.identity.as_dict()
    assert [entry["token"] for entry in model["top_k"]] == [t.token for t in expected_view.top_k]
    assert model["true_rank"] == expected_view.true.rank and model["true_id"] == expected_view.true.id
    assert model["guess_rank"] == expected.models[0].guess_first.rank
    assert model["guess_logprob"] == pytest.approx(expected.models[0].guess_logprob, abs=1e-4)
    assert sessions(home) == [("guess", [default_lm.identity.as_dict()], "demo")]


def test_a_skip_says_what_it_skipped(default_lm: LoadedModel, home: Path) -> None:
    doc = demo_documents()[0]
    app = LmgameApp(PlaySetup(models=[default_lm], documents=[doc], source="demo"))
    board = Board(doc, [default_lm])

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        reveal = screen.query_one(RevealArea)
        await type_text(pilot, "zzz")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "you guessed" in reveal.plain_verdict and all(p.judged for p in reveal.panels)
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        # the last guess's result is gone: the panel says what was passed over instead
        skipped = doc.text[board.positions[1] : board.ends[10]]
        assert reveal.plain_verdict == f"skipped 10 tokens without guessing: {visible(skipped)}"
        assert not any(p.judged for p in reveal.panels)
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert reveal.plain_verdict == f"skipped 1 token without guessing: {visible(board.true_text(11))}"

    run(app, script)


def test_the_session_score_goes_on_across_texts(default_lm: LoadedModel, home: Path) -> None:
    docs = demo_documents()[:2]
    app = LmgameApp(PlaySetup(models=[default_lm], documents=docs, source="demo"))

    async def guess(pilot: Pilot, raw: str) -> None:
        await type_text(pilot, raw)
        await pilot.press("enter")
        await settle(app, pilot)

    def lines(screen: GuessScreen) -> list[str]:
        return screen.query_one(GuessScoreboard).plain.splitlines()

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        await guess(pilot, "zzz")
        await guess(pilot, "zzz")
        first = screen.game.tallies[0]
        assert first.positions == 2 and lines(screen)[1] == lines(screen)[0].replace("this text", "session  ")
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert screen.game.board.document == docs[1]
        assert screen.game.tallies[0].positions == 0 and screen.game.session_tallies[0].positions == 2
        assert lines(screen)[0].startswith("this text  you 0/0 ")
        assert lines(screen)[1].startswith(f"session    you {first.player_correct}/2 ")
        await guess(pilot, "zzz")
        session = screen.game.session_tallies[0]
        assert screen.game.tallies[0].positions == 1 and session.positions == 3
        assert session.model_correct == first.model_correct + screen.game.tallies[0].model_correct
        assert lines(screen)[1].endswith(f" {session.model_correct}/3 ({session.model_accuracy:.0%})")

    run(app, script)


def reference_preview(doc: Document, lm: LoadedModel, raw: str) -> tuple[str, list[str]]:
    return GuessGame(Board(doc, [lm])).preview(raw)


def test_guess_mode_ignores_enter_without_a_guess_or_while_busy(default_lm: LoadedModel, home: Path) -> None:
    app = LmgameApp(PlaySetup(models=[default_lm], documents=demo_documents()[:1], source="demo"))

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.game.position == 0 and "Type a guess first" in screen.query_one(TokenPreview).plain
        await type_text(pilot, "Once")
        screen.set_busy(True)  # as while a worker runs
        assert screen.query_one(TokenPreview).plain == "thinking…"
        await pilot.press("enter", "ctrl+n")
        await settle(app, pilot)
        assert screen.game.position == 0 and screen.game.tallies[0].positions == 0
        screen.set_busy(False)

    run(app, script)
    assert rows(home) == []


def test_a_failing_look_ahead_or_reveal_is_said_and_the_screen_stays_usable(default_lm: LoadedModel, home: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[tuple[str, str]] = []
    monkeypatch.setattr(GuessScreen, "notify", lambda self, message, title="", **_: said.append((title, message)))

    def fails(game: GuessGame, *args: object) -> None:
        raise RuntimeError("out of memory")

    monkeypatch.setattr(GuessGame, "look_ahead", fails)
    app = LmgameApp(PlaySetup(models=[default_lm], documents=demo_documents()[:1], source="demo"))

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert said == [("look-ahead failed", "RuntimeError: out of memory (the reveal tries again)")]  # not swallowed
        monkeypatch.setattr(GuessGame, "reveal", fails)
        await type_text(pilot, "Once")
        await pilot.press("enter")
        await settle(app, pilot)
        assert said[-1] == ("model call failed", "RuntimeError: out of memory")
        assert not screen.busy and screen.game.position == 0  # free again: a key is answered
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert screen.game.position == 1 and app.is_running
        monkeypatch.setattr(GuessGame, "preview", fails)
        await type_text(pilot, "s")
        await settle(app, pilot)
        assert said[-1] == ("preview failed", "RuntimeError: out of memory")

    run(app, script)


def test_guess_mode_end_of_text(default_lm: LoadedModel, home: Path) -> None:
    doc = Document("short", "Hello there", "short")
    app = LmgameApp(PlaySetup(models=[default_lm], documents=[doc], source="--text"))
    n = len(Board(doc, [default_lm]))

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        assert screen.game.finished
        assert "finished" in screen.sub_title
        assert "Ctrl+T" in screen.query_one(TokenPreview).plain
        assert screen.query_one(ReadingPane).plain.endswith("(end of text)")
        await pilot.press("ctrl+t")  # one text: next text starts it again
        await settle(app, pilot)
        assert screen.game.position == 0 and f"token 1/{n}" in screen.sub_title

    run(app, script)


def _position_without_boundary(lm: LoadedModel, other: LoadedModel) -> tuple[Document, int] | None:
    for doc in demo_documents():
        board = Board(doc, [lm, other])
        for position, start in enumerate(board.positions):
            if start not in board.tracks[1].index_at:
                return doc, position
    return None


def test_two_models_side_by_side_and_a_missing_boundary(default_lm: LoadedModel, stories260k: LoadedModel,
                                                        home: Path) -> None:
    found = _position_without_boundary(default_lm, stories260k)
    if found is None:
        pytest.skip("no demo text has a position where stories260K has no token boundary")
    doc, position = found
    app = LmgameApp(PlaySetup(models=[default_lm, stories260k], documents=[doc], source="demo"))

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        for _ in range(position // 10):
            await pilot.press("ctrl+f")
            await settle(app, pilot)
        for _ in range(position % 10):
            await pilot.press("ctrl+n")
            await settle(app, pilot)
        assert screen.game.position == position
        await type_text(pilot, "x")
        await pilot.press("enter")
        await settle(app, pilot)
        first, second = screen.query(PredictionsPanel)
        assert first.label == default_lm.identity.label and second.label == stories260k.identity.label
        assert first.plain.startswith("true ")
        assert "no token boundary here" in second.plain
        tallies = screen.game.tallies
        assert (tallies[0].positions, tallies[1].positions) == (1, 0)
        assert stories260k.identity.label in screen.query_one(GuessScoreboard).plain

    run(app, script)
    (row,) = rows(home)
    assert [m["identity"] for m in row["models"]] == [default_lm.identity.as_dict()]
    assert sessions(home)[0][1] == [default_lm.identity.as_dict(), stories260k.identity.as_dict()]


def test_which_mode_answer_skip_and_log(default_lm: LoadedModel, home: Path) -> None:
    doc = demo_documents()[0]
    app = LmgameApp(PlaySetup(models=[default_lm], documents=[doc], source="demo", mode="which", seed=3))
    reference = WhichGame(Board(doc, [default_lm]), top_k=10, seed=3)
    question = reference.question()
    expected = reference.answer(0.7)

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, WhichScreen)
        card = screen.query_one(QuestionCard).plain
        assert f"first:   {visible(question.first)} " in card and f"second:   {visible(question.second)} " in card
        await pilot.press("7")
        await settle(app, pilot)
        assert screen.game.answered == 1 and screen.game.position == 1
        answer = screen.query_one(AnswerCard).plain
        assert "the true token was the " + ("FIRST" if question.true_is_first else "SECOND") in answer
        assert f"model: {expected.model_first:.1%} first → {expected.model_bits:.2f} bits" in answer
        board = screen.query_one(WhichScoreboard).plain
        assert f"1 answer   mean log loss: you {expected.player_bits:.2f} bits" in board
        assert f"perplexity: you ≈ {reference.player_perplexity():.1f}" in board
        assert f"model ≈ {reference.model_answer_perplexity():.1f} with the same answers" in board
        assert f"({reference.model_perplexity():.1f} exact)" in board
        assert "token 2/" in screen.sub_title

        await pilot.press("n")
        await settle(app, pilot)
        assert screen.game.position == 2 and screen.game.answered == 1

    run(app, script)
    (row,) = rows(home)
    assert row["mode"] == "which" and row["guess"] == "0.7"
    assert row["true_token"] == question.view.true.token
    assert row["extra"]["first"] == question.first and row["extra"]["second"] == question.second
    assert row["models"][0]["identity"] == default_lm.identity.as_dict()
    assert sessions(home) == [("which", [default_lm.identity.as_dict()], "demo")]


def test_which_mode_answers_from_1_to_99_percent_by_key(default_lm: LoadedModel, home: Path) -> None:
    doc = demo_documents()[0]
    app = LmgameApp(PlaySetup(models=[default_lm], documents=[doc], source="demo", mode="which", seed=3))
    keys = {"q": 0.01, "w": 0.05, "1": 0.1, "5": 0.5, "9": 0.9, "o": 0.95, "p": 0.99}

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, WhichScreen)
        assert answers_line() == "q 1%  w 5%  1…9 10%…90%  o 95%  p 99%"
        assert answers_line() in screen.query_one(QuestionCard).plain
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)
        assert screen.game.answered == len(keys)

    run(app, script)
    assert [float(row["guess"]) for row in rows(home)] == list(keys.values())
    assert {key: ANSWER_KEYS[key] for key in keys} == keys


@pytest.mark.parametrize(("top_k", "last_line"), [
    (4, "a 50.00%  b 50.00%  c 50.00%  d 50.00%"),  # the final entry needs no room kept for "+N more"
    (6, "a 50.00%  b 50.00%  c 50.00%  +3 more"),
])
def test_the_answer_cards_top_k_keeps_room_for_more_only_while_entries_are_left(top_k: int, last_line: str) -> None:
    from engine.nexttoken import TokenProb
    from games.board import Judgement, ModelView
    from games.which_mode import WhichOutcome, WhichQuestion

    top = [TokenProb(n, token, 0.5, 1.0) for n, token in enumerate("abcdef"[:top_k])]
    view = ModelView({}, top, Judgement(99, "z", 0.01, 9), None, [])  # type: ignore[arg-type]
    question = WhichQuestion(3, "a", "z", 0, 99, False, view)
    outcome = WhichOutcome(question, 0.5, 0.5, 0.5, 0.5, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0)
    card = AnswerCard()
    card._style = lambda name: ""  # type: ignore[method-assign]  # no app: no component styles
    lines = [line.plain for line in card._top_k_lines(outcome, 40)]
    assert lines == [f"model's top {top_k} (true token: rank 9):", last_line]  # the title leaves no room


@pytest.mark.parametrize("top_k", [10, 3])
def test_which_mode_shows_the_models_top_k_at_80x24(default_lm: LoadedModel, home: Path, top_k: int) -> None:
    doc = demo_documents()[0]
    app = LmgameApp(PlaySetup(models=[default_lm], documents=[doc], source="demo", mode="which", seed=3,
                              top_k=top_k))
    reference = WhichGame(Board(doc, [default_lm]), top_k=top_k, seed=3)
    reference.question()
    view = reference.answer(0.7).question.view

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, WhichScreen)
        await pilot.press("7")
        await settle(app, pilot)
        card = screen.query_one(AnswerCard)
        lines = card.plain.splitlines()
        assert lines[2].startswith(f"model's top {top_k} (true token: rank {view.true.rank}):")
        cells = [cell for line in lines[2:] for cell in line.split("  ")][1:]
        if cells[-1].startswith("+"):
            assert cells.pop() == f"+{top_k - len(cells)} more"
        expected = [f"{token_shown(entry.token, TOKEN_WIDTH)} {prob_text(entry.prob)}"
                    + (" ◀" if entry.id == view.true.id else "") for entry in view.top_k]
        assert cells == expected[: len(cells)] and len(cells) >= min(top_k, 6)
        assert len(lines) <= 4 and all(len(line) <= card.content_size.width for line in lines)
        # everything fits: each widget inside the screen, and the text pane keeps lines to read
        for widget in (screen.query_one(QuestionCard), card, screen.query_one(WhichScoreboard)):
            assert widget.region.bottom <= 23
        assert screen.query_one("#reading-scroll").region.height >= 3

    run(app, script, size=(80, 24))


def test_terminal_too_small_and_restored(default_lm: LoadedModel, home: Path) -> None:
    app = LmgameApp(PlaySetup(models=[default_lm], documents=demo_documents()[:1], source="demo"))

    def guard() -> TooSmall:
        return app.screen.query_one(TooSmall)

    async def script(pilot: Pilot) -> None:
        assert isinstance(app.screen, GuessScreen) and guard().display
        assert guard().region.size == app.size  # it covers the screen
        assert guard().plain == "terminal too small: lmgame needs at least 80x24, this one is 60x20"
        assert guard().plain in " ".join(screen_text(app).split())  # wrapped to the width
        await pilot.resize_terminal(100, 22)
        await pilot.pause()
        assert guard().display and guard().plain.endswith("this one is 100x22")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not guard().display and "terminal too small" not in screen_text(app)
        assert app.screen.game is not None and app.focused is app.screen.query_one("#guess")
        await pilot.resize_terminal(79, 40)
        await pilot.pause()
        assert guard().display and isinstance(app.screen, GuessScreen)

    run(app, script, size=(60, 20))


def test_help_opens_and_closes(default_lm: LoadedModel, home: Path) -> None:
    app = LmgameApp(PlaySetup(models=[default_lm], documents=demo_documents()[:1], source="demo"))

    async def script(pilot: Pilot) -> None:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, GuessScreen)

    run(app, script)

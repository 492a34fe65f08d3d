"""Which context drives a prediction, on screen: from a reveal in play (Ctrl+O) and from a workbench instance (x),
the context coloured by occlusion, the figures those of `lmgame explain`, and Esc back."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Static

from engine.cache import ResultCache
from engine.corpus import Document
from games.candidates import Candidate
from games.explain import explanation
from games.scoring import Corpus, ScoreOptions, score_all
from tests.conftest import run, settle
from tui.app import LmgameApp
from tui.screens.attribution import AttributionScreen
from tui.setup import PlaySetup

TEXT = "Lily had a red ball. Tom saw the ball. Lily gave the red ball to Tom. Tom said thank you to Lily."


def test_explain_a_reveal_in_play(default_lm) -> None:
    from tui.screens.guess import GuessScreen

    app = LmgameApp(PlaySetup(models=[default_lm], documents=[Document("t", TEXT)], source="--text"))

    async def script(pilot) -> None:
        game_screen = app.screen
        assert isinstance(game_screen, GuessScreen)
        await pilot.press("ctrl+o")  # nothing revealed yet: a word, no screen
        await settle(app, pilot)
        assert app.screen is game_screen
        for _ in range(12):
            await pilot.press("ctrl+n")
            await settle(app, pilot)
        await pilot.press(*"ball", "enter")
        await settle(app, pilot)
        outcome = game_screen.last_outcome
        assert outcome is not None and outcome.true_text == " gave"
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AttributionScreen)
        ((occluded, attended),) = screen.explanations
        direct = explanation(default_lm, outcome.context, " gave", None, "occlusion")
        assert [t["score"] for t in occluded["tokens"]] == [t["score"] for t in direct["tokens"]]
        assert attended["method"] == "attention" and attended["layers"]
        shown = str(screen.query_one("#attribution-text", Static).render())
        top = max(direct["tokens"], key=lambda t: abs(t["score"]))
        assert f"#{top['index']} {-top['score']:+.2f}" in shown  # the token that moves it most, first
        assert "heads attending most from the predicting position to" in shown
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is game_screen

    run(app, script)


def test_explain_an_instance_from_the_workbench(default_lm) -> None:
    from tui.screens.instances import InstancesScreen

    corpus = Corpus("t", [Document("t", TEXT)])
    names_again = Candidate(name="tom-again", finder=r"(?<=to )(?P<answer>Tom)", predictor="Tom")
    (result,) = score_all([names_again], [default_lm], corpus, ScoreOptions(), ResultCache(None))
    assert result.rows and result.rows[0].scored
    setup = PlaySetup(models=[default_lm], documents=list(corpus.documents), source="test")

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(InstancesScreen(setup, result))

    app = Host()

    async def script(pilot) -> None:
        instances = app.screen
        row = instances.current
        await pilot.press("x")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AttributionScreen)
        assert row.scored_answer == " Tom" and row.span_start == row.offset - 1  # the token ␣Tom
        assert screen.question.text == TEXT[: row.span_start] and screen.question.answer == row.scored_answer
        ((occluded, _),) = screen.explanations
        assert occluded["scored_answer"] == row.scored_answer
        assert occluded["value"] == explanation(default_lm, screen.question.text, row.scored_answer)["value"]
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is instances

    run(app, script)


def test_a_long_context_is_explained_from_its_end() -> None:
    from tui.screens.attribution import CONTEXT_CHARS, Question, shortened

    long = Question("word " * 2000 + "Lily saw", " Tom")
    short = shortened(long)
    assert len(short.text) <= CONTEXT_CHARS and long.text.endswith(short.text) and short.text.startswith("word")
    assert short.answer == " Tom" and shortened(Question("a b", "c")) == Question("a b", "c")

"""Game rules and scoring on real models: the embedded default model and stories260K."""

from __future__ import annotations

import math

import pytest
import torch

from engine.corpus import Document
from games.board import Board
from games.guess_mode import GuessGame
from games.which_mode import ANSWERS, WhichGame, nearest_answer

STORY = Document("t1", "Once upon a time, there was a little dog named Max. Max liked to run in the park.", "test")


def test_guess_right_and_wrong(default_lm) -> None:
    game = GuessGame(Board(STORY, [default_lm]), top_k=5)
    first = game.reveal(game.board.true_text(0))
    assert first.player_correct and first.position == 0 and game.position == 1
    wrong = game.reveal("zebra")
    assert not wrong.player_correct
    model = wrong.models[0]
    assert model.guess_tokens and model.guess_first is not None
    assert len(model.view.top_k) == 5
    tally = game.tallies[0]
    assert tally.positions == 2 and tally.player_correct == 1
    assert tally.model_correct == sum(o.models[0].view.true.rank == 1 for o in (first, wrong))


def test_reveal_matches_a_direct_forward_pass(default_lm) -> None:
    board = Board(STORY, [default_lm])
    game = GuessGame(board, top_k=3)
    game.skip(7)
    outcome = game.reveal("dog and the cat")
    ids = board.tracks[0].ids
    with torch.no_grad():
        logits = default_lm.model(torch.tensor([[default_lm.bos_id] + ids[:7]])).logits[0, -1].float()
    probs = torch.softmax(logits, -1)
    view = outcome.models[0].view
    assert view.true.id == ids[7]
    assert abs(view.true.prob - float(probs[ids[7]])) < 1e-5
    assert [t.id for t in view.top_k] == torch.topk(probs, 3).indices.tolist()
    # the whole guess, teacher-forced, is the sum of its tokens' log-probabilities
    tokens = outcome.models[0].guess_tokens
    guess_ids = outcome.models[0].view.guess.ids
    with torch.no_grad():
        forced = default_lm.model(torch.tensor([[default_lm.bos_id] + ids[:7] + guess_ids])).logits[0].float()
    expected = sum(float(torch.log_softmax(forced[7 + i], -1)[t]) for i, t in enumerate(guess_ids))
    assert len(guess_ids) >= 1 and outcome.models[0].guess_logprob == pytest.approx(expected, abs=1e-4)
    assert "".join(tokens) == outcome.guess


def test_multi_token_guess_judged_on_first_token(stories260k) -> None:
    board = Board(STORY, [stories260k])
    game = GuessGame(board)
    game.skip(board.position_at_offset(STORY.text.index("Max liked")))
    true_first = board.true_text(game.position)
    outcome = game.reveal("+" + true_first + "xyz and his friends")
    assert len(outcome.models[0].guess_tokens) > 1
    assert outcome.player_correct  # the first token is right, the rest does not count against it


def test_skip_colours_tokens_and_finishes(default_lm) -> None:
    game = GuessGame(Board(STORY, [default_lm]))
    skipped = game.skip(10_000)
    assert skipped == len(game.board) and game.finished
    assert sorted(game.ranks) == list(range(len(game.board)))
    with pytest.raises(IndexError):
        game.reveal("x")


def test_models_with_different_tokenizers_side_by_side(default_lm, stories260k) -> None:
    board = Board(STORY, [default_lm, stories260k])
    game = GuessGame(board)
    aligned = 0
    for _ in range(len(board)):
        outcome = game.reveal("the")
        second = outcome.models[1]
        if second is not None:
            aligned += 1
            assert second.view.true.token.strip() or second.view.true.token == " "
    assert 0 < aligned <= len(board)
    assert game.tallies[1].positions == aligned
    assert game.tallies[0].positions == len(board)


def test_which_mode_scoring(default_lm) -> None:
    game = WhichGame(Board(STORY, [default_lm]), seed=3)
    question = game.question()
    assert question.view.true.id in (question.first_id, question.second_id)
    assert question.first_id != question.second_id
    outcome = game.answer(0.7)
    p_true = 0.7 if question.true_is_first else 0.3
    assert outcome.player_bits == pytest.approx(-math.log2(p_true))
    dist = question.view.distribution
    p1, p2 = dist.prob(question.first_id), dist.prob(question.second_id)
    assert outcome.model_first == pytest.approx(p1 / (p1 + p2))
    assert game.answered == 1 and game.position == 1


def test_which_mode_perplexity_estimate_is_exact_for_a_player_who_answers_like_the_model(default_lm) -> None:
    """The importance-sampling estimate recovers the model's own perplexity when the player's odds are the
    model's: a check that the estimator and the sampling agree."""
    game = WhichGame(Board(STORY, [default_lm]), seed=11)
    for _ in range(12):
        game.question()
        question = game.question()
        dist = question.view.distribution
        p1, p2 = dist.prob(question.first_id), dist.prob(question.second_id)
        game.answer(min(max(p1 / (p1 + p2), 1e-9), 1 - 1e-9))
    assert game.player_perplexity() == pytest.approx(game.model_perplexity(), rel=1e-4)
    assert game.player_mean_bits() == pytest.approx(game.model_mean_bits(), rel=1e-6)


def test_which_mode_scores_the_model_answering_the_same_way(default_lm) -> None:
    """The model's comparable figure is the same estimator on its own odds rounded to the allowed answers: a
    player who answers as the model would, with the same answers, scores exactly that, and every answer the
    screen offers (1% to 99%) is scored and logged as given."""
    game = WhichGame(Board(STORY, [default_lm]), seed=5)
    for _ in range(10):
        question = game.question()
        dist = question.view.distribution
        p1, p2 = dist.prob(question.first_id), dist.prob(question.second_id)
        outcome = game.answer(nearest_answer(p1 / (p1 + p2)))
        assert outcome.model_answer == outcome.player_first and outcome.model_answer in ANSWERS
    assert game.player_perplexity() == pytest.approx(game.model_answer_perplexity(), rel=1e-12)
    assert game.model_perplexity() == pytest.approx(math.exp(sum(s.model_nats for s in game.scores) / 10))
    for answer in (0.01, 0.05, 0.95, 0.99):
        outcome = game.answer(answer)
        record = game.record(outcome, "s")
        assert float(record.guess) == answer and record.extra["player_first"] == answer
        p_true = answer if outcome.question.true_is_first else 1 - answer
        assert outcome.player_bits == pytest.approx(-math.log2(p_true))


def test_which_mode_is_seeded(default_lm) -> None:
    def draws(seed: int) -> list[tuple[int, int]]:
        game = WhichGame(Board(STORY, [default_lm]), seed=seed)
        out = []
        for _ in range(6):
            q = game.question()
            out.append((q.first_id, q.second_id))
            game.answer(0.5)
        return out

    assert draws(5) == draws(5)


def test_byte_tokens_of_one_character_are_separate_positions(default_lm) -> None:
    board = Board(Document("e", "Mia smiled 😀 and said 你好 to Tom."), [default_lm])
    ids = board.tracks[0].ids
    starts = board.positions
    assert len(set(starts)) < len(starts), "the text should have characters split into several byte tokens"
    game = GuessGame(board)
    for position in range(len(board)):
        assert game.reveal("x").models[0].view.true.id == ids[position]


def test_look_ahead_in_a_thread_gives_the_same_reveal(default_lm) -> None:
    import threading

    cold, warm = GuessGame(Board(STORY, [default_lm])), GuessGame(Board(STORY, [default_lm]))
    models = threading.Lock()  # as the TUI's model lock: a board's callers take turns

    def look_ahead() -> None:
        with models:
            warm.look_ahead()

    for _ in range(6):
        ahead = threading.Thread(target=look_ahead)
        ahead.start()
        with models:
            warm.preview("little dog")  # the live preview, in its own worker, before or after the look-ahead
        ahead.join()
        a, b = cold.reveal("little dog"), warm.reveal("little dog")
        true_a, true_b = a.models[0].view.true, b.models[0].view.true
        assert (true_a.id, true_a.rank) == (true_b.id, true_b.rank)
        assert true_a.prob == pytest.approx(true_b.prob, abs=1e-5)  # one forward of two tokens, or two of one
        assert a.models[0].guess_logprob == pytest.approx(b.models[0].guess_logprob, abs=1e-5)
        assert [t.id for t in a.models[0].view.top_k] == [t.id for t in b.models[0].view.top_k]

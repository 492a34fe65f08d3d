"""Reviewing the guess log, and mining its disagreements for recurring patterns with proposed candidates."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from games.candidate_files import load_file, save_candidate
from games.log import GuessLog, GuessRecord, ModelRecord
from games.patterns import example_context, fitted, mine_patterns, propose_for_row
from games.review import ModelVerdict, ReviewFilter, ReviewRow, read_review

SMALL = {"name": "small", "source": "/s", "revision": "aaaa1111", "architecture": "GPT2LMHeadModel",
         "dtype": "float32"}
BIG = {**SMALL, "name": "big", "revision": "bbbb2222"}


def row(context: str, true: str, guess: str, model_right: bool = True, number: int = 0) -> ReviewRow:
    rank = 1 if model_right else 7
    top = [{"token": true if model_right else " the", "id": 1, "prob": 0.6, "logit": 3.0}]
    return ReviewRow(id=number, session="s", source="demo", text_id="t", offset=len(context), context=context,
                     guess=guess, true_token=true, player_correct=guess == true,
                     models=[ModelVerdict("small@aaaa1111", SMALL, rank, 0.6, top)])


def groups_by_feature(rows: list[ReviewRow]) -> dict[tuple[str, str], object]:
    return {(g.feature, g.key): g for g in mine_patterns(rows)}


def test_same_true_token_and_same_words_before() -> None:
    rows = [row("The end.\nOnce upon a", " time", " day"), row("Hello. Once upon a", " time", " day"),
            row("It was fun. Once upon a", " time", " hill"), row("Once upon a", " time", " time")]
    groups = groups_by_feature(rows)
    token = groups[("true-token", " time")]
    assert token.count == 3  # the fourth is no disagreement: both right
    proposal = token.proposal
    assert proposal.predictor == "time" and proposal.foil == "day"
    candidate = proposal.to_candidate()
    found = list(candidate.find("A story. Once upon a time there was a cat. Once upon a hill."))
    assert [(f.answer, f.predicted) for f in found] == [("time", "time"), ("hill", "time")]
    assert len(proposal.examples) == 3 and candidate.check_examples() == []
    assert groups[("previous-words", "upon a")].count == 3


def test_induction_like_copies() -> None:
    rows = [row("Harry Potter went to school. Later Harry", " Potter", " said"),
            row("Mr Dursley left for work. Then Mr", " Dursley", " Smith"),
            row("I saw a red ball. Then a", " red", " big")]
    group = groups_by_feature(rows)[("induction", "induction")]
    assert group.count == 3
    candidate = group.proposal.to_candidate()
    assert candidate.check_examples() == [] and len(group.proposal.examples) >= 2


def test_names_numbers_and_closing_marks() -> None:
    rows = [row("There was a dog named Max.", " Max", " He"), row("A cat was named Tom.", " Tom", " It"),
            row("Metals conduct [1]. Not always [", "2", "1"), row("See [4] and also [", "5", "3"),
            row('The cow said, "I am lonely.', '"', " I"), row('Tim asked, "Where is it?', '"', " He")]
    groups = groups_by_feature(rows)
    names = groups[("earlier-name", "earlier-name")]
    assert names.count == 2 and names.proposal.predictor == "{name}" and len(names.proposal.examples) == 2
    numbers = groups[("number-sequence", "number-sequence")]
    assert numbers.count == 2 and numbers.proposal.predictor == "{n|inc}" and numbers.proposal.foil == "{n}"
    assert numbers.proposal.to_candidate().check_examples() == [] and len(numbers.proposal.examples) == 2
    quotes = groups[("closing", '"')]
    assert quotes.count == 2 and quotes.proposal.predictor == '"' and len(quotes.proposal.examples) == 2


def test_a_pronoun_that_starts_sentences_is_not_an_earlier_name() -> None:
    rows = [row("Tom had a ball. He threw it. Then", " He", " Tom"),
            row("The cat ran. The dog sat. Then", " The", " A"),
            row("Will went home. She saw Will, and", " Will", " Sue"),
            row("Ben saw Ann. Later", " Ben", " Ann")]
    names = groups_by_feature(rows)[("earlier-name", "earlier-name")]
    assert [r.true_token for r in names.rows] == [" Will", " Ben"]  # "Will" is capitalised mid-sentence there


def test_min_count_and_order() -> None:
    rows = [row(f"Story {i}. Once upon a", " time", " day") for i in range(4)] + [row("A big", " dog", " cat")]
    groups = mine_patterns(rows, min_count=2)
    assert groups[0].count == 4 and all(g.count >= 2 for g in groups)
    assert not any(g.key == " dog" for g in groups)
    assert any(g.key == " dog" for g in mine_patterns(rows, min_count=1))


def test_a_single_row_proposal_saves_and_loads_back(tmp_path: Path) -> None:
    proposal = propose_for_row(row("See [4] and also [", "5", "3"))
    assert proposal.predictor == "{n|inc}"
    path = save_candidate(proposal.to_candidate(), tmp_path)
    (loaded,) = load_file(path)
    assert loaded.finder == proposal.finder and loaded.check_examples() == [] and loaded.kind == "toml"
    plain = propose_for_row(row("the little", " girl", " boy"))
    assert plain.predictor == "girl" and plain.to_candidate().find_example(plain.to_candidate().examples[0])


def test_read_review_and_filters(tmp_path: Path) -> None:
    def record(session: str, offset: int, true: str, guess: str, small_rank: int, big_rank: int) -> GuessRecord:
        top = [{"token": true, "id": 3, "prob": 0.4, "logit": 1.0}]
        return GuessRecord(session=session, mode="guess", text_id="doc", offset=offset, context="A big", guess=guess,
                           true_token=true, player_correct=guess == true, elapsed_s=1.0,
                           models=[ModelRecord(SMALL, top, 3, 0.4, small_rank),
                                   ModelRecord(BIG, top, 3, 0.4, big_rank)])

    with GuessLog(tmp_path / "log.sqlite3") as log:
        first = log.start_session("guess", [SMALL, BIG], "demo")
        second = log.start_session("guess", [SMALL, BIG], "notes.txt")
        log.add(record(first, 1, " dog", " cat", 1, 1))  # model right, player wrong
        log.add(record(first, 2, " dog", " dog", 4, 1))  # player right; small wrong, big right
        log.add(record(second, 3, " cat", " dog", 9, 2))  # both wrong
        log.add(record(second, 4, " cat", " cat", 1, 1))  # both right
        which = log.start_session("which", [SMALL], "demo")
        log.add(GuessRecord(session=which, mode="which", text_id="doc", offset=5, context="x", guess="0.7",
                            true_token=" y", player_correct=True, elapsed_s=1.0, models=[]))
        everything = read_review(log)
        assert [r.offset for r in everything] == [1, 2, 3, 4]  # which-one answers are not guesses
        assert everything[2].source == "notes.txt" and everything[0].verdict("big").label == "big@bbbb2222"

        def offsets(**kwargs: str) -> list[int]:
            return [r.offset for r in read_review(log, ReviewFilter(**kwargs))]

        assert offsets(kind="model-right-player-wrong") == [1]
        assert offsets(kind="player-right-model-wrong") == [2]
        assert offsets(kind="player-right-model-wrong", model="big") == []
        assert offsets(kind="both-wrong") == [3]
        assert offsets(kind="disagreements") == [1, 2, 3]
        assert offsets(session=second) == [3, 4]
        assert offsets(true_token=" cat") == [3, 4]
        assert offsets(true_token="cat") == [3, 4]  # as a guess is typed: a word after a word gets its space
        assert offsets(true_token="+cat") == []  # glued to the word before: "A bigcat"
        assert offsets(model="nobody") == []


def test_guesses_at_the_start_of_texts_and_opening_quotes() -> None:
    rows = [row("", "Once", "The"), row("", "Once", "A"), row('He said,', ' "', " that"), row('She said,', ' "', " no")]
    groups = groups_by_feature(rows)
    assert groups[("true-token", "Once")].count == 2 and groups[("true-token", "Once")].proposal is not None
    assert not any(feature == "closing" for feature, _ in groups)  # ␣" opens a quote


def test_examples_are_distinct_and_start_at_a_word() -> None:
    filler = " ".join(f"word{i}" for i in range(60))  # longer than the shortest context an example keeps
    rows = [row(f"{filler}. Once upon a", " time", " day", number=n) for n in range(2)]  # one guess, logged twice
    rows.append(row(f"A tale: {filler}. Once upon a", " time", " hill"))
    proposal = groups_by_feature(rows)[("true-token", " time")].proposal
    assert proposal.examples and len(set(proposal.examples)) == len(proposal.examples)
    for context, _answer in proposal.examples:
        whole = next(r.context + " " for r in rows if (r.context + " ").endswith(context))
        start = len(whole) - len(context)
        assert start == 0 or (whole[start - 1].isspace() and not context[0].isspace())
    assert proposal.to_candidate().check_examples() == []
    assert example_context("abc def ghi", 5) == "ghi" and example_context("abc def ghi", 7) == "def ghi"
    assert example_context("abcdefghi", 3) is None and example_context("abcdefghi", 9) == "abcdefghi"


def test_a_fitted_proposal_keeps_what_its_check_passes_and_says_so() -> None:
    rows = [row("There was a dog named Max.", " Max", " He"), row("A cat was named Tom.", " Tom", " It")]
    proposal = groups_by_feature(rows)[("earlier-name", "earlier-name")].proposal
    assert len(proposal.examples) == 2 and proposal.description.endswith("(promoted from 2 logged guesses).")
    proposal.finder = proposal.finder.replace("(?P<name>[A-Z][a-z]+)", "(?P<name>Tom)")
    saved = fitted(proposal, ["Tom the cat was named Tom. Tom sat. A dog named Rex. Rex ran."])
    assert saved.to_candidate().check_examples() == []
    assert [answer for _, answer in saved.examples] == ["Tom", "Tom"]  # one from the guesses, one from the text
    assert saved.description.endswith("(promoted from 2 logged guesses; saved with 2 examples that pass its check).")
    assert fitted(saved).description == saved.description  # saved again: the note is replaced, not repeated
    edited = fitted(dataclasses.replace(proposal, description="My own words."))
    assert edited.description == "My own words."


def test_a_promoted_closing_quote_is_scored_at_its_mark_as_the_built_in_is(default_lm) -> None:
    from engine.cache import ResultCache
    from engine.corpus import Document
    from games.library import load_library
    from games.scoring import Corpus, ScoreOptions, score_all

    rows = [row('The cow said, "I am lonely.', '"', " I"), row('Tim asked, "Where is it?', '"', " He")]
    quotes = groups_by_feature(rows)
    proposal = quotes[("closing", '"')].proposal
    assert proposal.finder == load_library().candidates["close-quote"].finder
    corpus = Corpus("quote", [Document("tom", 'Tom said, "I like it. Can we go?"')])
    (result,) = score_all([proposal.to_candidate()], [default_lm], corpus, ScoreOptions(), ResultCache(None))
    assert [r.offset for r in result.rows] == [21, 32]  # right after "it." and after "go?"
    assert all(r.scored_answer != ' "' and (r.scored_answer or "").endswith('"') for r in result.rows)

"""Candidates: the built-in library (examples, predictors, accuracy on the real corpora) and the file formats."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from engine.errors import LmgameError
from games.candidate_files import check_file
from games.candidates import Candidate, DocumentTimeout, Example, Found
from games.library import load_library
from tests.conftest import shared


@pytest.fixture(scope="module")
def builtin() -> dict[str, Candidate]:
    library = load_library(user_dir=Path("/nonexistent"))
    assert not library.warnings
    return library.candidates


def texts(*parts: str) -> list[str]:
    with shared(*parts).open(encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in lines]


@pytest.fixture(scope="module")
def stories() -> list[str]:
    return texts("tinystories", "stories.jsonl")


@pytest.fixture(scope="module")
def web() -> list[str]:
    return texts("openwebtext", "sample.jsonl")


def at_end(candidate: Candidate, context: str, answer: str) -> Found:
    """The instance at the end of `context` in `context + answer`; the test fails when there is none."""
    found = candidate.find_example(Example(context, answer))
    assert found is not None, f"{candidate.name} finds nothing at the end of {context!r}"
    assert found.error is None
    return found


def predicts(candidate: Candidate, context: str, answer: str) -> tuple[str | None, str | None]:
    found = at_end(candidate, context, answer)
    return found.predicted, found.foil


def accuracy(candidate: Candidate, documents: list[str]) -> tuple[int, float]:
    """(instances where the heuristic applies, share of them where it gives the text's answer)."""
    found = [f for text in documents for f in candidate.find(text, timeout=2.0) if f.predicted is not None]
    assert all(f.error is None for f in found)
    return len(found), sum(f.predicted == f.answer for f in found) / max(len(found), 1)


# --- the built-in library


def test_every_builtin_loads_with_checked_examples(builtin: dict[str, Candidate]) -> None:
    required = {"induction", "induction-full-name", "induction-long-word", "acronym", "ioi", "ioi-extended", "email",
                "agreement-is-are", "agreement-was-were", "citation", "img-alt-src", "once-upon-a-time",
                "from-that-day-on", "close-quote", "named-next-sentence", "repeated-name", "pronoun-for-named"}
    assert required <= set(builtin)
    for name, candidate in builtin.items():
        assert candidate.source == "built-in" and candidate.description and candidate.tags, name
        assert 2 <= len(candidate.examples) <= 5, name
        assert candidate.check_examples() == [], name


def test_builtin_files_pass_check_file() -> None:
    folder = Path(__file__).resolve().parents[1] / "games" / "builtin_candidates"
    files = sorted(folder.glob("*.toml")) + sorted(folder.glob("*.py"))
    assert any(f.suffix == ".toml" for f in files) and any(f.suffix == ".py" for f in files)
    for file in files:
        candidates, problems = check_file(file)
        assert candidates and problems == [], file


def test_acronym(builtin: dict[str, Candidate]) -> None:
    acronym = builtin["acronym"]
    assert predicts(acronym, "In a statement released by the Big Government Agency (", "BGA") == ("BGA", None)
    assert predicts(acronym, "the Federal Bureau of Investigation (", "FBI")[0] == "FBI"
    assert predicts(acronym, "According to the European Central Bank (", "ECB")[0] == "ECB"
    assert predicts(acronym, "the NASA's Jet Propulsion Laboratory (", "JPL")[0] == "JPL"
    assert predicts(acronym, "we measured the total dissolved Solids (", "TDS")[0] is None  # one capital: abstains


def test_ioi(builtin: dict[str, Candidate]) -> None:
    ioi = builtin["ioi"]
    assert predicts(ioi, "When John and Mary went to the store, Mary gave a drink to ", "John") == ("John", "Mary")
    assert predicts(ioi, "When John and Mary went to the store, John gave a drink to ", "Mary") == ("Mary", "John")
    extended = builtin["ioi-extended"]
    context = "When John, Mary and Tom went to the store, Mary and Tom gave a drink to "
    assert predicts(extended, context, "John") == ("John", "Tom")
    # no second mention, so all three are tied: the heuristic does not apply
    assert predicts(extended, "Tom, Sue and Max went to ", "Paris")[0] is None


def test_email(builtin: dict[str, Candidate]) -> None:
    email = builtin["email"]
    context = "Hi! My name is John Smith, and I work at Apple. My email address is "
    assert predicts(email, context, "johnsmith@apple.com")[0] == "johnsmith@apple.com"
    assert predicts(email, "I'm Ana Diaz and I work for Blue Origin. Mail ", "x@y.org")[0] == "anadiaz@blueorigin.com"
    assert predicts(email, "Write to the editors at ", "letters@nytimes.com")[0] is None


def test_agreement(builtin: dict[str, Candidate]) -> None:
    is_are, was_were = builtin["agreement-is-are"], builtin["agreement-was-were"]
    assert predicts(is_are, "The keys to the cabinet ", "is") == ("are", "is")
    assert predicts(is_are, "The key to the cabinets ", "is") == ("is", "are")
    assert predicts(is_are, "the glass of the windows ", "is") == ("is", "are")  # 'glass' ends in ss: singular
    assert predicts(was_were, "The people in the house ", "were") == ("were", "was")
    assert predicts(was_were, "The box of toys ", "was") == ("was", "were")
    assert predicts(was_were, "The toys in the boxes ", "were") == (None, None)  # no distractor of the other number


def test_citation(builtin: dict[str, Candidate]) -> None:
    citation = builtin["citation"]
    assert predicts(citation, "Metals conduct well [1]. But not always [", "2") == ("2", "1")
    assert predicts(citation, "See [41][", "42") == ("42", "41")
    found = list(citation.find("A [1] b [2] c [3] d [3] e [7"))
    assert [(f.answer, f.predicted) for f in found] == [("2", "2"), ("3", "3"), ("3", "4"), ("7", "4")]


def test_img_src(builtin: dict[str, Candidate]) -> None:
    img = builtin["img-alt-src"]
    context = '<img alt="A man in a hat" src="man_in_hat.jpg"><img alt="A dog in my house" src="'
    assert predicts(img, context, "dog_in_house.jpg")[0] == "dog_in_house.jpg"
    context = '<img alt="Old Mill" src="/photos/Old-Mill.png"> <img alt="The River at Night" src="'
    assert predicts(img, context, "x")[0] == "/photos/River-at-Night.png"
    assert predicts(img, '<img alt="A cat" src="', "cat.jpg")[0] is None  # no earlier tag to learn from
    context = '<img alt="A cat" src="IMG_0042.jpg"><img alt="A dog" src="'
    assert predicts(img, context, "IMG_0043.jpg")[0] is None  # the earlier name is not made from its alt


def test_tinystories_names(builtin: dict[str, Candidate]) -> None:
    pronoun = builtin["pronoun-for-named"]
    assert predicts(pronoun, "There was a little girl named Lily. ", "She") == ("She", "He")
    assert predicts(pronoun, "A king named Bob ruled the land. ", "He") == ("He", "She")
    assert predicts(pronoun, "There was a cat named Tom. ", "He") == (None, None)
    repeated = builtin["repeated-name"]
    assert predicts(repeated, "A fish named Nemo swam. A crab named Sam came. One day, ", "Nemo")[0] == "Sam"
    assert predicts(repeated, "Tom had a ball. One day, ", "Tom")[0] is None
    quote = builtin["close-quote"]
    found = list(quote.find('The cow said, "I am lonely. I want a friend." Then she left.'))
    # right after each mark, the text's own answer; the period after 'left' is outside the quote
    assert [(f.offset, f.answer) for f in found] == [(27, " I"), (44, '"')]


def test_induction(builtin: dict[str, Candidate]) -> None:
    assert predicts(builtin["induction"], "Pyotr Tchaikovsky was Russian. In 1877 Pyotr ", "Ilyich")[0] == "Tchaikovsky"
    assert predicts(builtin["induction"], "In 1877 Pyotr ", "Ilyich")[0] is None
    long_word = builtin["induction-long-word"]
    assert predicts(long_word, "Tchaikovsky wrote it. Then Tch", "aikovsky")[0] == "aikovsky"
    assert predicts(long_word, "The end of Tch", "aikovsky")[0] is None


# --- heuristic accuracy on the real corpora: a finder that matched junk would fall below these


@pytest.mark.parametrize(("name", "least", "low", "high"), [
    ("once-upon-a-time", 3000, 0.95, 1.0),
    ("from-that-day-on", 400, 0.9, 1.0),
    ("pronoun-for-named", 1000, 0.95, 1.0),
    ("they-after-pair", 1000, 0.9, 1.0),
    ("agreement-was-were", 40, 0.9, 1.0),
    ("ioi", 50, 0.75, 1.0),
    ("named-next-sentence", 2000, 0.5, 0.85),
    ("close-quote", 20000, 0.3, 0.55),  # after "," mostly the quote goes on (11%), after "?" it closes (90%)
])
def test_accuracy_on_tinystories(builtin: dict[str, Candidate], stories: list[str], name: str, least: int,
                                 low: float, high: float) -> None:
    count, share = accuracy(builtin[name], stories)
    assert count >= least and low <= share <= high, (count, share)


@pytest.mark.parametrize(("name", "least", "low"), [
    ("citation", 500, 0.5), ("acronym", 100, 0.5), ("induction-long-word", 5000, 0.8),
    ("induction-full-name", 5000, 0.6), ("agreement-is-are", 50, 0.7),
])
def test_accuracy_on_openwebtext(builtin: dict[str, Candidate], web: list[str], name: str, least: int,
                                 low: float) -> None:
    count, share = accuracy(builtin[name], web)
    assert count >= least and share >= low, (count, share)


def test_citation_on_constructed_text(builtin: dict[str, Candidate]) -> None:
    text = " ".join(f"Claim number {n} is supported [{n}]." for n in range(1, 31))
    count, share = accuracy(builtin["citation"], [text])
    assert (count, share) == (29, 1.0)


def test_no_builtin_finder_skips_the_longest_document(builtin: dict[str, Candidate], web: list[str]) -> None:
    """Within the default time limit on a 100,000-character page: no quadratic scan over a whole document
    (speed itself is measured by benchmarks, not here)."""
    longest = max(web, key=len)
    for candidate in builtin.values():
        try:
            list(candidate.find(longest, timeout=2.0))
        except DocumentTimeout:
            pytest.fail(f"{candidate.name} ran past 2 s on a {len(longest)}-character document")


# --- the file formats


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD_TOML = """name = "dog-name"
description = "A dog named X is called X again."
finder = 'named (?P<name>[A-Z][a-z]+)\\. (?P<answer>[A-Z][a-z]+)'
predictor = "{name}"

[[examples]]
context = "A dog named Max. "
answer = "Max"
"""


def only_problem(path: Path) -> str:
    candidates, problems = check_file(path)
    assert candidates == [] and len(problems) == 1, problems
    assert str(path) in problems[0] and "\n" not in problems[0]
    return problems[0]


def test_a_good_toml_file(tmp_path: Path) -> None:
    candidates, problems = check_file(write(tmp_path, "good.toml", GOOD_TOML))
    assert problems == [] and [c.name for c in candidates] == ["dog-name"] and candidates[0].kind == "toml"


@pytest.mark.parametrize(("text", "expected"), [
    ('name = "x"\nfinder = "(?P<answer>a)"\npredictor = \n', "line 3"),
    (GOOD_TOML.replace("predictor =", "predicter = '{name}'\npredictor ="), "unknown key 'predicter'"),
    ('name = "x"\npredictor = "a"\n', "'finder' is required"),
    ('name = "x"\nfinder = "(?P<answer>a"\npredictor = "a"\n', "at position"),
    ('name = "x"\nfinder = "(?P<name>a)"\npredictor = "{name}"\n', "no (?P<answer>...) group"),
    ('name = "x"\nfinder = "(?P<answer>a)"\npredictor = "{name}"\n', "'name', which is not a named group"),
    ('name = "x"\nfinder = "(?P<name>a)(?P<answer>b)"\npredictor = "{name.upper}"\n', "only {group} or {group|filter}"),
    ('name = "x"\nfinder = "(?P<name>a)(?P<answer>b)"\npredictor = "{name!r}"\n', "only {group} or {group|filter}"),
])
def test_toml_problems(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in only_problem(write(tmp_path, "bad.toml", text))


def test_an_example_the_predictor_gets_wrong(tmp_path: Path) -> None:
    path = write(tmp_path, "wrong.toml", GOOD_TOML.replace('answer = "Max"', 'answer = "Rex"'))
    candidates, problems = check_file(path)
    assert len(candidates) == 1 and len(problems) == 1
    assert str(path) in problems[0] and "gives 'Max'" in problems[0] and "'Rex'" in problems[0]
    path = write(tmp_path, "unmatched.toml", GOOD_TOML.replace('context = "A dog named Max. "', 'context = "Max "'))
    assert "does not match" in check_file(path)[1][0]


PYTHON_HEADER = "from games.candidates import candidate\n\n"


def test_python_problems(tmp_path: Path) -> None:
    syntax = write(tmp_path, "syntax.py", PYTHON_HEADER + "def broken(:\n    pass\n")
    assert f"{syntax}:3: syntax error" in only_problem(syntax)
    raising = write(tmp_path, "raising.py", PYTHON_HEADER + "x = 1\nraise ValueError('no data here')\n")
    problem = only_problem(raising)
    assert f"{raising}:4" in problem and "ValueError" in problem and "no data here" in problem
    invalid = write(tmp_path, "invalid.py",
                    PYTHON_HEADER + '@candidate(name="x", finder="(")\ndef f(m, c):\n    pass\n')
    assert f"{invalid}:3: finder is not a valid regular expression" in only_problem(invalid)
    empty = write(tmp_path, "empty.py", PYTHON_HEADER + "x = 1\n")
    assert "defines no candidate" in only_problem(empty)


def test_a_good_python_file(tmp_path: Path) -> None:
    path = write(tmp_path, "shout.py", PYTHON_HEADER + (
        '@candidate(name="shout", finder=r"(?P<word>\\w+)! (?P<answer>\\w+)", examples=[("Go! ", "Go")])\n'
        "def shout(match, context):\n"
        '    return match["word"]\n'))
    candidates, problems = check_file(path)
    assert problems == [] and candidates[0].kind == "python" and candidates[0].source == str(path)


def test_a_predictor_that_raises_is_recorded_and_the_search_goes_on() -> None:
    def fussy(match: object, context: str) -> str:
        if context.endswith("b "):
            raise KeyError("no b")
        return "ok"

    candidate = Candidate(name="fussy", finder=r"\w (?P<answer>\w)", predictor=fussy)
    found = list(candidate.find("a x b y c z"))
    assert [f.answer for f in found] == ["x", "y", "z"]
    assert found[1].predicted is None and "KeyError" in (found[1].error or "")
    assert found[0].predicted == found[2].predicted == "ok" and found[2].error is None


def test_a_catastrophic_finder_times_out() -> None:
    candidate = Candidate(name="slow", finder=r"(?:(?:a|aa)+)+(?P<answer>$)", predictor="x")
    started = time.perf_counter()
    with pytest.raises(DocumentTimeout):
        list(candidate.find("a" * 60 + "b", timeout=0.3))
    assert time.perf_counter() - started < 10  # never a hang, whatever the machine



def test_taking_the_first_instances_of_a_long_text_reads_only_that_far() -> None:
    import tracemalloc
    from itertools import islice

    candidate = Candidate(name="every-letter", finder=r"(?P<answer>\w)", predictor="x")
    text = "Once upon a time, there was a cat. " * 60_000  # 2.1M characters, 1.4M matches
    tracemalloc.start()
    try:
        first = list(islice(candidate.find(text), 10))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [f.answer for f in first] == list("Onceuponat")
    assert peak < 1_000_000  # all the matches at once: about 300 MB


FINDERS = [
    r"\b(?P<name>[A-Z][a-z]+)\b(?P<answer>[^.]{0,40}?)(?=\.)",
    r"(?P<answer>\b)|(?P<answer>a)",  # empty matches, and a non-empty one where an empty one was found first
    r"(?P<answer>e*)",
    r"(?<=\. )(?P<answer>\w+)(?= )",
    r"(?r)(?P<answer>\w+)\.",  # searches from the end
]


@pytest.mark.parametrize("overlapped", [False, True])
@pytest.mark.parametrize("batch", [1, 2, 1_000])
def test_finding_in_batches_gives_every_match_one_search_gives(stories: list[str], overlapped: bool, batch: int,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("games.candidates.MATCH_BATCH", batch)
    for finder in FINDERS:
        candidate = Candidate(name="spans", finder=finder, predictor="x", overlapped=overlapped)
        for text in stories[:5]:
            everything = list(candidate.compiled.finditer(text, overlapped=overlapped))
            expected = [(m.start("answer"), m.group("answer")) for m in everything]
            assert [(f.offset, f.answer) for f in candidate.find(text, timeout=2.0)] == expected, finder
            assert len(expected) > 3


def test_predictors_between_batches_do_not_spend_the_finder_time(monkeypatch: pytest.MonkeyPatch) -> None:
    def busy(match: object, context: str) -> str:
        started = time.process_time()
        while time.process_time() - started < 0.1:
            pass
        return "x"

    monkeypatch.setattr("games.candidates.MATCH_BATCH", 2)
    candidate = Candidate(name="busy", finder=r"(?P<answer>\w+)", predictor=busy)
    found = list(candidate.find("one two three four five six", timeout=0.25))  # 0.6 s of predictors' CPU time
    assert [f.answer for f in found] == ["one", "two", "three", "four", "five", "six"]  # no DocumentTimeout


# --- the library


def test_a_user_file_shadows_a_builtin(home: Path) -> None:
    folder = home / "candidates"
    folder.mkdir(parents=True)
    path = write(folder, "mine.toml", GOOD_TOML.replace('"dog-name"', '"once-upon-a-time"'))
    library = load_library()
    assert library.candidates["once-upon-a-time"].source == str(path)
    assert any("once-upon-a-time" in w and str(path) in w for w in library.warnings)
    assert library.candidates["citation"].source == "built-in"


def test_a_broken_user_file_is_a_warning(home: Path) -> None:
    folder = home / "candidates"
    folder.mkdir(parents=True)
    path = write(folder, "broken.toml", 'name = "x"\nfinder = "("\n')
    library = load_library()
    assert "citation" in library.candidates
    assert len(library.warnings) == 1 and str(path) in library.warnings[0]


def test_select_an_unknown_name() -> None:
    library = load_library()
    assert [c.name for c in library.select(["ioi", "acronym"])] == ["ioi", "acronym"]
    with pytest.raises(LmgameError, match="did you mean.*acronym"):
        library.select(["acronyms"])

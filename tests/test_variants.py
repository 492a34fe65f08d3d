"""Synthetic variants: generators (data and functions), their expansion, scoring them, slices, and hostile files."""

from __future__ import annotations

import json
import math
import re
import time
from pathlib import Path

import pytest
import torch

from engine.cache import ResultCache
from engine.errors import LmgameError
from engine.metrics import Bootstrap, wilson
from engine.tokens import encode
from games import word_lists
from games.candidate_files import check_file, load_file, save_candidate
from games.candidates import Candidate
from games.library import load_library
from games.results import InstanceRow, NotAResult
from games.scoring import ScoreOptions, score_all, variants_corpus
from games.slices import GROUP, SLOT, slices
from games.variants import MAX_VALUES, MAX_VARIANTS, Planted, Variant, VariantGenerator, make_variants
from tui.cli import main

PAIR = {
    "templates": ["When {io} and {s} met, {s} waved to ",
                  {"context": "Then {s} saw {io}. {s} smiled at ", "slots": {"order": ["late"]}}],
    "answer": "{io}",
    "foil": "{s}",
    "constraints": ["io != s"],
    "slots": {"io": ["Ann", "Bob", "Cyd"], "s": ["Ann", "Bob", "Cyd"]},
}
FINDER = r"(?P<s>[A-Z][a-z]+) (?:waved to|smiled at) (?P<answer>[A-Z][a-z]+)"
BUILT_IN_GENERATORS = {"ioi", "random-words-twice", "acronym", "citation", "agreement-is-are", "agreement-was-were",
                       "pronoun-for-named", "close-quote"}


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def texts(variants: list[Variant]) -> list[str]:
    return [variant.text for variant in variants]


# --- expansion


def test_a_seed_fixes_the_sample_and_another_seed_changes_it() -> None:
    ioi = load_library().candidates["ioi"].variants
    first, again, other = (make_variants(ioi, 50, seed) for seed in (7, 7, 8))
    assert texts(first) == texts(again) and [v.instances for v in first] == [v.instances for v in again]
    assert texts(first) != texts(other)
    assert len(set(texts(first))) == 50  # a sample of different variants


def test_every_combination_that_the_constraints_allow_and_each_instance_where_its_answer_is() -> None:
    generator = VariantGenerator(PAIR)
    every = make_variants(generator, None, 0)
    assert generator.count == 18 and len(every) == 12  # 2 templates x 3 x 3 names, less the 6 with io == s
    assert len(set(texts(every))) == 12
    for variant in every:
        (planted,) = variant.instances
        assert planted.slots["io"] != planted.slots["s"]
        assert variant.text[planted.offset :] == planted.answer == planted.slots["io"]
        assert planted.foil == planted.slots["s"]
    assert [v.instances[0].slots.get("order") for v in every] == [None] * 6 + ["late"] * 6  # a template's label
    assert texts(make_variants(generator, 100, 3)) != texts(every)  # asked for more than there are: all, drawn
    assert sorted(texts(make_variants(generator, 100, 3))) == sorted(texts(every))


def test_constraints_hold_in_the_built_in_generators() -> None:
    library = load_library()
    for variant in make_variants(library.candidates["ioi"].variants, 500, 1):
        (planted,) = variant.instances
        assert planted.slots["io"] != planted.slots["s"] and planted.answer == planted.slots["io"]
    for variant in make_variants(library.candidates["acronym"].variants, 300, 1):
        (planted,) = variant.instances
        words = [value for key, value in planted.slots.items() if key.startswith("w")]
        assert len(words) == int(planted.slots["length"]) == len(set(words)) == len(planted.answer)
    for variant in make_variants(library.candidates["agreement-is-are"].variants, 300, 1):
        (planted,) = variant.instances
        plural = planted.slots["number"] == "plural"
        assert planted.slots["subject"].endswith("s") == plural != planted.slots["distractor"].endswith("s")
        assert (planted.answer, planted.foil) == (("are", "is") if plural else ("is", "are"))


def test_every_built_in_generator_makes_instances_its_candidate_finds_and_predicts() -> None:
    library = load_library()
    have = {name for name, candidate in library.candidates.items() if candidate.variants is not None}
    assert have == BUILT_IN_GENERATORS
    for name in sorted(have):
        assert library.candidates[name].check_variants(n=200, seed=5) == [], name


def test_random_words_twice_is_the_induction_test() -> None:
    generator = load_library().candidates["random-words-twice"].variants
    (variant,) = make_variants(generator, 1, 2, trusted=True)
    words = variant.text.split(" ")
    assert words[:20] == words[20:] and len(set(words[:20])) == 20 and set(words) <= set(word_lists.WORDS)
    assert [p.slots["position"] for p in variant.instances][:2] == ["first 02", "first 03"]
    assert [p.slots["copy"] for p in variant.instances].count("second") == 20
    assert all(variant.text[p.offset : p.offset + len(p.answer)] == p.answer == p.slots["word"]
               for p in variant.instances)
    with pytest.raises(LmgameError, match="no --all"):
        make_variants(generator, None, 0)


def test_the_word_lists_are_one_gpt2_token_each_after_a_space(gpt2_tokenizer) -> None:
    names = word_lists.NAMES_FEMALE + word_lists.NAMES_MALE
    assert len(names) >= 100 and len(set(names)) == len(names)  # no name is both
    assert all(re.fullmatch(r"[A-Z][a-z]+", name) for name in names)  # what the finders' name groups read
    for word in names + word_lists.OBJECTS + word_lists.PLACES + word_lists.WORDS + word_lists.WORDS_CAPITALISED:
        assert len(gpt2_tokenizer.encode(" " + word)) == 1, word
    assert all(not noun.endswith("s") for noun in word_lists.NOUNS_SINGULAR)
    assert [noun + "s" for noun in word_lists.NOUNS_SINGULAR] == list(word_lists.NOUNS_PLURAL)


# --- scoring


def ioi_direct(lm, row: InstanceRow) -> tuple[float, float]:
    """The whole answer's log-probability and the first-token logit difference by one plain forward pass: BOS,
    the text's tokens before the span, the answer's tokens; logits where each answer token is predicted."""
    document_text = row.context + row.answer  # the variant's text: context then answer, nothing after
    context, answer = document_text[: row.span_start], row.scored_answer or ""
    context_ids = encode(lm.tokenizer, context)
    answer_ids = encode(lm.tokenizer, context + answer)[len(context_ids) :]
    foil_ids = encode(lm.tokenizer, context + document_text[row.span_start : row.offset] + (row.foil or ""))
    ids = [lm.bos_id, *context_ids, *answer_ids]
    with torch.inference_mode():
        logits = lm.model(input_ids=torch.tensor([ids])).logits[0].float()
    first = len(context_ids)  # the row predicting the answer's first token (BOS first)
    logprobs = logits.log_softmax(-1)
    logprob = sum(float(logprobs[first + k, token]) for k, token in enumerate(answer_ids))
    return logprob, float(logits[first, answer_ids[0]] - logits[first, foil_ids[len(context_ids)]])


def test_an_ioi_variant_scored_through_the_engine_equals_a_direct_forward_pass(default_lm) -> None:
    ioi = load_library().candidates["ioi"]
    corpus = variants_corpus([ioi], 6, seed=11)
    (result,) = score_all([ioi], [default_lm], corpus, ScoreOptions(), ResultCache(None))
    assert len(result.rows) == 6 and all(row.scored for row in result.rows)
    for row, document in zip(result.rows, corpus.documents, strict=True):
        assert row.context + row.answer == document.text and row.answer == row.slots["io"]  # type: ignore[index]
        assert row.foil == row.slots["s"] and row.groups["s"] == row.slots["s"]  # type: ignore[index]
        logprob, logit_diff = ioi_direct(default_lm, row)
        assert row.logprob == pytest.approx(logprob, abs=1e-4)
        assert row.logit_diff == pytest.approx(logit_diff, abs=1e-4)


def test_variants_score_like_a_corpus_and_are_cached_with_their_slots(default_lm, tmp_path: Path) -> None:
    candidate = Candidate(name="pair", finder=FINDER, predictor="{s}", foil="{s}", variants=PAIR)
    corpus = variants_corpus([candidate], None)
    cache = ResultCache(tmp_path / "cache")
    (first,) = score_all([candidate], [default_lm], corpus, ScoreOptions(), cache)
    summary = first.summary()
    assert summary.n == 12 and summary.means["heuristic_accuracy"] == 0.0  # it predicts the subject: never right
    assert all(row.foil == row.slots["s"] for row in first.rows)  # type: ignore[index]  # the generator's foil
    (again,) = score_all([candidate], [default_lm], variants_corpus([candidate], None), ScoreOptions(), cache)
    assert again.cached and [row.slots for row in again.rows] == [row.slots for row in first.rows]
    other = variants_corpus([candidate], 5, seed=1)
    assert not score_all([candidate], [default_lm], other, ScoreOptions(), cache)[0].cached


def test_an_instance_the_finder_misses_is_counted(default_lm) -> None:
    candidate = Candidate(name="picky", finder=r"(?P<s>Bob) waved to (?P<answer>[A-Z][a-z]+)", predictor="{s}",
                          variants=PAIR)
    (result,) = score_all([candidate], [default_lm], variants_corpus([candidate], None), ScoreOptions(),
                          ResultCache(None))
    assert (result.summary().n, result.summary().not_found) == (2, 10)  # found only where Bob waves
    assert [p for p in check_problems(candidate) if "does not match" in p]


def check_problems(candidate: Candidate) -> list[str]:
    return candidate.check_variants(n=12)


# --- slices


def made_row(document: str, slots: dict[str, str], logprob: float, top1: bool, diff: float,
             groups: dict[str, str] | None = None) -> InstanceRow:
    return InstanceRow(candidate="c", model="m", document=document, offset=3, context="abc", answer="x", predicted="x",
                       foil="y", heuristic_right=True, prob=0.5, rank=1, logprob=logprob, answer_top1=top1,
                       logit_diff=diff, answer_tokens=1, slots=slots, groups=groups)


def test_slice_figures_equal_a_computation_by_hand() -> None:
    rows = [made_row(f"d{n}", {"name": "Ann" if n < 12 else "Bob", "place": "park"}, -0.1 * n, n % 3 == 0,
                     n - 5.0, {"s": "Ann"}) for n in range(15)]
    rows.append(InstanceRow(candidate="c", model="m", document="e", offset=0, context="", answer="x", predicted="x",
                            foil=None, heuristic_right=True, error="boom", slots={"name": "Cyd"}))  # not scored
    made = slices(rows, "c", "m", seed=3)
    assert [(s.by, s.name, s.value, s.n) for s in made] == [
        (SLOT, "name", "Bob", 3), (GROUP, "s", "Ann", 15), (SLOT, "place", "park", 15), (SLOT, "name", "Ann", 12)]
    ann = made[-1]
    members = rows[:12]
    assert ann.means["answer_prob"] == pytest.approx(sum(math.exp(r.logprob) for r in members) / 12)  # type: ignore
    assert ann.means["mean_logprob"] == pytest.approx(sum(r.logprob for r in members) / 12)  # type: ignore
    assert ann.means["answer_top1"] == pytest.approx(4 / 12)
    assert ann.means["mean_logit_diff"] == pytest.approx(sum(n - 5.0 for n in range(12)) / 12)
    assert ann.ci["answer_top1"] == pytest.approx(list(wilson(4, 12)))  # type: ignore[arg-type]
    bootstrap = Bootstrap([r.document for r in members], seed=3)
    assert ann.ci["answer_prob"] == pytest.approx(list(bootstrap.mean_ci([math.exp(r.logprob) for r in members])))
    assert made[0].ci == {}  # 3 instances: no interval
    assert made[0].as_json()["answer_prob"] == made[0].means["answer_prob"] and made[0].as_json()["by"] == SLOT


def test_a_row_keeps_its_slots_and_groups_through_json() -> None:
    row = made_row("d", {"io": "Ann"}, -1.0, True, 1.0, {"s": "Bob"})
    written = row.as_json()
    assert written["slots"] == {"io": "Ann"} and written["groups"] == {"s": "Bob"}
    assert InstanceRow.from_json(json.loads(json.dumps(written))) == row
    assert "slots" not in made_row("d", None, -1.0, True, 1.0).as_json()  # type: ignore[arg-type]
    with pytest.raises(NotAResult):
        InstanceRow.from_json({**written, "slots": {"io": 3}})


# --- the command line


def test_variants_command_jsonl_is_the_sample_score_scores(capsys, tmp_path: Path) -> None:
    code, out, err = run_cli(capsys, "variants", "ioi", "--n", "5", "--seed", "3", "--format", "jsonl")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(records) == 5 and "5 variants" in err
    made = make_variants(load_library().candidates["ioi"].variants, 5, 3)
    assert [r["context"] + r["answer"] for r in records] == texts(made)
    assert {"variant", "offset", "context", "answer", "foil", "slots"} == set(records[0])
    out_dir = tmp_path / "out"
    code, printed, _ = run_cli(capsys, "score", "ioi", "--variants", "5", "--seed", "3", "--format", "json",
                               "--out", str(out_dir), "--dtype", "float32")
    data = json.loads(printed)
    rows = [json.loads(line) for line in (out_dir / "instances.jsonl").read_text().splitlines()]
    assert code == 0 and data["results"][0]["n"] == 5 and data["results"][0]["corpus"].startswith("variants")
    assert [row["context"] + row["answer"] for row in rows] == texts(made)
    assert [row["slots"] for row in rows] == [r["slots"] for r in records]
    assert {(s["by"], s["name"]) for s in data["slices"]} >= {("slot", "io"), ("slot", "template"), ("group", "a")}
    assert json.loads((out_dir / "results.json").read_text())["slices"] == data["slices"]
    code, table, _ = run_cli(capsys, "variants", "citation", "--n", "2")
    assert code == 0 and len(table.splitlines()) == 2 and "⟨" in table


def test_score_variants_table_shows_the_worst_slices(capsys) -> None:
    code, out, _ = run_cli(capsys, "score", "pronoun-for-named", "--variants", "40", "--limit", "40")
    assert code == 0 and "slices by slot value, worst first" in out and "name_gender=" in out


def test_score_variants_of_every_candidate_that_has_a_generator(capsys, tmp_path: Path) -> None:
    code, out, _ = run_cli(capsys, "score", "--variants", "2", "--format", "json")
    assert code == 0 and {r["candidate"] for r in json.loads(out)["results"]} == BUILT_IN_GENERATORS


# --- files and hostile input


TOML = '''name = "pair"
finder = '(?P<s>[A-Z][a-z]+) (?:waved to|smiled at) (?P<answer>[A-Z][a-z]+)'
predictor = "{s}"

[variants]
templates = ["When {io} and {s} met, {s} waved to ",
             {context = "Then {s} saw {io}. {s} smiled at ", slots = {order = ["late"]}}]
answer = "{io}"
foil = "{s}"
constraints = ["io != s"]
slots = {io = ["Ann", "Bob", "Cyd"], s = ["Ann", "Bob", "Cyd"]}
'''


def test_a_toml_generator_loads_saves_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "pair.toml"
    path.write_text(TOML)
    (candidate,) = load_file(path)
    assert isinstance(candidate.variants, VariantGenerator) and len(make_variants(candidate.variants, None, 0)) == 12
    saved = save_candidate(candidate, tmp_path / "saved")
    (again,) = load_file(saved)
    assert again.variants.table == candidate.variants.table  # type: ignore[union-attr]
    problems = check_file(path)[1]  # it predicts the subject: check says so, a few variants at most
    assert len(problems) == 6 and "the predictor gives" in problems[0] and "more problems with variants" in problems[5]
    path.write_text("name = 'right'\nfinder = 'When (?P<io>[A-Z][a-z]+) and (?P<s>[A-Z][a-z]+) met, (?P=s) waved to "
                    "(?P<answer>[A-Z][a-z]+)'\npredictor = '{io}'\n\n[variants]\ntemplates = ['When {io} and {s} met, "
                    "{s} waved to ']\nanswer = '{io}'\nslots = {io = 'names', s = 'names.male'}\n")
    assert check_file(path)[1] == []


@pytest.mark.parametrize(("variants", "expected"), [
    ('templates = ["{a} "]\nanswer = "x"\nslots = {a = [' + ", ".join(['"v"'] * (MAX_VALUES + 1)) + "]}",
     f"more than {MAX_VALUES:,}"),
    ('templates = ["{a} "]\nanswer = "x"\nslots = {a = {from = 1, to = 1000000000}}', "a range holds 1 to"),
    ('templates = ["{a} "]\nanswer = "x"\nslots = {a = "no-such-list"}', "no built-in list 'no-such-list'"),
    ('templates = ["{zzz} "]\nanswer = "x"\nslots = {a = ["v"]}', "uses {zzz}, which is no slot"),
    ('templates = ["{a} "]\nanswer = "{b}"\nslots = {a = ["v"]}', "uses {b}, which is no slot"),
    ('templates = ["{a} "]\nanswer = "x"\nconstraints = ["a != q"]\nslots = {a = ["v"]}', "'q', which no template"),
    ('templates = ["{a} "]\nanswer = "x"\nconstraints = ["a < b"]\nslots = {a = ["v"]}', 'write "a != b"'),
    ('templates = ["{a{b}} "]\nanswer = "x"\nslots = {a = ["v"]}', "template 1's context"),
    ('templates = [[["{a}"]]]\nanswer = "x"\nslots = {a = ["v"]}', "template 1's context must be a string"),
    ('templates = ["{a!r} "]\nanswer = "x"\nslots = {a = ["v"]}', "only {group}"),
    ('templates = ["{a|shout} "]\nanswer = "x"\nslots = {a = ["v"]}', "unknown filter 'shout'"),
    ('templates = ["{a} "]\nslots = {a = ["v"]}', "has no answer"),
    ('templates = []\nanswer = "x"', "non-empty list"),
    ('templates = ["a "]\nanswer = "x"\nshout = true', "unknown key 'shout'"),
    ('templates = ["{a} "]\nanswer = "x"\nslots = {a = [1, 2]}', "must be a string, not int"),
])
def test_a_hostile_generator_is_a_one_line_error(capsys, tmp_path: Path, variants: str, expected: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(f"name = 'bad'\nfinder = '(?P<answer>x)'\npredictor = 'x'\n\n[variants]\n{variants}\n")
    code, _, err = run_cli(capsys, "variants", "bad", "--candidates", str(path))
    lines = err.splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("lmgame: error:") and expected in lines[0], err


def hostile(tmp_path: Path, variants: str) -> Path:
    path = tmp_path / "hostile.toml"
    path.write_text(f"name = 'hostile'\nfinder = '(?P<answer>x)'\npredictor = 'x'\n\n[variants]\n{variants}\n")
    return path


def test_a_combinatorial_explosion_is_refused_at_once(capsys, tmp_path: Path) -> None:
    slots = ", ".join(f"s{n} = {{from = 1, to = 10000}}" for n in range(6))
    fields = "".join(f"{{s{n}}}" for n in range(6))
    path = hostile(tmp_path, f'templates = ["{fields} "]\nanswer = "x"\nslots = {{{slots}}}')
    started = time.perf_counter()
    code, _, err = run_cli(capsys, "variants", "hostile", "--all", "--candidates", str(path))
    assert code == 2 and f"1,000,000,000,000,000,000,000,000 variants, more than {MAX_VARIANTS:,}" in err
    code, out, _ = run_cli(capsys, "variants", "hostile", "--n", "3", "--candidates", str(path), "--format", "jsonl")
    assert code == 0 and len(out.splitlines()) == 3  # a sample of it is fine
    assert time.perf_counter() - started < 10


def test_constraints_that_rule_out_nearly_everything_give_up_quickly(capsys, tmp_path: Path) -> None:
    path = hostile(tmp_path, 'templates = ["{a}{b} "]\nanswer = "x"\nconstraints = ["a == b"]\n'
                             "slots = {a = {from = 1, to = 10000}, b = {from = 1, to = 10000}}")
    started = time.perf_counter()
    code, _, err = run_cli(capsys, "variants", "hostile", "--n", str(MAX_VARIANTS), "--candidates", str(path))
    assert code == 2 and "rule out nearly every combination" in err and time.perf_counter() - started < 10


def test_values_are_literal_and_markup_is_shown_not_obeyed(capsys, tmp_path: Path) -> None:
    path = hostile(tmp_path, 'templates = ["{a} and {b} "]\nanswer = "x"\n'
                             'slots = {a = ["{b}", "[bold red]x[/]"], b = ["\\u001b[31mred", "{{b}}"]}')
    code, out, _ = run_cli(capsys, "variants", "hostile", "--all", "--candidates", str(path))
    assert code == 0 and "\x1b" not in out and "\\x1b[31mred" in out and "[bold red]x[/]" in out
    assert "{b}␣and␣{{b}}" in out  # a value is never expanded as a template
    code, out, _ = run_cli(capsys, "variants", "hostile", "--all", "--candidates", str(path), "--format", "jsonl")
    assert code == 0 and "\x1b" not in out and {json.loads(line)["slots"]["a"] for line in out.splitlines()} == {
        "{b}", "[bold red]x[/]"}


def test_a_filter_that_cannot_take_a_value_is_one_line(capsys, tmp_path: Path) -> None:
    path = hostile(tmp_path, 'templates = ["[{n}] ["]\nanswer = "{n|inc}"\nslots = {n = ["seven"]}')
    code, _, err = run_cli(capsys, "variants", "hostile", "--all", "--candidates", str(path))
    assert code == 2 and err.count("\n") == 1 and "the filter 'inc' cannot take n = 'seven'" in err


def test_a_python_generator_that_fails_or_loops_is_one_line(capsys, tmp_path: Path) -> None:
    path = tmp_path / "gen.py"
    path.write_text(
        "from games.candidates import Candidate\n"
        "def loops(rng):\n    while True:\n        pass\n"
        "def wrong(rng):\n    return 'text'\n"
        "looping = Candidate(name='looping', finder='(?P<answer>x)', predictor='x', variants=loops)\n"
        "wrong_type = Candidate(name='wrong-type', finder='(?P<answer>x)', predictor='x', variants=wrong)\n")
    code, _, err = run_cli(capsys, "variants", "looping", "--n", "1", "--candidates", str(path))
    assert code == 2 and err.count("\n") == 1 and "PredictorTimeout" in err
    code, _, err = run_cli(capsys, "variants", "wrong-type", "--n", "1", "--candidates", str(path))
    assert code == 2 and err.count("\n") == 1 and "must return a Variant, not str" in err


def test_a_python_generator_function_makes_checked_variants() -> None:
    def made(rng) -> Variant:
        name = rng.choice(["Ann", "Bob"])
        return Variant(f"{name} waved to {name}", (Planted(len(name) + 10, name, slots={"name": name}),))

    candidate = Candidate(name="self", finder=FINDER, predictor="{s}", variants=made)
    assert candidate.check_variants() == []
    assert texts(make_variants(candidate.variants, 4, 2)) == texts(make_variants(candidate.variants, 4, 2))

    def misplaced(rng) -> Variant:
        return Variant("Ann waved to Bob", (Planted(0, "Bob"),))

    with pytest.raises(LmgameError, match="not in the text at its offset"):
        make_variants(Candidate(name="bad", finder=FINDER, predictor="{s}", variants=misplaced).variants, 1, 0)


def test_bad_counts_are_one_line(capsys) -> None:
    for argv, expected in ((["variants", "ioi", "--n", "0"], "--n must be between 1 and"),
                           (["variants", "email"], "email has no variant generator"),
                           (["score", "ioi", "--variants", "lots"], "--variants takes a number from 1"),
                           (["score", "email", "--variants", "3"], "email has no variant generator")):
        code, _, err = run_cli(capsys, *argv)
        assert code == 2 and err.count("\n") == 1 and expected in err, argv


# --- the workbench's drill-down


def test_the_instances_screen_switches_to_slices_and_back(default_lm) -> None:
    from textual.app import App
    from textual.widgets import DataTable, Static

    from engine.corpus import Document
    from games.scoring import CandidateResult, Corpus, FindStats
    from games.slices import result_slices
    from tests.conftest import run
    from tui.screens.instances import ALL, InstancesScreen
    from tui.setup import PlaySetup

    rows = [made_row(f"d{n}", {"name": "[bold]Ann[/]" if n < 4 else "Bob"}, -0.5 * n, n % 2 == 0, 1.0)
            for n in range(8)]
    candidate = Candidate(name="pair", finder=FINDER, predictor="{s}")
    result = CandidateResult(candidate, default_lm, Corpus("variants", [Document("d0", "abcx")]), rows, FindStats(), "")
    setup = PlaySetup(models=[default_lm], documents=[Document("d0", "abcx")], source="test")

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(InstancesScreen(setup, result))

    app = Host()

    async def script(pilot) -> None:
        screen = app.screen
        assert isinstance(screen, InstancesScreen)
        table = screen.query_one("#instances", DataTable)
        await pilot.press("s")
        await pilot.pause()
        expected = result_slices(result)
        labels = [s.label for s in screen.slices or []]
        assert labels == [s.label for s in expected] == ["name=Bob", "name=[bold]Ann[/]"]
        assert table.row_count == 2 and "slices by slot" in screen.sub_title
        assert str(table.get_row_at(1)[0]) == "name=[bold]Ann[/]"  # markup in a value is shown as written
        assert str(table.get_row_at(0)[1]) == "4"
        detail = str(screen.query_one("#instance-detail", Static).render())
        assert "slot name = Bob" in detail and "4 instances" in detail
        await pilot.press("s")
        await pilot.pause()
        assert screen.slices is None and table.row_count == 8 and screen.current is not None
        await pilot.press("s", "o")
        await pilot.pause()
        assert screen.slices is None and screen.order == ALL and table.row_count == 8

    run(app, script)

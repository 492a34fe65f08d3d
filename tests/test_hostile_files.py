"""Hostile candidate files and findings: what one can do to lmgame through `import`, the user's candidates folder,
`--candidates`, `candidates check` and the promote editor. Each is refused in one line, or loads back as itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import LmgameError
from games.candidate_files import load_file, save_candidate
from games.candidates import Candidate
from games.library import load_library
from games.paths import user_candidates_dir
from games.patterns import Proposal
from tests.conftest import ROOT
from tui.cli import main

NESTED_BOMB = "((a{1000}){1000}){1000}(?P<answer>b)"  # 10^9 items when compiled: gigabytes from 37 bytes
COUNT_BOMB = "a{4294967294}(?P<answer>b)"
LONG_FINDER = "a" * 10_000_000 + "(?P<answer>b)"
MEMORY_LIMIT = 2 * 2**30  # bytes of address space the process that loads the bombs may take
CONTROL = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} - {"\n"}  # what a terminal obeys


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def toml_file(folder: Path, name: str, finder: str, candidate: str = "bomb") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"name = \"{candidate}\"\nfinder = '{finder}'\npredictor = \"b\"\n", encoding="utf-8")
    return path


def finding(table: dict, kind: str = "toml") -> str:
    return json.dumps({"lmgame_finding": 1, "candidate": {"kind": kind, "table": table}})


def finding_file(folder: Path, table: dict, name: str = "finding.json") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(finding(table), encoding="utf-8")
    return path


def library_files() -> list[str]:
    folder = user_candidates_dir()
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- 1. finders that would take gigabytes to compile


BOMB_SCRIPT = """
import contextlib, io, json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from tui.cli import main
from engine.errors import LmgameError
from games.patterns import Proposal

def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return [code, out.getvalue(), err.getvalue()]

def promote(finder):
    try:
        Proposal(name="bomb", description="", finder=finder, predictor="b").to_candidate()
    except LmgameError as error:
        return str(error)
    return "saved"

cases = json.loads(open(sys.argv[1], encoding='utf-8').read())
results = {{}}
for label, case in cases.items():
    results[label] = {{"check": run("candidates", "check", case["toml"]),
                      "option": run("candidates", "list", "--candidates", case["toml"]),
                      "import": run("import", case["finding"]),
                      "promote": promote(case["finder"])}}
results["user folder"] = run("candidates", "list")
print(json.dumps(results))
"""


def test_finders_too_large_to_compile_are_refused_everywhere(tmp_path: Path, home: Path) -> None:
    """Run under a 2 GiB address-space limit: if a guard fails, the child fails on MemoryError, not the machine."""
    cases = {}
    for label, finder in (("nested", NESTED_BOMB), ("count", COUNT_BOMB)):
        toml = toml_file(tmp_path / label, "bomb.toml", finder)
        assert len(toml.read_bytes()) < 80
        found = finding_file(tmp_path / label, {"name": "bomb", "finder": finder, "predictor": "b"})
        assert len(found.read_bytes()) < 260
        cases[label] = {"toml": str(toml), "finding": str(found), "finder": finder}
    long_toml = toml_file(tmp_path / "long", "long.toml", "a" * 6_000 + "(?P<answer>b)")
    long_finding = finding_file(tmp_path / "long", {"name": "bomb", "finder": LONG_FINDER, "predictor": "b"})
    cases["long"] = {"toml": str(long_toml), "finding": str(long_finding), "finder": LONG_FINDER}
    toml_file(home / "candidates", "bomb.toml", NESTED_BOMB)
    toml_file(home / "candidates", "count.toml", COUNT_BOMB, candidate="count")
    (tmp_path / "cases.json").write_text(json.dumps(cases), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.run([sys.executable, "-c", BOMB_SCRIPT.format(limit=MEMORY_LIMIT), str(tmp_path / "cases.json")],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert child.returncode == 0, child.stderr[-2000:]
    results = json.loads(child.stdout)
    limits = {"nested": "at most 100,000", "count": "may be at most 10,000", "long": "at most 5,000"}
    for label, limit in limits.items():
        result = results[label]
        code, out, _ = result["check"]
        assert code == 1 and limit in out, out
        code, _, err = result["option"]
        assert code == 2 and limit in err and err.count("\n") == 1, err
        code, _, err = result["import"]
        assert code == 2 and err.count("\n") == 1, err
        assert (limit if label != "long" else "too large for a finding") in err
        assert limit in result["promote"]
    code, out, err = results["user folder"]
    assert code == 0 and "citation" in out
    skipped = [line for line in err.splitlines() if "skipped" in line]
    assert len(skipped) == 2 and limits["nested"] in err and limits["count"] in err
    assert library_files() == ["bomb.toml", "count.toml"]  # nothing imported


@pytest.mark.parametrize("finder", [
    r"(?x)(?:a{1000}) {1000}(?P<answer>b)",  # verbose: the space is not what repeats
    r"(?:a{1000}(?#[)){1000}(?P<answer>b)",  # a comment holding a bracket
    r"(?V1)(?:a{1000}[[a])]){1000}(?P<answer>b)",  # a V1 nested set holding a parenthesis
    r"(?:(?:x|yz){100}){1001}(?P<answer>b)",
    r"(?:a{100}){1000}(?P<answer>b)",  # README's example
])
def test_the_size_is_measured_as_the_regex_parser_reads_the_pattern(finder: str) -> None:
    with pytest.raises(LmgameError, match="at most 100,000"):
        Candidate(name="bomb", finder=finder, predictor="b")


@pytest.mark.parametrize("finder", [
    r"\[(?P<n>\d{1,3})\](?=[^\[\]]{0,2000}\[(?P<answer>\d+))",
    r"[^.]{0,2000}(?P<answer>b)",  # README's example
    r"a\{1000000\}[{]1000000}(?P<answer>b)",  # escaped and bracketed braces are literal text
    r"x{,10000}(?P<answer>b)",
    r"\N{LATIN SMALL LETTER A}{3}\p{L}{2}(?P<answer>b)",
    r"(?:(?:ab){100}){300}(?P<answer>b)",
])
def test_finders_within_the_limits_compile(finder: str) -> None:
    assert Candidate(name="fine", finder=finder, predictor="b").compiled is not None


def test_a_finder_nested_too_deeply_is_one_line() -> None:
    with pytest.raises(LmgameError, match="nested too deeply"):
        Candidate(name="deep", finder="(" * 2400 + "(?P<answer>b)" + ")" * 2400, predictor="b")


# --- 2. files nested too deeply to read


def test_a_deeply_nested_toml_is_skipped_in_the_user_folder_and_an_error_elsewhere(capsys, home: Path) -> None:
    folder = home / "candidates"
    folder.mkdir(parents=True)
    deep = folder / "deep.toml"
    deep.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    library = load_library()
    assert "citation" in library.candidates
    assert any("skipped" in w and "nested too deeply" in w for w in library.warnings)
    code, _, err = run_cli(capsys, "candidates", "show", "citation", "--candidates", str(deep))
    assert code == 2 and "nested too deeply" in err and err.count("\n") == 1


def test_importing_deeply_nested_json_is_one_line(capsys, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"lmgame_finding": 1, "candidate": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    code, _, err = run_cli(capsys, "import", str(path))
    assert code == 2 and "nested too deeply" in err and err.count("\n") == 1
    assert library_files() == []


def test_a_finding_or_candidate_file_over_the_size_limit_is_refused(capsys, tmp_path: Path) -> None:
    path = finding_file(tmp_path, {"name": "big", "finder": "(?P<answer>b)", "predictor": "b",
                                   "description": "x" * 2_000_000})
    code, _, err = run_cli(capsys, "import", str(path))
    assert code == 2 and "too large for a finding" in err
    big = tmp_path / "big.toml"
    big.write_text('name = "big"\nfinder = "(?P<answer>b)"\npredictor = "b"\ndescription = "' + "x" * 2_000_000 + '"\n')
    with pytest.raises(LmgameError, match="too large for a candidate file"):
        load_file(big)


# --- 3. an import writes a candidate that loads back as itself, or refuses


TABLE = {"name": "dog-name", "description": "A dog named X is called X again.",
         "finder": r"named (?P<name>[A-Z][a-z]+)\. (?P<answer>[A-Z][a-z]+)", "predictor": "{name}",
         "examples": [{"context": "A dog named Max. ", "answer": "Max"}]}


@pytest.mark.parametrize("name", [".", "..", ".hidden", "_hidden", "-dash", "a" * 101, "a" * 247, "a" * 250,
                                  "a" * 300, "caf\u00e9", "tab\there", "del\x7f", "slash/name", ""])
def test_names_that_cannot_name_a_candidate_file_are_refused(capsys, tmp_path: Path, name: str) -> None:
    path = finding_file(tmp_path, {**TABLE, "name": name})
    code, _, err = run_cli(capsys, "import", str(path))
    assert code == 2 and "candidate name" in err and err.count("\n") == 1, err
    assert library_files() == []


def test_the_longest_name_imports_and_loads_back(capsys, tmp_path: Path) -> None:
    name = "a" * 100
    code, _, _ = run_cli(capsys, "import", str(finding_file(tmp_path, {**TABLE, "name": name})))
    assert code == 0 and library_files() == [f"{name}.toml"]
    assert load_library().candidates[name].path == str(user_candidates_dir() / f"{name}.toml")


def test_a_lone_surrogate_is_refused_and_leaves_no_file(capsys, tmp_path: Path) -> None:
    path = tmp_path / "surrogate.json"
    path.write_text(finding({**TABLE, "description": "half a pair: \ud800"}))  # json writes it as \ud800
    code, _, err = run_cli(capsys, "import", str(path))
    assert code == 2 and "not valid Unicode" in err and err.count("\n") == 1
    assert library_files() == []


@pytest.mark.parametrize("text", ["rub\x7fout", "bell\x07 and esc\x1b[2J", "c1 \x85\x9b", "nul\x00", "tab\tnl\ncr\r",
                                  "quote ' and \" and \\", "bidi \u202e and line \u2028"])
def test_control_characters_are_escaped_in_toml_and_load_back(capsys, tmp_path: Path, text: str) -> None:
    table = {**TABLE, "description": text, "tags": [text], "examples": [{"context": f"{text} A dog named Max. ",
                                                                       "answer": "Max"}]}
    code, _, err = run_cli(capsys, "import", str(finding_file(tmp_path, table)))
    assert code == 0, err
    saved = user_candidates_dir() / "dog-name.toml"
    raw = saved.read_text(encoding="utf-8")
    assert not any(char in raw for char in CONTROL - {"\t"}), repr(raw)
    (loaded,) = load_file(saved)
    assert loaded.description == text and loaded.tags == (text,) and loaded.check_examples() == []


def test_promote_saves_control_characters_so_they_load_back(tmp_path: Path) -> None:
    proposal = Proposal(name="promoted", description="from \x7f a scan \x1b[2J", finder=TABLE["finder"],
                        predictor="{name}", examples=[("A dog named Max. ", "Max")])
    path = save_candidate(proposal.to_candidate(), tmp_path)
    (loaded,) = load_file(path)
    assert loaded.description == proposal.description
    assert sorted(p.name for p in tmp_path.iterdir()) == ["promoted.toml"]


def test_a_name_another_user_file_defines_is_refused_even_with_force(capsys, tmp_path: Path) -> None:
    folder = user_candidates_dir()
    folder.mkdir(parents=True)
    other = folder / "other.toml"
    other.write_text('name = "dog-name"\nfinder = "(?P<answer>x)"\npredictor = "x"\n')
    before = other.read_text()
    path = finding_file(tmp_path, TABLE)
    for force in ([], ["--force"]):
        code, _, err = run_cli(capsys, "import", str(path), *force)
        assert code == 2 and str(other) in err and err.count("\n") == 1
    assert library_files() == ["other.toml"] and other.read_text() == before


def test_a_users_python_candidate_is_not_overridden_by_an_import(capsys, tmp_path: Path) -> None:
    folder = user_candidates_dir()
    folder.mkdir(parents=True)
    mine = folder / "induction.py"
    mine.write_text("from games.candidates import candidate\n\n"
                    '@candidate(name="induction", finder=r"(?P<answer>x)")\n'
                    'def mine(match, context):\n    return "x"\n')
    code, _, err = run_cli(capsys, "import", str(finding_file(tmp_path, {**TABLE, "name": "induction"})), "--force")
    assert code == 2 and str(mine) in err
    assert library_files() == ["induction.py"]
    assert load_library().candidates["induction"].path == str(mine)


def test_force_replaces_only_a_file_that_holds_that_candidate_alone(capsys, tmp_path: Path) -> None:
    folder = user_candidates_dir()
    folder.mkdir(parents=True)
    both = folder / "dog-name.toml"
    both.write_text('[[candidate]]\nname = "dog-name"\nfinder = "(?P<answer>x)"\npredictor = "x"\n\n'
                    '[[candidate]]\nname = "cat-name"\nfinder = "(?P<answer>y)"\npredictor = "y"\n')
    before = both.read_text()
    code, _, err = run_cli(capsys, "import", str(finding_file(tmp_path, TABLE)), "--force")
    assert code == 2 and "cat-name" in err and both.read_text() == before
    both.write_text('name = "dog-name"\nfinder = "(?P<answer>x)"\npredictor = "x"\n')
    code, _, _ = run_cli(capsys, "import", str(finding_file(tmp_path, TABLE)), "--force")
    assert code == 0 and load_library().candidates["dog-name"].finder == TABLE["finder"]
    assert library_files() == ["dog-name.toml"]



def test_an_import_runs_each_of_the_users_python_candidates_once(capsys, tmp_path: Path) -> None:
    folder = user_candidates_dir()
    folder.mkdir(parents=True)
    runs = tmp_path / "runs.txt"
    (folder / "mine.py").write_text(f"open({str(runs)!r}, 'a').write('ran\\n')\n"
                                    "from games.candidates import candidate\n\n"
                                    '@candidate(name="mine", finder=r"(?P<answer>x)")\n'
                                    'def mine(match, context):\n    return "x"\n')
    code, _, err = run_cli(capsys, "import", str(finding_file(tmp_path, TABLE)))
    assert code == 0, err
    assert runs.read_text() == "ran\n"  # it ran twice: to check the name, then to check the load back
    assert library_files() == ["dog-name.toml", "mine.py"]
    assert load_library().candidates["dog-name"].path == str(folder / "dog-name.toml")


# --- 4. a Python candidate's own code: loops, prints, exits


LOOPING = """from games.candidates import candidate


@candidate(name="loops", finder=r"(?P<answer>\\w+)", examples=[("", "word")])
def loops(match, context):
    if match["answer"] == "word":
        while True: pass
    n = 0
    while True:
        n += 1
"""

PRINTING = """import sys
from games.candidates import candidate
print("printed at load")


@candidate(name="prints", finder=r"named (?P<answer>\\w+)", examples=[("A dog named ", "Max")])
def prints(match, context):
    print("printed by the predictor")
    print("and to a file", file=sys.stdout)
    return match["answer"]
"""


def python_file(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_predictor_that_loops_forever_is_an_error_on_its_instance(tmp_path: Path) -> None:
    from engine.corpus import Document
    from games.scoring import Corpus, ScoreOptions, find_instances

    (looping,) = load_file(python_file(tmp_path, "loops.py", LOOPING))
    found = list(looping.find("word and other", timeout=0.2))  # one line `while True: pass`, then a longer loop
    assert [f.answer for f in found] == ["word", "and", "other"]
    assert all(f.predicted is None and "PredictorTimeout" in (f.error or "") for f in found)
    corpus = Corpus("test", [Document("one", "word two"), Document("two", "three")])
    instances, failed, stats = find_instances(looping, corpus, ScoreOptions(regex_timeout=0.2))
    assert instances == [] and len(failed) == 3 and stats.predictor_errors == 3


def test_candidates_check_reports_a_looping_predictor(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("games.candidates.EXAMPLE_TIMEOUT", 0.2)
    path = python_file(tmp_path, "loops.py", LOOPING)
    code, out, _ = run_cli(capsys, "candidates", "check", str(path))
    assert code == 1 and "example 1: PredictorTimeout: the predictor ran past 0.2 s" in out


def test_a_candidate_that_prints_keeps_stdout_clean(capsys, tmp_path: Path) -> None:
    path = python_file(tmp_path, "prints.py", PRINTING)
    code, out, err = run_cli(capsys, "score", "prints", "--examples", "--candidates", str(path), "--format", "json",
                             "--dtype", "float32")
    assert code == 0
    (result,) = json.loads(out)["results"]
    assert result["candidate"] == "prints" and result["n"] == 1
    assert "printed at load" in err and "printed by the predictor" in err and "and to a file" in err
    assert sys.stdout is not sys.stderr
    code, out, _ = run_cli(capsys, "candidates", "list", "--json", "--candidates", str(path))
    assert code == 0 and json.loads(out)["candidates"]


EXITING = "import sys\nsys.exit(0)\n"


def test_sys_exit_at_import_is_a_load_failure(capsys, home: Path, tmp_path: Path) -> None:
    path = python_file(home / "candidates", "exits.py", EXITING)
    code, out, err = run_cli(capsys, "candidates", "list")
    assert code == 0 and "citation" in out
    assert "skipped" in err and str(path) in err and "SystemExit" in err
    code, _, err = run_cli(capsys, "candidates", "list", "--candidates", str(python_file(tmp_path, "x.py", EXITING)))
    assert code == 2 and "SystemExit" in err and err.count("\n") == 1


def test_sys_exit_in_a_predictor_is_an_error_on_its_instance() -> None:
    def exits(match: object, context: str) -> str:
        raise SystemExit(3)

    (found,) = Candidate(name="exits", finder=r"(?P<answer>a)", predictor=exits).find("a")
    assert found.predicted is None and "SystemExit" in (found.error or "")



def test_candidate_code_in_a_worker_thread_reroutes_only_its_own_output(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import threading

    from games.candidate_code import running_candidate_code

    app_capture, after_quit, stderr = io.StringIO(), io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", app_capture)  # as a TUI captures stdout while it runs
    monkeypatch.setattr(sys, "stderr", stderr)
    monkeypatch.setattr(sys, "stdin", sys.stdin)  # put back at the end, whatever stands in front of it
    printed, quit_app = threading.Event(), threading.Event()

    def worker() -> None:
        with running_candidate_code():
            print("from the predictor")
            printed.set()
            quit_app.wait(10)

    thread = threading.Thread(target=worker)
    thread.start()
    assert printed.wait(10)
    print("from the app")
    sys.stdout = after_quit  # the app exits while the predictor still runs, and puts back its own stdout
    quit_app.set()
    thread.join(10)
    assert sys.stdout is after_quit  # the worker did not put back the app's capture when it ended
    assert app_capture.getvalue() == "from the app\n" and stderr.getvalue() == "from the predictor\n"


def test_a_predictor_reads_nothing_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("typed by the user\n"))

    def asks(match: object, context: str) -> str:
        return input("answer? ")

    (found,) = Candidate(name="asks", finder=r"(?P<answer>a)", predictor=asks).find("a")
    assert found.predicted is None and "EOFError" in (found.error or "")
    assert input() == "typed by the user"  # the program's own stdin is untouched



def test_a_predictor_in_a_call_past_its_deadline_is_an_error_when_the_call_returns() -> None:
    import time

    def sleeps(match: object, context: str) -> str:
        time.sleep(0.3)  # into C: the deadline cannot stop it there
        return "a"

    (found,) = Candidate(name="sleeps", finder=r"(?P<answer>a)", predictor=sleeps).find("a", timeout=0.1)
    assert found.predicted is None and "PredictorTimeout" in (found.error or "")


# --- 5. candidates check: every problem, folders, optional examples, a finder that times out


def test_check_reports_every_tables_problem(capsys, tmp_path: Path) -> None:
    path = tmp_path / "several.toml"
    path.write_text('[[candidate]]\nname = "one"\nfinder = "(?P<answer>a"\npredictor = "a"\n\n'
                    '[[candidate]]\nname = "two"\nfinder = "(?P<answer>a)"\npredictor = "{nope}"\n\n'
                    '[[candidate]]\nname = "three"\nfinder = "(?P<answer>a)"\npredictor = "a"\ntags = "x"\n'
                    'colour = "red"\n\n'
                    '[[candidate]]\nname = "four"\nfinder = "(?P<answer>a)"\npredictor = "a"\n')
    code, out, _ = run_cli(capsys, "candidates", "check", str(path))
    lines = out.splitlines()
    assert code == 1
    assert any("candidate 1 (one)" in line and "at position" in line for line in lines)
    assert any("candidate 2 (two)" in line and "'nope'" in line for line in lines)
    assert any("candidate 3 (three)" in line and "unknown key 'colour'" in line for line in lines)
    assert any("candidate 3 (three)" in line and "'tags'" in line for line in lines)
    assert not any("(four)" in line and "note" not in line for line in lines)


def test_check_takes_folders_and_examples_are_optional(capsys, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "plain.toml").write_text('name = "plain"\nfinder = "(?P<answer>a)"\npredictor = "a"\n')
    (folder / "other.toml").write_text('name = "other"\nfinder = "(?P<answer>b)"\npredictor = "b"\n')
    (folder / "_draft.toml").write_text("not toml")
    code, out, _ = run_cli(capsys, "candidates", "check", str(folder))
    assert code == 0, out
    assert f"{folder / 'plain.toml'}: ok" in out and f"{folder / 'other.toml'}: ok" in out and "_draft" not in out
    assert "note: no examples" in out
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, _ = run_cli(capsys, "candidates", "check", str(empty))
    assert code == 1 and "no candidate files" in out


def test_check_reports_a_finder_that_times_out_on_its_example(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("games.candidates.EXAMPLE_TIMEOUT", 0.2)
    path = tmp_path / "slow.toml"
    path.write_text("name = \"slow\"\nfinder = '(?:(?:a|aa)+)+(?P<answer>c)'\npredictor = \"c\"\n\n"
                    f"[[examples]]\ncontext = \"{'a' * 60}b\"\nanswer = \"c\"\n")
    code, out, err = run_cli(capsys, "candidates", "check", str(path))
    assert code == 1 and "example 1: the finder ran past 0.2 s" in out and "Traceback" not in out + err


# --- 6. terminal escape sequences from a file are shown, never obeyed


HOSTILE = "\x1b]52;c;aGVsbG8=\x07 clipboard, \x1b[2J clear, \x1b]0;title\x07 title, \x9b2J c1, \x7f del, \u202e bidi"


def test_escape_sequences_in_an_imported_finding_are_never_printed(capsys, tmp_path: Path) -> None:
    table = {**TABLE, "description": HOSTILE, "tags": [HOSTILE, "plain"],
             "examples": [{"context": f"{HOSTILE} A dog named Max. ", "answer": "Max"}]}
    code, _, _ = run_cli(capsys, "import", str(finding_file(tmp_path, table)))
    assert code == 0
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(f"{HOSTILE} A dog named Rex. Rex ran.\n")
    for argv in (["candidates", "list"], ["candidates", "list", "--json"], ["candidates", "show", "dog-name"],
                 ["candidates", "show", "dog-name", "--json"],
                 ["candidates", "show", "dog-name", "--corpus", str(corpus)],
                 ["candidates", "check", str(user_candidates_dir())]):
        code, out, err = run_cli(capsys, *argv)
        assert code == 0, err
        assert not CONTROL & set(out + err), (argv, [c for c in out + err if c in CONTROL])
        assert "\u202e" not in out
    code, out, _ = run_cli(capsys, "candidates", "show", "dog-name")
    assert "\\x1b]52;c;" in out and "\\x1b[2J" in out  # shown as text
    code, out, _ = run_cli(capsys, "candidates", "show", "dog-name", "--json")
    assert json.loads(out)["candidate"]["description"] == HOSTILE  # the JSON still says exactly what the file says


def test_escape_sequences_in_errors_and_warnings_are_never_printed(capsys, tmp_path: Path, home: Path) -> None:
    bad = tmp_path / "bad.toml"
    name = "".join(f"\\u{ord(char):04x}" if char in CONTROL or char == "\u202e" else char for char in HOSTILE)
    bad.write_text(f'name = "{name}"\nfinder = "(?P<answer>a)"\npredictor = "a"\n')
    code, out, err = run_cli(capsys, "candidates", "check", str(bad))
    assert code == 1 and "candidate name" in out and not CONTROL & set(out + err)
    code, out, err = run_cli(capsys, "candidates", "list", "--candidates", str(bad))
    assert code == 2 and err.count("\n") == 1 and not CONTROL & set(out + err)
    python_file(home / "candidates", "noisy.py", f"raise ValueError({HOSTILE!r})\n")
    code, out, err = run_cli(capsys, "candidates", "list")
    assert code == 0 and "skipped" in err and not CONTROL & set(out + err)


def test_printable_escapes_and_keeps_ordinary_text() -> None:
    from games.display import printable, printable_json

    assert printable("café ␣ naïve 日本") == "café ␣ naïve 日本"
    assert printable("a\x1b[2Jb\x07\x9b\n") == "a\\x1b[2Jb\\x07\\x9b\\x0a"
    assert printable("\u202eevil") == "\\u202eevil"
    assert json.loads(printable_json({"x": "\x9b\x7f\x1b"})) == {"x": "\x9b\x7f\x1b"}
    assert not CONTROL & set(printable_json({"x": "\x9b\x7f\x1b\n"}))


"""What Promote saves: after the finder is narrowed in the editor, only examples that the saved candidate's own
check passes, each once, each starting at a word; a description that says what was saved and where the
proposal came from (a scan group says so).

The guesses are built from the demo texts by hand (no model output decides which guesses there are), so these
tests hold when the default model is retrained.
"""

from __future__ import annotations

import re
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from engine.corpus import Document
from engine.models import LoadedModel
from games.candidate_files import check_file, load_file
from games.demo import demo_documents
from games.paths import user_candidates_dir
from games.patterns import mine_patterns
from games.review import ModelVerdict, ReviewRow
from games.scanning import ScanOptions, group_positions, promote_group, scan_model
from tests.conftest import run, settle
from tests.test_tui_review import review_app
from tui.screens.promote import PromoteScreen

MODEL = {"name": "m", "source": "/m", "revision": "r", "architecture": "GPT2LMHeadModel", "dtype": "float32"}


def name_rows(document: Document, name: str, session: str) -> list[ReviewRow]:
    """A wrong guess wherever the text starts a sentence with `name` (the model right there)."""
    rows = []
    for match in re.finditer(rf"[.!?]\"? ({name})\b", document.text):
        offset = match.start(1) - 1  # the true token is " Lily": its space and the name
        top = [{"token": f" {name}", "id": 1, "prob": 0.6, "logit": 2.0}]
        rows.append(ReviewRow(id=offset, session=session, source="demo", text_id=document.id, offset=offset,
                              context=document.text[:offset], guess=" He", true_token=f" {name}",
                              player_correct=False, models=[ModelVerdict("m@r", MODEL, 1, 0.6, top)]))
    return rows


def starts_at_a_word(context: str, answer: str, texts: list[str]) -> bool:
    """The example is a piece of one of the texts that starts at the text's start or after white space."""
    for text in texts:
        for match in re.finditer(re.escape(context + answer), text):
            if match.start() == 0 or text[match.start() - 1].isspace():
                return True
    return False


def test_a_narrowed_finder_saves_only_examples_its_check_passes(default_lm: LoadedModel, home: Path) -> None:
    demo = {d.id: d for d in demo_documents()}
    # the same guesses played in two sessions (a text played twice), Max's and Ben's stories before Lily's
    rows = [row for session in ("s1", "s2") for doc, name in (("max-lost-bone", "Max"), ("ben-yellow-kite", "Ben"),
                                                             ("lily-red-ball", "Lily"))
            for row in name_rows(demo[doc], name, session)]
    (group,) = [g for g in mine_patterns(rows) if g.feature == "earlier-name"]
    assert group.proposal is not None and group.proposal.examples
    narrowed = group.proposal.finder.replace("(?P<name>[A-Z][a-z]+)", "(?P<name>Lily)")
    assert narrowed != group.proposal.finder
    app = review_app(default_lm)

    async def script(pilot: Pilot) -> None:
        editor = PromoteScreen(app.setup, group.proposal, rows)
        await app.push_screen(editor)
        await settle(app, pilot, 1.0)
        editor.query_one("#field-finder", Input).value = narrowed
        editor.query_one("#field-name", Input).value = "lily-again"
        await settle(app, pilot, 1.0)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert editor.saved_path == user_candidates_dir() / "lily-again.toml"
        assert editor.query_one("#field-description", Input).value == load_file(editor.saved_path)[0].description

    run(app, script)
    path = user_candidates_dir() / "lily-again.toml"
    candidates, problems = check_file(path)
    assert problems == []
    (saved,) = candidates
    assert saved.finder == narrowed and saved.examples
    pairs = [(e.context, e.answer) for e in saved.examples]
    assert len(set(pairs)) == len(pairs)
    assert all(starts_at_a_word(context, answer, [d.text for d in demo.values()]) for context, answer in pairs)
    count = len(pairs)
    assert saved.description.endswith(f"(promoted from {group.count} logged guesses; saved with {count} "
                                      f"example{'s' * (count != 1)} that pass its check).")


def test_a_scan_group_says_it_came_from_a_scan(default_lm: LoadedModel) -> None:
    text = " ".join(f"Once upon a time, a {animal} sat." for animal in ("cat", "dog", "fox", "owl"))
    scan = scan_model(default_lm, [Document("a", text)], ScanOptions(), None)
    starts = scan.scans[0].starts.tolist()
    times = [starts.index(m.start()) for m in re.finditer(" time", text)]
    (group,) = group_positions(scan, [(0, i) for i in times], None)  # each position shows in one group
    proposal = promote_group(scan, group)
    assert "logged guesses" not in proposal.description
    assert proposal.description.endswith(f"(promoted from a scan group of {group.count} positions).")

"""`best_head`: the attention from the answer's position to a candidate's source, stored per instance, equals a
plain transformers forward pass with output_attentions=True and eager attention on the window the instance was
scored in (GPT-2: the embedded model; Llama: stories260K); the summary's best head equals one picked by hand from
the rows; a candidate without a source gets none and pays for no attention pass; the sources the finders name."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from engine.cache import ResultCache
from engine.corpus import Document, read_documents
from engine.models import LoadedModel, default_model_dir
from engine.tokens import continuation_ids, token_starts, token_text
from games.best_head import best_head
from games.candidates import Candidate, Sourced
from games.library import load_library
from games.results import MIN_INTERVAL_N, InstanceRow, ScoreSummary
from games.scoring import Corpus, ScoreOptions, score_all
from tests.conftest import shared
from tui.cli import main

STORY = ("Once upon a time, Tim and Sue went to the park. Sue gave a red ball to Tim. Tim Smith was happy. The sun "
         "was warm and the birds sang in the tall trees near the pond. Later Tim Smith ran home. Sue Brown waved. "
         "They ate cake and drank milk by the door of the old blue house. Then Sue Brown smiled at the big dog.")
# --max-context per architecture, in tokens (stories260K's are shorter): some sources fall out of view, and most
# windows start past the document's start
CONTEXT_CAP = {"gpt2": 24, "llama": 44}


@pytest.fixture(params=["gpt2", "llama"])
def arch(request: pytest.FixtureRequest, default_lm: LoadedModel, stories260k: LoadedModel, stories260k_dir: Path
         ) -> tuple[LoadedModel, Path, int]:
    if request.param == "gpt2":
        return default_lm, default_model_dir(), CONTEXT_CAP["gpt2"]
    return stories260k, stories260k_dir, CONTEXT_CAP["llama"]


def _sourced_candidates() -> list[Candidate]:
    return load_library().select(["induction", "ioi"])


@pytest.mark.parametrize("capped", [True, False])
def test_stored_attention_equals_a_plain_eager_forward_pass_on_the_scored_window(arch, capped: bool) -> None:
    """Capped: each instance has a window of its own, some sources out of view; whole: the document's instances
    share one sequence in the attention pass, each compared here with a pass over its own context alone."""
    from transformers import AutoModelForCausalLM

    lm, folder, cap = arch
    assert lm.model.dtype == torch.float32
    implementation = lm.model.config._attn_implementation
    results = score_all(_sourced_candidates(), [lm], Corpus("story", [Document("s", STORY)]),
                        ScoreOptions(max_context=cap if capped else None), ResultCache(None))
    assert lm.model.config._attn_implementation == implementation != "eager"  # switched for the pass, and back
    reference = AutoModelForCausalLM.from_pretrained(str(folder), attn_implementation="eager",
                                                     dtype=torch.float32).eval()
    encoded = lm.tokenizer(STORY, add_special_tokens=False, return_offsets_mapping=True)
    ids, starts = list(encoded["input_ids"]), token_starts(encoded["offset_mapping"])
    bos = [lm.bos_id] if lm.bos_id is not None else []
    rows = [row for result in results for row in result.rows]
    checked, out_of_view, cut = 0, 0, 0
    for row in rows:
        assert row.scored and row.source_offset is not None  # both candidates name a source on every instance
        boundary = sum(1 for start in starts if start < row.span_start)  # the tokens before the span
        first = boundary - (row.context_tokens or 0)
        holding = max(n for n, start in enumerate(starts) if start <= row.source_offset)
        if holding < first:
            assert row.head_attention is None and row.source_token is None  # cut off by --max-context
            out_of_view += 1
            continue
        cut += first > 0
        sequence = bos + ids[first:boundary]
        with torch.no_grad():
            out = reference(torch.tensor([sequence]), output_attentions=True)
        # the same window the score came from: its first token's probability is the row's
        answer_id = continuation_ids(lm.tokenizer, STORY[: row.span_start], row.scored_answer or "")[0]
        assert torch.softmax(out.logits[0, -1], -1)[answer_id].item() == pytest.approx(row.prob, abs=1e-5)
        position = len(bos) + holding - first
        expected = torch.stack([layer[0, :, -1, position] for layer in out.attentions])  # [layers, heads]
        assert row.head_attention is not None and row.source_token == token_text(lm.tokenizer, ids[holding])
        torch.testing.assert_close(torch.tensor(row.head_attention), expected, atol=1e-5, rtol=0)
        checked += 1
    if capped:
        assert checked >= 4 and out_of_view >= 1 and cut >= 1
    else:
        assert checked == len(rows) >= 8 and cut == 0  # the story fits in the window: every source in view
    assert {row.candidate for row in rows if row.head_attention} == {"induction", "ioi"}


def _tinystories(count: int) -> list[Document]:
    return read_documents(shared("tinystories", "stories.jsonl"), most_chars=1000 * count)[:count]


def test_best_head_is_the_head_with_the_highest_mean_from_the_rows(default_lm) -> None:
    (result,) = score_all(load_library().select(["induction"]), [default_lm], Corpus("ts", _tinystories(12)),
                          ScoreOptions(), ResultCache(None))
    rows = [row for row in result.rows if row.scored and row.head_attention is not None]
    assert len(rows) >= MIN_INTERVAL_N and len({row.document for row in rows}) > 1  # an interval of some width
    layers, heads = default_lm.model.config.n_layer, default_lm.model.config.n_head
    by_hand = {(layer, head): math.fsum(row.head_attention[layer][head] for row in rows) / len(rows)
               for layer in range(layers) for head in range(heads)}
    best = max(by_hand, key=lambda place: by_hand[place])
    summary = result.summary()
    assert summary.best_head is not None
    assert summary.best_head.head == f"{best[0]}.{best[1]}" and summary.best_head.n == len(rows)
    assert summary.best_head.mean == pytest.approx(by_hand[best], abs=1e-12)
    assert summary.best_head.ci is not None and summary.best_head.ci[0] < by_hand[best] < summary.best_head.ci[1]
    written = json.loads(json.dumps(summary.as_json()))
    assert written["best_head"] == {"head": summary.best_head.head, "mean": summary.best_head.mean,
                                    "ci": summary.best_head.ci, "n": len(rows)}
    assert ScoreSummary.from_json(written) == summary  # the score history reads it back
    few = best_head(rows[: MIN_INTERVAL_N - 1])
    assert few is not None and few.ci is None and few.n == MIN_INTERVAL_N - 1  # no interval below 10 instances


def test_a_cached_result_keeps_the_attention(default_lm, tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    corpus = Corpus("story", [Document("s", STORY)])
    (scored,) = score_all(load_library().select(["induction"]), [default_lm], corpus, ScoreOptions(), cache)
    (cached,) = score_all(load_library().select(["induction"]), [default_lm], corpus, ScoreOptions(), cache)
    assert cached.cached and not scored.cached
    assert [row.head_attention for row in cached.rows] == [row.head_attention for row in scored.rows]
    assert cached.summary().best_head == scored.summary().best_head is not None


def test_no_source_no_best_head_and_no_attention_pass(default_lm, monkeypatch) -> None:
    import engine.attribution

    passes: list[int] = []
    real = engine.attribution.source_attention_steps

    def counted(lm, queries, batch_tokens=None):  # type: ignore[no-untyped-def]
        passes.append(sum(len(query.reads) for query in queries))
        return (yield from real(lm, queries, batch_tokens))

    monkeypatch.setattr(engine.attribution, "source_attention_steps", counted)
    corpus = Corpus("story", [Document("s", STORY)])
    plain = Candidate(name="sun-was", finder=r"The sun (?P<answer>was)", predictor="was")
    (result,) = score_all([plain], [default_lm], corpus, ScoreOptions(), ResultCache(None))
    assert result.summary().n == 1 and result.summary().best_head is None and passes == []
    assert result.summary().as_json()["best_head"] is None
    assert all(row.head_attention is None and "head_attention" not in row.as_json() for row in result.rows)
    score_all(load_library().select(["induction"]), [default_lm], corpus, ScoreOptions(), ResultCache(None))
    assert passes and passes[0] >= 2  # the counter sees a pass where there is a source


def test_a_finder_group_named_source_or_a_sourced_answer_names_the_source() -> None:
    grouped = Candidate(name="grouped", finder=r"named (?P<source>[A-Z][a-z]+)\. (?P<answer>[A-Z][a-z]+)",
                        predictor="{source}")
    (found,) = grouped.find("A dog named Max. Max ran.")
    assert found.source == len("A dog named ") and found.predicted == "Max"
    after = Candidate(name="after", finder=r"(?P<answer>[A-Z][a-z]+) ran(?P<source>\.)", predictor="{answer}")
    assert next(after.find("Max ran.")).source is None  # not in the context: nothing to look back at
    plain = Candidate(name="plain", finder=r"named (?P<name>[A-Z][a-z]+)\. (?P<answer>[A-Z][a-z]+)",
                      predictor="{name}")
    assert next(plain.find("A dog named Max. Max ran.")).source is None

    def returns(value: object) -> Candidate:
        return Candidate(name="coded", finder=r"named (?P<name>[A-Z][a-z]+)\. (?P<answer>[A-Z][a-z]+)",
                         predictor=lambda match, context: value)

    assert next(returns(Sourced("Max", 3)).find("A dog named Max. Max ran.")).source == 3
    for bad in (Sourced("Max", 99), Sourced("Max", -1), Sourced("Max", True), Sourced(7, 3)):  # type: ignore[arg-type]
        found = next(returns(bad).find("A dog named Max. Max ran."))
        assert found.error and found.predicted is None and found.source is None


SOURCED_BUILT_INS = {"induction", "induction-full-name", "induction-long-word", "random-words-twice", "ioi",
                     "ioi-extended", "repeated-name"}


def test_the_built_in_sources_point_at_the_text_the_answer_copies() -> None:
    with_source = set()
    for candidate in load_library().candidates.values():
        if candidate.source != "built-in":
            continue
        for example in candidate.examples:
            found = candidate.find_example(example)
            assert found is not None
            if found.source is not None:
                with_source.add(candidate.name)
                assert example.context[found.source :].startswith(example.answer), candidate.name
    assert with_source == SOURCED_BUILT_INS
    probe = load_library().candidates["random-words-twice"]
    text = "river table green river table green"
    sources = {item.offset: item.source for item in probe.find(text)}
    assert sources[text.index("table")] is None  # the first copy: nothing earlier to copy
    assert sources[text.rindex("green")] == text.index("green")


def test_score_json_and_table_show_the_best_head(capsys, tmp_path: Path) -> None:
    corpus = tmp_path / "story.txt"
    corpus.write_text(STORY)
    code = main(["score", "induction", "once-upon-a-time", "--corpus", str(corpus), "--format", "json",
                 "--dtype", "float32", "--out", str(tmp_path / "out")])
    out, _ = capsys.readouterr()
    assert code == 0
    induction, once = json.loads(out)["results"]
    assert once["best_head"] is None
    assert set(induction["best_head"]) == {"head", "mean", "ci", "n"} and induction["best_head"]["ci"] is None
    layer, head = (int(part) for part in induction["best_head"]["head"].split("."))
    rows = [InstanceRow.from_json(json.loads(line))
            for line in (tmp_path / "out" / "instances.jsonl").read_text().splitlines()]
    viewed = [row.head_attention for row in rows if row.candidate == "induction" and row.head_attention]
    assert induction["best_head"]["mean"] == pytest.approx(sum(h[layer][head] for h in viewed) / len(viewed))
    assert main(["score", "induction", "once-upon-a-time", "--corpus", str(corpus), "--dtype", "float32"]) == 0
    table, _ = capsys.readouterr()
    line = next(line for line in table.splitlines() if "best head" in line)
    assert line.startswith("induction: best head ") and induction["best_head"]["head"] in line
    assert f"n={induction['best_head']['n']}" in line and not any("once-upon-a-time: best" in t for t in [table])
    assert max(len(line) for line in table.splitlines()) <= 100


def test_progress_counts_the_attention_pass_of_each_sourced_instance(default_lm) -> None:
    reports: list[tuple[str, int, int]] = []
    corpus = Corpus("stories", [Document("s", STORY), Document("t", STORY.replace("Tim", "Max"))])
    # 64 tokens a batch: a document's sequence a batch, so that the pass reports between them
    (result,) = score_all(load_library().select(["induction"]), [default_lm], corpus, ScoreOptions(batch_tokens=64),
                          ResultCache(None), lambda stage, done, total: reports.append((stage, done, total)))
    scoring = [(done, total) for stage, done, total in reports if stage.startswith("scoring")]
    n = result.summary().n
    assert n >= 4 and scoring[-1] == (2 * n, 2 * n)  # every instance here names a source: scored, then its pass
    assert [done for done, _ in scoring] == sorted(done for done, _ in scoring)
    assert any(n < done < 2 * n for done, _ in scoring)  # the pass reports its own progress

"""Scanning: per-token probabilities and ranks against a direct computation, confident-correct and coverage
counted by hand, compare mode on two models, resuming from stored chunks, and the command."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from engine.corpus import Document, read_documents
from engine.models import LoadedModel
from engine.scan import DocumentScan, Scanner, _windows, load_chunk, save_chunk, scan_corpus
from engine.tokens import token_starts, visible
from games.candidates import Candidate
from games.scanning import (
    PRECEDENCE,
    Features,
    Group,
    ModelScan,
    ScanOptions,
    aligned_in_document,
    catalogue,
    compare,
    compare_positions,
    group_positions,
    scan_model,
    scan_models,
)
from tests.conftest import shared
from tui.cli import main

STORY = ("Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
         "One day, Lily saw a big dog named Max. Max wanted to play with Lily.")


def direct_logprobs(lm, ids: list[int], start: int) -> torch.Tensor:
    """log p of ids[start + 1:] ... computed plainly: one forward pass over BOS + ids[start:]."""
    bos = [lm.bos_id] if lm.bos_id is not None else []
    with torch.no_grad():
        logits = lm.model(input_ids=torch.tensor([bos + ids[start:]])).logits[0].float()
    return logits.log_softmax(-1), logits


def check_against_direct(lm, scanner: Scanner, result) -> None:
    """Each window's tokens against one plain forward pass over BOS + that window."""
    ids = result.ids.tolist()
    offset = 1 if lm.bos_id is not None else 0  # with BOS the row before token i (BOS for the first) predicts it
    for start, end, first in _windows(len(ids), scanner.room):
        logprobs, logits = direct_logprobs(lm, ids[:end], start)
        for i in range(first, end):
            row = i - start + offset - 1
            if row < 0:
                assert result.rank[i] == 0 and math.isnan(float(result.logprob[i]))
                continue
            stored = float(result.logprob[i])  # float16: three significant digits
            assert stored == pytest.approx(float(logprobs[row, ids[i]]), rel=1e-3, abs=2e-3)
            assert int(result.rank[i]) == 1 + int((logits[row] > logits[row, ids[i]]).sum())
            assert int(result.top1[i]) == int(logits[row].argmax())


@pytest.mark.parametrize("which", ["default_lm", "stories260k"])
def test_scan_equals_a_direct_computation(which: str, request: pytest.FixtureRequest) -> None:
    lm = request.getfixturevalue(which)
    texts = [d.text for d in read_documents(shared("tinystories", "stories.jsonl"))[:3]]
    scanner = Scanner(lm)
    for result in scanner.scan(texts):
        check_against_direct(lm, scanner, result)


def test_long_texts_are_scanned_in_half_overlapping_windows(default_lm) -> None:
    scanner = Scanner(default_lm, max_context=32)
    (result,) = scanner.scan([" ".join([STORY] * 3)])
    windows = _windows(len(result.ids), 32)
    assert len(windows) > 3 and windows[0] == (0, 32, 0) and all(end - start <= 32 for start, end, _ in windows)
    assert all(first - start == 16 for start, _, first in windows[1:])  # later windows score their second half
    check_against_direct(default_lm, scanner, result)
    assert not torch.isnan(result.logprob.float()).any()


def test_confident_correct_and_coverage_by_hand(default_lm) -> None:
    documents = [Document("a", STORY)]
    options = ScanOptions(threshold=0.3)
    scan = scan_model(default_lm, documents, options, None)
    ids = scan.scans[0].ids.tolist()
    logprobs, logits = direct_logprobs(default_lm, ids, 0)
    expected = [i for i in range(len(ids)) if int(logits[i].argmax()) == ids[i] and logprobs[i, ids[i]].exp() >= 0.3]
    # a candidate that explains exactly the " Lily" and " Max" tokens after "named"
    named = Candidate(name="named", finder=r"named (?P<answer>[A-Z][a-z]+)", predictor="{answer}")
    starts = scan.scans[0].starts.tolist()
    named_tokens = {starts.index(m) for m in (STORY.index(" Lily."), STORY.index(" Max."))}
    result = catalogue(scan, [named], options)
    assert result["confident_correct"] == len(expected)
    assert result["explained"] == len(named_tokens & set(expected))
    assert result["coverage"] == pytest.approx(result["explained"] / len(expected))
    assert result["tokens"] == len(ids) and result["bytes_per_token"] == 22
    left = [(0, i) for i in expected if i not in named_tokens]
    groups = group_positions(scan, left, None, most=None)
    assert sorted(p for g in groups for p in g.positions) == left  # each position under one group
    assert [g["count"] for g in result["groups"]] == sorted((g.count for g in groups), reverse=True)[:30]
    for group in result["groups"]:
        assert 0 <= group["ngram_share"] <= 1 and len(group["examples"]) <= 5


def test_compare_two_different_models(default_lm, stories260k) -> None:
    documents = [Document("a", STORY), Document("b", "Tom had a red ball. Tom threw the ball to Sam.")]
    options = ScanOptions(threshold=0.4)
    a, b = (scan_model(lm, documents, options, None) for lm in (default_lm, stories260k))
    result = compare(a, b, options)
    assert result["aligned"] > 20  # words both tokenizers split alike
    mask_a, mask_b = a.confident_correct(0.4), b.confident_correct(0.4)
    assert result["model_only"] + result["both"] <= sum(int(m.sum()) for m in mask_a)
    assert result["other_only"] + result["both"] <= sum(int(m.sum()) for m in mask_b)
    a_only = [(d, i) for d, i, _ in compare_positions(a, b, options)[1]]
    assert len(a_only) == result["model_only"] == sum(g.count for g in group_positions(a, a_only, None, most=None))
    diff = result["logprob_diff"]
    assert diff["p5"] <= diff["p50"] <= diff["p95"]


def whole_spans_by_hand(lm: LoadedModel, text: str) -> tuple[int, set[tuple[int, int]]]:
    """(tokens, character spans of the tokens that stand alone) from a fresh tokenization of `text`: a token's
    span runs from its start to the next token's; byte pieces of one character share a start and are left out."""
    encoded = lm.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    starts = token_starts(encoded["offset_mapping"])
    ends = starts[1:] + [len(text)]
    alone = {(s, e) for k, (s, e) in enumerate(zip(starts, ends, strict=True))
             if e > s and starts.count(s) == 1}
    return len(starts), alone


def test_the_compare_report_says_the_share_both_tokenizers_split_alike(default_lm, stories260k) -> None:
    documents = read_documents(shared("tinystories", "stories.jsonl"))
    options = ScanOptions(max_tokens=600)
    a, b = scan_models([default_lm, stories260k], documents, options, None)
    texts = [d.text for d in a.documents]
    assert [d.text for d in b.documents] == texts and len(texts) >= 2  # the last one cut at 600 tokens
    result = compare(a, b, options)
    tokens_a = tokens_b = aligned = aligned_chars = 0
    for text in texts:
        count_a, spans_a = whole_spans_by_hand(default_lm, text)
        count_b, spans_b = whole_spans_by_hand(stories260k, text)
        tokens_a, tokens_b = tokens_a + count_a, tokens_b + count_b
        aligned += len(spans_a & spans_b)
        aligned_chars += sum(e - s for s, e in spans_a & spans_b)
    assert default_lm.bos_id is not None and stories260k.bos_id is not None  # so every token is predicted
    assert (result["model_tokens"], result["other_tokens"], result["aligned"]) == (tokens_a, tokens_b, aligned)
    assert result["model_tokens"] == 600 and result["other_tokens"] > 600  # stories260K's 512 pieces are smaller
    assert result["aligned_share"] == pytest.approx(aligned / tokens_a)
    assert result["other_aligned_share"] == pytest.approx(aligned / tokens_b)
    assert result["aligned_chars_share"] == pytest.approx(aligned_chars / sum(len(t) for t in texts))
    for key in ("aligned_share", "other_aligned_share", "aligned_chars_share"):
        assert 0 < result[key] < 1
    itself = compare(a, a, options)
    assert itself["aligned"] == itself["model_tokens"] == itself["other_tokens"] == 600
    assert itself["aligned_share"] == itself["other_aligned_share"] == itself["aligned_chars_share"] == 1.0


def hand_scan(starts: list[int]) -> DocumentScan:
    """A scan with these token starts, every token predicted."""
    n = len(starts)
    return DocumentScan(torch.zeros(n, dtype=torch.int32), torch.tensor(starts, dtype=torch.int32),
                        torch.zeros(n), torch.ones(n, dtype=torch.int32), torch.zeros(n, dtype=torch.float16),
                        torch.zeros(n, dtype=torch.int32))


def test_byte_pieces_are_not_compared_with_a_whole_character() -> None:
    text = "a – b"  # the dash is three bytes in UTF-8
    whole = hand_scan([0, 1, 2, 3])  # a, ␣, –, ␣b
    pieces = hand_scan([0, 1, 2, 2, 3])  # a, ␣, two byte pieces of –, ␣b: the last one spans the dash alone
    assert aligned_in_document(pieces, whole, len(text)) == [(0, 0), (1, 1), (4, 3)]
    assert aligned_in_document(whole, pieces, len(text)) == [(0, 0), (1, 1), (3, 4)]
    assert aligned_in_document(pieces, pieces, len(text)) == [(0, 0), (1, 1), (4, 4)]
    prefixed = hand_scan([0, 0, 1, 2, 3])  # a leading space that covers nothing, then a: p(a) costs both
    assert aligned_in_document(prefixed, whole, len(text)) == [(2, 1), (3, 2), (4, 3)]


def test_a_stopped_scan_resumes_from_its_chunks(default_lm, tmp_path: Path, monkeypatch) -> None:
    texts = [d.text for d in read_documents(shared("tinystories", "stories.jsonl"))[:70]]  # two chunks of 64
    first = scan_corpus(default_lm, texts, tmp_path, "key")
    chunks = sorted(tmp_path.glob("*.pt"))
    assert len(chunks) == 2
    calls: list[int] = []
    real = Scanner.scan
    monkeypatch.setattr(Scanner, "scan", lambda self, chunk, progress=None: calls.append(len(chunk)) or
                        real(self, chunk, progress))
    again = scan_corpus(default_lm, texts, tmp_path, "key")
    assert calls == [] and all(torch.equal(x.logprob, y.logprob) for x, y in zip(first, again, strict=True))
    chunks[0].unlink()
    chunks[1].write_bytes(b"damaged")
    scan_corpus(default_lm, texts, tmp_path, "key")
    assert sorted(calls) == [6, 64]


def test_scan_command(capsys, tmp_path: Path) -> None:
    corpus = tmp_path / "stories.jsonl"
    corpus.write_text("".join(json.dumps({"text": t}) + "\n" for t in (STORY, "Once upon a time, there was a cat.")))
    out = tmp_path / "out"
    code = main(["scan", "--corpus", str(corpus), "--format", "json", "--out", str(out), "--threshold", "0.4"])
    printed, _ = capsys.readouterr()
    assert code == 0
    result = json.loads(printed)
    assert {"model", "tokens", "confident_correct", "explained", "coverage", "groups"} <= set(result)
    assert result["threshold"] == 0.4 and (out / "scan.md").read_text().startswith("# Scan of")
    rows = (out / "tokens.jsonl").read_text().splitlines()
    assert len(rows) == result["tokens"] and json.loads(rows[0])["rank"] >= 1
    code = main(["scan", "--corpus", str(corpus), "--format", "markdown", "--max-tokens", "10"])
    printed, _ = capsys.readouterr()
    assert code == 0 and "10 tokens" in printed
    assert main(["scan", "--corpus", str(corpus), "--threshold", "0"]) == 2
    assert "--threshold must be" in capsys.readouterr().err


def test_a_scan_group_promotes_to_a_working_candidate(default_lm) -> None:
    from games.scanning import promote_group

    text = " ".join(f"Once upon a time, a {animal} sat." for animal in ("cat", "dog", "fox", "owl"))
    scan = scan_model(default_lm, [Document("a", text)], ScanOptions(), None)
    starts = scan.scans[0].starts.tolist()
    times = [starts.index(m.start()) for m in re.finditer(" time", text)]
    proposal = promote_group(scan, Group("token", visible(" time"), [(0, i) for i in times]))
    candidate = proposal.to_candidate()
    assert proposal.predictor == "time" and candidate.check_examples() == [] and proposal.examples
    assert [f.predicted for f in candidate.find(text)] == ["time"] * 4


def test_compare_with_a_token_budget_scans_the_same_texts(capsys, tmp_path: Path, stories260k_dir: Path) -> None:
    corpus = tmp_path / "stories.jsonl"
    texts = [d.text for d in read_documents(shared("tinystories", "stories.jsonl"))[:6]]
    corpus.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    code = main(["scan", "--corpus", str(corpus), "--compare", str(stories260k_dir), "--max-tokens", "300",
                 "--format", "json", "--dtype", "float32"])
    result = json.loads(capsys.readouterr().out)
    compared = result["compare"]
    assert code == 0 and result["tokens"] == 300 and compared["aligned"] > 50
    assert compared["logprob_diff"]["mean"] is not None
    assert compared["model_tokens"] == 300 and compared["aligned_share"] == compared["aligned"] / 300
    share, other_share = f"{compared['aligned_share']:.1%}", f"{compared['other_aligned_share']:.1%}"
    for form in ("table", "markdown"):  # the stored scan, said in words
        code = main(["scan", "--corpus", str(corpus), "--compare", str(stories260k_dir), "--max-tokens", "300",
                     "--format", form, "--dtype", "float32"])
        printed = capsys.readouterr().out
        assert code == 0 and f"ompared on the {compared['aligned']} positions both tokenizers split alike: " \
            f"{share} of {compared['model']}'s 300 tokens, {other_share} of {compared['other']}'s" in printed


def test_scan_open_computes_the_catalogue_once_and_hands_it_to_the_screen(tmp_path: Path, stories260k_dir: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import games.scanning

    corpus, out = tmp_path / "stories.jsonl", tmp_path / "out"
    texts = [d.text for d in read_documents(shared("tinystories", "stories.jsonl"))[:6]]
    corpus.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    calls: Counter[str] = Counter()
    for name in ("coverage", "fit_bigram", "compare_positions"):
        original = getattr(games.scanning, name)
        monkeypatch.setattr(games.scanning, name,
                            lambda *args, _original=original, _name=name: calls.update([_name]) or _original(*args))
    opened = []
    monkeypatch.setattr("tui.app.run_app", lambda setup: opened.append(setup) or 0)
    code = main(["scan", "--corpus", str(corpus), "--compare", str(stories260k_dir), "--max-tokens", "300",
                 "--dtype", "float32", "--open", "--out", str(out)])
    (setup,) = opened
    result = json.loads((out / "scan.json").read_text())
    # coverage and the comparison once, a bigram per model (the second's groups its own in the JSON)
    assert code == 0 and calls == {"coverage": 1, "fit_bigram": 2, "compare_positions": 1}
    view = setup.scan
    assert [(g.feature, g.key, g.count) for g in view.groups] == [(g["feature"], g["key"], g["count"])
                                                                  for g in result["groups"]]
    (title, only_first), (_, only_second) = view.compare_groups
    assert title == "only lmgame-default" and [(g.feature, g.key, g.count) for g in only_first] == [
        (g["feature"], g["key"], g["count"]) for g in result["compare"]["model_only_groups"]]
    assert sum(g.count for g in only_second) <= result["compare"]["other_only"]  # placed in the first's tokens


class EvenOdds:
    """A stand-in model: at every position token `top` has probability p, tokens `top + 1` and `top + 2` half
    of the rest each."""

    def __init__(self, vocabulary: int, top: int, p: float) -> None:
        self.config = SimpleNamespace(n_positions=64)
        self.row = torch.full((vocabulary,), -1e4)
        self.row[top] = 0.0
        self.row[top + 1 : top + 3] = math.log((1 - p) / 2 / p)

    def __call__(self, input_ids: torch.Tensor, use_cache: bool = False) -> SimpleNamespace:
        return SimpleNamespace(logits=self.row.expand(*input_ids.shape, -1))


@pytest.mark.parametrize("p, counted", [(0.5000007, True), (0.4999993, False)])
def test_the_threshold_is_decided_on_unrounded_probabilities(default_lm, tmp_path: Path, p: float,
                                                             counted: bool) -> None:
    """A token at p = 0.5000007 is confident at 0.5, one at 0.4999993 is not, before and after storing."""
    top = 100
    lm = LoadedModel(default_lm.identity, EvenOdds(len(default_lm.tokenizer), top, p), default_lm.tokenizer,
                     torch.device("cpu"))
    scanner = Scanner(lm)
    scanner.tokenize = lambda text: ([top] * len(text), list(range(len(text))))
    scans = scanner.scan(["abcdef"])
    save_chunk(tmp_path / "chunk.pt", "key", scans)
    for stored in (scans, load_chunk(tmp_path / "chunk.pt", "key")):
        scan = ModelScan(lm, [Document("d", "abcdef")], stored)
        assert stored[0].rank.tolist() == [1] * 6
        assert scan.confident_correct(0.5)[0].tolist() == [counted] * 6


def test_each_position_is_shown_under_one_group(default_lm) -> None:
    """The first feature it has in PRECEDENCE, else the larger of its token's and its previous token's group."""
    texts = [d.text for d in read_documents(shared("tinystories", "stories.jsonl"))[:4]]
    scan = scan_model(default_lm, [Document(str(n), t) for n, t in enumerate(texts)], ScanOptions(), None)
    positions = [(d, i) for d, s in enumerate(scan.scans) for i in range(1, len(s.ids))]
    groups = group_positions(scan, positions, None, most=None)
    assert sorted(p for g in groups for p in g.positions) == positions
    features = Features(scan)
    found = {position: dict(features.of(*position)) for position in positions}
    generic = Counter((f, key) for by_feature in found.values() for f, key in by_feature.items()
                      if f in ("token", "previous-token"))
    shown = {(g.feature, g.key) for g in groups}
    assert ("closing", ".") in shown and ("token", ".") not in shown  # once, not twice under two names
    for group in groups:
        for position in group.positions:
            by_feature = found[position]
            assert by_feature[group.feature] == group.key
            first = next((f for f in PRECEDENCE if f in by_feature), None)
            if first is not None:
                assert group.feature == first
            else:  # the larger of its two generic groups, counted over all the positions; a tie goes to the token
                token = generic["token", by_feature["token"]]
                previous = generic["previous-token", by_feature["previous-token"]]
                assert group.feature == ("token" if token >= previous else "previous-token")


def test_a_name_seen_earlier_is_not_a_pronoun(default_lm) -> None:
    text = ("Tim saw a dog. He was happy. He ran to Tim. The dog ran. The end. Tom was sad. Tom ran. "
            "Will went out. She saw Will there. She smiled. Once it rained. Once it snowed.")
    scan = scan_model(default_lm, [Document("d", text)], ScanOptions(), None)
    features = Features(scan)
    assert [features.is_name(0, w) for w in ("Tim", "Tom", "Will", "He", "She", "The", "Once", "the")] == [
        True, True, True, False, False, False, False, False]  # Will: capitalised mid-sentence ("saw Will")
    starts = scan.scans[0].starts.tolist()

    def earlier_name(word_at: int) -> bool:
        index = max(i for i, start in enumerate(starts) if start <= word_at)
        return ("earlier-name", "a name seen earlier") in features.of(0, index)

    assert earlier_name(text.rindex("Tim")) and not earlier_name(text.index("Tim"))
    assert not earlier_name(text.rindex("He ")) and not earlier_name(text.rindex("She "))
    assert not earlier_name(text.rindex("The "))

"""`lmgame explain` and engine/attribution.py: occlusion equals a forward pass with the token deleted, attention
equals transformers' own weights, gradient x input equals autograd by hand, on GPT-2 (the embedded model) and
Llama (stories260K); the command's one-line errors and literal output."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import torch

from engine.attribution import METHODS, Question, attention, gradient_x_input, measure, occlusion, prepare
from engine.errors import LmgameError
from engine.models import LoadedModel, default_model_dir
from games import explain as games_explain
from tui.cli import main

STORY = "Once upon a time, there was a boy named Tim. Tim had a pet frog named Hoppy. One day, Tim took Hop"
LLAMA_STORY = "Lily and Ben went to the park. They saw a big dog. Lily said to"


@pytest.fixture(params=["gpt2", "llama"])
def arch(request: pytest.FixtureRequest, default_lm: LoadedModel, stories260k: LoadedModel, stories260k_dir: Path
         ) -> tuple[LoadedModel, Path, str]:
    """(model, its folder, a text it reads well) for each architecture."""
    if request.param == "gpt2":
        return default_lm, default_model_dir(), STORY
    return stories260k, stories260k_dir, LLAMA_STORY


def _direct(lm: LoadedModel, question: Question, sequence: list[int]) -> float:
    """The measure from a plain forward pass over `sequence`, every logit computed."""
    with torch.no_grad():
        logits = lm.model(torch.tensor([sequence], device=lm.device)).logits[:, -question.rows :]
    return float(measure(logits, question)[0])


def _check_occlusion(lm: LoadedModel, question: Question, batch_tokens: int | None) -> None:
    result = occlusion(lm, question, batch_tokens=batch_tokens)
    first = len(question.bos)
    assert result.without is not None and len(result.without) == len(question.context)
    assert result.value == pytest.approx(_direct(lm, question, question.sequence), abs=1e-5)
    for i, without in enumerate(result.without):
        sequence = question.sequence[: first + i] + question.sequence[first + i + 1 :]  # token i deleted
        assert without == pytest.approx(_direct(lm, question, sequence), abs=1e-5), f"token {i}"
        assert result.scores[i] == pytest.approx(result.value - without, abs=1e-6)


@pytest.mark.parametrize("answer, foil", [(" the", None), (" the big dog", None), (" the", " a")])
def test_occlusion_equals_a_forward_pass_with_each_token_removed(arch, answer: str, foil: str | None) -> None:
    lm, _, text = arch
    question = prepare(lm, text, answer, foil)
    assert len(question.answer) >= (3 if answer == " the big dog" else 1)
    assert question.measure == ("logit_diff" if foil else "answer_logprob")
    # 64 tokens a batch: ablations in many batches, each from its own cached prefix; None: the default batches
    for batch_tokens in (64, None):
        _check_occlusion(lm, question, batch_tokens)


def test_occlusion_without_a_bos_token_removes_the_first_token_too(default_lm: LoadedModel) -> None:
    tokenizer = copy.deepcopy(default_lm.tokenizer)
    tokenizer.bos_token = None
    lm = LoadedModel(default_lm.identity, default_lm.model, tokenizer, default_lm.device)
    assert lm.bos_id is None
    question = prepare(lm, "Tim had a red ball. Tim", " had")
    assert question.bos == [] and question.sequence[0] == question.context[0]
    _check_occlusion(lm, question, batch_tokens=40)
    with pytest.raises(LmgameError, match="no BOS token"):
        prepare(lm, "Tim", " had")


def test_attention_equals_transformers_eager_weights(arch) -> None:
    from transformers import AutoModelForCausalLM

    lm, folder, text = arch
    implementation = lm.model.config._attn_implementation
    embedding = lm.model.get_input_embeddings().weight
    question = prepare(lm, text, " the big dog")
    result = attention(lm, question)
    assert implementation != "eager"  # the models run sdpa: the switch to eager and back is exercised
    assert lm.model.config._attn_implementation == implementation  # set back
    assert lm.model.get_input_embeddings().weight is embedding  # the same weights, not reloaded
    reference = AutoModelForCausalLM.from_pretrained(str(folder), attn_implementation="eager",
                                                     dtype=lm.model.dtype).eval()
    with torch.no_grad():
        out = reference(torch.tensor([question.sequence]), output_attentions=True)
    first, count = len(question.bos), len(question.context)
    expected = torch.stack([a[0, :, first + count - 1, : first + count] for a in out.attentions])  # [L, H, T]
    assert result.weights is not None and result.bos_weights is not None
    assert result.weights.shape == (lm.model.config.num_hidden_layers, lm.model.config.num_attention_heads, count)
    torch.testing.assert_close(result.weights, expected[:, :, first:], atol=1e-6, rtol=0)
    torch.testing.assert_close(result.bos_weights, expected[:, :, 0], atol=1e-6, rtol=0)
    assert result.scores == pytest.approx(expected[:, :, first:].mean(dim=(0, 1)).tolist(), abs=1e-6)
    assert result.value == pytest.approx(_direct(lm, question, question.sequence), abs=1e-5)


def test_gradient_x_input_equals_autograd_by_hand(arch) -> None:
    lm, _, text = arch
    question = prepare(lm, text, " the big dog")
    result = gradient_x_input(lm, question)
    assert all(p.grad is None for p in lm.model.parameters())  # nothing accumulated on the weights
    # by hand, through one-hot inputs: d(log p)/d(one-hot) . one-hot = d(log p)/d(embedding) . embedding
    table = lm.model.get_input_embeddings().weight.detach()
    one_hot = torch.nn.functional.one_hot(torch.tensor(question.sequence), table.shape[0]).float().requires_grad_()
    logits = lm.model(inputs_embeds=(one_hot @ table).unsqueeze(0)).logits[0].float()
    logprobs = torch.log_softmax(logits, dim=-1)
    start = len(question.bos) + len(question.context) - 1  # predicts the answer's first token
    logprob = torch.stack([logprobs[start + k, token] for k, token in enumerate(question.answer)]).sum()
    (gradient,) = torch.autograd.grad(logprob, one_hot)
    by_hand = (gradient * one_hot.detach()).sum(dim=-1)[len(question.bos) : start + 1]
    assert result.value == pytest.approx(float(logprob.detach()), abs=1e-5)
    assert result.scores == pytest.approx(by_hand.tolist(), abs=1e-5)


def _occurrence(lm: LoadedModel, question: Question, text: str, start: int, end: int) -> set[int]:
    """The context tokens that start within text[start:end]."""
    return {i for i, s in enumerate(question.starts) if start <= s < end}


@pytest.mark.parametrize("text, answer, name", [
    (STORY, "py", "Hoppy"),
    ("Mr and Mrs Dursley, of number four, Privet Drive, were proud to say that they were perfectly normal. Mr Durs",
     "ley", "Dursley"),
])
def test_induction_puts_the_largest_effect_on_the_earlier_occurrence(default_lm, text, answer, name) -> None:
    """Outside the name's last, unfinished occurrence, removing the earlier occurrence's tokens costs the answer
    most. On the embedded model the Hoppy prompt holds with a wide margin (0.89 against 0.23 for the next token);
    the Dursley one holds narrowly (0.37 against 0.35 for 'ly' of 'perfectly')."""
    question = prepare(default_lm, text, answer)
    result = occlusion(default_lm, question)
    earlier = text.index(name)
    last = text.rindex(" " + name[:2])
    current = _occurrence(default_lm, question, text, last, len(text))
    candidates = [i for i in range(len(question.context)) if i not in current]
    best = max(candidates, key=lambda i: result.scores[i])
    assert best in _occurrence(default_lm, question, text, earlier, earlier + len(name))


def test_the_method_lists_agree() -> None:
    assert games_explain.METHODS == METHODS


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_table_has_a_line_per_context_token(capsys, default_lm) -> None:
    code, out, _ = run(capsys, "explain", STORY, "--answer", "py")
    question = prepare(default_lm, STORY, "py")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("model lmgame-default@") and "answer oppy (1 token: oppy)" in lines[0]
    rows = lines[2:]
    assert len(rows) == len(question.context)
    assert [int(row.split()[0]) for row in rows] == list(range(len(question.context)))
    assert rows[19].split()[1] == "oppy" and rows[26].split()[1] == "␣H"
    assert "████████████████████" in rows[26]  # the largest effect has the full bar


def test_attention_table_lists_the_chosen_tokens_heads(capsys) -> None:
    code, out, _ = run(capsys, "explain", STORY, "--answer", "py", "--method", "attention", "--source", "oppy")
    lines = out.splitlines()
    assert code == 0 and lines[2].split()[0] == "BOS"
    assert lines[-1].startswith("heads attending most to token 19 (oppy): ")
    assert len(lines[-1].split(")  ")) == games_explain.CHOSEN_HEADS
    code, by_index, _ = run(capsys, "explain", STORY, "--answer", "py", "--method", "attention", "--token", "-8")
    assert by_index.splitlines()[-1] == lines[-1]  # token 19 of 27, counted from the end


def test_json_for_two_models(capsys, stories260k_dir) -> None:
    code, out, _ = run(capsys, "explain", "Lily and Ben went to the park. Lily said to", "--answer", " Ben",
                       "--foil", " Lily", "--method", "attention", "--model", "default", "--model",
                       str(stories260k_dir), "--json")
    results = json.loads(out)
    assert code == 0 and [r["model"]["architecture"] for r in results] == ["GPT2LMHeadModel", "LlamaForCausalLM"]
    for result in results:
        assert set(result) == set(games_explain.Explanation.__annotations__)
        assert result["measure"] == "logit_diff" and result["foil_token"] and result["chosen"]["heads"]
        token = result["tokens"][0]
        assert set(token) == set(games_explain.TokenRecord.__annotations__)
        assert len(token["weights"]) == result["layers"] and len(token["weights"][0]) == result["heads"]
        assert token["without"] is None and len(token["top_heads"]) == games_explain.TOP_HEADS
    code, out, _ = run(capsys, "explain", "Lily said to", "--answer", " Ben", "--json")
    single = json.loads(out)
    assert isinstance(single, dict) and single["method"] == "occlusion" and single["chosen"] is None
    assert all(t["score"] == pytest.approx(single["value"] - t["without"]) for t in single["tokens"])


def test_hostile_text_prints_literally(capsys) -> None:
    text = "Tim \x1b[2J\x1b]52;c;aGk=\x07 [bold]red[/bold] \u202eevil\x9b\nTim"
    code, out, _ = run(capsys, "explain", text, "--answer", " [red]had\x1b", "--method", "gradient")
    assert code == 0
    assert not any(c in out for c in "\x1b\x07\x9b\u202e")
    # ESC and BEL are tokens of their own, shown as escapes; the C1 CSI and the bidi override are split into
    # byte pieces, each shown as the replacement character
    rows = {line.split()[1] for line in out.splitlines()[2:]}
    assert {"\\x1b", "\\x07", "␣", "⏎", "\ufffd"} <= rows
    assert "␣[red]had\\x1b" in out.splitlines()[0]  # the answer, markup and all
    assert "⏎" in out  # the newline, made visible
    code, out, _ = run(capsys, "explain", text, "--answer", " had", "--json")
    assert not any(c in out for c in "\x1b\x07\x9b\u202e") and json.loads(out)["text"] == text


@pytest.mark.parametrize("argv, message", [
    (["explain", "Tim had", "--answer", ""], "the answer is empty"),
    (["explain", "Tim had", "--answer", " a", "--foil", ""], "the foil is empty"),
    (["explain", "Tim had", "--answer", " a", "--method", "lime"], "invalid choice: 'lime'"),
    (["explain", "Tim had a red ball", "--answer", " a", "--max-tokens", "3"],
     "TEXT is 5 tokens before the answer for lmgame-default, more than --max-tokens 3"),
    (["explain", "Tim had", "--answer", " a", "--max-tokens", "0"], "--max-tokens must be at least 1"),
    (["explain", "Tim had " * 300, "--answer", " a"], "do not fit in lmgame-default's 512-token window"),
    (["explain", "Tim had", "--answer", " a", "--model", "/no/such/model"], "model directory not found"),
    (["explain", "", "--answer", " a"], "no text before the answer"),
    (["explain", "Tim had", "--answer", " a big", "--foil", " a"], "begin with the same token"),
    (["explain", "Tim had", "--answer", " a", "--token", "1"], "use them with --method attention"),
    (["explain", "Tim had", "--answer", " a", "--method", "attention", "--token", "9"],
     "--token 9 is outside the context's 2 tokens"),
    (["explain", "Tim had", "--answer", " a", "--method", "attention", "--source", "dog"], "no context token reads"),
    (["explain", "Tim had", "--answer", " a", "--token", "1", "--source", "Tim"], "not allowed with argument"),
    (["explain", "Tim had"], "the following arguments are required: --answer"),
])
def test_bad_input_gives_one_line(capsys, argv, message) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    last = err.strip().splitlines()[-1]
    assert last.startswith("lmgame: error: ") and message in last, last
    assert "Traceback" not in err


def test_the_readme_names_every_json_key() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme[readme.index("## Explaining an answer"):readme.index("## The embedded default model")]
    keys = [key for shape in (games_explain.Explanation, games_explain.TokenRecord, games_explain.Head,
                              games_explain.Chosen) for key in shape.__annotations__]
    assert [key for key in keys if f'"{key}"' not in section] == []
    assert all(f"`{method}`" in section for method in METHODS)

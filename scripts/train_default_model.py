"""Train the embedded default model: a small GPT-2-architecture model with its own byte-level BPE.

    python scripts/sample_stories.py --stories 6144        # optional: extra stories, to build/
    python scripts/train_default_model.py --minutes 40      # or --steps N to repeat a run exactly
    python scripts/train_default_model.py --init engine/default_model --steps 300 --lr 3e-4   # continue one

Data: ../shared/data/tinystories/stories.jsonl (real TinyStories; one story in twenty, chosen by a hash of its
text, is held out for validation) plus, when present, stories sampled from stories260K by
scripts/sample_stories.py (text the project generates itself). Seeded. Prints its figures, including bits per
byte on the held-out stories beside those of the real pretrained stories260K on the same stories, and writes
a Hugging Face directory (config.json, model.safetensors, tokenizer files, README.md) to engine/default_model.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.llama2c import BOS_ID, convert_llama2c  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
STORIES = SHARED / "tinystories" / "stories.jsonl"
EOT = "<|endoftext|>"


def is_validation(text: str) -> bool:
    return int(hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest(), 16) % 20 == 0


def read_texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [t for t in (json.loads(line)["text"] for line in handle if line.strip()) if t.strip()]


def train_tokenizer(texts: list[str], vocab_size: int):  # -> tokenizers.Tokenizer
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[EOT],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer)
    return tokenizer


def _window_nats(model, window_ids: list[int]) -> torch.Tensor:
    """-ln p of every token after the first of one window (the first is the BOS the window starts with)."""
    logits = model(torch.tensor([window_ids])).logits[0, :-1].float()
    return -torch.log_softmax(logits, -1).gather(1, torch.tensor(window_ids[1:])[:, None])[:, 0]


def bits_per_byte(model, token_lists: list[list[int]], texts: list[str], bos: int, window: int) -> float:
    """Sum of -log2 p over every token of every text (each text starts after a BOS), over its UTF-8 bytes.
    Texts longer than the window are scored in consecutive windows, each restarted after a BOS."""
    total_bits, total_bytes = 0.0, sum(len(t.encode()) for t in texts)
    model.eval()
    with torch.inference_mode():
        for ids in token_lists:
            for start in range(0, len(ids), window - 1):
                total_bits += float(_window_nats(model, [bos] + ids[start : start + window - 1]).sum()) / math.log(2)
    return total_bits / total_bytes


def first_token_nats(model, token_lists: list[list[int]], bos: int) -> float:
    """Mean -ln p of each text's first token after BOS alone: how well BOS reads as "a story starts here"."""
    with torch.inference_mode():
        logprobs = torch.log_softmax(model(torch.tensor([[bos]])).logits[0, -1].float(), -1)
    return float(-logprobs[[ids[0] for ids in token_lists if ids]].mean())


def joined_windows(token_lists: list[list[int]], separator: int, bos: int, window: int) -> list[list[int]]:
    """The texts joined end to end (each after `separator`, as in training), cut into full windows of BOS and
    window - 1 text tokens: every position of the context is used, most of them far from a story's start."""
    stream: list[int] = []
    for ids in token_lists:
        stream += [separator] + ids
    step = window - 1
    return [[bos] + stream[start : start + step] for start in range(0, len(stream) - step + 1, step)]


def joined_figures(model, token_lists: list[list[int]], texts: list[str], separator: int, bos: int,
                   window: int) -> dict[str, float]:
    """On the held-out texts joined end to end, in full windows: bits per byte (over the bytes of the windows'
    text), and the mean log-loss (nats per token) before and past the middle of the window."""
    windows = joined_windows(token_lists, separator, bos, window)
    half = window // 2
    nats = []
    model.eval()
    with torch.inference_mode():
        for ids in windows:
            nats.append(_window_nats(model, ids))
    every = torch.stack(nats)  # [windows, window - 1]: column j predicts position j + 1
    scored_tokens = every.numel()
    all_tokens = sum(len(ids) + 1 for ids in token_lists)
    all_bytes = sum(len(t.encode()) for t in texts)
    covered_bytes = all_bytes * scored_tokens / all_tokens  # the windows cover nearly all of the stream
    return {
        "bpb": float(every.sum()) / math.log(2) / covered_bytes,
        "nats_before_half": float(every[:, : half - 1].mean()),
        "nats_past_half": float(every[:, half - 1 :].mean()),
        "windows": float(len(windows)),
    }


def stories260k_figures(texts: list[str], window: int) -> tuple[float, dict[str, float]]:
    """stories260K's bits per byte per story, and its figures on the stories joined end to end (each after its
    BOS, as llama2.c trained it)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with tempfile.TemporaryDirectory() as folder:
        stories260k = SHARED / "stories260K"
        convert_llama2c(stories260k / "stories260K.bin", stories260k / "tok512.model", Path(folder))
        model = AutoModelForCausalLM.from_pretrained(folder)
        tokenizer = AutoTokenizer.from_pretrained(folder)
    ids = [tokenizer.encode(t, add_special_tokens=False) for t in texts]
    joined = joined_figures(model, ids, texts, BOS_ID, BOS_ID, window)
    first_token = first_token_nats(model, ids, BOS_ID)
    return bits_per_byte(model, ids, texts, BOS_ID, 512), {**joined, "first_token": first_token}


def _relative(value: object) -> str:
    """Paths inside the repository are recorded relative to it."""
    if isinstance(value, Path) and value.resolve().is_relative_to(ROOT):
        return str(value.resolve().relative_to(ROOT))
    return str(value)


def card_row(card: Path, name: str) -> str:
    """The text of one row of a model card's table: `| name | text |`."""
    for line in card.read_text().splitlines():
        if line.startswith(f"| {name} | "):
            return line.removeprefix(f"| {name} | ").removesuffix(" |")
    raise SystemExit(f"{card} has no '{name}' row")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=40.0, help="training time budget")
    parser.add_argument("--steps", type=int, default=0, help="train exactly this many steps instead (reproducible)")
    parser.add_argument("--vocab", type=int, default=4096)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--context", type=int, default=512)
    parser.add_argument("--seq", type=int, default=0, help="training sequence length (default: the context)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--story-starts", type=float, default=0.5, help="share of windows that start a story")
    parser.add_argument("--lr", type=float, default=1.5e-3)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--sampled", type=Path, default=ROOT / "build" / "sampled_stories.jsonl")
    parser.add_argument("--init", type=Path, help="continue training the model in this folder (its tokenizer kept)")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--out", type=Path, default=ROOT / "engine" / "default_model")
    args = parser.parse_args()
    args.seq = args.seq or args.context
    if not 2 <= args.seq <= args.context:
        parser.error("--seq must be between 2 and --context")

    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    real = read_texts(STORIES)
    validation = [t for t in real if is_validation(t)]
    train = [t for t in real if not is_validation(t)]
    sampled = read_texts(args.sampled) if args.sampled.exists() else []
    print(f"stories: {len(train)} real for training, {len(validation)} held out, "
          f"{len(sampled)} sampled from stories260K")

    if args.init:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(args.init / "tokenizer.json"))
        base = {"card": (args.init / "README.md").read_text(),
                "training": json.loads((args.init / "training.json").read_text())}
    else:
        tok = train_tokenizer(train + sampled, args.vocab)
    eot = tok.token_to_id(EOT)
    if eot is None:
        raise SystemExit(f"the tokenizer has no {EOT} token, which separates the stories")
    encode = lambda texts: [e.ids for e in tok.encode_batch(texts)]  # noqa: E731
    train_ids, sampled_ids, val_ids = encode(train), encode(sampled), encode(validation)
    stream = [eot]
    for ids in train_ids + sampled_ids:
        stream += ids + [eot]
    data = torch.tensor(stream)
    story_starts = torch.tensor([i + 1 for i, token in enumerate(stream[: -args.seq - 1]) if token == eot])
    real_tokens = sum(map(len, train_ids))
    real_bytes = sum(len(t.encode()) for t in train)
    print(f"tokens: {len(stream):,} in training ({real_tokens:,} real, {real_bytes / real_tokens:.2f} bytes/token)")

    config = GPT2Config(
        vocab_size=tok.get_vocab_size(), n_positions=args.context, n_embd=args.width, n_layer=args.layers,
        n_head=args.heads, resid_pdrop=args.dropout, embd_pdrop=args.dropout, attn_pdrop=args.dropout,
        bos_token_id=eot, eos_token_id=eot, tie_word_embeddings=True,
    )
    if args.init:
        model = GPT2LMHeadModel.from_pretrained(args.init, torch_dtype=torch.float32)
    else:
        model = GPT2LMHeadModel(config)
    params = sum(p.numel() for p in model.parameters())
    print(f"model: GPT-2 architecture, {params:,} parameters, {args.layers} layers, width {args.width}")

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr, betas=(0.9, 0.95),
    )
    budget = args.minutes * 60
    warmup = 20 if args.init else 100
    start, step, tokens_seen = time.time(), 0, 0
    model.train()
    while step < args.steps if args.steps else time.time() - start < budget:
        elapsed = time.time() - start
        progress = step / args.steps if args.steps else elapsed / budget
        lr = args.lr * min(1.0, (step + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
        for group in optimizer.param_groups:
            group["lr"] = lr
        # each window is BOS then seq - 1 tokens, as lmgame feeds a model: a share of them from where a story starts
        # (a text's first window), the rest from anywhere (a window in the middle of a long text also starts with
        # BOS), so that every position up to the context is trained and BOS means both
        anywhere = torch.randint(0, len(data) - args.seq, (args.batch,))
        at_story = story_starts[torch.randint(0, len(story_starts), (args.batch,))]
        offsets = torch.where(torch.rand(args.batch) < args.story_starts, at_story, anywhere)
        batch = torch.stack([torch.cat([data[:1], data[o : o + args.seq]]) for o in offsets])  # data[0] is BOS
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model(batch[:, :-1]).logits
        loss = torch.nn.functional.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        tokens_seen += batch.numel()
        if step % 100 == 0:
            speed = tokens_seen / (time.time() - start)
            print(f"step {step}: loss {loss.item():.3f}, lr {lr:.2e}, {speed:,.0f} tokens/s, {elapsed / 60:.1f} min",
                  flush=True)

    model = model.half().float().eval()  # judge the weights as stored (float16) and as lmgame loads them
    ours = bits_per_byte(model, val_ids, validation, eot, args.context)
    ours_joined = joined_figures(model, val_ids, validation, eot, eot, args.context)
    ours_joined["first_token"] = first_token_nats(model, val_ids, eot)
    theirs, theirs_joined = stories260k_figures(validation, args.context)
    ratio, joined_ratio = ours / theirs, ours_joined["bpb"] / theirs_joined["bpb"]
    print(f"validation bits per byte, each story alone: lmgame-default {ours:.4f}, stories260K {theirs:.4f}, "
          f"ratio {ratio:.3f}")
    print(f"validation bits per byte, stories joined in {args.context}-token windows: lmgame-default "
          f"{ours_joined['bpb']:.4f}, stories260K {theirs_joined['bpb']:.4f}, ratio {joined_ratio:.3f}")
    for name, figures in (("lmgame-default", ours_joined), ("stories260K", theirs_joined)):
        print(f"{name}: nats/token before position {args.context // 2} {figures['nats_before_half']:.4f}, "
              f"past it {figures['nats_past_half']:.4f}; a story's first token after BOS {figures['first_token']:.4f}")
    print(f"trained {step} steps, {tokens_seen:,} tokens in {(time.time() - start) / 60:.1f} min")

    args.out.mkdir(parents=True, exist_ok=True)
    model.half().save_pretrained(args.out)  # float16 on disk (fits the 10 MB budget); loads as any dtype
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token=EOT, eos_token=EOT, unk_token=EOT, model_max_length=args.context
    )
    fast.save_pretrained(args.out)
    minutes = (time.time() - start) / 60
    command = " ".join(["python"] + sys.argv)
    share = f"{args.story_starts:.0%} of them where a story starts, the rest"
    training = (f"{step} steps, {tokens_seen:,} tokens, {minutes:.0f} minutes of wall-clock time on the CPU, AdamW, "
                f"bfloat16 autocast; windows of {args.seq} tokens, each BOS then text: {share} from anywhere in the "
                "stories (as lmgame feeds a model)")
    data_row = (f"{len(train)} real TinyStories stories (Eldan & Li, 2023; CDLA-Sharing-1.0) and {len(sampled)} "
                "stories sampled from the pretrained stories260K (karpathy/llama2.c, MIT) by "
                "`scripts/sample_stories.py`")
    commands = f"`python scripts/sample_stories.py --stories 6144 --batch 1024`, then `{command}`"
    if args.init:
        with tempfile.TemporaryDirectory() as folder:
            base_card = Path(folder) / "README.md"
            base_card.write_text(base["card"])
            training = f"{card_row(base_card, 'training')}; then continued: {training}"
            data_row = (f"{card_row(base_card, 'training data')}; continued on {len(train)} real and "
                        f"{len(sampled)} sampled")
            base_commands = card_row(base_card, "commands").split(" (`--steps")[0]
            commands = f"{base_commands}, then `{command}`"
    card = (ROOT / "scripts" / "default_model_card.md").read_text().format(
        training=training, data=data_row, commands=commands,
        params=f"{params:,}", layers=args.layers, width=args.width, heads=args.heads, vocab=tok.get_vocab_size(),
        context=args.context, validation=len(validation), ours=f"{ours:.4f}", theirs=f"{theirs:.4f}",
        ratio=f"{ratio:.3f}",
        ours_joined=f"{ours_joined['bpb']:.4f}", theirs_joined=f"{theirs_joined['bpb']:.4f}",
        joined_ratio=f"{joined_ratio:.3f}", half=args.context // 2, window_tokens=args.context - 1,
        ours_before=f"{ours_joined['nats_before_half']:.3f}", ours_past=f"{ours_joined['nats_past_half']:.3f}",
        theirs_before=f"{theirs_joined['nats_before_half']:.3f}",
        theirs_past=f"{theirs_joined['nats_past_half']:.3f}",
        ours_first=f"{ours_joined['first_token']:.3f}", theirs_first=f"{theirs_joined['first_token']:.3f}",
    )
    (args.out / "README.md").write_text(card)
    (args.out / "training.json").write_text(json.dumps(
        {"args": {k: _relative(v) for k, v in vars(args).items()}, "params": params, "steps": step,
         "tokens": tokens_seen,
         "validation_bpb": ours, "stories260k_bpb": theirs, "ratio": ratio, "joined": ours_joined,
         "stories260k_joined": theirs_joined, "joined_ratio": joined_ratio, "minutes": minutes,
         **({"base": base["training"]} if args.init else {})}, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Reveal latency per step of the guess game at 200-token contexts: stepping with the KV cache (what the game
does) against recomputing the whole prefix at every step, on the embedded model and on a GPT-2-small-shaped
model, in the same run.

    python benchmarks/reveal_latency.py [--steps 40] [--context 200] [--dtype float32]

A reveal is games.GuessGame.reveal: the next-token distribution at a new position, the top-k, the true token's
probability and rank, and the guess judged and teacher-forced. The TUI computes each position's distributions
ahead (GuessGame.look_ahead, in a worker, while the player types), so the reveal the player waits for costs only
the guess's own tokens; the cold reveal is the cost without that look-ahead.
"""

from __future__ import annotations

import argparse
import time

import torch
from common import SHARED, gpt2_small_shape_dir, read_jsonl_texts, summary_ms

from engine.corpus import Document
from engine.models import LoadedModel, load_model
from games.board import Board
from games.guess_mode import GuessGame


def long_text(path: str, lm: LoadedModel, tokens: int) -> str:
    """Documents of a corpus joined until the text is long enough."""
    text = ""
    for doc in read_jsonl_texts(SHARED / path, limit=400):
        text += doc + "\n\n"
        if len(lm.tokenizer.encode(text)) > tokens:
            return text
    raise SystemExit(f"{path} has too little text for {tokens} tokens")


def game_steps(lm: LoadedModel, text: str, context: int, steps: int, top_k: int, guess: str,
               look_ahead: bool) -> tuple[list[float], list[float]]:
    """Seconds per reveal, and per look-ahead (the game computes the next position while the player thinks)."""
    game = GuessGame(Board(Document("bench", text), [lm]), top_k=top_k)
    game.skip(context)
    reveals, ahead = [], []
    for _ in range(steps):
        if look_ahead:
            start = time.perf_counter()
            game.look_ahead()
            ahead.append(time.perf_counter() - start)
        start = time.perf_counter()
        game.reveal(guess)
        reveals.append(time.perf_counter() - start)
    return reveals, ahead


@torch.inference_mode()
def recompute_steps(lm: LoadedModel, text: str, context: int, steps: int, top_k: int) -> list[float]:
    ids = lm.tokenizer.encode(text)
    guess = lm.tokenizer.encode(" the house")
    bos = [lm.bos_id] if lm.bos_id is not None else []
    times = []
    for step in range(steps):
        prefix = bos + ids[: context + step]
        start = time.perf_counter()
        logits = lm.model(torch.tensor([prefix + guess[:-1]])).logits[0].float()
        logprobs = torch.log_softmax(logits, -1)
        torch.topk(logprobs[len(prefix) - 1], top_k)
        true = ids[context + step]
        int((logprobs[len(prefix) - 1] > logprobs[len(prefix) - 1, true]).sum())
        float(sum(logprobs[len(prefix) - 1 + i, t] for i, t in enumerate(guess)))
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--context", type=int, default=200)
    parser.add_argument("--top-k", type=int, default=10)
    parser.add_argument("--dtype", default="float32")
    args = parser.parse_args()

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, dtype {args.dtype}, "
          f"context {args.context} tokens, {args.steps} steps")
    setups = [
        ("embedded (lmgame-default)", load_model(None, dtype=args.dtype), "tinystories/stories.jsonl"),
        ("GPT-2-small shape", load_model(str(gpt2_small_shape_dir()), dtype=args.dtype), "openwebtext/sample.jsonl"),
    ]
    print(f"{'model':<28}{'method':<44}{'median ms':>10}{'p95 ms':>10}")
    for name, lm, corpus in setups:
        text = long_text(corpus, lm, args.context + args.steps + 10)
        game_steps(lm, text, args.context, 3, args.top_k, "house", True)  # warm-up
        rows = []
        cold, _ = game_steps(lm, text, args.context, args.steps, args.top_k, "the house", False)
        rows.append(("reveal, 2-token guess, no look-ahead", cold))
        for guess, label in (("house", "1-token"), ("the house", "2-token")):
            warm, ahead = game_steps(lm, text, args.context, args.steps, args.top_k, guess, True)
            rows.append((f"reveal, {label} guess, after look-ahead", warm))
        rows.append(("look-ahead (while the player types)", ahead))
        full = recompute_steps(lm, text, args.context, args.steps, args.top_k)
        rows.append(("recompute the prefix, 2-token guess", full))
        for label, times in rows:
            median, p95 = summary_ms(times)
            print(f"{name:<28}{label:<44}{median:>10.1f}{p95:>10.1f}")
        print(f"{name:<28}{'speed-up of the cold reveal over recompute':<44}"
              f"{summary_ms(full)[0] / summary_ms(cold)[0]:>9.1f}x")


if __name__ == "__main__":
    main()

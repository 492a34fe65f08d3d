"""Typing latency in guess mode while the look-ahead runs on a GPT-2-small-shaped model, three ways in the same
run:

    python benchmarks/typing_latency.py [--keys 20] [--context 512] [--every 0.08] [--dtype float32]

Keys arrive as from a terminal (sent from another thread, one every --every seconds); a key's latency runs from
its sending to its character in the guess input.
- idle: no look-ahead is running (the baseline);
- look-ahead: look-aheads run back to back while the keys are typed, each holding the models for one forward
  pass over --context tokens, and the guess preview waits for the models in its own worker (what the app does);
- look-ahead, preview on the UI thread: the preview computed on the UI thread under the model lock, as it was
  before the preview had its worker: a key waits for the forward pass in flight.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from collections.abc import Callable

import torch
from common import SHARED, gpt2_small_shape_dir, percentile, read_jsonl_texts
from textual import events
from textual.widgets import Input

from engine.corpus import Document
from engine.models import LoadedModel, load_model
from engine.nexttoken import Stepper
from games.guess_mode import GuessGame
from tui.app import LmgameApp, PlaySetup
from tui.model_lock import MODELS
from tui.screens.guess import GuessScreen
from tui.widgets.guess_input import GuessInput
from tui.widgets.preview import HINT, TokenPreview

TYPED = "Tchaikovsky was a composer of the Romantic period "


def preview_on_the_ui_thread(self: GuessScreen) -> None:
    """The guess preview as it was computed before it had a worker: on the UI thread, under the model lock."""
    preview = self.query_one(TokenPreview)
    raw = self.query_one("#guess", Input).value
    if self.game is None or self.game.finished or not raw:
        preview.say(HINT)
        return
    with MODELS:
        preview.show(*self.game.preview(raw))


def key_latencies(lm: LoadedModel, document: Document, keys: int, every: float, context: int, busy: bool,
                  refresh: Callable[[GuessScreen], None]) -> tuple[list[float], int]:
    """Seconds from each key sent to its character in the input, and the forward passes run meanwhile."""
    started, typed = threading.Event(), threading.Event()
    passes = [0]
    real_look_ahead, real_refresh = GuessGame.look_ahead, GuessScreen._refresh_preview

    def look_ahead(game: GuessGame) -> None:
        started.set()
        track = game.board.tracks[0]
        while busy and not typed.is_set():
            Stepper(track.lm).distribution(track.ids[:context])  # a fresh cache: the whole context each pass
            passes[0] += 1
            MODELS.release()  # look-aheads back to back, each holding the models for one forward pass
            time.sleep(0.001)
            MODELS.acquire()
        real_look_ahead(game)

    text = (TYPED * (keys // len(TYPED) + 1))[:keys]
    sent: list[float] = []
    shown: dict[int, float] = {}
    app = LmgameApp(PlaySetup(models=[lm], documents=[document], source="owt"))

    def typist() -> None:
        for char in text:
            sent.append(time.perf_counter())
            app._driver.send_message(events.Key("space" if char == " " else char, char))  # type: ignore[union-attr]
            time.sleep(every)

    async def main() -> None:
        async with app.run_test(size=(120, 40)):
            guess_input = app.screen.query_one(GuessInput)

            def seen(value: str) -> None:
                shown.setdefault(len(value), time.perf_counter())

            app.screen.watch(guess_input, "value", seen, init=False)
            while not started.is_set():
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.2)  # the look-ahead is into its first forward pass
            keys_thread = threading.Thread(target=typist)
            keys_thread.start()
            while keys_thread.is_alive() or len(shown) < len(text):
                await asyncio.sleep(0.005)
            typed.set()
            keys_thread.join()
            await app.workers.wait_for_complete()

    GuessGame.look_ahead = look_ahead  # type: ignore[method-assign,assignment]
    GuessScreen._refresh_preview = refresh  # type: ignore[method-assign,assignment]
    try:
        asyncio.run(main())
    finally:
        GuessGame.look_ahead, GuessScreen._refresh_preview = real_look_ahead, real_refresh  # type: ignore[method-assign]
    return [shown[n] - sent[n - 1] for n in range(1, len(text) + 1)], passes[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--context", type=int, default=512)
    parser.add_argument("--every", type=float, default=0.08)
    parser.add_argument("--dtype", default="float32")
    args = parser.parse_args()
    lm = load_model(str(gpt2_small_shape_dir()), dtype=args.dtype)
    text = next(t for t in read_jsonl_texts(SHARED / "openwebtext/sample.jsonl", limit=200)
                if len(lm.tokenizer.encode(t)) > args.context + 50)
    document = Document("owt", text)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, GPT-2-small shape in {args.dtype}, "
          f"look-ahead passes over {args.context} tokens, {args.keys} keys one every {args.every * 1000:.0f} ms")
    ways = [("idle (baseline)", False, GuessScreen._refresh_preview),
            ("look-ahead, preview in a worker (now)", True, GuessScreen._refresh_preview),
            ("look-ahead, preview on the UI thread (before)", True, preview_on_the_ui_thread)]
    print(f"{'way':<48}{'median ms':>10}{'p95 ms':>10}{'max ms':>10}{'passes':>8}{'x idle p95':>12}")
    idle_p95 = None
    for label, busy, refresh in ways:
        latencies, passes = key_latencies(lm, document, args.keys, args.every, args.context, busy, refresh)
        median, p95, worst = (percentile(latencies, q) * 1000 for q in (0.5, 0.95, 1.0))
        idle_p95 = idle_p95 or p95
        print(f"{label:<48}{median:>10.1f}{p95:>10.1f}{worst:>10.1f}{passes:>8}{p95 / idle_p95:>11.1f}x")


if __name__ == "__main__":
    main()

"""Shared set-up for the benchmarks: the models they compare, built offline from ../shared."""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"


def gpt2_small_shape_dir() -> Path:
    """A GPT-2-small-shaped model (124M parameters, random weights) with the real GPT-2 tokenizer, saved as a
    Hugging Face folder: the same speed as the real GPT-2 small, loaded through the same code path."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2Tokenizer

    folder = Path(tempfile.mkdtemp(prefix="lmgame-gpt2-shape-"))
    torch.manual_seed(0)
    GPT2LMHeadModel(GPT2Config()).save_pretrained(folder)
    GPT2Tokenizer.from_pretrained(str(SHARED / "gpt2-tokenizer")).save_pretrained(folder)
    return folder


def read_jsonl_texts(path: Path, limit: int | None = None) -> list[str]:
    texts = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            texts.append(json.loads(line)["text"])
            if limit is not None and len(texts) >= limit:
                break
    return texts


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary_ms(values: list[float]) -> tuple[float, float]:
    """(median, p95) in milliseconds."""
    return statistics.median(values) * 1000, percentile(values, 0.95) * 1000

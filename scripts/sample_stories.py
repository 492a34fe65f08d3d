"""Sample stories from the real pretrained stories260K model (../shared/data/stories260K), as extra
training text for the embedded default model. The text is the project's own (generated here).

    python scripts/sample_stories.py --stories 6144 --out build/sampled_stories.jsonl

Seeded and resumable: each batch has its own seed, and batches already in the output file are kept.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.llama2c import BOS_ID, EOS_ID, Llama2cHeader, read_state_dict  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "stories260K"


class Llama2cSampler:
    """A minimal batched Llama forward with a KV cache: several times faster than generate() here."""

    def __init__(self, header: Llama2cHeader, state: dict[str, torch.Tensor]) -> None:
        self.h, self.w = header, state
        hs = header.head_size
        inv_freq = 1.0 / (10000.0 ** (torch.arange(0, hs, 2).float() / hs))
        angles = torch.outer(torch.arange(header.seq_len).float(), inv_freq)
        self.cos = torch.cat([angles.cos(), angles.cos()], dim=-1)
        self.sin = torch.cat([angles.sin(), angles.sin()], dim=-1)

    @staticmethod
    def _norm(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * weight

    def _rope(self, x: torch.Tensor, pos: int) -> torch.Tensor:
        half = x.shape[-1] // 2
        rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
        return x * self.cos[pos] + rotated * self.sin[pos]

    def sample(self, batch: int, max_tokens: int) -> list[list[int]]:
        h, w = self.h, self.w
        hs, kv, group = h.head_size, h.n_kv_heads, h.n_heads // h.n_kv_heads
        keys = torch.zeros(h.n_layers, batch, kv, max_tokens, hs)
        values = torch.zeros_like(keys)
        token = torch.full((batch,), BOS_ID)
        rows, finished = [], torch.zeros(batch, dtype=torch.bool)
        for pos in range(max_tokens):
            x = w["model.embed_tokens.weight"][token]
            for i in range(h.n_layers):
                p = f"model.layers.{i}."
                a = self._norm(x, w[p + "input_layernorm.weight"])
                q = self._rope((a @ w[p + "self_attn.q_proj.weight"].T).view(batch, kv, group, hs), pos)
                keys[i, :, :, pos] = self._rope((a @ w[p + "self_attn.k_proj.weight"].T).view(batch, kv, hs), pos)
                values[i, :, :, pos] = (a @ w[p + "self_attn.v_proj.weight"].T).view(batch, kv, hs)
                scores = torch.einsum("bkgd,bktd->bkgt", q, keys[i, :, :, : pos + 1]) / hs**0.5
                mixed = torch.einsum("bkgt,bktd->bkgd", scores.softmax(-1), values[i, :, :, : pos + 1])
                x = x + mixed.reshape(batch, -1) @ w[p + "self_attn.o_proj.weight"].T
                f = self._norm(x, w[p + "post_attention_layernorm.weight"])
                gate = torch.nn.functional.silu(f @ w[p + "mlp.gate_proj.weight"].T)
                x = x + (gate * (f @ w[p + "mlp.up_proj.weight"].T)) @ w[p + "mlp.down_proj.weight"].T
            logits = self._norm(x, w["model.norm.weight"]) @ w["lm_head.weight"].T
            token = torch.multinomial(logits.softmax(-1), 1).squeeze(1)
            rows.append(token)
            finished |= (token == BOS_ID) | (token == EOS_ID)
            if bool(finished.all()):
                break
        return torch.stack(rows, dim=1).tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=6144)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "sampled_stories.jsonl")
    args = parser.parse_args()

    import sentencepiece

    torch.set_grad_enabled(False)
    header, state = read_state_dict(SHARED / "stories260K.bin")
    sampler = Llama2cSampler(header, state)
    pieces = sentencepiece.SentencePieceProcessor(model_file=str(SHARED / "tok512.model"))

    args.out.parent.mkdir(parents=True, exist_ok=True)
    batches_done = (sum(1 for _ in args.out.open()) if args.out.exists() else 0) // args.batch
    start, written = time.time(), 0
    with args.out.open("a") as sink:
        for batch in range(batches_done, (args.stories + args.batch - 1) // args.batch):
            torch.manual_seed(args.seed * 1_000_003 + batch)
            kept = 0
            for row in sampler.sample(args.batch, min(args.max_tokens, header.seq_len)):
                ends = [row.index(t) for t in (BOS_ID, EOS_ID) if t in row]
                if not ends:
                    continue  # ran out of tokens before the story ended: drop rather than truncate
                text = pieces.decode(row[: min(ends)]).strip()
                if text:
                    sink.write(json.dumps({"text": text}) + "\n")
                    kept += 1
            # pad so that a resumed run counts whole batches
            for _ in range(args.batch - kept):
                sink.write(json.dumps({"text": ""}) + "\n")
            sink.flush()
            written += args.batch
            speed = written / (time.time() - start)
            print(f"batch {batch}: kept {kept}/{args.batch}, {speed:.1f} stories/s", flush=True)


if __name__ == "__main__":
    main()

"""Convert a llama2.c checkpoint (legacy binary format) into a Hugging Face Llama directory.

The legacy format is a header of 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size,
seq_len; a negative vocab_size means the classifier is not shared with the embedding), then float32
tensors in a fixed order. llama2.c applies rotary embeddings to interleaved pairs, Hugging Face's Llama
to the two halves of each head, so the q and k projections are permuted on the way.
"""

from __future__ import annotations

import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch

from engine.errors import LmgameError

BOS_ID = 1
EOS_ID = 2


@dataclass(frozen=True)
class Llama2cHeader:
    dim: int
    hidden_dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    vocab_size: int
    seq_len: int
    shared_classifier: bool

    @property
    def head_size(self) -> int:
        return self.dim // self.n_heads


def read_header(data: bytes) -> Llama2cHeader:
    if len(data) < 28:
        raise LmgameError("not a llama2.c checkpoint: the file is shorter than its 28-byte header")
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = struct.unpack("7i", data[:28])
    return Llama2cHeader(dim, hidden, layers, heads, kv_heads, abs(vocab), seq_len, vocab > 0)


def _unpermute_rotary(weight: torch.Tensor, n_heads: int) -> torch.Tensor:
    """Reorder rows from interleaved rotary pairs (llama2.c) to rotate-half halves (Hugging Face)."""
    out_dim, in_dim = weight.shape
    return weight.view(n_heads, out_dim // n_heads // 2, 2, in_dim).transpose(1, 2).reshape(out_dim, in_dim)


def read_state_dict(path: Path) -> tuple[Llama2cHeader, dict[str, torch.Tensor]]:
    data = Path(path).read_bytes()
    h = read_header(data)
    flat = torch.frombuffer(bytearray(data[28:]), dtype=torch.float32)
    offset = 0

    def take(*shape: int) -> torch.Tensor:
        nonlocal offset
        count = 1
        for size in shape:
            count *= size
        if offset + count > flat.numel():
            raise LmgameError(f"not a llama2.c checkpoint: {path} ends before its weights do")
        tensor = flat[offset : offset + count].view(*shape).clone()
        offset += count
        return tensor

    q_dim, kv_dim, L = h.n_heads * h.head_size, h.n_kv_heads * h.head_size, h.n_layers
    embed = take(h.vocab_size, h.dim)
    attn_norm = take(L, h.dim)
    wq, wk, wv = take(L, q_dim, h.dim), take(L, kv_dim, h.dim), take(L, kv_dim, h.dim)
    wo = take(L, h.dim, q_dim)
    ffn_norm = take(L, h.dim)
    w1, w2, w3 = take(L, h.hidden_dim, h.dim), take(L, h.dim, h.hidden_dim), take(L, h.hidden_dim, h.dim)
    final_norm = take(h.dim)
    take(h.seq_len, h.head_size // 2)  # precomputed rotary cos, unused
    take(h.seq_len, h.head_size // 2)  # precomputed rotary sin, unused
    lm_head = embed if h.shared_classifier else take(h.vocab_size, h.dim)

    state = {"model.embed_tokens.weight": embed, "model.norm.weight": final_norm, "lm_head.weight": lm_head}
    for i in range(L):
        p = f"model.layers.{i}."
        state[p + "input_layernorm.weight"] = attn_norm[i]
        state[p + "self_attn.q_proj.weight"] = _unpermute_rotary(wq[i], h.n_heads)
        state[p + "self_attn.k_proj.weight"] = _unpermute_rotary(wk[i], h.n_kv_heads)
        state[p + "self_attn.v_proj.weight"] = wv[i]
        state[p + "self_attn.o_proj.weight"] = wo[i]
        state[p + "post_attention_layernorm.weight"] = ffn_norm[i]
        state[p + "mlp.gate_proj.weight"] = w1[i]
        state[p + "mlp.down_proj.weight"] = w2[i]
        state[p + "mlp.up_proj.weight"] = w3[i]
    return h, state


def convert_llama2c(checkpoint: Path, tokenizer_model: Path, out_dir: Path) -> Path:
    """Write a Hugging Face Llama directory (weights and tokenizer) for a llama2.c checkpoint.

    The converted tokenizer does not add <s> by itself: prepend BOS_ID to reproduce llama2.c's runs.
    """
    from transformers import LlamaConfig, LlamaForCausalLM, LlamaTokenizer

    h, state = read_state_dict(Path(checkpoint))
    config = LlamaConfig(
        vocab_size=h.vocab_size,
        hidden_size=h.dim,
        intermediate_size=h.hidden_dim,
        num_hidden_layers=h.n_layers,
        num_attention_heads=h.n_heads,
        num_key_value_heads=h.n_kv_heads,
        max_position_embeddings=h.seq_len,
        rms_norm_eps=1e-5,
        rope_theta=10000.0,  # type: ignore[call-arg]  # transformers 4 takes it; 5 reads it into rope_parameters
        tie_word_embeddings=h.shared_classifier,
        bos_token_id=BOS_ID,
        eos_token_id=EOS_ID,
    )
    model = LlamaForCausalLM(config)
    model.load_state_dict(state, strict=False)
    out_dir = Path(out_dir)
    model.save_pretrained(out_dir)
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(tokenizer_model, Path(folder) / "tokenizer.model")
        tokenizer = LlamaTokenizer.from_pretrained(folder, legacy=True, add_bos_token=False)
        tokenizer.save_pretrained(out_dir)
    return out_dir

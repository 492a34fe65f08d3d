"""The models a face plays and scores with: loading them (each model once), the models at hand, and what one
predicts after a text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from engine.errors import LmgameError
from engine.models import DEFAULT_MODEL_NAME, LoadedModel, cached_hub_models, default_model_dir, load_model
from engine.predict import predict


def load_models(names: Sequence[str | None] | None, device: str, dtype: str, limit: int,
                loading: Callable[[str], None] | None = None) -> list[LoadedModel]:
    """The models named (none: the embedded one), at most `limit` of them, each a different model; `loading`
    hears each one's name before it loads."""
    names = list(names or [None])
    if len(names) > limit:
        raise LmgameError(f"at most {limit} models at once; got {len(names)}")
    loaded: list[LoadedModel] = []
    for name in names:
        if loading:
            loading(name or "the embedded default model")
        lm = load_model(name, device=device, dtype=dtype)
        for other in loaded:
            if (other.identity.source, other.identity.revision) == (lm.identity.source, lm.identity.revision):
                raise LmgameError(f"--model {name or 'default'} is the same model as {other.identity.name}: "
                                  "each model plays once")
        loaded.append(lm)
    return loaded


def models_at_hand() -> list[dict[str, Any]]:
    """The embedded model, then the causal LMs in the local Hugging Face cache: {name, kind, path, ...}."""
    entries: list[dict[str, Any]] = [{"name": DEFAULT_MODEL_NAME, "kind": "embedded", "path": str(default_model_dir())}]
    return entries + [{**found, "kind": "hf-cache"} for found in cached_hub_models()]


def prediction(lm: LoadedModel, text: str, top_k: int = 10, answers: tuple[str, ...] = ()) -> dict[str, Any]:
    """The top-k next tokens after `text`, and where each answer stands (see engine.predict)."""
    return predict(lm, text, top_k, answers)


def top_k_after(lm: LoadedModel, context: str, k: int) -> list[dict[str, Any]]:
    """The model's `k` likeliest next tokens after `context`: none where it has nothing to predict from (no text
    and no BOS token)."""
    if not context and lm.bos_id is None:
        return []
    top_k: list[dict[str, Any]] = predict(lm, context, k)["top_k"]
    return top_k

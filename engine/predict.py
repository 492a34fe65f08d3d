"""One-shot prediction: the top-k next tokens after a text, and where given answers stand."""

from __future__ import annotations

import math
from typing import Any

from engine.errors import LmgameError
from engine.models import LoadedModel
from engine.nexttoken import Stepper
from engine.tokens import continuation_ids, encode, token_text


def predict(lm: LoadedModel, text: str, top_k: int = 10, answers: tuple[str, ...] = ()) -> dict[str, Any]:
    """{"model", "top_k": [{token, id, prob, logit}], "answers": [{text, tokens, prob, rank, logprob}]};
    rank 1 is the top token; an answer's prob and rank are its first token's, logprob the whole answer's, all
    from one window that ends at the answer's last token, as `lmgame score` scores it."""
    if top_k < 1:
        raise LmgameError("--top-k must be at least 1")
    stepper = Stepper(lm)
    context = encode(lm.tokenizer, text)
    if not context and lm.bos_id is None:
        raise LmgameError("this model has no BOS token, so it needs some text to predict after")
    dist = stepper.distribution(context)
    result: dict[str, Any] = {
        "model": lm.identity.as_dict(),
        "top_k": [t.as_dict() for t in dist.top_k(top_k)],
        "answers": [],
    }
    for answer in answers:
        ids = continuation_ids(lm.tokenizer, text, answer)
        if not ids:
            raise LmgameError(f"the answer {answer!r} tokenizes to nothing")
        first, logprobs = stepper.distribution_and_continuation(context, ids)
        result["answers"].append({
            "text": answer,
            "tokens": [token_text(lm.tokenizer, i) for i in ids],
            "prob": math.exp(logprobs[0]),
            "rank": first.rank(ids[0]),
            "logprob": sum(logprobs),
        })
    return result

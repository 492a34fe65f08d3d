"""The one lock on the loaded models: it guards their weights, their KV caches (a game's board) and their
tokenizers (a fast tokenizer must not encode in two threads at once). Every call into a model or its tokenizer
from a worker holds it: a game's reveal, look-ahead and guess preview, the workbench's run, the promote
editor's quick score and the scan's top-k. A game does not start while a scoring run holds it."""

from __future__ import annotations

import threading

MODELS = threading.Lock()
BUSY = "the models are busy with a scoring run: wait for it to end, or cancel it in the workbench (F3, then c)"

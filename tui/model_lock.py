"""One scoring run at a time: the workbench's run and the promote editor's quick score share the models, and
a game does not start on them while a run holds them (a tokenizer must not encode in two threads at once)."""

from __future__ import annotations

import threading

SCORING = threading.Lock()
BUSY = "the models are busy with a scoring run: wait for it to end, or cancel it in the workbench (F3, then c)"

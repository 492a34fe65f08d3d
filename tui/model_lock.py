"""One model call at a time across screens: the workbench's run, the promote editor's quick score, a game's
reveal and look-ahead and the scan's top-k share the models (a tokenizer must not encode in two threads at
once). A game does not start while a scoring run holds them."""

from __future__ import annotations

import threading

SCORING = threading.Lock()
BUSY = "the models are busy with a scoring run: wait for it to end, or cancel it in the workbench (F3, then c)"

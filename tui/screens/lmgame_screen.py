"""What every lmgame screen shares: the too-small guard, layouts only at the terminal's current size (and a
hook for tables laid out to its width), notifications that show their text as it is, and the one place where
a worker's failure reaches the screen."""

from __future__ import annotations

from typing import Any, TypeVar

from textual import events
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from engine.errors import LmgameError
from tui.literal import pictured
from tui.screens.too_small import TooSmall

ResultType = TypeVar("ResultType")


def failure_line(error: BaseException) -> str:
    """A worker's failure as the screen says it: an lmgame error says what went wrong in its own words, anything
    else with its kind ("ValueError: ...")."""
    return str(error) if isinstance(error, LmgameError) else f"{type(error).__name__}: {error}"


class LmgameScreen(Screen[ResultType]):
    """The first base of every lmgame screen (`class HelpScreen(LmgameScreen[None], ModalScreen[None])`).

    A screen lays itself out on a Resize event, then posts itself a Resize of the size it took. When two sizes
    wait in its queue with other messages between them (keys, a worker's result), each one handled re-posts
    itself behind the other: the screen lays out at 70x20, 120x40, 70x20... for ever, and as its queue is
    never empty it never yields to the event loop, so the app hangs. A Resize of a size other than the
    terminal's is stale (a newer one is queued behind it): dropping it makes every layout the same size, and
    a layout to the size a screen already has posts nothing.
    """

    width_fitted = 0  # the terminal width the screen's tables were last laid out for

    def on_mount(self) -> None:
        self.mount(TooSmall())

    def on_resize(self, event: events.Resize) -> None:
        if event.size != self.app.size:
            event.prevent_default()  # Screen's own handler, the layout, is not run for a stale size
        elif event.size.width != self.width_fitted:
            self.width_fitted = event.size.width
            self.fit_width()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Every worker runs with exit_on_error=False and lets its failure propagate to here (as harlequin's do).
        A cancelled worker's failure never comes: its result is no longer wanted."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.work_failed(event.worker, failure_line(event.worker.error))

    def work_failed(self, worker: Worker[Any], error: str) -> None:
        """Say that `worker` (told apart by its group) failed, where its result would have gone; the screen stays
        usable. By default a notification titled with the work's group ("preview failed")."""
        self.notify(error, title=f"{worker.group} failed", severity="error", timeout=8)

    def fit_width(self) -> None:
        """Lay out again what depends on the terminal's width (a table's columns): it has changed, and
        `self.size` has the new one."""

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """As Textual's, but the message is shown literally: notifications quote guesses, files and errors."""
        super().notify(pictured(message, "\n"), title=pictured(title), severity=severity, timeout=timeout,
                       markup=markup)

"""What the terminal shows, as text, for tests that assert on the drawn screen rather than on a widget's state."""

from __future__ import annotations

from textual.app import App


def screen_lines(app: App) -> list[str]:
    """The lines of the current screen as the app draws them now (modals without what shows through)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_text(app: App) -> str:
    return "\n".join(screen_lines(app))

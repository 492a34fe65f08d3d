"""The one error type the user sees: a message that fits on a line, never a traceback."""


class LmgameError(Exception):
    """A problem with the user's input or environment, explained in one line."""

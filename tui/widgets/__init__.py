"""Widgets of the lmgame screens."""

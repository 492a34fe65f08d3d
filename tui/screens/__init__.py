"""Screens of the lmgame app."""

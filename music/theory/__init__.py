"""Pitch classes, chord symbols, progressions: music theory without files."""

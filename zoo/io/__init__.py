"""Bytes in and out: atomic writes, safe reading of user files."""

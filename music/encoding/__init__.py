"""Solos as the improviser's token sequences and conditioning features."""

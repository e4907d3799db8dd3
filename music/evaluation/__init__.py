"""Measuring solos: metrics and the discriminator."""

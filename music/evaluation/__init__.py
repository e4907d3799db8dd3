"""Measuring solos: metrics, phrase features, the judges (feature and neural), the Jazz
Transformer metrics (H1, H4, GS) and the spread across solos."""

"""Measuring solos: metrics, phrase features, the judges (feature and neural), the Jazz
Transformer metrics (H1, H4, GS), the spread across solos and a blind listening pair."""

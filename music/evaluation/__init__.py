"""Measuring solos: metrics, phrase features, the judges (feature and neural), the Jazz
Transformer metrics (H1, H4, GS), the spread across solos, a blind listening pair and a
performer judge (who played it?)."""

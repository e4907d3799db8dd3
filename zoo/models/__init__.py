"""The factories, the registered layers and the single-step twins."""

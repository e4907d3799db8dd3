"""Character- and word-level language models: train, sample and score."""

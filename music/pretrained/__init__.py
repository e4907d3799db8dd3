"""The default jazz improviser shipped with seqzoo (see docs/results/jazz.md)."""

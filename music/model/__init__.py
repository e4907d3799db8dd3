"""The improviser: network, training, generation, its artifact and solo-level styles."""

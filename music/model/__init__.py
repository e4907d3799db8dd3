"""The improviser: network, training, generation (with its pitch-class cache), its artifact and
solo-level styles."""

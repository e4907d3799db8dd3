"""The improviser: network, training, generation and its artifact."""

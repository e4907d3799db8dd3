"""The default jazz improviser shipped with seqzoo (see README: "Jazz improviser")."""

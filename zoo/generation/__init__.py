"""The generation engine: one compiled loop over any step model (`loop`, `sampler`), token
choice (`choice`), beam search, seq2seq decoding and the native LSTM sampling path."""

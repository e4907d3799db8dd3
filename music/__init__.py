"""Jazz improvisation with an LSTM over chord progressions, written out with music21."""

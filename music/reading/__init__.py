"""Reading solos from MIDI and MusicXML, with limits, chord inference and a cache."""

"""Reading solos from MIDI and MusicXML, with limits, chord inference and a cache; who played a
solo, from a WJazzD file name."""

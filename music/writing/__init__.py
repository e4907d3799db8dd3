"""Writing solos: MIDI and MusicXML, accompaniment, audio and pictures."""

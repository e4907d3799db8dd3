"""Pure Python helpers every layer may use: argument checks, the command-line base."""

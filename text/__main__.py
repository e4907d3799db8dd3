"""`python -m text`: see `text.cli`."""

import sys

from text.cli import main

if __name__ == "__main__":
    sys.exit(main())

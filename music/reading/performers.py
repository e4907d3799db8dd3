"""Who played a solo, from the WJazzD file name (``SonnyRollins_BlueSeven-1_Solo.xml``)."""

import os
import re


def performer_of(source):
    """The performer named by a WJazzD file name, words split: "Sonny Rollins".

    Args:
        source: a file name or path such as ``"SonnyRollins_BlueSeven-1_Solo.xml"``.

    Returns:
        str: the words before the first underscore, or "" when there is none.

    Example:
        >>> performer_of("SonnyRollins_BlueSeven-1_Solo.xml")
        'Sonny Rollins'
        >>> performer_of("JJJohnson_Yesterdays_Solo.xml")
        'JJ Johnson'
    """
    name = os.path.basename(str(source))
    if "_" not in name:
        return ""
    head = name.split("_", 1)[0]
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", head).strip()


__all__ = ["performer_of"]

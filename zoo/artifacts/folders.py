"""What a folder is, and whether a save may replace it: the artifact format's safety rules.

`check_output_folder` refuses, before any work, a path that exists and is not an artifact of
the same kind (or an empty folder, or a run folder of ours): a user's folder is never
replaced, and `.`/the current folder or one of its parents never is. `own_files` names the
files a save replaces; everything else in the folder is kept.
"""

import os
import pathlib

from zoo.artifacts.layout import (
    CONFIG_FILE,
    FORMAT,
    LEGACY_MUSIC_FILES,
    LEGACY_TEXT_FORMAT,
    MODEL_FILE,
    RUN_FOLDER,
    ArtifactError,
)
from zoo.io.atomic import probe_writable
from zoo.io.jsonio import JSONFileError, read_json


def read_config(path):
    """The `config.json` of a folder, or None when it is missing or not readable JSON.

    A folder whose `config.json` cannot be read is not an artifact this package recognises:
    `folder_kind` then says None and `check_output_folder` refuses to replace it.

    Args:
        path: `pathlib.Path`, a folder.

    Returns:
        The decoded JSON value (not necessarily a dict), or None.

    Example:

    >>> import tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "config.json").write_text("{cut")
    >>> read_config(folder) is None
    True
    """
    try:
        return read_json(path / CONFIG_FILE)
    except JSONFileError:
        return None


def folder_kind(path, config=None):
    """What a folder holds: the artifact kind, `"run"`, `"empty"`, or None (something else).

    Args:
        path: a folder.
        config: its `config.json` already read (None: read it here).

    Returns:
        The artifact kind (`"text.generator"`, `"music.improviser"`, ...) for an artifact of
        this package in any layout it can read; `"run"` for a folder that holds only a training
        run folder of ours; `"empty"`; None for anything else (a user's folder).

    Example:

    >>> import tempfile
    >>> folder_kind(tempfile.mkdtemp())
    'empty'
    """
    path = pathlib.Path(path)
    names = {p.name for p in path.iterdir()}
    if not names:
        return "empty"
    if config is None and CONFIG_FILE in names:
        config = read_config(path)
    if isinstance(config, dict):
        if config.get("format") == FORMAT and isinstance(config.get("kind"), str):
            return config["kind"]
        if config.get("format") == LEGACY_TEXT_FORMAT:
            return "text.generator"
        if "format" not in config and set(LEGACY_MUSIC_FILES) <= names:
            return "music.improviser"
    # A run folder of ours, or the run folders of non-chief workers (zoo.training.distribute).
    if names == {RUN_FOLDER} and (
        (path / RUN_FOLDER / "run.json").is_file() or any((path / RUN_FOLDER).glob("*-*/run.json"))
    ):
        return "run"
    return None


def own_files(path):
    """The names in an artifact folder that belong to the artifact itself (replaced on save).

    `save_artifact` replaces these and moves everything else (a README, the run folder) into
    the new folder.

    Args:
        path: `pathlib.Path`, an artifact folder in any layout this package reads.

    Returns:
        A set of file names: `config.json`, `model.keras` and the preprocessing files.

    Example:

    >>> import tempfile
    >>> sorted(own_files(pathlib.Path(tempfile.mkdtemp())))
    ['config.json', 'model.keras']
    """
    config = read_config(path)
    names = {CONFIG_FILE, MODEL_FILE}
    if isinstance(config, dict) and config.get("format") == FORMAT:
        names |= {
            f"{name}.json" for name in config.get("preprocessing", []) if isinstance(name, str)
        }
    elif isinstance(config, dict):
        names |= {"vocab.json", "encoding.json", "metrics.json"}  # the legacy layouts
    return names


def _refuse_cwd(path, option):
    here = pathlib.Path.cwd().resolve()
    resolved = path.resolve()
    if resolved == here or resolved in here.parents or resolved.parent == resolved:
        raise ArtifactError(
            f"{option} {str(path) or repr('')}: that is the current folder or "
            f"one of its parents, which is never replaced; name a new folder "
            f"such as runs/model"
        )


def check_output_folder(path, *, kind, option="path"):
    """Refuse, before any work, an output folder that a save must not replace.

    Allowed: a path that does not exist yet (its nearest existing parent must be writable), an
    empty folder, an artifact of the same `kind`, or a folder holding only a run folder of
    ours. Refused: an empty path, the current folder or a parent of it, a file, an artifact of
    another kind, and any other folder (a user's files are never replaced).

    Args:
        path: the artifact folder to write.
        kind: the artifact kind that will be written.
        option: how the message names the path (a CLI passes its flag, e.g. `"--out"`).

    Returns:
        The absolute `pathlib.Path`.

    Raises:
        ArtifactError: naming the path, what it holds and how to proceed.

    Example:

    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> _ = open(os.path.join(folder, "thesis.tex"), "w").close()
    >>> check_output_folder(folder, kind="text.generator")
    Traceback (most recent call last):
    ...
    zoo.artifacts.layout.ArtifactError: path ...: it exists and is not a text.generator artifact...
    """
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise ArtifactError(f"{option} {path!r}: expected a folder name such as runs/model")
    path = pathlib.Path(path)
    _refuse_cwd(path, option)
    shown = os.fspath(path)
    path = path.absolute()
    if path.exists() and not path.is_dir():
        raise ArtifactError(
            f"{option} {shown}: it is a file; expected a folder to create or replace"
        )
    if path.is_dir():
        try:
            found = folder_kind(path)
        except OSError as error:
            raise ArtifactError(f"{option} {shown}: cannot read it ({error.strerror})") from None
        if found not in (kind, "run", "empty"):
            count = len(list(path.iterdir()))
            what = (
                f"a {found} artifact"
                if found
                else f"a folder of {count} {'entry' if count == 1 else 'entries'} that is not a "
                f"seqzoo artifact"
            )
            raise ArtifactError(
                f"{option} {shown}: it exists and is not a {kind} artifact (it is {what}); "
                f"nothing was changed: choose a new or empty folder"
            )
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ArtifactError(
            f"{option} {shown}: {parent} is a file; expected a path in a writable folder"
        )
    try:
        probe_writable(parent)
    except OSError as error:
        raise ArtifactError(
            f"{option} {shown}: cannot write in {parent} "
            f"({error.strerror or error}); expected a writable folder"
        ) from None
    return path


__all__ = ["check_output_folder", "folder_kind", "own_files", "read_config"]

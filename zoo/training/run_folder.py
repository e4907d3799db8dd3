"""The files of a training run folder: settings, state, best weights and Keras's backup.

`zoo.training.engine.fit(run_dir=...)` keeps `run.json` (the settings, `check_settings`
refuses a folder recorded with others), `state.json` (history and best epoch, written atomically),
`best.weights.h5` and `backup/` (`keras.callbacks.BackupAndRestore`) there. `clear_run`
deletes exactly these and nothing else the user put in the folder.
"""

import json
import os
import pathlib
import shutil

from zoo.io.atomic import write_json_atomically
from zoo.io.jsonio import JSONFileError, read_json

RUN_FORMAT = "seqzoo.training"
RUN_VERSION = 1
OWN_FILES = ("backup", "state.json", "run.json", "best.weights.h5")


def write_json(path, data):
    """Write a JSON record atomically, creating its folder.

    Args:
        path: the file to write (`zoo.io.atomic.write_json_atomically` replaces it whole).
        data: JSON values.

    Returns:
        None.
    """
    pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_json_atomically(path, data)


def read_record(path):
    """A JSON record of a run folder (`run.json`, `state.json`), or None when it is missing.

    Read by `zoo.io.jsonio.read_json`; a record that is there but unreadable is an error whose
    message says how to start over.

    Args:
        path: the file to read.

    Returns:
        The decoded JSON, or None.

    Raises:
        ValueError: the file exists but cannot be read as JSON (the message names it and says
            to start fresh).

    Example:

    >>> read_record("no/such/run/state.json") is None
    True
    """
    try:
        return read_json(path)
    except JSONFileError as error:
        raise ValueError(
            f"{error}; it is no training record: start fresh with fresh=True (the CLIs: --fresh)"
        ) from None


def clear_run(run_dir):
    """Delete the engine's files in a run folder (backup, state, settings, best weights).

    Other files in the folder are left alone.

    Args:
        run_dir: the run folder (missing is fine).

    Returns:
        None.

    Example:

    >>> clear_run("no/such/run")
    """
    run_dir = pathlib.Path(run_dir)
    if not run_dir.is_dir():
        return
    for name in OWN_FILES:
        target = run_dir / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()


def check_settings(run_dir, settings):
    """Whether `run_dir` holds a run recorded with `settings` (False: no record there).

    Args:
        run_dir: `pathlib.Path` of the run folder.
        settings: the JSON settings of the call (`zoo.io.jsonio.jsonable`).

    Returns:
        bool: True when `run_dir/run.json` records the same settings.

    Raises:
        ValueError: the record belongs to something else, or to other settings (the
            message names each one that differs).
    """
    recorded = read_record(run_dir / "run.json")
    if recorded is None:
        return False
    if recorded.get("format") != RUN_FORMAT:
        raise ValueError(
            f"{run_dir}/run.json is not a seqzoo training record; start fresh "
            f"with fresh=True (the CLIs: --fresh)"
        )
    before = recorded.get("settings", {})
    differing = sorted(k for k in set(before) | set(settings) if before.get(k) != settings.get(k))
    if differing:
        detail = ", ".join(
            f"{k} {before.get(k)!r} (recorded) vs {settings.get(k)!r} (now)" for k in differing
        )
        raise ValueError(
            f"run folder {run_dir} belongs to a run with other settings: {detail}; "
            f"repeat the recorded settings to resume, or start fresh with "
            f"fresh=True (the CLIs: --fresh), which deletes that run's state"
        )
    return True


def repair_backup(folder):
    """After a kill while Keras wrote the backup's epoch record, go back to the previous generation.

    Keras writes the weights, then `training_metadata.json`; it falls back to the `.bkp`
    generation itself only when the weights cannot be read.

    Args:
        folder: `pathlib.Path` of the `keras.callbacks.BackupAndRestore` folder.

    Returns:
        None.
    """
    record = folder / "training_metadata.json"
    if not record.exists():
        return
    try:
        json.loads(record.read_text(encoding="utf-8"))["epoch"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        weights = folder / "latest.weights.h5"
        for path in (weights, record):
            previous = path.with_name(path.name + ".bkp")
            if previous.exists():
                shutil.copyfile(previous, path)
            else:
                path.unlink(missing_ok=True)


NO_BACKUP = (-1, -1)


def backup_generations(folder):
    """The `(epoch, batch)` of a backup's latest and previous generation.

    `keras.callbacks.BackupAndRestore(double_checkpoint=True)` keeps two: `latest.*` and the
    one before it (`*.bkp`); `epoch` counts finished epochs, `batch` the batches of the next
    one (0 for a backup taken at an epoch's end).

    Args:
        folder: `pathlib.Path` of the backup folder.

    Returns:
        A list of two `(epoch, batch)` tuples, latest first; `NO_BACKUP` `(-1, -1)` for a
        generation that is missing or unreadable.

    Example:

    >>> backup_generations(pathlib.Path("no/such/backup"))
    [(-1, -1), (-1, -1)]
    """
    found = []
    for suffix in ("", ".bkp"):
        record = folder / f"training_metadata.json{suffix}"
        weights = folder / f"latest.weights.h5{suffix}"
        try:
            data = json.loads(record.read_text(encoding="utf-8"))
            found.append(
                (int(data["epoch"]), int(data.get("batch") or 0)) if weights.exists() else NO_BACKUP
            )
        except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
            found.append(NO_BACKUP)
    return found


def common_generation(generations):
    """The newest backup generation that every worker holds, or None (all start over).

    Args:
        generations: one list per worker of its generations' `(epoch, batch)` pairs (as
            `backup_generations` returns them, or flattened into four ints).

    Returns:
        The `(epoch, batch)` tuple every worker can load, or None.

    Example:

    >>> common_generation([[(3, 0), (2, 0)], [(2, 0), (1, 0)]])  # worker 1 missed a backup
    (2, 0)
    >>> common_generation([[(3, 0), (2, 0)], [(-1, -1), (-1, -1)]]) is None
    True
    """
    held = [{tuple(pair) for pair in _pairs(worker)} - {NO_BACKUP} for worker in generations]
    shared = set.intersection(*held) if held else set()
    return max(shared) if shared else None


def _pairs(worker):
    flat = [
        int(v) for pair in worker for v in (pair if isinstance(pair, (list, tuple)) else [pair])
    ]
    return [tuple(flat[i : i + 2]) for i in range(0, len(flat), 2)]


def use_generation(folder, generation):
    """Make `generation` the backup's latest (None: delete the backup, training starts over).

    Args:
        folder: `pathlib.Path` of the backup folder.
        generation: an `(epoch, batch)` pair from `backup_generations(folder)`, or None.

    Returns:
        None.

    Raises:
        ValueError: the folder holds no such generation.
    """
    latest, previous = backup_generations(folder)
    if generation is None:
        if folder.is_dir():
            shutil.rmtree(folder)
        return
    generation = tuple(generation)
    if generation == latest:
        return
    if generation != previous:
        raise ValueError(
            f"{folder} holds no backup of epoch {generation[0]}, batch {generation[1]}"
        )
    for name in ("latest.weights.h5", "training_metadata.json"):
        os.replace(folder / f"{name}.bkp", folder / name)


__all__ = [
    "RUN_FORMAT",
    "RUN_VERSION",
    "OWN_FILES",
    "write_json",
    "read_record",
    "clear_run",
    "check_settings",
    "repair_backup",
    "NO_BACKUP",
    "backup_generations",
    "common_generation",
    "use_generation",
]

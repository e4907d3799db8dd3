"""Fixtures of the task tests: the task data zips (skipped when ../shared/data is absent)."""

import pytest

from tests.conftest import shared_data_dir


@pytest.fixture
def task_zip():
    """A function name -> the path of `../shared/data/tasks/<name>.zip`, or a skip."""

    def find(name):
        root = shared_data_dir()
        path = None if root is None else root / "tasks" / f"{name}.zip"
        if path is None or not path.is_file():
            pytest.skip(f"../shared/data/tasks/{name}.zip is not present (set SEQZOO_SHARED_DATA)")
        return path

    return find

"""Shared pytest fixtures: quiet TensorFlow, seeded randomness and the shared data folder."""

import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

import pytest  # noqa: E402

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]


def shared_data_dir():
    """Return the shared data folder (`../shared/data` beside the repository), or None."""
    override = os.environ.get("SEQZOO_SHARED_DATA")
    path = pathlib.Path(override) if override else REPO_ROOT.parent / "shared" / "data"
    return path if path.is_dir() else None


@pytest.fixture
def shared_data():
    """The shared data folder; skips the test with a clear reason when it is absent."""
    path = shared_data_dir()
    if path is None:
        pytest.skip("../shared/data is not present beside the repository (set SEQZOO_SHARED_DATA)")
    return path


@pytest.fixture(autouse=True)
def _seed_everything():
    """Every test starts from the same random state."""
    import numpy as np

    np.random.seed(0)
    yield

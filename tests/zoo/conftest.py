"""Fixtures shared by the zoo's tests."""

import pytest


@pytest.fixture(scope="session")
def ops():
    """The native op library (`zoo.native.lstm_ops()`), built once; skips where it cannot be."""
    pytest.importorskip("tensorflow")
    from zoo import native

    built = native.lstm_ops()
    if built is None:
        pytest.skip("the native kernels could not be built here (no C++ compiler?)")
    return built

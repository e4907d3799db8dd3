"""Fixtures shared by the zoo's tests."""

import pytest


@pytest.fixture(scope="session")
def ops():
    """The native op library (`zoo.native.library.lstm_ops()`), built once.

    Skips where no C++ compiler is found or `SEQZOO_NATIVE` turns the kernels off; fails
    where a compiler is found and the library still cannot be built, checked or loaded
    (that is a defect, never a reason to skip the native tests)."""
    pytest.importorskip("tensorflow")
    import os

    from zoo.native import library as native

    if os.environ.get("SEQZOO_NATIVE", "1").strip().lower() in native.OFF:
        pytest.skip("SEQZOO_NATIVE turns the native kernels off")
    if native._compiler() is None:
        pytest.skip("no C++ compiler found: the native kernels cannot be built here")
    built = native.lstm_ops()
    if built is None:
        pytest.fail(
            "a C++ compiler is found but the native kernels were not built or loaded "
            "(see the warning above)"
        )
    return built

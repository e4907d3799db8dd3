"""The Python examples of the README and of the user guide (docs/guide/) run as written.

Every ```python block is one test; a block that appears in several files runs once.
"""

import re

import pytest

from tests.conftest import REPO_ROOT, shared_data_dir

PAGES = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs" / "guide").glob("*.md"))]


def _blocks():
    seen, blocks = set(), []
    for page in PAGES:
        name = page.relative_to(REPO_ROOT).with_suffix("").as_posix()
        for i, code in enumerate(re.findall(r"```python\n(.*?)```", page.read_text(), re.S)):
            if code not in seen:
                seen.add(code)
                blocks.append(
                    pytest.param(code, str(page.relative_to(REPO_ROOT)), id=f"{name}-block{i}")
                )
    return blocks


BLOCKS = _blocks()


def test_there_are_examples():
    assert any("README" in p.id for p in BLOCKS), "README.md has no ```python example"


@pytest.mark.slow
@pytest.mark.parametrize("code, page", BLOCKS)
def test_example_runs(code, page):
    """An example that reads `../shared/data` reads the shared data folder wherever it is
    (`SEQZOO_SHARED_DATA`), and skips when there is none, as the data tests do."""
    if "../shared/data" in code:
        data = shared_data_dir()
        if data is None:
            pytest.skip(f"{page}: the example reads ../shared/data, which is not present")
        code = code.replace("../shared/data", data.as_posix())
    exec(compile(code, page, "exec"), {"__name__": "readme_example"})

"""zoo.io.jsonio: the one JSON reading contract (missing -> a stand-in, unreadable -> an error
naming the file) and the one JSON round trip; and the swap journal that treats a corrupt
journal as none."""

import json

import numpy as np
import pytest

from zoo.io.atomic import recover_folder, replace_folder_atomically
from zoo.io.jsonio import JSONFileError, jsonable, read_json


def test_a_record_reads_back_and_a_missing_file_gives_the_stand_in(tmp_path):
    (tmp_path / "run.json").write_text(json.dumps({"epochs": 3, "sizes": [1, 2]}))
    assert read_json(tmp_path / "run.json") == {"epochs": 3, "sizes": [1, 2]}
    assert read_json(str(tmp_path / "run.json"))["epochs"] == 3
    assert read_json(tmp_path / "absent.json") is None
    assert read_json(tmp_path / "absent.json", missing={}) == {}


@pytest.mark.parametrize(
    "content, reason",
    [
        (b'{"epochs": 3', "Expecting"),  # cut short
        (b"\xff\xfe not text", "codec"),  # not UTF-8
        (b"", "Expecting value"),  # empty
    ],
)
def test_a_file_that_is_there_but_not_json_raises_an_error_naming_it(tmp_path, content, reason):
    path = tmp_path / "state.json"
    path.write_bytes(content)
    with pytest.raises(JSONFileError, match=reason) as caught:
        read_json(path, missing={})
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith(f"{path} cannot be read as JSON (")
    assert caught.value.path == path


def test_a_folder_in_place_of_the_file_is_an_error_not_a_missing_file(tmp_path):
    (tmp_path / "config.json").mkdir()
    with pytest.raises(JSONFileError, match="config.json cannot be read as JSON"):
        read_json(tmp_path / "config.json")


def test_jsonable_gives_the_values_as_json_reads_them_back():
    value = {"sizes": (1, np.int64(2)), 3: np.float32(0.5), "nested": [{"t": (True, None)}]}
    assert jsonable(value) == {"sizes": [1, 2], "3": 0.5, "nested": [{"t": [True, None]}]}
    assert type(jsonable(np.int32(4))) is int


@pytest.mark.parametrize("value", [{"bad": {1, 2}}, {"array": np.zeros(2)}, object()])
def test_jsonable_refuses_what_json_cannot_hold_and_names_where(value):
    with pytest.raises(
        ValueError,
        match=r"^build_lm\(units=\.\.\.\) = .* is not JSON: "
        r"expected JSON values",
    ):
        jsonable(value, "build_lm(units=...)")
    with pytest.raises(ValueError, match="^value = "):
        jsonable(value)


def test_a_corrupt_swap_journal_counts_as_none_and_the_folder_stays(tmp_path):
    target = tmp_path / "model"
    with replace_folder_atomically(target) as staging:
        (staging / "config.json").write_text("{}")
    journal = tmp_path / ".model.swap.json"
    journal.write_text('{"staging": ".model.staging-x", "prev')  # a journal never finished
    assert recover_folder(target) is False
    assert not journal.exists()
    assert sorted(p.name for p in target.iterdir()) == ["config.json"]

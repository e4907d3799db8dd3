"""zoo.notebook.plot: attention heat maps and training curves as PNGs with content."""

import doctest

import numpy as np
import pytest

from zoo.notebook import plot


def drawn_fraction(png):
    import matplotlib.image

    pixels = matplotlib.image.imread(str(png))[..., :3]
    return float((pixels < 0.9).any(axis=-1).mean())


def test_attention_png(tmp_path):
    weights = np.random.default_rng(0).dirichlet(np.ones(10), size=11)
    png = tmp_path / "attention.png"
    fig = plot.attention(weights, "3 may 1979", list("1979-05-03") + ["<end>"], png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert drawn_fraction(png) > 0.2
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels[1] == "␣"  # spaces are visible


def test_attention_shape_mismatch_is_named(tmp_path):
    with pytest.raises(plot.PlotError, match="weights: shape"):
        plot.attention(np.ones((2, 3)), "ab", "xy", tmp_path / "a.png")
    with pytest.raises(plot.PlotError, match="2-D"):
        plot.attention(np.ones(3), "abc", "x")
    assert not (tmp_path / "a.png").exists()


def test_history_png_from_a_dict_and_a_history_object(tmp_path):
    curves = {
        "loss": [3.0, 2.0, 1.5],
        "val_loss": [3.1, 2.2, 1.9],
        "accuracy": [0.1, 0.4, 0.6],
        "note": "ignored",
    }
    png = tmp_path / "history.png"
    fig = plot.history(curves, png, baseline=3.3)
    assert len(fig.axes) == 2
    assert drawn_fraction(png) > 0.02

    class History:
        history = {"loss": [1.0, 0.5]}

    assert len(plot.history(History()).axes) == 1
    records = [
        {"epoch": 1, "loss": 2.0, "val_loss": 2.5},
        {"epoch": 2, "loss": 1.0, "val_loss": 1.5},
    ]
    assert len(plot.history(records).axes[0].lines) == 2  # zoo.training.engine's per-epoch records


def test_history_without_values():
    with pytest.raises(plot.PlotError, match="history_or_dict"):
        plot.history({"loss": []})
    with pytest.raises(plot.PlotError, match="history_or_dict"):
        plot.history([1, 2])


def test_docstring_examples():
    result = doctest.testmod(plot, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0

"""Pictures for notebooks and reports: attention heat maps and training curves.

Both functions draw on a matplotlib `Figure` that pyplot does not track (Agg outside a
notebook), so they work headless (CI, a server) as well as in Jupyter and Colab, and a loop that
draws many pictures keeps none of them in memory. Each returns the `Figure`; with `path` it is
also written as a PNG (through `zoo.io.atomic.atomic_file`). In a notebook the returned figure is
displayed as the cell's result (or with `display(fig)`), exactly once.

matplotlib is a dependency of the package; `PlotError` (a `ValueError`) names the argument
when the input cannot be drawn.
"""

import math
import numbers
import pathlib

import numpy as np

from zoo.io.atomic import atomic_file


class PlotError(ValueError):
    """An input that cannot be drawn (the message names the argument and what was expected)."""


def new_figure(**kwargs):
    """A matplotlib `Figure` that pyplot does not keep (so a notebook shows it only once).

    Outside a notebook the Agg backend is used, so nothing needs a display.

    Args:
        **kwargs: `matplotlib.figure.Figure` arguments (e.g. `figsize`).

    Returns:
        `matplotlib.figure.Figure`.

    Example:

    >>> new_figure(figsize=(2, 2)).get_size_inches().tolist()
    [2.0, 2.0]
    """
    try:
        import matplotlib
    except ImportError:
        raise PlotError(
            "plots need matplotlib, which is not installed: pip install matplotlib"
        ) from None
    backend = str(matplotlib.rcParams["backend"]).lower()
    if not any(name in backend for name in ("inline", "ipympl", "widget", "nbagg")):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Created through pyplot so that Jupyter's inline backend is loaded (it registers the
    # figure display hook), then released by pyplot at once: the figure stays usable, is
    # shown only where it is returned or displayed, and is garbage-collected with its last use.
    fig = plt.figure(**kwargs)
    plt.close(fig)
    return fig


def save_figure(fig, path, *, dpi=100):
    """Write a matplotlib figure as a PNG through a temporary file (`zoo.io.atomic.atomic_file`).

    Args:
        fig: a matplotlib `Figure`.
        path: str or path-like, the PNG to write; its folder must exist.
        dpi: int, resolution. Defaults to 100.

    Returns:
        The path, as a `pathlib.Path`.

    Example:

    >>> import tempfile
    >>> fig = new_figure(); _ = fig.subplots().plot([0, 1])
    >>> save_figure(fig, pathlib.Path(tempfile.mkdtemp()) / "line.png").suffix
    '.png'
    """
    path = pathlib.Path(path)
    if not path.parent.is_dir():
        raise PlotError(f"path {str(path)!r}: its folder does not exist")
    with atomic_file(path) as temporary:
        fig.savefig(temporary, dpi=dpi, format="png")
    return path


def finish_figure(fig, path=None):
    """Lay the figure out and, when `path` is given, write it as a PNG (`save_figure`).

    Args:
        fig: a matplotlib `Figure`.
        path: None, or str or path-like, the PNG to write.

    Returns:
        The figure.

    Example:

    >>> fig = new_figure(); _ = fig.subplots().plot([0, 1])
    >>> finish_figure(fig) is fig
    True
    """
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig


def _labels(tokens, name):
    if isinstance(tokens, str):
        tokens = list(tokens)
    try:
        tokens = [str(t) for t in tokens]
    except TypeError:
        raise PlotError(
            f"{name}: expected a str or a list of tokens, got {type(tokens).__name__}"
        ) from None
    # Spaces and control characters are invisible as tick labels: show them.
    return ["␣" if t == " " else repr(t)[1:-1] if not t.isprintable() else t for t in tokens]


def attention(weights, source_tokens, target_tokens, path=None, *, title=None, cmap="viridis"):
    """Draw attention weights as a heat map: target steps down, source tokens across.

    Row `i` is what the decoder looked at while writing `target_tokens[i]`; each row of an
    attention distribution sums to 1, so the colour scale runs from 0 to 1.

    Args:
        weights: array-like `(len(target_tokens), len(source_tokens))` of floats in [0, 1]
            (e.g. `Translator.attention(text)[0]` or `zoo.Decoded.attention[i]`).
        source_tokens: str (one token per character) or list of tokens, across.
        target_tokens: str or list of tokens, down.
        path: optional str or path-like: also write a PNG there.
        title: optional str above the map.
        cmap: str, a matplotlib colour map. Defaults to `"viridis"`.

    Returns:
        The matplotlib `Figure`.

    Raises:
        PlotError: `weights` is not 2-D, does not match the token counts, or is not finite.

    Example:

    >>> import numpy as np
    >>> fig = attention(np.eye(3), "abc", ["x", "y", "z"])
    >>> fig.axes[0].get_xlabel()
    'source'
    """
    source = _labels(source_tokens, "source_tokens")
    target = _labels(target_tokens, "target_tokens")
    try:
        weights = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        raise PlotError("weights: expected a 2-D array of numbers") from None
    if weights.ndim != 2:
        raise PlotError(
            f"weights: expected a 2-D array (target, source), got shape {weights.shape}"
        )
    if weights.shape != (len(target), len(source)):
        raise PlotError(
            f"weights: shape {weights.shape} does not match {len(target)} target tokens "
            f"x {len(source)} source tokens"
        )
    if weights.size == 0 or not np.isfinite(weights).all():
        raise PlotError("weights: expected a non-empty array of finite numbers")
    fig = new_figure(
        figsize=(
            min(20, max(3.5, 0.32 * len(source) + 2)),
            min(20, max(2.5, 0.32 * len(target) + 1.4)),
        )
    )
    ax = fig.subplots()
    image = ax.imshow(
        weights,
        cmap=cmap,
        vmin=0.0,
        vmax=max(1.0, float(weights.max())),
        aspect="auto",
        interpolation="nearest",
    )
    ax.set_xticks(range(len(source)), source)
    ax.set_yticks(range(len(target)), target)
    ax.set_xlabel("source")
    ax.set_ylabel("output")
    if title:
        ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return finish_figure(fig, path)


def _history_dict(history_or_dict):
    history = getattr(history_or_dict, "history", history_or_dict)
    if isinstance(history, (list, tuple)) and history and all(isinstance(h, dict) for h in history):
        # zoo.training.engine's per-epoch records: [{"epoch": 1, "loss": ...}, ...]
        keys = sorted({k for h in history for k in h if k != "epoch"})
        history = {k: [h.get(k) for h in history] for k in keys}
    if not isinstance(history, dict):
        raise PlotError(
            "history_or_dict: expected a keras History, a TrainingResult or a dict "
            f"of metric name -> list of per-epoch values, got {type(history).__name__}"
        )
    curves = {}
    for key, values in history.items():
        if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
            continue
        values = list(values)
        if values and all(isinstance(v, numbers.Real) for v in values):
            curves[str(key)] = [float(v) for v in values]
    if not curves:
        raise PlotError(
            "history_or_dict: holds no per-epoch values to draw "
            "(expected e.g. {'loss': [...], 'val_loss': [...]})"
        )
    return curves


def history(
    history_or_dict, path=None, *, title=None, baseline=None, baseline_label="uniform guess"
):
    """Draw training curves: every loss on one axis, every other metric on a second one.

    Args:
        history_or_dict: a `keras.callbacks.History`, a `zoo.TrainingResult` (its
            `.history` is a list of per-epoch dicts), a list of per-epoch dicts, or a dict of
            name -> list of per-epoch values (e.g. `{"loss": [...], "val_loss": [...]}`, what
            `TextGenerator.fit` returns). Entries that are not lists of numbers are ignored.
        path: optional str or path-like: also write a PNG there.
        title: optional str above the curves.
        baseline: optional float drawn as a dashed horizontal line on the loss axis (e.g. the
            uniform-guess loss `log(vocab_size)`).
        baseline_label: str, the baseline's legend entry. Defaults to `"uniform guess"`.

    Returns:
        The matplotlib `Figure`.

    Raises:
        PlotError: nothing to draw.

    Example:

    >>> fig = history({"loss": [2.0, 1.5, 1.2], "val_loss": [2.1, 1.7, 1.6]})
    >>> fig.axes[0].get_ylabel()
    'loss'
    """
    curves = _history_dict(history_or_dict)
    losses = {k: v for k, v in curves.items() if "loss" in k}
    others = {
        k: v for k, v in curves.items() if "loss" not in k and k not in ("lr", "learning_rate")
    }
    panels = [p for p in (losses, others) if p]
    fig = new_figure(figsize=(5.5 * len(panels), 3.6))
    axes = fig.subplots(1, len(panels), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        for name, values in panel.items():
            epochs = np.arange(1, len(values) + 1)
            ax.plot(
                epochs, values, marker="o" if len(values) <= 30 else None, markersize=3, label=name
            )
        if panel is losses and baseline is not None and math.isfinite(baseline):
            ax.axhline(baseline, color="grey", linestyle="--", linewidth=1, label=baseline_label)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss" if panel is losses else "metric")
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return finish_figure(fig, path)

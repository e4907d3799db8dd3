"""Field rules of the zoo's own records: a `zoo.build_lm` call and the engine's metrics.

`check_lm_arguments` and `check_training_metrics` read a `config.json` section with
`zoo.artifacts.fields.Fields`. After the model itself is loaded, `check_lm_model` compares the
factory call recorded in `config.json` with the model's layers (vocabulary, embedding, cell,
units, layers, dropout, conditioning), so a `config.json` that does not describe its
`model.keras` is refused too.
"""

from zoo.artifacts.fields import (
    FieldError,
    Fields,
    choice,
    exactly,
    integer,
    list_of,
    number,
    obj,
    optional,
    show,
    text,
)

LM_ARGUMENTS = {
    "vocab_size": integer(low=2),
    "cell": choice("rnn", "gru", "lstm"),
    "units": integer(low=1),
    "num_layers": integer(low=1),
    "embedding_dim": integer(low=1),
    "dropout": number(0, 1, high_open=True),
    "conditioning_dim": optional(integer(low=1)),
    "bidirectional": exactly(False, "a causal model cannot look ahead"),
    "name": text(),
}
"""The arguments `zoo.build_lm` records (`zoo.models.recording`), as field rules."""

TRAINING_METRICS = {
    "best_epoch": optional(integer(low=1)),
    "epochs_run": integer(low=0),
    "train_seconds": number(low=0),
    "stopped_reason": optional(
        choice("finished", "early_stopping", "time_budget", "non_finite_loss", "diverged")
    ),
    "history": list_of(obj(), what='a list of per-epoch objects {"epoch": ..., ...}'),
}
"""Metrics every application copies from `zoo.training.engine.fit`'s result (each optional)."""


def check_lm_arguments(fields, *, optional_names=()):
    """Check a recorded `zoo.build_lm` call (closed: every argument known).

    Args:
        fields: `Fields` of the `arguments` object.
        optional_names: arguments that an older layout may lack.

    Returns:
        dict of the arguments.
    """
    return fields.read_all(
        LM_ARGUMENTS, optional_names=optional_names, closed=True, what="zoo.build_lm's arguments"
    )


def check_training_metrics(fields):
    """Check the engine's metrics in a `metrics` section (open: other numbers are kept).

    Every epoch of `history` must hold a whole `epoch` >= 1, and `best_epoch` must not pass
    `epochs_run`.

    Args:
        fields: `Fields` of the `metrics` object.

    Returns:
        dict of the engine's metrics that are present.
    """
    values = fields.read_all(TRAINING_METRICS, optional_names=tuple(TRAINING_METRICS))
    for i, epoch in enumerate(values.get("history") or []):
        Fields(epoch, fields.source, f"{fields.prefix}history[{i}].").read("epoch", integer(low=1))
    best, run = values.get("best_epoch"), values.get("epochs_run")
    if best is not None and run is not None and best > run:
        fields.fail(
            "best_epoch", f"is {best}, but epochs_run is {run}; expected best_epoch <= epochs_run"
        )
    return values


def check_lm_model(arguments, model, source, prefix="arguments."):
    """Refuse a model whose layers do not match its recorded `zoo.build_lm` call.

    Compares each argument present with the loaded model: `vocab_size` with the embedding's
    input size and the logits' units, `embedding_dim`, `cell`, `units` and `num_layers` with
    the recurrent stack, `dropout` with its dropout layers, `conditioning_dim` with the
    conditioning input, `name` with the model's name.

    Args:
        arguments: dict, the recorded (and already field-checked) arguments.
        model: the loaded `keras.Model`.
        source: str naming config.json for messages (see `Fields`).
        prefix: the arguments' path in the file. Defaults to `"arguments."`.

    Raises:
        FieldError: naming the field, its value and what `model.keras` holds instead.
    """
    from zoo.models.recurrent import find_stack  # lazy: TensorFlow (the model is loaded by now)

    def refuse(name, found):
        raise FieldError(
            f"{source}: field {prefix}{name} is {show(arguments[name])}, but model.keras {found}"
        )

    names = {layer.name for layer in model.layers}
    if not {"embedding", "logits"} <= names:
        raise FieldError(
            f"{source}: field factory says zoo.build_lm, but model.keras has no "
            f"'embedding' and 'logits' layers"
        )
    embedding, logits = model.get_layer("embedding"), model.get_layer("logits")
    try:
        cell, stack = find_stack(model)
    except ValueError:
        cell, stack = None, []
    sizes = [getattr(getattr(layer, "cell", None), "units", None) for layer, _ in stack]
    rates = [drop.rate if drop is not None else 0.0 for _, drop in stack]
    found = {
        "vocab_size": (
            embedding.input_dim == logits.units == arguments.get("vocab_size"),
            f"has an embedding of {embedding.input_dim} tokens and {logits.units} logits",
        ),
        "embedding_dim": (
            embedding.output_dim == arguments.get("embedding_dim"),
            f"has an embedding of size {embedding.output_dim}",
        ),
        "cell": (cell == arguments.get("cell"), f"has {cell or 'no'} recurrent layers"),
        "num_layers": (
            len(stack) == arguments.get("num_layers"),
            f"has {len(stack)} recurrent layers",
        ),
        "units": (
            all(size == arguments.get("units") for size in sizes),
            f"has recurrent layers of {', '.join(map(str, sizes))} units",
        ),
        "dropout": (
            all(rate == arguments.get("dropout") for rate in rates),
            f"has dropout rates {', '.join(map(str, rates))}",
        ),
        "name": (model.name == arguments.get("name"), f"is named {show(model.name)}"),
    }
    joined = "join_conditioning" in names
    width = model.get_layer("join_conditioning").input[1].shape[-1] if joined else None
    found["conditioning_dim"] = (
        width == arguments.get("conditioning_dim"),
        f"takes conditioning of size {width}" if joined else "takes no conditioning",
    )
    for name, (agrees, what) in found.items():
        if name in arguments and not agrees:
            refuse(name, what)


__all__ = [
    "LM_ARGUMENTS",
    "TRAINING_METRICS",
    "check_lm_arguments",
    "check_lm_model",
    "check_training_metrics",
]

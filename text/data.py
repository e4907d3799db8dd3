"""Corpora in, `tf.data` pipelines of (input, target) windows out.

Two modes:

- `"stream"`: the corpus is one continuous token stream (plays, novels). Training examples
  are windows of `seq_len` tokens at random offsets; each window is primed with `<EOS>`, the
  start symbol, so input = `[<EOS>, t[o], ..., t[o+seq_len-2]]` and target =
  `[t[o], ..., t[o+seq_len-1]]` (target = input shifted by one).
- `"lines"`: one example per non-empty line (names, titles): input = `[<EOS>, line...]`,
  target = `[line..., <EOS>]`, padded with `<PAD>` (id 0), which the loss ignores.

The validation split is by position: the last `validation_split` of the token stream (or of
the lines) is held out, so no validation text is seen in training.
"""

import os
import pathlib

import numpy as np

from text import limits
from text.vocab import EOS_ID, PAD_ID
from zoo.core.checks import check_choice, check_int
from zoo.io.files import read_regular_file

MODES = ("stream", "lines")


class CorpusError(ValueError):
    """A corpus that cannot be used: missing, empty, not UTF-8 text, or too short."""


_SIZE_HINT = (
    "give a smaller corpus, or allow more with the environment variable "
    "SEQZOO_MAX_CORPUS_BYTES or read_corpus(..., max_bytes=...)"
)


def read_corpus(corpus, *, max_bytes=None):
    """Return the text of a corpus given as a string, a path, or a list of paths.

    A plain `str` is the text itself; a `pathlib.Path` (or `os.PathLike`) is a file to read;
    a list or tuple of paths is read and joined with newlines. Only regular files are read
    (a FIFO, a device such as /dev/zero or a symlink loop is refused by name), and reading
    stops as soon as the files together pass `max_bytes`.

    Args:
        corpus: str (text), path, or list of paths.
        max_bytes: int or None, the most bytes read from all files together. Defaults to None:
            `text.limits.MAX_CORPUS_BYTES` (256 MiB), or the environment variable
            ``SEQZOO_MAX_CORPUS_BYTES`` when set.

    Returns:
        The corpus text (str).

    Raises:
        CorpusError: a file is missing, not a regular file, past the size limit, or not UTF-8
            text (the message names the file and the byte offset of the first bad byte), or
            the text is empty or only whitespace.

    Example:

    >>> read_corpus("to be or not to be")
    'to be or not to be'
    """
    if max_bytes is None:
        max_bytes = limits.limit("SEQZOO_MAX_CORPUS_BYTES")
    else:
        try:
            max_bytes = check_int("max_bytes", max_bytes, 1)
        except ValueError as error:
            raise CorpusError(str(error)) from None
    if isinstance(corpus, str):
        text, where = corpus, "the corpus text"
    elif isinstance(corpus, os.PathLike):
        text, where = _read_file(corpus, max_bytes), f"corpus file {os.fspath(corpus)!r}"
    elif isinstance(corpus, (list, tuple)) and corpus:
        bad = [p for p in corpus if not isinstance(p, (str, os.PathLike))]
        if bad:
            raise CorpusError(f"corpus files must be paths, got {bad[0]!r:.80}")
        texts, left = [], max_bytes
        for path in corpus:
            try:
                texts.append(_read_file(path, left))
            except CorpusError as error:
                if len(corpus) == 1 or "larger than the limit" not in str(error):
                    raise
                raise CorpusError(
                    f"the corpus files together are larger than the limit of "
                    f"{max_bytes:,} bytes; {_SIZE_HINT}"
                ) from None
            left -= len(texts[-1].encode("utf-8"))
        text = "\n".join(texts)
        names = ", ".join(repr(os.fspath(p)) for p in corpus)
        where = f"corpus file {names}" if len(corpus) == 1 else f"the corpus files {names} together"
    else:
        raise CorpusError(
            f"corpus must be a str of text, a path or a non-empty list of paths, got {corpus!r:.80}"
        )
    if not text.strip():
        raise CorpusError(f"{where} is empty or only whitespace; expected some text to train on")
    return text


def _read_file(path, max_bytes):
    path = pathlib.Path(path)
    data = read_regular_file(
        path, max_bytes=max(0, max_bytes), error=CorpusError, what="corpus file", hint=_SIZE_HINT
    )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CorpusError(
            f"corpus file {str(path)!r} is not UTF-8 text: invalid byte 0x{data[err.start]:02x} "
            f"at byte offset {err.start}"
        ) from None


def corpus_lines(text):
    """Return the non-empty lines of a text (line breaks and trailing '\\r' removed)."""
    return [line.rstrip("\r") for line in text.split("\n") if line.strip()]


def encode_corpus(text, vocab, mode="stream"):
    """Encode a corpus for training.

    Args:
        text: str, the corpus.
        vocab: `text.vocab.Vocabulary`.
        mode: str, `"stream"` or `"lines"`. Defaults to `"stream"`.

    Returns:
        For `"stream"`, a 1-D int32 numpy array of token ids. For `"lines"`, a list of 1-D
        int32 arrays, one per non-empty line, each without `<EOS>`.
    """
    check_choice("mode", mode, MODES)
    if mode == "stream":
        return np.asarray(vocab.encode(text), dtype=np.int32)
    return [np.asarray(vocab.encode(line), dtype=np.int32) for line in corpus_lines(text)]


def split_by_position(encoded, validation_split):
    """Split an encoded corpus into train and validation parts by position (no shuffling).

    Args:
        encoded: a 1-D array (stream mode) or a list of arrays (lines mode).
        validation_split: float in [0, 1), the fraction held out at the end.

    Returns:
        `(train, validation)`; `validation` is None when `validation_split` is 0.
    """
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(f"validation_split must be in [0, 1), got {validation_split!r}")
    if validation_split == 0:
        return encoded, None
    cut = int(round(len(encoded) * (1.0 - validation_split)))
    if cut < 1 or cut >= len(encoded):
        unit = "lines" if isinstance(encoded, list) else "tokens"
        raise CorpusError(
            f"corpus of {len(encoded)} {unit} is too short to hold out validation_split="
            f"{validation_split}; give more text or validation_split=0"
        )
    return encoded[:cut], encoded[cut:]


def stream_windows(ids, seq_len, *, batch_size=32, shuffle=True, seed=0, windows_per_epoch=None):
    """A `tf.data.Dataset` of `(input, target)` batches from a token stream.

    With `shuffle=True` each window starts at a fresh random offset (a new draw every epoch,
    reproducible from `seed`); with `shuffle=False` the windows tile the stream in order,
    without overlap (for validation). Every window is primed with `<EOS>`.

    Args:
        ids: 1-D int array, the encoded stream.
        seq_len: int, tokens per example.
        batch_size: int. Defaults to 32.
        shuffle: bool, random offsets (training) or consecutive tiles (validation).
        seed: int, seed of the offsets. Defaults to 0.
        windows_per_epoch: int or None, windows in one epoch; defaults to `len(ids) // seq_len`.

    Returns:
        A `tf.data.Dataset` yielding int32 `(input, target)` of shape `(batch, seq_len)`.

    Example:

    >>> ds = stream_windows(np.arange(3, 50), 8, batch_size=2, shuffle=False)
    >>> [tuple(t.shape) for t in next(iter(ds))]
    [(2, 8), (2, 8)]
    """
    import tensorflow as tf

    ids = np.asarray(ids, dtype=np.int32)
    check_int("seq_len", seq_len, 1)
    check_int("batch_size", batch_size, 1)
    if len(ids) < seq_len:
        raise CorpusError(
            f"corpus has {len(ids)} tokens, shorter than one training window (seq_len={seq_len}); "
            "give more text or a smaller seq_len"
        )
    padded = np.concatenate([[EOS_ID], ids]).astype(np.int32)  # padded[o] precedes ids[o]
    stream = tf.constant(padded)
    count = windows_per_epoch or max(1, len(ids) // seq_len)
    if shuffle:
        # One window of seq_len + 1 tokens ending at ids[o + seq_len - 1]; the first is <EOS>.
        max_offset = len(ids) - seq_len + 1
        offsets = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).take(count)
        offsets = offsets.map(lambda r: tf.cast(r % max_offset, tf.int32))
    else:
        count = min(count, len(ids) // seq_len)
        offsets = tf.data.Dataset.range(count).map(lambda i: tf.cast(i * seq_len, tf.int32))

    def window(o):
        chunk = stream[o + 1 : o + seq_len + 1]  # ids[o : o + seq_len]
        return tf.concat([[EOS_ID], chunk[:-1]], axis=0), chunk

    ds = offsets.map(window, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.batch(batch_size, drop_remainder=shuffle and count >= batch_size).prefetch(
        tf.data.AUTOTUNE
    )


def line_examples(lines, max_len):
    """Turn encoded lines into `(input, target)` pairs: `[<EOS>, line]` -> `[line, <EOS>]`.

    Lines longer than `max_len` tokens are cut into consecutive windows of `max_len`.

    Returns:
        A list of `(input, target)` int32 array pairs of equal length <= `max_len`.
    """
    out = []
    for line in lines:
        seq = np.concatenate([[EOS_ID], line, [EOS_ID]]).astype(np.int32)
        for start in range(0, len(seq) - 1, max_len):
            piece = seq[start : start + max_len + 1]
            out.append((piece[:-1], piece[1:]))
    return out


def line_windows(lines, max_len, *, batch_size=32, shuffle=True, seed=0):
    """A `tf.data.Dataset` of padded `(input, target)` batches, one example per line.

    Args:
        lines: list of 1-D int arrays (encoded lines, without `<EOS>`).
        max_len: int, longest example; longer lines are cut into windows.
        batch_size: int. Defaults to 32.
        shuffle: bool, reshuffle the lines every epoch (reproducible from `seed`).
        seed: int. Defaults to 0.

    Returns:
        A `tf.data.Dataset` of int32 `(input, target)`, each `(batch, time)`, padded with
        `<PAD>` (id 0) to the longest example of the batch.
    """
    import tensorflow as tf

    check_int("max_len", max_len, 1)
    check_int("batch_size", batch_size, 1)
    examples = line_examples(lines, max_len)
    if not examples:
        raise CorpusError("corpus has no non-empty lines; expected one example per line")
    inputs = tf.ragged.constant([x for x, _ in examples], dtype=tf.int32)
    targets = tf.ragged.constant([y for _, y in examples], dtype=tf.int32)
    ds = tf.data.Dataset.from_tensor_slices((inputs, targets))
    if shuffle:
        ds = ds.shuffle(len(examples), seed=seed, reshuffle_each_iteration=True)
    ds = ds.map(lambda x, y: (x, y))  # ragged rows -> dense 1-D tensors
    ds = ds.padded_batch(batch_size, padding_values=(PAD_ID, PAD_ID))
    return ds.prefetch(tf.data.AUTOTUNE)


def make_datasets(
    text, vocab, *, mode="stream", seq_len=100, batch_size=32, validation_split=0.1, seed=0
):
    """Encode a corpus, split it by position and return training and validation datasets.

    Args:
        text: str, the corpus text.
        vocab: `text.vocab.Vocabulary`.
        mode: str, `"stream"` or `"lines"`. Defaults to `"stream"`.
        seq_len: int, window length (stream) or longest example (lines). Defaults to 100.
        batch_size: int. Defaults to 32.
        validation_split: float in [0, 1), fraction held out at the end. Defaults to 0.1.
        seed: int, seed of the window offsets / line order. Defaults to 0.

    Returns:
        `(train_ds, val_ds)`; `val_ds` is None when `validation_split` is 0.

    Example:

    >>> from text.vocab import Vocabulary
    >>> text = "abcdefgh" * 20
    >>> train, val = make_datasets(text, Vocabulary.build(text), seq_len=8, batch_size=4)
    >>> x, y = next(iter(train))
    >>> bool((x[:, 1:] == y[:, :-1]).numpy().all())
    True
    """
    check_choice("mode", mode, MODES)
    encoded = encode_corpus(text, vocab, mode)
    if mode == "stream" and len(encoded) < seq_len + 1:
        raise CorpusError(
            f"corpus has {len(encoded)} tokens, shorter than one training window (seq_len={seq_len}); "
            "give more text or a smaller seq_len"
        )
    train, val = split_by_position(encoded, validation_split)
    if mode == "stream":
        if val is not None and len(val) < seq_len:
            raise CorpusError(
                f"the validation part has {len(val)} tokens, shorter than one window (seq_len={seq_len}); "
                "give more text, a smaller seq_len or a larger validation_split"
            )
        train_ds = stream_windows(train, seq_len, batch_size=batch_size, shuffle=True, seed=seed)
        val_ds = (
            None
            if val is None
            else stream_windows(val, seq_len, batch_size=batch_size, shuffle=False)
        )
    else:
        train_ds = line_windows(train, seq_len, batch_size=batch_size, shuffle=True, seed=seed)
        val_ds = (
            None
            if val is None
            else line_windows(val, seq_len, batch_size=batch_size, shuffle=False)
        )
    return train_ds, val_ds

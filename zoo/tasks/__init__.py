"""The zoo on real tasks: one small module per task, all the same shape.

Each task module loads its data (a local copy or a sha256-checked download; generated with a
seed for dates and addition), turns it into ids with a vocabulary saved beside the model, builds
its model with a zoo factory, trains through `zoo.training.engine.fit` (the artifact is written on the
best epoch), evaluates with the task's standard metric, predicts on raw text with the same
preprocessing as training, and loads back from its artifact folder:

- `zoo.tasks.sentiment`: sentence polarity and movie reviews (`zoo.build_many_to_one`),
  10-fold cross-validated accuracy.
- `zoo.tasks.ner`: CoNLL-2002 Spanish named entities (`zoo.build_many_to_many`,
  bidirectional), entity-level F1 with the CoNLL rules (`zoo.tasks.conll`).
- `zoo.tasks.dates`: human-written dates -> ISO with attention (`zoo.build_encoder_decoder`,
  decoded by `zoo.Seq2SeqDecoder`), attention heat maps.
- `zoo.tasks.addition`: "535+61" -> "596" (`zoo.build_encoder_decoder`).

Command line: `python -m zoo.tasks train|predict|evaluate ...` (see `zoo.tasks.__main__`).
"""

TASKS = ("sentiment", "ner", "dates", "addition")

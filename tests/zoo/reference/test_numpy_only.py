"""`zoo.reference` is numpy only at run time: importing it loads no deep-learning framework."""

import subprocess
import sys


def test_importing_zoo_reference_loads_neither_tensorflow_nor_keras():
    code = (
        "import sys, zoo.reference as ref\n"
        "ref.rnn_forward, ref.lstm_backward, ref.gru_forward, ref.sample, ref.clip\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'torch', 'jax') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

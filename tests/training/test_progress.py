"""The progress display: a bar in a terminal, one line per epoch when stdout is piped."""
import sys

import numpy as np

import nnlab
from nnlab.layers import Dense
from nnlab.training.progress import Progress, stdout_is_interactive

def test_piped_stdout_gets_one_line_per_epoch_not_bar_frames(capsys):
    # capsys' stdout is not a terminal, like `nnlab demo > log.txt`
    x = np.random.default_rng(0).normal(size=(64, 8)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    model = nnlab.Sequential([Dense(4, input_shape=(8,), activation="relu"),
                              Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=3, batch_size=16, verbose=1)
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert len(lines) == 3, out[:500]
    assert lines[0].startswith("Epoch 1/3") and "accuracy:" in lines[0]
    assert "\r" not in out and len(out) < 600


def test_verbose_1_in_a_terminal_keeps_the_bar(monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert stdout_is_interactive()
    assert Progress(1, 1, 10).verbose == 1
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    assert Progress(1, 1, 10).verbose == 2
    assert Progress(0, 1, 10).verbose == 0

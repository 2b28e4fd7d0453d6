"""rnn-vs-lstm: on the adding problem, LSTM and GRU learn to carry information across the
sequence where a plain RNN does not (CS231n lecture 10; Hochreiter & Schmidhuber 1997)."""
from __future__ import annotations

from ...optimizers import Adam
from ..registry import Comparison, Experiment, register_experiment
from ._sequences import adding_problem

BASELINE = 1 / 6  # MSE of always predicting the mean sum


def run(arm: str, seed: int, budget: dict) -> dict:
    from ...layers import GRU, LSTM, Dense, SimpleRNN
    from ...models import Sequential
    cell = {"simple-rnn": SimpleRNN, "lstm": LSTM, "gru": GRU}[arm]
    length = budget["length"]
    xt, yt = adding_problem(budget["n_train"], length, seed)
    xv, yv = adding_problem(500, length, 10_000 + seed)
    model = Sequential([cell(budget["units"], input_shape=(length, 2)), Dense(1)])
    model.compile(optimizer=Adam(learning_rate=budget["lr"]), loss="mse")
    hist = model.fit(xt, yt, epochs=budget["epochs"], batch_size=32, verbose=0,
                     validation_data=(xv, yv))
    val = [float(v) for v in hist.history["val_loss"]]
    return {"curve": val, "metrics": {"dev_mse": val[-1], "mse_over_baseline": val[-1] / BASELINE}}


register_experiment(Experiment(
    name="rnn-vs-lstm",
    claim="On the adding problem LSTM and GRU get well below the trivial MSE (1/6) where a "
          "plain tanh RNN of the same width stays near it.",
    lecture="CS231n lecture 10 (RNNs, LSTM); Hochreiter & Schmidhuber 1997",
    arms=("simple-rnn", "lstm", "gru"), run=run,
    data="the adding problem (synthetic by definition: no dataset needed)",
    measures="dev MSE per epoch; dev MSE / (1/6)",
    comparisons=[Comparison("lstm", "simple-rnn", "dev_mse", higher_is_better=False,
                            min_effect=0.02),
                 Comparison("gru", "simple-rnn", "dev_mse", higher_is_better=False,
                            min_effect=0.02)],
    # quick: length 20, where the plain RNN already fails at this budget but LSTM/GRU learn
    # the task in 8 short epochs (about 7 s of one CPU thread for 3 arms x 3 seeds)
    budgets={"quick": {"length": 20, "n_train": 1000, "units": 16, "epochs": 8, "lr": 2e-2},
             "full": {"length": 60, "n_train": 5000, "units": 64, "epochs": 12, "lr": 3e-3}},
    curve_label=("epoch", "dev MSE"), log_y=True))

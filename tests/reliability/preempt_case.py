"""The fit that tests/reliability/test_preemption.py interrupts with SIGTERM / SIGINT
(imported in-process, or run as a script by the subprocess test).

A dropout layer (RNG used inside the epoch), shuffling, a validation split, metrics, a
per-step learning-rate schedule, ReduceLROnPlateau and EarlyStopping: everything a
mid-epoch resume must put back. ``trigger`` sends the signal to this process:
``("step", k)`` after global training step k, ``("val", e)`` during epoch e's
validation, ``("write", e)`` inside epoch e's checkpoint write, ``("epoch_end", e)``
in epoch e's on_epoch_end, ``("crash", k)`` raises ``Crash`` after step k (a crash
that saves nothing). ``checkpoint_every``: fit's step-based saves
(tests/reliability/test_checkpoint_every.py; as a script it can SIGKILL itself).
"""
import os
import signal
import sys

import numpy as np
import torch

import nnlab
from nnlab.callbacks import EarlyStopping, LambdaCallback, ReduceLROnPlateau
from nnlab.layers import Dense, Dropout
from nnlab.schedules import ExponentialDecay

EPOCHS = 4


class Crash(RuntimeError):
    """Raised by the ``("crash", k)`` trigger: a failure nothing gets to save on."""


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 8)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64") + (x[:, 2] > 1).astype("int64")
    return x, y


def compiled_model(learning_rate=None):
    """Dense-Dropout-Dense, SGD with momentum and ``learning_rate`` (default: a per-step
    ExponentialDecay), accuracy (also the model of tests/distributed/_preempt_workers.py)."""
    model = nnlab.Sequential([Dense(16, input_shape=(8,), activation="relu"), Dropout(0.3),
                              Dense(3, activation="softmax")])
    schedule = learning_rate or ExponentialDecay(0.05, decay_steps=3, decay_rate=0.9)
    model.compile(nnlab.optimizers.SGD(learning_rate=schedule, momentum=0.9),
                  "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def run(ckpt_dir, trigger=None, sig=signal.SIGTERM, epochs=EPOCHS, pause=0.0,
        checkpoint_every=None):
    """Fit once; returns (model, history). The signal is sent by ``trigger``."""
    nnlab.set_seed(0)
    x, y = data()
    model = compiled_model()
    kind, when = trigger if trigger else (None, None)
    counter = {"steps": 0}

    def send():
        os.kill(os.getpid(), sig)

    def on_batch_end(batch, logs):
        counter["steps"] += 1
        if kind == "step" and counter["steps"] == when:
            send()
        if kind == "crash" and counter["steps"] == when:
            raise Crash(f"crash after step {when}")
        if pause:
            import time
            time.sleep(pause)

    def on_epoch_end(epoch, logs):
        if kind == "epoch_end" and epoch == when:
            send()

    callbacks = [ReduceLROnPlateau(monitor="val_loss", patience=1, factor=0.5),
                 EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True),
                 LambdaCallback(on_train_batch_end=on_batch_end, on_epoch_end=on_epoch_end)]
    trainer = model.compiled
    real_evaluate, real_save = trainer._evaluate_data, torch.save
    epoch_of = {"val": 0}

    def evaluate(data_, batch_size):
        if kind == "val" and epoch_of["val"] == when:
            send()
        epoch_of["val"] += 1
        return real_evaluate(data_, batch_size)

    def save(obj, path, *args, **kwargs):
        if kind == "write" and isinstance(obj, dict) and obj.get("epoch") == when:
            send()
        return real_save(obj, path, *args, **kwargs)
    trainer._evaluate_data = evaluate
    torch.save = save
    try:
        history = model.fit(x, y, epochs=epochs, batch_size=16, verbose=0,
                            validation_split=0.2, checkpoint_dir=ckpt_dir,
                            callbacks=callbacks, checkpoint_every=checkpoint_every)
    finally:
        torch.save = real_save
    return model, history


if __name__ == "__main__":  # argv: checkpoint_dir, output .npz, pause per step
    # [, checkpoint_every, SIGKILL after this step (0: never)]
    every = int(sys.argv[4]) if len(sys.argv) > 4 else None
    kill = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    model, history = run(sys.argv[1], pause=float(sys.argv[3]), checkpoint_every=every,
                         trigger=("step", kill) if kill else None, sig=signal.SIGKILL)
    arrays = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    arrays.update({f"history/{k}": np.array(v) for k, v in history.history.items()})
    np.savez(sys.argv[2], **arrays)
    print("done", flush=True)

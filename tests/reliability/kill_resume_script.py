"""Run by test_kill_resume.py in a subprocess: a resumable fit that may be SIGKILLed.

argv: checkpoint_dir, output weights path, slow_write (1: checkpoint writes pause
half-way, so a kill lands inside the write more often), data .npz (600 digits, written
by the test so this process need not import scikit-learn).
A per-step learning-rate schedule, EarlyStopping and ReduceLROnPlateau are in use.
"""
import io
import sys
import time

import torch
import numpy as np

import nnlab
from nnlab.layers import Dense
from nnlab.schedules import ExponentialDecay
from nnlab.callbacks import EarlyStopping, LambdaCallback, ReduceLROnPlateau

ckpt_dir, out_path, slow_write, data_path = sys.argv[1], sys.argv[2], sys.argv[3] == "1", \
    sys.argv[4]
torch.set_num_threads(1)

if slow_write:  # test instrumentation: half the bytes, a pause, the rest
    real_save = torch.save

    def paused_save(obj, path, *args, **kwargs):
        buf = io.BytesIO()
        real_save(obj, buf, *args, **kwargs)
        data = buf.getvalue()
        with open(path, "wb") as f:
            f.write(data[: len(data) // 2])
            f.flush()
            time.sleep(0.05)
            f.write(data[len(data) // 2:])
    torch.save = paused_save

nnlab.set_seed(0)
data = np.load(data_path)
x, y = data["x"], data["y"]
model = nnlab.Sequential([Dense(16, input_shape=(64,), activation="relu"),
                          Dense(10, activation="softmax")])
schedule = ExponentialDecay(0.1, decay_steps=5, decay_rate=0.9)
model.compile(nnlab.optimizers.SGD(learning_rate=schedule, momentum=0.9),
              "sparse_categorical_crossentropy")
callbacks = [EarlyStopping(monitor="val_loss", patience=3, min_delta=0.002,
                           restore_best_weights=True),
             ReduceLROnPlateau(monitor="val_loss", patience=1, factor=0.5),
             LambdaCallback(on_train_begin=lambda logs: print("fit", flush=True),
                            # epochs last long enough that 10 kills land before
                            # the run ends, however fast the machine (no effect on weights)
                            on_epoch_end=lambda epoch, logs: time.sleep(0.25))]
history = model.fit(x, y, epochs=40, batch_size=32, verbose=0, validation_split=0.2,
                    checkpoint_dir=ckpt_dir, callbacks=callbacks)
model.save_weights(out_path)
print("done", len(history.history["loss"]), model.compiled.iterations, flush=True)

"""Run by test_resume.py in a subprocess: a fit with checkpoint_dir that may be killed."""
import sys
import time

from sklearn.datasets import load_digits

import nnlab
from nnlab.layers import Dense
from nnlab.callbacks import LambdaCallback

ckpt_dir, out_path, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3])
nnlab.set_seed(0)
d = load_digits()
model = nnlab.Sequential([Dense(32, input_shape=(64,), activation="relu"),
                          Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
slow = LambdaCallback(on_epoch_end=lambda epoch, logs: time.sleep(0.15))
history = model.fit(d.data / 16.0, d.target, epochs=epochs, batch_size=64, verbose=0,
                    checkpoint_dir=ckpt_dir, callbacks=[slow])
model.save(out_path)
print("epochs", len(history.history["loss"]), flush=True)

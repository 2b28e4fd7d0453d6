"""The TensorBoard callback writes the epoch logs TensorBoard shows (``pip install
nnlab[tensorboard]``); read back here with TensorBoard's own event reader."""
import numpy as np
import pytest

import nnlab
from nnlab.callbacks import TensorBoard

event_accumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator")


def test_epoch_scalars_equal_the_history(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.random((64, 5), dtype=np.float32)
    y = (x.sum(1) > 2.5).astype("int64")
    model = nnlab.Sequential([nnlab.layers.Dense(2, activation="softmax", input_shape=(5,))])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0,
                        callbacks=[TensorBoard(log_dir=str(tmp_path / "logs"))])
    events = event_accumulator.EventAccumulator(str(tmp_path / "logs"))
    events.Reload()
    assert set(events.Tags()["scalars"]) == set(history.history)
    for name, values in history.history.items():
        scalars = events.Scalars(name)
        assert [s.step for s in scalars] == [0, 1, 2]
        np.testing.assert_allclose([s.value for s in scalars], values, rtol=1e-6)

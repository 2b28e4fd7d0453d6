"""``fit(distributed=True)`` reaches nnlab.distributed through a registration, never an
import from the training floor."""
import ast
import pathlib

import numpy as np
import pytest

import nnlab
from nnlab.layers import Dense
from nnlab.training import distributed_hook
from nnlab.callbacks import Callback

TRAINING = pathlib.Path(nnlab.__file__).parent / "training"


def test_no_training_file_imports_distributed():
    for path in TRAINING.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            assert not any("distributed" in n.split(".")[:3] and n != ".distributed_hook"
                           for n in names), (path.name, names)


def test_importing_nnlab_registers_the_distributed_preparer():
    from nnlab.distributed.fit import prepare_fit
    assert distributed_hook.distributed_fit_preparer() is prepare_fit


def test_without_a_registered_preparer_fit_says_what_to_import(monkeypatch):
    monkeypatch.setattr(distributed_hook, "_REGISTERED", {})
    model = nnlab.Sequential([Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse")
    with pytest.raises(RuntimeError, match=r"needs nnlab.distributed.*import nnlab.distributed"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 1)), verbose=0, distributed=True)


def test_a_callback_routes_the_training_forward_through_a_wrapper_for_one_fit():
    """What nnlab.distributed's DDP callback does, through the public method."""
    model = nnlab.Sequential([Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse")
    calls = []

    def wrapper(x):
        calls.append(len(x))
        return model(x)

    class Wrap(Callback):
        def on_train_begin(self, logs=None):
            model.compiled.set_train_forward(wrapper)

    x, y = np.zeros((10, 3), "float32"), np.zeros((10, 1), "float32")
    model.fit(x, y, batch_size=4, verbose=0, callbacks=[Wrap()])
    assert calls == [4, 4, 2] and model.compiled.train_forward is wrapper
    model.fit(x, y, batch_size=4, verbose=0)  # every fit starts without a wrapper
    assert calls == [4, 4, 2] and model.compiled.train_forward is None

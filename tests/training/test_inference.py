"""predict/evaluate switch every module to eval mode and restore each one's own mode
(training/inference.py: eval_mode)."""
import numpy as np

import nnlab
from nnlab import layers as L


def _model():
    return nnlab.Sequential([nnlab.Input((4,)), L.Dense(8), L.BatchNormalization(),
                             L.Dropout(0.5), L.Dense(2)])


def test_predict_runs_in_eval_mode_and_restores_each_modules_own_mode():
    """A mixed state (here: batch norm frozen while the rest trains) comes back exactly;
    inside predict every module is in eval mode (dropout off, moving statistics used)."""
    model = _model()
    x = np.random.default_rng(0).random((16, 4)).astype("float32")
    reference = model.predict(x, verbose=0)  # layers start in eval mode
    model.train()
    model.layers[1].eval()
    seen = []
    hook = model.layers[2].register_forward_hook(lambda m, i, o: seen.append(m.training))
    np.testing.assert_allclose(model.predict(x, verbose=0), reference, rtol=1e-6)
    hook.remove()
    assert seen == [False]
    assert [m.training for m in model.layers] == [True, False, True, True]
    assert model.training


def test_evaluate_restores_the_mode_too():
    model = _model()
    model.compile("adam", "sparse_categorical_crossentropy")
    x = np.random.default_rng(0).random((16, 4)).astype("float32")
    y = np.zeros(16, dtype="int64")
    first = model.evaluate(x, y, verbose=0)
    model.train()
    assert model.evaluate(x, y, verbose=0) == first  # dropout off inside
    assert all(m.training for m in model.modules())


def test_uncompiled_predict_reuses_one_trainer_and_follows_copies():
    """predict without compile keeps one inference-only trainer per model (no per-call
    construction); a copy (deep or shallow) predicts with its own weights, and compile
    after predict takes over."""
    import copy

    import numpy as np
    import torch

    import nnlab
    from nnlab.layers import Dense

    model = nnlab.Sequential([Dense(3, input_shape=(4,))])
    x = np.random.default_rng(0).random((5, 4)).astype("float32")
    first = model.predict(x)
    trainer = model.__dict__["_predict_only_trainer"]
    np.testing.assert_array_equal(model.predict(x), first)
    assert model.__dict__["_predict_only_trainer"] is trainer
    clone = copy.deepcopy(model)
    with torch.no_grad():
        for p in clone.parameters():
            p.add_(1.0)
    expected = clone(torch.as_tensor(x)).detach().numpy()
    np.testing.assert_allclose(clone.predict(x), expected, rtol=1e-6)
    assert not np.allclose(expected, first)
    shallow = copy.copy(model)
    assert shallow._trainer("predict").model is shallow
    model.compile("sgd", "mse")
    assert model._trainer("predict") is model.compiled


def test_predict_runs_forward_hooks_on_the_model_and_returns_float32():
    """predict calls the model's forward directly only when nothing observes it: a hook
    on the model sees every batch; outputs that are not float32 come back as float32."""
    import torch

    class Counts(nnlab.Model):  # integer outputs: the class ids
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(3)

        def call(self, x):
            return self.dense(x).argmax(-1)

    model = Counts()
    x = np.random.default_rng(0).random((5, 4)).astype("float32")
    batches = []
    hook = model.register_forward_hook(lambda m, i, o: batches.append(len(i[0])))
    out = model.predict(x, batch_size=2)
    hook.remove()
    assert batches == [2, 2, 1]
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, model(torch.as_tensor(x)).numpy().astype("float32"))


def test_training_modules_sees_shared_and_empty_slots_once():
    """The module walk behind eval_mode: a module registered twice is switched and
    restored once, an empty (None) submodule slot is skipped."""
    import torch

    from nnlab.training.inference import eval_mode, training_modules

    shared = torch.nn.Linear(2, 2)
    net = torch.nn.Module()
    net.a, net.b, net.empty = shared, torch.nn.Sequential(shared, torch.nn.ReLU()), None
    net.train()
    found = training_modules(net)
    assert len(found) == len({id(m) for m in found}) == len(list(net.modules())) == 4
    net.b[1].eval()
    with eval_mode(net):
        assert not any(m.training for m in net.modules())
    assert [m.training for m in net.modules()] == [True, True, True, False]

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

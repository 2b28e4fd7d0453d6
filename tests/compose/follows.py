"""What a user does after a technique: predict, copy weights (Keras' ``get_weights`` /
``set_weights``; ``state_dict`` for a plain torch module), save and reload, train on.
Each asserts values, or the clear refusal an int8 copy or a re-parametrised model
gives (and then that the way the refusal names works)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import nnlab
from nnlab.compress import prune_magnitude, quantize_int8, strip_pruning, strip_sharing
from nnlab.errors import ConfigError
from nnlab.losses import SparseCategoricalCrossentropy

from .models import Case
from .techniques import SPARSITY, Applied

INT8_REFUSAL = r"{}: model .* is an int8 copy made by nnlab.compress.quantize_int8 .* Use " \
               r"the float model instead"


def _masks(model: nn.Module) -> dict:
    return {k: v.clone() for k, v in model.state_dict().items() if k.endswith("_mask")}


def _effective_zero(model: nn.Module, masks: dict) -> bool:
    state = model.state_dict()
    return all(torch.all(state[k[:-5] + "_orig"][m == 0] * m[m == 0] == 0)
               and torch.all(getattr(model.get_submodule(k.rpartition(".")[0]),
                                     k.rpartition(".")[2][:-5])[m == 0] == 0)
               for k, m in masks.items())


REPARAM_REFUSAL = r"{}: weight .* of model .* is re-parametrised by nnlab.compress.{}, " \
                  r"which Keras' weights and nnlab's model files cannot represent\. "


def _twin_with_technique(case: Case, a: Applied) -> nn.Module:
    twin = case.fresh(case.seed + 1)
    a.reapply(twin)
    return twin


def _copy_state(src: nn.Module, dst: nn.Module) -> None:
    """``src``'s state into ``dst`` by position (auto layer names differ between twins,
    as Keras' load_weights allows)."""
    dst.load_state_dict(dict(zip(dst.state_dict(), src.state_dict().values())))


def predict(case: Case, a: Applied) -> None:
    out = case.outputs(a.model)
    if a.kind == "reparametrised":
        np.testing.assert_array_equal(out, case.outputs(a.model))     # deterministic
        twin = _twin_with_technique(case, a)                          # same weights ->
        _copy_state(a.model, twin)                                    # same scores
        np.testing.assert_allclose(case.outputs(twin), out, rtol=1e-5, atol=1e-6)
    elif a.kind == "intact":
        np.testing.assert_array_equal(out, a.before)
        for k, v in a.model.state_dict().items():
            assert torch.equal(v, a.state[k]), f"{k} changed"
    elif a.kind == "pruned":           # the effective (masked) weights, as a dense model
        np.testing.assert_allclose(out, case.outputs(strip_pruning(_clone(case, a))),
                                   rtol=1e-5, atol=1e-6)
    else:
        assert np.abs(out - a.before).max() <= 0.05 * np.abs(a.before).max() + 1e-4


def _clone(case: Case, a: Applied) -> nn.Module:
    import copy
    return copy.deepcopy(a.model)


def weights(case: Case, a: Applied) -> None:
    if a.kind == "reparametrised":
        if case.keras:
            with pytest.raises(ValueError, match=REPARAM_REFUSAL.format("get_weights",
                                                                         a.technique)):
                a.model.get_weights()
            with pytest.raises(ValueError, match=REPARAM_REFUSAL.format("set_weights",
                                                                         a.technique)):
                a.model.set_weights([])
        twin = _twin_with_technique(case, a)            # torch's way works for every style
        _copy_state(a.model, twin)
        np.testing.assert_allclose(case.outputs(twin), case.outputs(a.model), rtol=1e-5,
                                   atol=1e-6)
        return
    twin = case.fresh(case.seed + 1)
    if not case.keras:                  # torch's way: state_dict into the same architecture
        if a.kind == "pruned":
            prune_magnitude(twin, SPARSITY)          # same names; the masks come from the dict
        if a.kind == "int8":
            twin = quantize_int8(twin)
        twin.load_state_dict(a.model.state_dict())
        np.testing.assert_array_equal(case.outputs(twin), case.outputs(a.model))
        return
    if a.kind == "int8":
        with pytest.raises(TypeError, match=INT8_REFUSAL.format("get_weights")):
            a.model.get_weights()
        with pytest.raises(TypeError, match=INT8_REFUSAL.format("set_weights")):
            a.model.set_weights(case.model.get_weights())
        return
    ws = a.model.get_weights()
    assert [w.shape for w in ws] == a.keras_shapes            # Keras' layout and count
    if a.kind == "pruned":
        kernels = [w for w in ws if w.ndim >= 2]
        assert all(abs((w == 0).mean() - SPARSITY) < 0.03 for w in kernels)
    twin.set_weights(ws)                                      # an unpruned twin: same scores
    np.testing.assert_allclose(case.outputs(twin), case.outputs(a.model), rtol=1e-5, atol=1e-6)
    a.model.set_weights(ws)
    for w, v in zip(a.model.get_weights(), ws):
        np.testing.assert_array_equal(w, v)


def save_load(case: Case, a: Applied, tmp_path) -> None:
    path = tmp_path / "model.nnlab"
    if a.kind == "reparametrised" and case.keras:
        with pytest.raises(ConfigError, match=REPARAM_REFUSAL.format("save", a.technique)):
            a.model.save(path)
        assert not path.exists()
        a.model.save_weights(tmp_path / "w.safetensors")          # what the message says
        twin = _twin_with_technique(case, a)
        twin.load_weights(tmp_path / "w.safetensors")
        np.testing.assert_allclose(case.outputs(twin), case.outputs(a.model), rtol=1e-5,
                                   atol=1e-6)
        if a.technique == "share_weights":                          # or strip, then save
            strip_sharing(a.model)
            a.model.save(path)
            back = nnlab.load_model(path, custom_objects=case.custom_objects)
            np.testing.assert_allclose(case.outputs(back), case.outputs(twin), rtol=1e-5,
                                       atol=1e-6)
        return
    if not case.keras:                  # nnlab wraps a plain module: weights only
        wrapped = nnlab.Sequential([a.model])
        refusal = REPARAM_REFUSAL.format("save", a.technique) if a.kind == "reparametrised" \
            else r"wraps a plain torch module \(PlainNet\).*model.save_weights"
        with pytest.raises(ConfigError, match=refusal):
            wrapped.save(path)
        if a.kind == "int8":
            with pytest.raises(ConfigError, match=r"non-tensor entries .* quantize_int8"):
                wrapped.save_weights(tmp_path / "w.safetensors")
            return
        wrapped.save_weights(tmp_path / "w.safetensors")
        twin = nnlab.Sequential([case.fresh(case.seed + 1) if a.kind != "reparametrised"
                                 else _twin_with_technique(case, a)])
        twin.load_weights(tmp_path / "w.safetensors")
        np.testing.assert_array_equal(case.outputs(twin.layers[0].module), case.outputs(a.model))
        return
    if a.kind == "int8":
        with pytest.raises(TypeError, match=INT8_REFUSAL.format("save")):
            a.model.save(path)
        assert not path.exists()
        return
    a.model.save(path)
    back = nnlab.load_model(path, custom_objects=case.custom_objects)
    np.testing.assert_array_equal(case.outputs(back), case.outputs(a.model))
    assert _masks(back).keys() == _masks(a.model).keys()          # the masks came back
    assert (len(_masks(back)) > 0) == (a.kind == "pruned")


def fit(case: Case, a: Applied) -> None:
    if a.kind == "int8":
        with pytest.raises(TypeError, match=INT8_REFUSAL.format("train")):
            a.model.train()
        if case.keras:
            with pytest.raises(TypeError, match=INT8_REFUSAL.format("fit")):
                a.model.fit(case.x, case.y, epochs=1, verbose=0)
        return
    masks = _masks(a.model)
    model = a.model if case.keras else nnlab.Sequential([a.model])
    model.compile("adam", SparseCategoricalCrossentropy(from_logits=True))
    before = {k: v.clone() for k, v in a.model.state_dict().items()}
    history = model.fit(case.x, case.y, epochs=2, batch_size=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    changed = [k for k, v in a.model.state_dict().items()
               if v.is_floating_point() and not torch.equal(v, before[k])]
    assert any("kernel" in k or "weight" in k for k in changed)       # it trained
    assert _masks(a.model).keys() == masks.keys()
    assert _effective_zero(a.model, masks)                            # masks held
    if a.invariant is not None:
        a.invariant(a.model)                                          # the structure held


def resume(case: Case, a: Applied, tmp_path) -> None:
    """``fit(checkpoint_dir=...)`` interrupted after epoch 1 and resumed by a twin (the
    same architecture and technique, other weights) ends where an uninterrupted run
    ends."""
    import copy
    if a.kind == "int8":
        with pytest.raises(TypeError, match=INT8_REFUSAL.format("train")):
            a.model.train()
        return

    def trainable(module):
        model = module if case.keras else nnlab.Sequential([module])
        model.compile("adam", SparseCategoricalCrossentropy(from_logits=True))
        return model

    twin = case.fresh(case.seed + 1)
    if a.kind == "pruned":
        prune_magnitude(twin, SPARSITY)                 # masks come from the checkpoint
    elif a.kind == "reparametrised":
        a.reapply(twin)
    whole, first = trainable(copy.deepcopy(a.model)), trainable(copy.deepcopy(a.model))
    fit = dict(batch_size=2, verbose=0)
    nnlab.set_seed(3)                                   # the same shuffling for both runs
    whole.fit(case.x, case.y, epochs=2, checkpoint_dir=str(tmp_path / "whole"), **fit)
    nnlab.set_seed(3)
    first.fit(case.x, case.y, epochs=1, checkpoint_dir=str(tmp_path / "cut"), **fit)
    nnlab.set_seed(99)                                  # the checkpoint brings its own RNG
    resumed = trainable(twin)
    resumed.fit(case.x, case.y, epochs=2, checkpoint_dir=str(tmp_path / "cut"), **fit)
    for x, y in zip(whole.state_dict().values(), resumed.state_dict().values()):
        torch.testing.assert_close(x, y, rtol=1e-6, atol=1e-7)


FOLLOWS = ("predict", "weights", "save_load", "fit", "resume")

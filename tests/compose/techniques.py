"""The techniques of the composition matrix, each applied to a :class:`~.models.Case`
with its own result asserted; what the follow-ups need is returned as an ``Applied``.

``kind`` tells the follow-ups what to expect: ``"intact"`` (the technique must leave the
model exactly as it was: same outputs, same weights), ``"pruned"`` (effective weights
with zeros that must hold), ``"int8"`` (an inference-only copy: close outputs, clear
refusals to train/save/copy Keras weights) or ``"reparametrised"`` (weight sharing,
ternary, low rank: Keras weights and ``save`` refused naming the technique and what to
do; ``save_weights`` into a twin given the same technique; the structure holds in fit).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Optional

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from nnlab.adversarial import FGSM, PGD
from nnlab.analysis import activation_memory, count_macs, count_params, receptive_field
import nnlab
from nnlab.adversarial.training import AdversarialTraining
from nnlab.compress import (Distiller, PruningSchedule, factorize, prune_magnitude, quantize_int8,
                            quantize_static_int8, share_weights, sparsity_report, ternarize)
from nnlab.losses import SparseCategoricalCrossentropy
from nnlab.compress.ternary import weight_levels
from nnlab.compress.weight_sharing import distinct_values
from nnlab.interpret import GradCAM, GuidedBackprop, IntegratedGradients, Occlusion, Saliency

from .models import Case

SPARSITY, EPS = 0.5, 0.05


@dataclass
class Applied:
    model: nn.Module
    kind: str
    before: np.ndarray            # the scores for case.x before the technique
    state: Dict[str, torch.Tensor]
    keras_shapes: list            # get_weights() shapes before (nnlab models)
    # "reparametrised" only: the technique's name in refusals, how to apply it to a twin,
    # and what must still hold after fit
    technique: str = ""
    reapply: Optional[Callable[[nn.Module], None]] = None
    invariant: Optional[Callable[[nn.Module], None]] = None


def _loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return float(F.cross_entropy(model(x), y))


def _snapshot(case: Case, kind: str, model: nn.Module = None) -> Applied:
    m = case.model
    return Applied(m if model is None else model, kind, case.outputs(),
                   {k: v.detach().clone() for k, v in m.state_dict().items()},
                   [w.shape for w in m.get_weights()] if case.keras else [])


def saliency(case: Case) -> Applied:
    applied = _snapshot(case, "intact")
    got = Saliency(case.model).attribute(case.tx, target=list(case.y), abs=False)
    x = case.tx.clone().requires_grad_(True)     # the definition: d score_y / d x
    case.model(x)[torch.arange(len(case.y)), torch.as_tensor(case.y)].sum().backward()
    torch.testing.assert_close(got, x.grad, rtol=1e-5, atol=1e-7)
    assert got.abs().sum() > 0
    return applied


def guided_backprop(case: Case) -> Applied:
    applied = _snapshot(case, "intact")
    got = GuidedBackprop(case.model).attribute(case.tx, target=list(case.y))
    plain = Saliency(case.model).attribute(case.tx, target=list(case.y), abs=False)
    assert got.shape == case.tx.shape and torch.isfinite(got).all() and got.abs().sum() > 0
    assert not torch.allclose(got, plain)        # the ReLUs were guided (kwarg/functional)
    return applied


def gradcam(case: Case) -> Applied:
    applied = _snapshot(case, "intact")
    layer = case.gradcam_layer(case.model)
    cam = GradCAM(case.model, layer).attribute(case.tx, target=list(case.y), upsample=False)
    raw = GradCAM(case.model, layer).attribute(case.tx, target=list(case.y), upsample=False,
                                               relu_attributions=False)
    channel = 1 if not case.keras else -1
    assert cam.dim() == 4 and cam.shape[0] == len(case.y) and cam.shape[channel] == 1
    torch.testing.assert_close(cam, raw.clamp(min=0))
    assert raw.abs().sum() > 0
    return applied


def _scores(case: Case, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return case.model(x)[torch.arange(len(case.y)), torch.as_tensor(case.y)]


def occlusion(case: Case) -> Applied:
    applied = _snapshot(case, "intact")
    got = Occlusion(case.model).attribute(case.tx, sliding_window_shapes=(4, 4),
                                          strides=(4, 4), target=list(case.y))
    assert got.shape == case.tx.shape
    hidden = case.tx.clone()            # windows tile the image: each pixel's value is the
    if case.keras:                      # score drop when its window is set to 0
        hidden[:, :4, :4, :] = 0
    else:
        hidden[:, :, :4, :4] = 0
    torch.testing.assert_close(got[:, 0, 0, 0], _scores(case, case.tx) - _scores(case, hidden),
                               rtol=1e-4, atol=1e-5)
    return applied


def integrated_gradients(case: Case) -> Applied:
    applied = _snapshot(case, "intact")
    got = IntegratedGradients(case.model).attribute(case.tx, target=list(case.y), n_steps=64)
    assert got.shape == case.tx.shape
    total = got.flatten(1).sum(1)       # completeness: sum = S(x) - S(0)
    diff = _scores(case, case.tx) - _scores(case, torch.zeros_like(case.tx))
    assert torch.all((total - diff).abs() <= 0.05 * diff.abs() + 2e-3), (total, diff)
    return applied


def _attack(case: Case, attack) -> Applied:
    applied = _snapshot(case, "intact")
    y = torch.as_tensor(case.y)
    adv = attack(case.tx, y)
    assert adv.shape == case.tx.shape and 0 <= adv.min() and adv.max() <= 1
    assert (adv - case.tx).abs().max() <= EPS + 1e-6
    assert _loss(case.model, adv, y) > _loss(case.model, case.tx, y)   # it did attack
    return applied


def fgsm(case: Case) -> Applied:
    return _attack(case, FGSM(case.model, eps=EPS))


def pgd(case: Case) -> Applied:
    return _attack(case, PGD(case.model, eps=EPS, alpha=EPS / 4, steps=5))


def pruning(case: Case) -> Applied:
    applied = _snapshot(case, "pruned")
    got = prune_magnitude(case.model, SPARSITY)
    assert len(got) >= 4 and all(abs(s - SPARSITY) < 0.03 for s in got.values()), got
    assert not np.allclose(case.outputs(), applied.before)
    return applied


def int8_dynamic(case: Case) -> Applied:
    q = quantize_int8(case.model)
    applied = _snapshot(case, "int8", q)
    out = case.outputs(q)
    assert np.abs(out - applied.before).max() <= 0.05 * np.abs(applied.before).max() + 1e-4
    assert any(type(m).__module__.startswith("torch.ao.nn.quantized") for m in q.modules())
    np.testing.assert_array_equal(case.outputs(), applied.before)   # the original untouched
    report = count_params(q)            # the packed int8 weights are counted, not lost
    assert report.total == count_params(case.model).total and report.trainable < \
        count_params(case.model).trainable
    return applied


def _kernels(model: nn.Module):
    """``(module, attr)`` of every Dense/Conv kernel (nnlab) or Linear/Conv weight (torch)."""
    from nnlab.compress._layers import supported_layers
    return [(m, a) for _, m, a in supported_layers(model)]


def _reparametrised(case: Case, technique: str, apply, invariant) -> Applied:
    applied = _snapshot(case, "reparametrised")
    apply(case.model)
    invariant(case.model)
    out = case.outputs()
    assert np.isfinite(out).all() and not np.allclose(out, applied.before)
    applied.technique, applied.reapply, applied.invariant = technique, apply, invariant
    return applied


def weight_sharing(case: Case) -> Applied:
    def at_most_4_values(model):        # 2 bits: 4 shared values per layer
        assert all(len(distinct_values(m, a)) <= 4 for m, a in _kernels(model))
    return _reparametrised(case, "share_weights", lambda m: share_weights(m, 2),
                           at_most_4_values)


def ternary(case: Case) -> Applied:
    def three_levels(model):            # {-wn, 0, +wp} per layer
        assert all(len(weight_levels(m, a)) <= 3 for m, a in _kernels(model))
    return _reparametrised(case, "ternarize", lambda m: ternarize(m), three_levels)


def low_rank(case: Case) -> Applied:
    if not case.keras:                  # torch's nn.Linear/nn.Conv2d are not factorised
        with pytest.raises(ValueError, match=r"model 'PlainNet' has no layer that can be "
                                             r"factorised; supported layer types: Dense, "
                                             r"Conv2D \(its torch Conv2d, Linear layers are "
                                             r"not factorised: build them as nnlab"):
            factorize(case.model, rank=1)
        return _snapshot(case, "intact")   # refused before any change: follow-ups hold

    def rank_one(model):
        for m in model.modules():
            if hasattr(m, "kernel_u"):
                assert torch.linalg.matrix_rank(m.kernel_u.flatten(1).detach()) <= 1
    return _reparametrised(case, "factorize", lambda m: factorize(m, rank=1), rank_one)


def _trainable(case: Case) -> nn.Module:
    """The model ``fit`` runs on: the model, or a plain module wrapped in a Sequential."""
    model = case.model if case.keras else nnlab.Sequential([case.model])
    model.compile("adam", SparseCategoricalCrossentropy(from_logits=True))
    return model


def pruning_schedule(case: Case) -> Applied:
    applied = _snapshot(case, "pruned")
    schedule = PruningSchedule(SPARSITY, steps=2)
    _trainable(case).fit(case.x, case.y, epochs=2, batch_size=2, verbose=0,
                         callbacks=[schedule])
    assert [round(s, 2) for _, s in schedule.history] == [0.25, 0.5]
    rows = sparsity_report(case.model)
    assert all(abs(r["sparsity"] - SPARSITY) < 0.03 for r in rows)
    return applied


def adversarial_training(case: Case) -> Applied:
    before = {k: v.clone() for k, v in case.model.state_dict().items()}
    model = _trainable(case)
    history = model.fit(case.x, case.y, epochs=1, batch_size=2, verbose=0,
                        callbacks=[AdversarialTraining(FGSM(model, eps=EPS))])
    assert np.isfinite(history.history["loss"]).all()
    assert any(not torch.equal(v, before[k]) for k, v in case.model.state_dict().items()
               if v.is_floating_point())
    case.model.eval()
    return _snapshot(case, "intact")    # trained; from here on it must stay as it is


def distillation(case: Case) -> Applied:
    """The model is the student of a teacher of the same style (other weights)."""
    teacher = case.fresh(case.seed + 5)
    teacher_state = {k: v.clone() for k, v in teacher.state_dict().items()}
    before = {k: v.clone() for k, v in case.model.state_dict().items()}
    distiller = Distiller(teacher, case.model, alpha=0.1)
    distiller.compile(nnlab.optimizers.Adam(learning_rate=0.01))
    history = distiller.fit(case.x, case.y, epochs=4, batch_size=2, verbose=0).history
    assert history["distillation_loss"][-1] < history["distillation_loss"][0]
    for k, v in teacher.state_dict().items():
        assert torch.equal(v, teacher_state[k])                        # teacher untouched
    assert any(not torch.equal(v, before[k]) for k, v in case.model.state_dict().items()
               if v.is_floating_point())
    case.model.eval()
    return _snapshot(case, "intact")    # the trained student must then stay as it is


def static_int8(case: Case) -> Applied:
    """Static int8 mirrors a Sequential of valid convs, Dense, pooling and relu: every
    style here is refused before any work, naming why and what to use instead."""
    applied = _snapshot(case, "intact")
    expected = {"sequential": r"layer '.*' needs groups=1 and padding='valid'",
                "plain_torch": r"got PlainNet \(a plain torch module\).*quantize_int8.*"
                               r"torch.ao.quantization's prepare/convert"}.get(
        case.style, r"needs an nnlab Sequential of the layer types .*; got \w+ \(not a "
                    r"Sequential\)\. Rebuild it as a Sequential, or use "
                    r"nnlab.compress.quantize_int8")
    with pytest.raises(TypeError, match=expected):
        quantize_static_int8(case.model, case.x)
    return applied


def analysis(case: Case) -> Applied:
    applied = _snapshot(case, "intact")
    m = case.model
    report = count_params(m)
    expected = m.count_params() if case.keras else sum(
        t.numel() for t in m.state_dict().values() if t.is_floating_point())
    assert report.total == expected == sum(r.total for r in report.rows) > 0
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        m(case.tx[:1])                                  # torch's own count, one image
    assert count_macs(m, input_shape=case.x.shape[1:]) == counter.get_total_flops() // 2 > 0
    # receptive fields by hand: 3x3 same, pool 2, 3x3, Flatten of 2x2 -> 10; two 3x3 + GAP
    # of 8x8 -> 12; ResNet-8: 3 + 4 + 2 + 4 + 4 + 8 (convs), + 4 (GAP of 2x2) -> 29
    field = {"sequential": (10, 10), "functional": (12, 12), "zoo_resnet_bn": (29, 29)}
    if case.style in field:
        assert receptive_field(m, input_shape=case.x.shape[1:])[-1].size == field[case.style]
    else:                               # convolutions in code: refused, not a silent 1x1
        with pytest.raises(ValueError, match=r"computes in code with 2 convolution"):
            receptive_field(m, input_shape=case.x.shape[1:])
    memory = activation_memory(m, input_shape=case.x.shape[1:])
    assert memory.forward_bytes == sum(r.bytes for r in memory.rows) > 0
    assert memory.rows[0].elements == int(np.prod(case.x.shape[1:]))       # the input
    assert tuple(memory.rows[-1].output_shape) == (None, 3)                # the scores
    return applied


TECHNIQUES = {f.__name__: f for f in (saliency, guided_backprop, gradcam, occlusion,
                                      integrated_gradients, fgsm, pgd, adversarial_training,
                                      pruning, pruning_schedule, int8_dynamic, static_int8,
                                      distillation,
                                      weight_sharing, ternary, low_rank, analysis)}

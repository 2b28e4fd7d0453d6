"""Shared checks for the zoo tests: build on the meta device, count, run forward/backward."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from nnlab import zoo


def trainable(model) -> int:
    """Trainable parameters (BN gamma/beta count; BN moving statistics do not)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def meta_build(name: str, **kwargs):
    """Build a registered model at full size on torch's meta device (no memory, instant)."""
    with torch.device("meta"):
        return zoo.create(name, **kwargs)


def input_layers(model) -> list:
    """The layers with weights that read the model's input directly (through weightless
    layers such as ZeroPadding2D): FractalNet has one per column."""
    frontier, found, seen = {id(model.inputs[0])}, [], set()
    for node in model.nodes:
        if id(node.layer) in seen or not any(id(t) in frontier for t in node.input_tensors):
            continue
        if any(True for _ in node.layer.parameters()):
            found.append(node.layer)
            seen.add(id(node.layer))
        else:
            frontier.update(id(t) for t in node.output_tensors)
    return found


def forward_backward(name: str, input_shape, num_classes: int = 10, batch: int = 2, **kwargs):
    """Build ``name`` for real, run a batch forward and backward on CPU and check the output
    shape and that a non-zero, finite gradient reaches the first layer. Returns the model."""
    model = zoo.create(name, num_classes=num_classes, input_shape=input_shape,
                       classifier_activation=None, **kwargs)
    x = torch.randn(batch, *input_shape)
    out = model(x)
    outs = out if isinstance(out, list) else [out]
    target = torch.arange(batch) % num_classes
    for o in outs:
        assert tuple(o.shape) == (batch, num_classes)
        assert torch.isfinite(o).all()
    loss = sum(F.cross_entropy(o, target) for o in outs)
    loss.backward()
    # drop-path may cut some columns off in training: at least one first layer must learn
    grads = [p.grad for layer in input_layers(model) for p in layer.parameters()
             if p.grad is not None]
    assert grads, f"{name}: no gradient reached the first layer"
    assert all(torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads), f"{name}: zero gradient at the first layer"
    return model


def headless_shape(name: str, pooling: str = "avg", **kwargs):
    """Output shape of ``include_top=False`` with ``pooling`` (built on meta)."""
    return meta_build(name, include_top=False, pooling=pooling, **kwargs).output_shape

"""The shared layer-test harness (like Keras' ``run_layer_test``).

``run_layer_test(make_layer, input_shape)`` checks, for one layer:

1. building on a symbolic ``Input`` gives the output shape a real forward pass gives;
2. the parameter count (when ``expected_params`` is given);
3. ``get_config`` -> ``from_config`` round trip (same config, same outputs with the
   same weights);
4. save -> load of a model holding the layer reproduces outputs bit for bit;
5. a training step: every trainable weight gets a gradient and an SGD step changes
   the output;
6. (``gradcheck=True``) autograd gradients equal numeric ones in float64.
"""
from __future__ import annotations

import copy
import os
import tempfile
from typing import Any, Callable, Optional, Sequence

import torch

import nnlab
from nnlab.layers.base.layer import Layer


def _random_input(shape: Sequence[int], dtype: torch.dtype, high: int = 10) -> torch.Tensor:
    if dtype.is_floating_point:
        return torch.randn(*shape, dtype=dtype)
    return torch.randint(0, high, tuple(shape), dtype=dtype)


def _outputs(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def run_layer_test(make_layer: Callable[[], Layer], input_shape: Sequence[Optional[int]],
                   expected_output_shape: Any = None, expected_params: Optional[int] = None,
                   batch: int = 2, input_dtype: str = "float32", int_high: int = 10,
                   gradcheck: bool = False, train_step: bool = True) -> Layer:
    """Run the checks above; ``input_shape`` excludes the batch axis. Returns the layer."""
    layer = make_layer()
    inp = nnlab.Input(shape=tuple(input_shape), dtype=input_dtype)
    dtype = inp.dtype
    sym = layer(inp)
    sym_shapes = [t.shape for t in _outputs(sym)]
    if expected_output_shape is not None:
        expected = expected_output_shape if isinstance(expected_output_shape, list) \
            else [expected_output_shape]
        assert sym_shapes == [tuple(s) for s in expected], (sym_shapes, expected)
    if expected_params is not None:
        assert layer.count_params() == expected_params, (layer.count_params(), expected_params)

    model = nnlab.Model(inputs=inp, outputs=sym)
    model.eval()
    x = _random_input((batch,) + tuple(d if d is not None else 5 for d in input_shape), dtype,
                      int_high)
    real = _outputs(model(x))
    for s, r in zip(sym_shapes, real):
        assert len(s) == r.dim(), (s, tuple(r.shape))
        for d_sym, d_real in zip(s[1:], r.shape[1:]):
            assert d_sym is None or d_sym == d_real, (s, tuple(r.shape))
        assert r.shape[0] == batch

    # config round trip
    config = layer.get_config()
    clone = type(layer).from_config(copy.deepcopy(config))
    clone_config = clone.get_config()
    config.pop("name"), clone_config.pop("name")
    assert clone_config == config
    clone(nnlab.Input(shape=tuple(input_shape), dtype=input_dtype))
    clone.load_state_dict(layer.state_dict())
    clone.eval()
    with torch.no_grad():
        for a, b in zip(_outputs(layer(x)), _outputs(clone(x))):
            assert torch.equal(a, b)

    # save -> load, bit for bit
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.nnlab")
        model.save(path)
        loaded = nnlab.load_model(path)
        loaded.eval()
        with torch.no_grad():
            for a, b in zip(_outputs(model(x)), _outputs(loaded(x))):
                assert torch.equal(a, b)

    # one training step
    trainable = [p for p in layer.parameters() if p.requires_grad]
    if train_step and trainable:
        model.train()
        before = [o.detach().clone() for o in _outputs(model(x, training=False))]
        loss = sum((o.float() ** 2).mean() for o in _outputs(model(x)) if o.is_floating_point())
        loss.backward()
        for name, p in layer.named_parameters():
            assert p.grad is not None, f"no gradient for {name}"
        with torch.no_grad():
            for p in trainable:
                p -= 0.1 * p.grad
        after = _outputs(model(x, training=False))
        assert any(not torch.equal(a, b) for a, b in zip(before, after)), "SGD step changed nothing"

    if gradcheck and dtype.is_floating_point:
        check = copy.deepcopy(layer).double().eval()
        xg = _random_input((2,) + tuple(d if d is not None else 3 for d in input_shape),
                           torch.float64).requires_grad_(True)
        assert torch.autograd.gradcheck(lambda t: _outputs(check(t))[0], (xg,), eps=1e-6,
                                        atol=1e-5)
    return layer

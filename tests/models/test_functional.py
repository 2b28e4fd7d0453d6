import pytest
import torch

import nnlab
from nnlab.errors import ShapeError
from nnlab.layers import Concatenate, Dense, add, concatenate, multiply


def test_multi_input_multi_output_and_connected_to(capsys):
    a = nnlab.Input(shape=(4,), name="a")
    b = nnlab.Input(shape=(6,), name="b")
    h = concatenate([Dense(5, name="da")(a), Dense(5, name="db")(b)])
    out1 = Dense(2, name="out1")(h)
    out2 = Dense(1, name="out2")(h)
    model = nnlab.Model(inputs=[a, b], outputs=[out1, out2])
    y1, y2 = model([torch.randn(3, 4), torch.randn(3, 6)])
    assert y1.shape == (3, 2) and y2.shape == (3, 1)
    d1, d2 = model({"a": torch.randn(3, 4), "b": torch.randn(3, 6)})
    assert d1.shape == (3, 2)
    e1, _ = model(torch.randn(3, 4), torch.randn(3, 6))
    assert e1.shape == (3, 2)
    model.summary()
    text = capsys.readouterr().out
    assert "Connected to" in text
    assert "da[0][0], db[0][0]" in text
    assert model.input_names == ["a", "b"] and model.output_names == ["out1", "out2"]


def test_shared_layer_is_counted_once():
    shared = Dense(3, name="shared")
    a, b = nnlab.Input(shape=(4,)), nnlab.Input(shape=(4,))
    model = nnlab.Model([a, b], add([shared(a), shared(b)]))
    assert model.count_params() == 15
    x = torch.randn(2, 4)
    assert torch.allclose(model([x, x]), 2 * shared(x))


def test_model_used_as_a_layer():
    inner_in = nnlab.Input(shape=(4,))
    inner = nnlab.Model(inner_in, Dense(3, activation="relu")(inner_in), name="inner")
    x = nnlab.Input(shape=(4,))
    y = Dense(1)(inner(x))
    outer = nnlab.Model(x, y)
    assert outer.output_shape == (None, 1)
    assert outer.count_params() == 15 + 4
    assert outer(torch.randn(5, 4)).shape == (5, 1)
    assert "inner.dense" in next(iter(outer.state_dict())) or any(
        k.startswith("inner.") for k in outer.state_dict())


def test_skip_connection_with_operator():
    x = nnlab.Input(shape=(4,))
    h = Dense(4)(x)
    y = h + x
    model = nnlab.Model(x, multiply([y, y]))
    assert model(torch.ones(1, 4)).shape == (1, 4)


def test_merge_shape_errors_name_the_layer():
    a, b = nnlab.Input(shape=(4,)), nnlab.Input(shape=(5,))
    with pytest.raises(ShapeError, match=r"'add.*' \(Add\) needs inputs of the same shape, "
                                         r"got \(None, 4\), \(None, 5\)"):
        add([a, b])
    c, d = nnlab.Input(shape=(2, 4)), nnlab.Input(shape=(3, 5))
    with pytest.raises(ShapeError, match="Concatenate.*except on axis -1"):
        Concatenate()([c, d])


def test_wrong_real_input_shape_names_the_input():
    x = nnlab.Input(shape=(4,), name="pixels")
    model = nnlab.Model(x, Dense(2)(x))
    with pytest.raises(ShapeError, match=r"input 'pixels' expects shape \(None, 4\), got \(None, 3\)"):
        model(torch.randn(2, 3))


def test_graph_disconnected():
    a, b = nnlab.Input(shape=(4,)), nnlab.Input(shape=(4,))
    y = add([a, b])
    with pytest.raises(ValueError, match="Graph disconnected"):
        nnlab.Model(inputs=a, outputs=y)


def test_dense_built_for_other_width_refuses_input():
    layer = Dense(3)
    layer(torch.randn(2, 4))
    with pytest.raises(ShapeError, match=r"built for inputs with 4 on axis -1, got shape \(None, 5\)"):
        layer(torch.randn(2, 5))


def test_subclassed_model():
    class TwoLayer(nnlab.Model):
        def __init__(self):
            super().__init__()
            self.hidden = Dense(8, activation="relu")
            self.out = Dense(2)

        def call(self, x, training=None):
            return self.out(self.hidden(x))

    model = TwoLayer()
    assert model(torch.randn(3, 5)).shape == (3, 2)
    assert model.count_params() == 5 * 8 + 8 + 8 * 2 + 2


def test_inference_calls_inner_layers_without_wrapper_frames_but_runs_their_hooks():
    """Like Sequential, a functional model in inference calls an unobserved inner layer's
    forward directly (no Layer.__call__ / Module.__call__ frames per layer); a layer with
    a hook takes the full call, so the hook still runs."""
    import sys

    inp = nnlab.Input((6,))
    hidden = Dense(5, activation="relu")
    model = nnlab.Model(inp, Dense(3)(hidden(Dense(4)(inp))))
    x = torch.rand(2, 6)
    want = model(x)
    entered = []

    def hook(frame, event, arg):
        if event == "call" and frame.f_code.co_name == "__call__" \
                and frame.f_code.co_filename.endswith("layer.py"):
            entered.append(type(frame.f_locals.get("self")).__name__)
    sys.setprofile(hook)
    try:
        got = model(x)
    finally:
        sys.setprofile(None)
    assert torch.equal(got, want)
    assert entered == ["Functional"], entered  # the model's own call only
    seen = []
    handle = hidden.register_forward_hook(lambda m, i, o: seen.append(o.shape))
    assert torch.equal(model(x), want)
    handle.remove()
    assert seen == [torch.Size([2, 5])]

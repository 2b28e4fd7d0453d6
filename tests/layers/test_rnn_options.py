"""recurrent_dropout (masked loop, warned once), GRU(reset_after=False) without masks, and
truncated BPTT with stateful layers (no gradient crosses a chunk boundary)."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab import layers as L


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_recurrent_dropout_only_in_training_and_warns_once(kind):
    torch.manual_seed(0)
    layer = getattr(L, kind)(6, recurrent_dropout=0.5, return_sequences=True)
    x = torch.randn(3, 5, 2)
    layer.eval()
    base = layer(x)
    torch.testing.assert_close(base, layer(x))
    with pytest.warns(UserWarning, match="recurrent_dropout=0.5 runs a Python loop"):
        dropped = layer(x, training=True)
    assert not torch.allclose(dropped, base)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer(x, training=True)  # the warning is given once
    dropped.sum().backward()
    assert layer.recurrent_kernel.grad is not None


def test_gru_reset_after_false_matches_keras_without_mask(keras):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 6, 3)).astype("float32")
    k_layer = keras.layers.GRU(4, reset_after=False, return_sequences=True)
    k_layer.build((None, 6, 3))
    k_layer.set_weights([rng.normal(0, 0.5, w.shape).astype("float32")
                         for w in k_layer.get_weights()])
    n_layer = L.GRU(4, reset_after=False, return_sequences=True)
    n_layer.maybe_build((None, 6, 3))
    assert n_layer.count_params() == k_layer.count_params() == 3 * (4 * (3 + 4) + 4)
    k, r, b = k_layer.get_weights()

    def order(a):
        return np.concatenate([a[..., 4:8], a[..., :4], a[..., 8:]], -1)
    n_layer.load_state_dict({"kernel": torch.tensor(order(k).T.copy()),
                             "recurrent_kernel": torch.tensor(order(r).T.copy()),
                             "bias": torch.tensor(order(b).copy())})
    np.testing.assert_allclose(n_layer(torch.from_numpy(x)).detach().numpy(),
                               np.asarray(k_layer(x).detach().cpu()), atol=1e-5)


def test_tbptt_recipe_no_gradient_crosses_a_chunk_boundary():
    torch.manual_seed(0)
    layer = L.LSTM(4, stateful=True, return_sequences=True)
    x = torch.randn(2, 10, 3, requires_grad=True)
    layer(x[:, :5])
    kept = [s.clone() for s in layer.states]
    out = layer(x[:, 5:])  # starts from the first chunk's final state, detached
    out.sum().backward()
    assert torch.all(x.grad[:, :5] == 0) and torch.any(x.grad[:, 5:] != 0)
    stateful_grad = layer.kernel.grad.clone()
    layer.kernel.grad = None
    # the same chunk from the kept states given as constants: the same gradient
    layer(x[:, 5:].detach(), initial_state=kept).sum().backward()
    torch.testing.assert_close(layer.kernel.grad, stateful_grad)


def test_tbptt_fit_with_stateful_model_and_reset_each_epoch():
    tokens = torch.arange(2 * 41) % 7
    x, y = nnlab.text.tbptt_batches(tokens, batch_size=2, steps=10)
    assert x.shape == (8, 10) and y.shape == (8, 10)
    # row b of consecutive batches continues the same stream
    assert x[2, 0] == (x[0, -1] + 1) % 7
    torch.testing.assert_close(y[:, :-1], x[:, 1:])
    model = nnlab.Sequential([
        L.Embedding(7, 8, batch_input_shape=(2, None)),
        L.LSTM(16, stateful=True, return_sequences=True), L.Dense(7)])
    model.compile(nnlab.optimizers.Adam(0.02), nnlab.losses.SparseCategoricalCrossentropy(from_logits=True))
    reset = nnlab.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: model.reset_states())
    hist = model.fit(x, y, batch_size=2, shuffle=False, epochs=30, verbose=0,
                     callbacks=[reset])
    assert hist.history["loss"][-1] < 0.5 * hist.history["loss"][0]

"""A pruned model stays a Keras model: conv kernels in channels_last memory prune,
predict and train; ``get_weights`` keeps Keras' layout and count; ``save``/``load_model``
and ``save_weights``/``load_weights`` keep the masks (issue 26, breaks 1 and 2)."""
import numpy as np
import pytest
import torch

from nnlab.compress import prune_magnitude, strip_pruning
from nnlab.layers import Conv2D, Dense, Flatten
from nnlab.models import Sequential, load_model


def _convnet(seed=0):
    torch.manual_seed(seed)
    m = Sequential([Conv2D(4, 3, activation="relu", input_shape=(8, 8, 3)), Conv2D(6, 3),
                    Flatten(), Dense(3)])
    m.compile("adam", "sparse_categorical_crossentropy")
    return m


def _data(n=16):
    rng = np.random.default_rng(0)
    return rng.random((n, 8, 8, 3), dtype=np.float32), rng.integers(0, 3, n)


def _zeros(model):
    return [w == 0 for w in model.get_weights()]


def test_channels_last_convnet_prunes_predicts_and_trains_with_masks_kept():
    m = _convnet()
    x, y = _data()
    assert m.layers[0].kernel.is_contiguous(memory_format=torch.channels_last)
    got = prune_magnitude(m, 0.5)
    assert len(got) == 4 and all(abs(v - 0.5) < 0.01 for v in got.values())
    before = m.predict(x, verbose=0)
    assert before.shape == (16, 3) and np.isfinite(before).all()
    zero = _zeros(m)
    kernel0 = m.get_weights()[0].copy()
    m.fit(x, y, epochs=2, batch_size=8, verbose=0)
    after = m.get_weights()
    for w, z in zip(after[::2], zero[::2]):                 # kernels: pruned stay zero
        assert z.mean() == pytest.approx(0.5, abs=0.01) and np.all(w[z] == 0)
    assert not np.allclose(after[0][~zero[0]], kernel0[~zero[0]])  # the rest trained
    assert not np.allclose(m.predict(x, verbose=0), before)


def test_pruned_dense_keeps_keras_get_weights_layout_count_and_set_weights():
    torch.manual_seed(0)
    m = Sequential([Dense(64, input_shape=(32,)), Dense(10)])
    shapes, n = [w.shape for w in m.get_weights()], m.count_params()
    prune_magnitude(m, 0.5)
    ws = m.get_weights()
    assert [w.shape for w in ws] == shapes == [(32, 64), (64,), (64, 10), (10,)]
    assert m.count_params() == n == 32 * 64 + 64 + 64 * 10 + 10
    assert (ws[0] == 0).mean() == pytest.approx(0.5, abs=0.01)
    x = np.random.default_rng(1).random((5, 32), dtype=np.float32)
    np.testing.assert_allclose(m.predict(x, verbose=0), (x @ ws[0] + ws[1]) @ ws[2] + ws[3],
                               rtol=1e-4, atol=1e-5)      # the effective (pruned) weights
    # set_weights writes under the masks: pruned positions stay zero
    mask = ws[0] != 0
    m.set_weights([np.ones_like(w) for w in ws])
    new = m.get_weights()
    assert np.all(new[0] == mask) and np.all(new[1] == 1)
    assert torch.equal(m.layers[0].kernel.detach(), torch.as_tensor(mask.T, dtype=torch.float32))


def test_pruned_model_save_load_equal_predictions_and_masks_kept_in_fit(tmp_path):
    m = _convnet()
    x, y = _data()
    prune_magnitude(m, 0.6)
    m.fit(x, y, epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "pruned.nnlab"
    m.save(path)
    back = load_model(path)
    np.testing.assert_array_equal(back.predict(x, verbose=0), m.predict(x, verbose=0))
    assert [w.shape for w in back.get_weights()] == [w.shape for w in m.get_weights()]
    zero = _zeros(back)
    back.compile("adam", "sparse_categorical_crossentropy")
    back.fit(x, y, epochs=2, batch_size=8, verbose=0)
    for w, z in zip(back.get_weights()[::2], zero[::2]):
        assert z.mean() == pytest.approx(0.6, abs=0.02) and np.all(w[z] == 0)


def test_pruned_weights_file_loads_into_an_unpruned_twin(tmp_path):
    m = _convnet(seed=0)
    x, _ = _data()
    prune_magnitude(m, 0.5)
    m.save_weights(tmp_path / "w.weights.safetensors")
    twin = _convnet(seed=1)
    twin.load_weights(tmp_path / "w.weights.safetensors")
    np.testing.assert_array_equal(twin.predict(x, verbose=0), m.predict(x, verbose=0))


def test_strip_pruning_keeps_the_keras_order_and_zeros():
    m = _convnet()
    prune_magnitude(m, 0.5)
    before = m.get_weights()
    strip_pruning(m)
    assert list(m.layers[0].state_dict()) == ["kernel", "bias"]
    for a, b in zip(m.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_load_model_refuses_a_pruned_list_naming_a_missing_weight(tmp_path):
    from safetensors.torch import load_file, save_file

    from nnlab.errors import ConfigError
    from nnlab.models.saving.file_format import content_hash, read_header
    m = _convnet()
    prune_magnitude(m, 0.5)
    path = tmp_path / "p.nnlab"
    m.save(path)
    meta = dict(read_header(str(path))["__metadata__"])
    assert meta["pruned"] == '["%s.kernel", "%s.kernel", "%s.kernel"]' % tuple(
        layer.name for layer in (m.layers[0], m.layers[1], m.layers[3]))
    meta.pop("sha256")
    meta["pruned"] = '["no_such_layer.kernel"]'
    tensors = load_file(str(path))
    save_file(tensors, str(tmp_path / "bad.nnlab"),
              metadata=dict(meta, sha256=content_hash(tensors, meta.items())))
    with pytest.raises(ConfigError, match="pruned weight 'no_such_layer.kernel' is not a weight"):
        load_model(tmp_path / "bad.nnlab")


def test_pruned_trained_model_deep_copies_and_quantises_to_int8():
    """After a training step torch's pruning leaves ``kernel = orig * mask`` with its
    autograd graph on the layer, and copy.deepcopy (quantize_int8's first step) refused
    it; and a pruned Dense was not recognised by quantize_int8 at all."""
    import copy

    from nnlab.compress import quantize_int8
    m = _convnet()
    x, y = _data()
    prune_magnitude(m, 0.5)
    m.fit(x, y, epochs=1, batch_size=8, verbose=0)
    twin = copy.deepcopy(m)
    np.testing.assert_array_equal(twin.predict(x, verbose=0), m.predict(x, verbose=0))
    q = quantize_int8(m)
    float_out = m.predict(x, verbose=0)
    assert np.abs(q.predict(x, verbose=0) - float_out).max() < 0.05 * np.abs(float_out).max()
    int8_kernel = q.layers[3]._int8_linear.weight().dequantize()
    assert (int8_kernel == 0).float().mean() >= 0.5 - 0.01      # the pruned zeros kept


def test_regularizer_on_a_pruned_kernel_still_has_a_gradient():
    torch.manual_seed(0)
    m = Sequential([Dense(4, input_shape=(3,), kernel_regularizer="l2")])
    prune_magnitude(m, 0.5)
    m(torch.ones(2, 3))                          # a forward pass, as in training
    layer = m.layers[0]
    penalty = m.regularization_loss()
    (grad,) = torch.autograd.grad(penalty, layer.kernel_orig)
    mask = layer.kernel_mask
    expected = 2 * 0.01 * layer.kernel_orig.detach() * mask      # d(l2 * sum (w*m)^2)
    torch.testing.assert_close(grad, expected)

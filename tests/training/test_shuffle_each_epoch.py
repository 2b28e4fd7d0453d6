"""fit(shuffle=True) draws a new order every epoch (each epoch still sees every sample once);
shuffle=False keeps the arrays' order."""
import numpy as np

import nnlab


def _orders(shuffle, epochs=3, n=32, batch_size=8):
    """The sample ids (the input value) the training forward saw, one list per epoch."""
    nnlab.set_seed(0)
    model = nnlab.Sequential([nnlab.layers.Dense(1, input_shape=(1,))])
    model.compile("sgd", "mse")
    seen = []
    model.layers[0].register_forward_hook(
        lambda m, inputs, out: seen.extend(inputs[0][:, 0].long().tolist()) if m.training
        else None)
    x = np.arange(n, dtype="float32")[:, None]
    model.fit(x, np.zeros((n, 1), "float32"), epochs=epochs, batch_size=batch_size,
              shuffle=shuffle, verbose=0)
    assert len(seen) == epochs * n
    return [seen[e * n:(e + 1) * n] for e in range(epochs)]


def test_fit_reshuffles_every_epoch():
    orders = _orders(shuffle=True)
    for order in orders:
        assert sorted(order) == list(range(32))          # every sample once per epoch
        assert order != list(range(32))                  # not the arrays' order
    assert len({tuple(o) for o in orders}) == 3          # a new order each epoch
    assert _orders(shuffle=True) == orders               # seeded: the same orders again


def test_no_shuffle_keeps_the_order():
    assert _orders(shuffle=False) == [list(range(32))] * 3

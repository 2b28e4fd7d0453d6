"""nnlab.ops against keras.ops (torch backend) on the same inputs; unknown names explained."""
import numpy as np
import pytest
import torch

from nnlab import ops


@pytest.fixture(scope="module")
def keras():
    """Keras 3 on the torch backend (dev-only oracle)."""
    return pytest.importorskip("keras")

RNG = np.random.default_rng(0)
A = RNG.normal(size=(3, 4)).astype("float32")
B = RNG.normal(size=(4, 5)).astype("float32")
P = np.abs(A) + 0.1
LABELS = np.array([0, 2, 1, -1])

CASES = [
    ("shape", (A,), {}), ("reshape", (A, (2, 6)), {}), ("reshape", (A, (-1,)), {}),
    ("mean", (A,), {}), ("mean", (A,), {"axis": 1, "keepdims": True}),
    ("sum", (A,), {"axis": (0, 1)}), ("var", (A,), {"axis": 0}), ("std", (A,), {}),
    ("max", (A,), {"axis": -1}), ("min", (A,), {}), ("argmax", (A,), {"axis": 1}),
    ("argmin", (A,), {"axis": 0}), ("prod", (P,), {"axis": 0}),
    ("logsumexp", (A,), {"axis": -1}), ("square", (A,), {}), ("sqrt", (P,), {}),
    ("exp", (A,), {}), ("log", (P,), {}), ("abs", (A,), {}), ("tanh", (A,), {}),
    ("sigmoid", (A,), {}), ("relu", (A,), {}), ("erf", (A,), {}), ("sign", (A,), {}),
    ("matmul", (A, B), {}), ("dot", (A, B), {}), ("einsum", ("ij,jk->ik", A, B), {}),
    ("softmax", (A,), {"axis": 0}), ("log_softmax", (A,), {}),
    ("one_hot", (LABELS, 3), {}), ("one_hot", (LABELS, 3), {"axis": 0}),
    ("stop_gradient", (torch.from_numpy(A),), {}), ("cast", (A, "int32"), {}),
    ("concatenate", ([A, A],), {"axis": 1}), ("stack", ([A, A],), {"axis": 1}),
    ("expand_dims", (A, 1), {}), ("squeeze", (A[:1],), {"axis": 0}),
    ("transpose", (A,), {}), ("transpose", (A[None], (2, 0, 1)), {}),
    ("maximum", (A, 0.0), {}), ("minimum", (A, B[:3, :4]), {}), ("where", (A > 0, A, -A), {}),
    ("clip", (A, -0.5, 0.5), {}), ("take", (A, np.array([2, 0])), {"axis": 1}),
    ("take_along_axis", (A, np.array([[1], [0], [3]]), 1), {}), ("cumsum", (A,), {"axis": 1}),
    ("tile", (A, (2, 1)), {}), ("repeat", (A, 2), {"axis": 0}),
    ("broadcast_to", (A[:1], (3, 4)), {}), ("flip", (A,), {"axis": 1}),
    ("arange", (5,), {}), ("arange", (1.0, 3.0, 0.5), {}), ("zeros", ((2, 3),), {}),
    ("ones_like", (A,), {}), ("eye", (3,), {}), ("tril", (A,), {}),
    ("pad", (A, ((1, 0), (0, 2))), {}), ("norm", (A,), {"axis": -1}),
    ("power", (P, 2.0), {}), ("divide", (A, P), {}), ("equal", (A, A), {}),
    ("greater", (A, 0.0), {}), ("logical_and", (A > 0, A < 1), {}),
    ("sort", (A,), {}), ("argsort", (A,), {"axis": 0}), ("linspace", (0.0, 1.0, 5), {}),
    ("gelu", (A,), {}), ("silu", (A,), {}), ("softplus", (A,), {}),
    ("full", ((2, 2), 3.0), {}), ("slice", (A, (1, 1), (2, 2)), {}),
    ("split", (A, 2), {"axis": 1}), ("moments", (A, (0,)), {}), ("top_k", (A, 2), {}),
]


def _np(x):
    if isinstance(x, (list, tuple)):
        return [_np(v) for v in x]
    return np.asarray(x.detach().cpu() if hasattr(x, "detach") else x)


@pytest.mark.parametrize("name, args, kwargs", CASES, ids=[c[0] for c in CASES])
def test_op_matches_keras(keras, name, args, kwargs):
    ours = getattr(ops, name)(*args, **kwargs)
    theirs = getattr(keras.ops, name)(*args, **kwargs)
    if name == "shape":
        assert ours == tuple(theirs)
        return
    for o, t in zip(*(([v] if not isinstance(v, (list, tuple)) else v)
                      for v in (ours, theirs))):
        o, t = _np(o), _np(t)
        assert o.shape == t.shape, (name, o.shape, t.shape)
        assert o.dtype == t.dtype or name in ("argmax", "argmin", "argsort", "top_k", "arange"), \
            (name, o.dtype, t.dtype)
        np.testing.assert_allclose(o.astype("float64"), t.astype("float64"), rtol=1e-5,
                                   atol=1e-6)


def test_gradients_flow_and_stop_gradient_stops_them():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    ops.sum(ops.square(x) + ops.stop_gradient(x) * 10).backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_unknown_op_lists_close_names():
    with pytest.raises(AttributeError, match=r"no op 'means'.*Closest supported: mean"):
        ops.means  # noqa: B018
    assert "matmul" in ops.SUPPORTED and "means" not in ops.SUPPORTED

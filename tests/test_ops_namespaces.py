"""The ops nnlab gained in issue 28 (``ops.tensordot`` & co, ``ops.nn``, ``ops.image``,
``ops.linalg``) against Keras 3's ``keras.ops`` (torch backend) on the same inputs."""
import numpy as np
import pytest
import torch

from nnlab import ops


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


RNG = np.random.default_rng(1)
A = RNG.normal(size=(3, 4)).astype("float32")
B = RNG.normal(size=(4, 5)).astype("float32")
SQ = (RNG.normal(size=(4, 4)) + 4 * np.eye(4)).astype("float32")
SPD = (SQ @ SQ.T).astype("float32")
IMG = RNG.uniform(size=(2, 9, 8, 3)).astype("float32")
X1D = RNG.normal(size=(2, 10, 3)).astype("float32")
K2D = RNG.normal(size=(3, 3, 3, 4)).astype("float32")
K1D = RNG.normal(size=(3, 3, 2)).astype("float32")
DW = RNG.normal(size=(3, 3, 3, 2)).astype("float32")
PW = RNG.normal(size=(1, 1, 6, 5)).astype("float32")
Q = RNG.normal(size=(2, 5, 2, 4)).astype("float32")
KV = RNG.normal(size=(2, 6, 2, 4)).astype("float32")
IDS = np.array([[0, 2], [1, 1], [3, 0]])
NUM = [
    ("tensordot", (A, B), {"axes": 1}), ("tensordot", (A, A), {"axes": ([0, 1], [0, 1])}),
    ("outer", (A[0], B[0]), {}), ("inner", (A, A), {}), ("kron", (A[:2, :2], A[:2, :2]), {}),
    ("vdot", (A[0], A[1]), {}), ("cross", (B[:, :3], np.ascontiguousarray(B[::-1, 1:4])), {}),
    ("amax", (A,), {"axis": 1}), ("amin", (A,), {}), ("ptp", (A,), {"axis": 0}),
    ("average", (A,), {"axis": 1, "weights": np.arange(1.0, 5.0, dtype="float32")}),
    ("median", (A,), {"axis": 0}), ("quantile", (A, 0.3), {"axis": 1}),
    ("percentile", (A, 75.0), {}), ("count_nonzero", (A > 0,), {"axis": 1}),
    ("diff", (A,), {}), ("trace", (SQ,), {}), ("diagonal", (SQ,), {"offset": 1}),
    ("diag", (A[0],), {}), ("tri", (3,), {}), ("ravel", (A,), {}),
    ("moveaxis", (A[None], 0, -1), {}), ("swapaxes", (A, 0, 1), {}),
    ("roll", (A, 1), {"axis": 1}), ("rot90", (A,), {}), ("fliplr", (A,), {}),
    ("append", (A, A), {"axis": 0}), ("hstack", ([A, A],), {}), ("vstack", ([A, A],), {}),
    ("array_split", (A, 3), {"axis": 1}), ("unstack", (torch.from_numpy(A),), {}),
    ("meshgrid", (A[0], B[0]), {}), ("logspace", (0.0, 2.0, 5), {}),
    ("identity", (3,), {}), ("isclose", (A, A + 1e-9), {}), ("isin", (IDS, [1, 3]), {}),
    ("searchsorted", (np.sort(A[0]), A[1]), {}), ("digitize", (A[0], [-0.5, 0.0, 0.5]), {}),
    ("bincount", (np.array([0, 1, 1, 3]),), {}), ("divide_no_nan", (A, A * (A > 0)), {}),
    ("arcsinh", (A,), {}), ("arctanh", (A / 10,), {}), ("exp2", (A,), {}),
    ("trunc", (A,), {}), ("cbrt", (A,), {}), ("hypot", (A, A), {}),
    ("logaddexp", (A, B[:3, :4]), {}), ("fmod", (A, 0.7), {}), ("signbit", (A,), {}),
    ("nanmean", (np.where(A > 1, np.nan, A),), {"axis": 1}),
    ("nansum", (np.where(A > 1, np.nan, A),), {}), ("corrcoef", (A,), {}),
    ("trapezoid", (A,), {}), ("vander", (A[0],), {}), ("unravel_index", (7, (3, 4)), {}),
    ("erfinv", (A / 10,), {}), ("copy", (A,), {}), ("heaviside", (A, 0.5), {}),
    ("array", (A,), {}), ("select", ([A > 0.5, A < -0.5], [A, -A]), {}),
    ("segment_sum", (A, np.array([0, 0, 2])), {"num_segments": 3}),
    ("segment_max", (A, np.array([0, 1, 1])), {}),
    ("scatter", (np.array([[0, 1], [2, 3]]), np.array([1.0, 2.0]), (3, 4)), {}),
    ("scatter_update", (A, np.array([[0, 1], [2, 3]]), np.array([5.0, 6.0])), {}),
    ("slice_update", (A, (1, 1), np.ones((2, 2), "float32")), {}),
    ("in_top_k", (np.array([0, 3, 1]), A, 2), {}), ("slogdet", (SQ,), {}),
]
NN = [
    ("relu6", (A * 5,), {}), ("selu", (A,), {}), ("celu", (A,), {}), ("glu", (A,), {}),
    ("softsign", (A,), {}), ("log_sigmoid", (A,), {}), ("hard_sigmoid", (A * 3,), {}),
    ("hard_silu", (A * 3,), {}), ("hard_tanh", (A * 2,), {}), ("tanh_shrink", (A,), {}),
    ("soft_shrink", (A,), {}), ("hard_shrink", (A,), {}), ("squareplus", (A,), {}),
    ("threshold", (A, 0.1, -1.0), {}), ("multi_hot", (IDS, 4), {}),
    ("normalize", (A,), {}), ("psnr", (IMG, IMG * 0.9, 1.0), {}),
    ("conv", (IMG, K2D), {}), ("conv", (IMG, K2D), {"strides": 2, "padding": "same"}),
    ("conv", (IMG, K2D), {"dilation_rate": 2}), ("conv", (X1D, K1D), {"padding": "same"}),
    ("depthwise_conv", (IMG, DW), {"padding": "same"}),
    ("separable_conv", (IMG, DW, PW), {"strides": 2, "padding": "same"}),
    ("max_pool", (IMG, 2), {}), ("max_pool", (IMG, 3), {"strides": 2, "padding": "same"}),
    ("average_pool", (IMG, 2), {"padding": "same"}),
    ("max_pool", (X1D, 2), {}),
    ("depth_to_space", (RNG.normal(size=(1, 2, 3, 8)).astype("float32"), 2), {}),
    ("space_to_depth", (IMG[:, :8], 2), {}),
    ("batch_normalization", (A, A.mean(0), A.var(0), 1), {"offset": A[0], "scale": A[1]}),
    ("dot_product_attention", (Q, KV, KV), {}),
    ("dot_product_attention", (Q, Q, Q), {"is_causal": True}),
    ("rms_normalization", (A,), {}),
]
IMAGE = [
    ("resize", (IMG, (5, 6)), {}), ("resize", (IMG, (12, 4)), {"interpolation": "nearest"}),
    ("resize", (IMG, (4, 3)), {"antialias": True}),
    ("extract_patches", (IMG[:, :8], 4), {}), ("extract_patches", (IMG, 3), {"strides": 2}),
    ("extract_patches", (IMG, (2, 3)), {"padding": "same", "strides": 2}),
    ("rgb_to_grayscale", (IMG,), {}),
    ("crop_images", (IMG, 1, 2), {"target_height": 5, "target_width": 4}),
    ("pad_images", (IMG, 1, 2), {"target_height": 12, "target_width": 11}),
]
LINALG = [("det", (SQ,), {}), ("inv", (SQ,), {}), ("solve", (SQ, B), {}),
          ("cholesky", (SPD,), {}), ("qr", (A,), {}), ("svd", (A,), {"compute_uv": False}),
          ("eigh", (SPD,), {}), ("lstsq", (B.T, A[0, :5] if False else B.T[:, 0]), {}),
          ("solve_triangular", (np.tril(SQ), B), {"lower": True}), ("pinv", (A,), {})]


def _np(x):
    if isinstance(x, (list, tuple)):
        return [_np(v) for v in x]
    return np.asarray(x.detach().cpu() if hasattr(x, "detach") else x)


def _same(name, ours, theirs, rtol=1e-4, atol=1e-5):
    ours = ours if isinstance(ours, (list, tuple)) else [ours]
    theirs = theirs if isinstance(theirs, (list, tuple)) else [theirs]
    assert len(ours) == len(theirs), name
    for o, t in zip(ours, theirs):
        o, t = _np(o), _np(t)
        assert o.shape == t.shape, (name, o.shape, t.shape)
        np.testing.assert_allclose(o.astype("float64"), t.astype("float64"), rtol=rtol,
                                   atol=atol, err_msg=name)


@pytest.mark.parametrize("name, args, kwargs", NUM, ids=[c[0] for c in NUM])
def test_numpy_op_matches_keras(keras, name, args, kwargs):
    _same(name, getattr(ops, name)(*args, **kwargs), getattr(keras.ops, name)(*args, **kwargs))


@pytest.mark.parametrize("name, args, kwargs", NN, ids=[c[0] for c in NN])
def test_nn_op_matches_keras(keras, name, args, kwargs):
    _same(name, getattr(ops.nn, name)(*args, **kwargs),
          getattr(keras.ops.nn, name)(*args, **kwargs))
    assert getattr(ops, name) is getattr(ops.nn, name)  # at the top level too, as Keras


@pytest.mark.parametrize("name, args, kwargs", IMAGE, ids=[c[0] for c in IMAGE])
def test_image_op_matches_keras(keras, name, args, kwargs):
    _same(name, getattr(ops.image, name)(*args, **kwargs),
          getattr(keras.ops.image, name)(*args, **kwargs))


@pytest.mark.parametrize("name, args, kwargs", LINALG, ids=[c[0] for c in LINALG])
def test_linalg_op_matches_keras(keras, name, args, kwargs):
    _same(name, getattr(ops.linalg, name)(*args, **kwargs),
          getattr(keras.ops.linalg, name)(*args, **kwargs), rtol=1e-3, atol=1e-4)


def test_control_flow_as_keras(keras):
    for k in (ops, keras.ops):
        assert int(k.fori_loop(0, 5, lambda i, acc: acc + i, 0)) == 10
        assert tuple(int(v) for v in k.while_loop(lambda i, s: i < 4,
                                                  lambda i, s: (i + 1, s * 2), (0, 1))) == (4, 16)
        assert float(k.cond(True, lambda: 1.0, lambda: 2.0)) == 1.0
    carry, ys = ops.scan(lambda c, x: (c + x, c * x), 0.0, torch.arange(4.0))
    kcarry, kys = keras.ops.scan(lambda c, x: (c + x, c * x), 0.0, np.arange(4.0))
    assert float(carry) == float(kcarry) and _np(ys).tolist() == _np(kys).tolist()
    assert ops.image.extract_patches(torch.ones(1, 8, 8, 3), 4).shape == (1, 2, 2, 48)
    assert ops.numpy.mean is ops.mean


def test_gradients_flow_through_new_ops():
    x = torch.tensor(IMG, requires_grad=True)
    ops.sum(ops.nn.conv(x, K2D, padding="same")).backward()
    assert x.grad is not None and x.grad.shape == x.shape


def test_same_average_pool_counts_only_the_window_inside_the_image():
    """TensorFlow's "same" average (what Keras documents; Keras' torch backend differs
    where the padding is on both sides, see docs/keras_api.md): the window at (0, 0) of a
    3x3/stride-2 pool over 9x8 images covers rows 0-1 and columns 0-2 (the top row of padding, none on the left)."""
    out = ops.nn.average_pool(IMG, 3, strides=2, padding="same")
    assert out.shape == (2, 5, 4, 3)
    np.testing.assert_allclose(_np(out)[0, 0, 0], IMG[0, 0:2, 0:3].mean(axis=(0, 1)),
                               rtol=1e-6)
    np.testing.assert_allclose(_np(out)[1, 2, 1], IMG[1, 3:6, 2:5].mean(axis=(0, 1)),
                               rtol=1e-6)

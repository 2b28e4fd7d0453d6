import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlab import losses as L

CAT, CAR, FROG = 0, 1, 2


# ----------------------------------------------------------- multiclass SVM
def test_multiclass_svm_lecture_cat_example():
    scores = torch.tensor([[3.2, 5.1, -1.7]])  # cat, car, frog
    # max(0, 5.1 - 3.2 + 1) + max(0, -1.7 - 3.2 + 1) = 2.9 + 0
    assert L.multiclass_hinge(torch.tensor([CAT]), scores).item() == pytest.approx(2.9, abs=1e-6)
    assert L.get("svm")(torch.tensor([[1, 0, 0]]), scores).item() == pytest.approx(2.9, abs=1e-6)


def test_multiclass_svm_lecture_three_images():
    scores = torch.tensor([[3.2, 1.3, 2.2], [5.1, 4.9, 2.5], [-1.7, 2.0, -3.1]]).T
    # cat 2.9, car 0, frog (2.2+3.1+1) + (2.5+3.1+1) = 12.9
    loss = L.multiclass_hinge(torch.tensor([CAT, CAR, FROG]), scores, reduction="mean")
    assert loss.item() == pytest.approx((2.9 + 0.0 + 12.9) / 3, abs=1e-5)
    per = L.MulticlassHinge(reduction="none")(torch.tensor([CAT, CAR, FROG]), scores)
    assert per.tolist() == pytest.approx([2.9, 0.0, 12.9], abs=1e-5)


def test_multiclass_svm_issue_case():
    scores = torch.tensor([[-96.8, 437.9, 61.95]], dtype=torch.float64)
    # (437.9 + 96.8 + 1) + (61.95 + 96.8 + 1) = 535.7 + 159.75
    assert L.multiclass_hinge(torch.tensor([0]), scores).item() == pytest.approx(695.45, abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=4, max_size=4), st.integers(0, 3),
       st.floats(0.0, 3.0))
def test_multiclass_svm_matches_the_sum_formula(scores, label, margin):
    expected = sum(max(0.0, s - scores[label] + margin)
                   for j, s in enumerate(scores) if j != label)
    got = L.multiclass_hinge([label], torch.tensor([scores], dtype=torch.float64), margin=margin)
    assert got.item() == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_keras_hinges_by_hand():
    y01, y_pm = torch.tensor([[0.0, 1.0]]), torch.tensor([[-1.0, 1.0]])
    s = torch.tensor([[0.3, 0.8]])
    # max(1 + 0.3, 0) = 1.3, max(1 - 0.8, 0) = 0.2
    assert L.hinge(y01, s).item() == pytest.approx(0.75)
    assert L.hinge(y_pm, s).item() == pytest.approx(0.75)
    assert L.squared_hinge(y01, s).item() == pytest.approx((1.69 + 0.04) / 2)
    # pos = 0.8, neg = max(0.3, 0.5) -> max(0.5 - 0.8 + 1, 0) = 0.7
    ch = L.categorical_hinge(torch.tensor([[0.0, 1.0, 0.0]]), torch.tensor([[0.3, 0.8, 0.5]]))
    assert ch.item() == pytest.approx(0.7)


# ------------------------------------------------------------- cross-entropy
def test_cross_entropy_by_hand_and_label_smoothing():
    p = torch.tensor([[0.7, 0.2, 0.1]])
    assert L.sparse_categorical_crossentropy([0], p).item() == pytest.approx(-math.log(0.7))
    assert L.categorical_crossentropy([[1, 0, 0]], p).item() == pytest.approx(-math.log(0.7))
    smooth = [0.8, 0.1, 0.1]  # s = 0.3, C = 3: y (1 - s) + s / C
    expected = -sum(y * math.log(q) for y, q in zip(smooth, [0.7, 0.2, 0.1]))
    cce = L.CategoricalCrossentropy(label_smoothing=0.3)
    assert cce([[1, 0, 0]], p).item() == pytest.approx(expected, rel=1e-6)
    fused = L.CategoricalCrossentropy(from_logits=True, label_smoothing=0.3)
    assert fused([[1, 0, 0]], p.log()).item() == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_cross_entropy_from_probabilities_equals_from_logits(dtype):
    z = 3 * torch.randn(64, 10, dtype=dtype)
    y = torch.randint(0, 10, (64,))
    a = L.sparse_categorical_crossentropy(y, z, from_logits=True, reduction="mean")
    b = L.sparse_categorical_crossentropy(y, z.softmax(-1), reduction="mean")
    assert abs(a.item() - b.item()) < 1e-6
    oh = F.one_hot(y, 10)
    c = L.categorical_crossentropy(oh, z, from_logits=True, reduction="mean")
    d = L.categorical_crossentropy(oh, z.softmax(-1), reduction="mean")
    assert abs(c.item() - d.item()) < 1e-6 and abs(a.item() - c.item()) < 1e-6


def test_cross_entropy_of_large_logits_is_finite():
    z = torch.tensor([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 0.0]], requires_grad=True)
    y = torch.tensor([2, 1])
    loss = L.sparse_categorical_crossentropy(y, z, from_logits=True, reduction="mean")
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(z.grad).all()
    assert loss.item() == pytest.approx(1000.0)  # (2000 + 0) / 2
    assert torch.isfinite(L.sparse_categorical_crossentropy(y, z.detach().softmax(-1),
                                                            reduction="mean"))
    assert torch.isfinite(L.binary_crossentropy([1.0, 0.0], torch.tensor([-1000.0, 1000.0]),
                                                from_logits=True, reduction="mean"))


@pytest.mark.parametrize("c", [2, 10, 1000])
def test_initial_loss_for_uniform_predictions_is_log_c(c):
    y = torch.randint(0, c, (16,))
    logits = torch.zeros(16, c)
    assert L.sparse_categorical_crossentropy(y, logits, from_logits=True,
                                             reduction="mean").item() == \
        pytest.approx(math.log(c), rel=1e-6)
    assert L.categorical_crossentropy(F.one_hot(y, c), torch.full((16, c), 1.0 / c),
                                      reduction="mean").item() == \
        pytest.approx(math.log(c), rel=1e-5)


@pytest.mark.parametrize("bad", [5, -1, 3])
def test_sparse_labels_out_of_range_name_the_loss_range_and_value(bad):
    y = torch.tensor([0, bad, 1])
    with pytest.raises(ValueError, match=rf"sparse_categorical_crossentropy.*\[0, 3\).*{bad}"):
        L.sparse_categorical_crossentropy(y, torch.zeros(3, 3))
    with pytest.raises(ValueError, match=rf"multiclass_hinge.*\[0, 3\).*{bad}"):
        L.multiclass_hinge(y, torch.zeros(3, 3))


def test_one_hot_of_the_wrong_width_is_a_clear_error():
    with pytest.raises(ValueError, match=r"categorical_crossentropy.*width C=3.*got width 4"):
        L.categorical_crossentropy(torch.zeros(2, 4), torch.zeros(2, 3))
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        L.categorical_crossentropy(torch.tensor([0, 2]), torch.zeros(2, 3))
    with pytest.raises(ValueError, match="one-hot"):
        L.sparse_categorical_crossentropy(torch.zeros(2, 3), torch.zeros(2, 3))


def test_binary_crossentropy_by_hand():
    y, p = torch.tensor([1.0, 0.0]), torch.tensor([0.9, 0.2])
    expected = -(math.log(0.9) + math.log(0.8)) / 2
    assert L.binary_crossentropy(y, p, reduction="mean").item() == pytest.approx(expected, rel=1e-6)
    assert L.binary_crossentropy(y, torch.logit(p), from_logits=True, reduction="mean").item() == \
        pytest.approx(expected, rel=1e-5)
    assert L.BinaryCrossentropy()(y, p, sample_weight=[1.0, 0.0]).item() == \
        pytest.approx(-math.log(0.9) / 2, rel=1e-6)


# ---------------------------------------------------------------- regression
def test_regression_losses_by_hand():
    y, p = torch.zeros(3), torch.tensor([0.5, 2.0, -3.0])
    assert L.get("mse")(y, p).item() == pytest.approx((0.25 + 4 + 9) / 3)
    assert L.get("mae")(y, p).item() == pytest.approx((0.5 + 2 + 3) / 3)
    assert L.huber(y, p, reduction="mean").item() == pytest.approx((0.125 + 1.5 + 2.5) / 3)
    assert L.Huber(delta=2.0)(y, p).item() == pytest.approx((0.125 + 2.0 + 4.0) / 3)
    kl = L.kl_divergence(torch.tensor([[0.5, 0.5]]), torch.tensor([[0.25, 0.75]]))
    assert kl.item() == pytest.approx(0.5 * math.log(2) + 0.5 * math.log(2 / 3), rel=1e-6)


def test_regression_losses_refuse_silent_broadcasting():
    assert L.mean_squared_error(torch.ones(4), torch.zeros(4, 1), reduction="mean").item() == 1.0
    with pytest.raises(ValueError, match=r"mean_squared_error.*\(4,\).*\(4, 2\)"):
        L.mean_squared_error(torch.ones(4), torch.zeros(4, 2))


# ---------------------------------------------------------------- embeddings
def test_triplet_and_batch_hard_triplet_by_hand():
    a, p, n = torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.5]])
    assert L.TripletLoss()(a, p, n).item() == pytest.approx(0.5, abs=1e-5)  # 1 - 1.5 + 1
    assert L.TripletLoss(margin=0.2)(a, p, n).item() == 0.0
    emb = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [0.0, 3.0]], requires_grad=True)
    labels = torch.tensor([0, 0, 1, 1])
    # hardest positive is 1 for all; hardest negatives 2, sqrt(5), 2, 3 (margin 2)
    expected = (1.0 + (3 - math.sqrt(5)) + 1.0 + 0.0) / 4
    loss = L.BatchHardTripletLoss(margin=2.0)(labels, emb)
    assert loss.item() == pytest.approx(expected, abs=1e-5)
    loss.backward()
    assert torch.isfinite(emb.grad).all()
    assert isinstance(L.get("triplet"), L.BatchHardTripletLoss)
    # an anchor without a positive in the batch is left out of the mean
    lonely = L.batch_hard_triplet(torch.tensor([0, 0, 1]), emb[:3].detach(), margin=2.0,
                                  reduction="mean")
    assert lonely.item() == pytest.approx((1.0 + 3 - math.sqrt(5)) / 2, abs=1e-5)


def test_contrastive_by_hand():
    y, d = torch.tensor([1.0, 0.0]), torch.tensor([0.5, 0.2])
    # 1 * 0.5^2 + (1 - 0) * max(1 - 0.2, 0)^2
    assert L.get("contrastive")(y, d).item() == pytest.approx((0.25 + 0.64) / 2)
    assert L.ContrastiveLoss(margin=0.1)(y, d).item() == pytest.approx(0.25 / 2)


# ------------------------------------------------------- fusion hook and get
def test_softmax_fusion_hook():
    z = torch.randn(8, 5, dtype=torch.float64)
    y = torch.randint(0, 5, (8,))
    for loss, target in [(L.get("sparse_categorical_crossentropy"), y),
                         (L.get("categorical_crossentropy"), F.one_hot(y, 5))]:
        assert loss.fusable_with_softmax
        fused = loss.from_logits_version()
        assert fused.get_config()["from_logits"] and not fused.fusable_with_softmax
        unfused = loss(target, z.softmax(-1)).item()
        assert fused(target, z).item() == pytest.approx(unfused, abs=1e-9)
        with pytest.raises(ValueError, match="no from-logits version"):
            fused.from_logits_version()
    bce = L.BinaryCrossentropy()
    assert bce.fusable_with_sigmoid and not bce.fusable_with_softmax
    assert not L.get("mse").fusable_with_softmax


def test_get_resolves_names_objects_callables_and_torch_modules():
    assert isinstance(L.get("categorical_crossentropy"), L.CategoricalCrossentropy)
    assert isinstance(L.get("CategoricalCrossentropy"), L.CategoricalCrossentropy)
    assert isinstance(L.get("MSE"), L.MeanSquaredError)
    obj = L.SparseCategoricalCrossentropy(from_logits=True)
    assert L.get(obj) is obj and L.get(None) is None
    wrapped = L.get(lambda y_true, y_pred: (y_true - y_pred).abs().mean())
    assert wrapped(torch.ones(2), torch.zeros(2)).item() == 1.0
    ce = L.get(torch.nn.CrossEntropyLoss())  # torch order (input, target) is swapped for us
    assert ce(torch.tensor([1]), torch.tensor([[0.0, 0.0]])).item() == pytest.approx(math.log(2))
    with pytest.raises(ValueError, match=r"Unknown loss 'crossentropyy'.*multiclass_hinge"):
        L.get("crossentropyy")
    with pytest.raises(TypeError, match="loss must be"):
        L.get(3)


def test_loss_objects_validate_and_round_trip_config():
    cce = L.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)
    again = L.CategoricalCrossentropy.from_config(cce.get_config())
    assert again.get_config() == cce.get_config()
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        L.CategoricalCrossentropy(label_smoothing=1.5)
    with pytest.raises(ValueError, match="reduction must be one of"):
        L.MeanSquaredError(reduction="avg")
    y, p = torch.zeros(3), torch.tensor([1.0, 2.0, 3.0])
    assert L.MeanSquaredError(reduction="sum")(y, p).item() == 14.0
    assert L.MeanSquaredError(reduction="none")(y, p).tolist() == [1.0, 4.0, 9.0]

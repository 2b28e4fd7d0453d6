import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nnlab import metrics as M


def _multiclass(n=600, c=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, c, (n,), generator=g)
    scores = torch.randn(n, c, generator=g) + 1.2 * F.one_hot(y, c)
    return y, scores


def _stream(metric, y_true, y_pred, batch=128):
    for i in range(0, len(y_pred), batch):
        metric.update_state(y_true[i:i + batch], y_pred[i:i + batch])
    return metric.result()


# ------------------------------------------------------------- accuracies
def test_accuracies_by_hand():
    b = M.BinaryAccuracy()
    b.update_state(torch.tensor([1, 0, 1, 0]), torch.tensor([[0.9], [0.6], [0.4], [0.1]]))
    assert b.result() == 0.5
    assert M.BinaryAccuracy(threshold=0.3)([1, 0, 1, 0], torch.tensor([0.9, 0.6, 0.4, 0.1])) == 0.75
    scores = torch.tensor([[0.1, 0.5, 0.4], [0.3, 0.2, 0.5], [0.6, 0.3, 0.1]])
    labels = torch.tensor([1, 1, 0])
    assert M.SparseCategoricalAccuracy()(labels, scores) == pytest.approx(2 / 3)
    assert M.CategoricalAccuracy()(F.one_hot(labels, 3), scores) == pytest.approx(2 / 3)
    # top-2 sets: {1, 2}, {2, 0}, {0, 1}
    assert M.SparseTopKCategoricalAccuracy(k=2)(labels, scores) == pytest.approx(2 / 3)
    assert M.TopKCategoricalAccuracy(k=2)(F.one_hot(labels, 3), scores) == pytest.approx(2 / 3)
    assert M.SparseTopKCategoricalAccuracy(k=3)(labels, scores) == 1.0


def test_accuracy_is_resolved_from_the_loss_like_keras():
    assert isinstance(M.get("accuracy", loss="sparse_categorical_crossentropy"),
                      M.SparseCategoricalAccuracy)
    assert isinstance(M.get("acc", loss="binary_crossentropy"), M.BinaryAccuracy)
    assert isinstance(M.get("accuracy", loss="categorical_crossentropy"), M.CategoricalAccuracy)
    assert isinstance(M.get("accuracy", loss="categorical_hinge"), M.CategoricalAccuracy)

    class LossObject:
        name = "sparse_categorical_crossentropy"

    assert isinstance(M.get("accuracy", loss=LossObject()), M.SparseCategoricalAccuracy)
    assert M.get("acc", loss="binary_crossentropy").name == "acc"
    from nnlab.losses import BinaryCrossentropy
    on_logits = M.get("accuracy", loss=BinaryCrossentropy(from_logits=True))
    assert on_logits.get_config()["threshold"] == 0.0
    assert on_logits(torch.tensor([1.0, 0.0]), torch.tensor([0.3, -0.2])) == 1.0


@pytest.mark.parametrize("y_true, y_pred, expected", [
    (torch.tensor([1.0, 0.0]), torch.tensor([[0.8], [0.7]]), 0.5),              # binary
    (torch.tensor([2, 0]), torch.tensor([[0.1, 0.2, 0.7], [0.5, 0.4, 0.1]]), 1.0),  # sparse
    (torch.tensor([[0, 1.0], [1.0, 0]]), torch.tensor([[0.3, 0.7], [0.1, 0.9]]), 0.5),  # one-hot
])
def test_accuracy_without_a_loss_is_decided_by_shapes(y_true, y_pred, expected):
    acc = M.get("accuracy")
    assert acc.name == "accuracy"
    assert acc(y_true, y_pred) == pytest.approx(expected)


# ------------------------------------------------- precision, recall, F1
def test_binary_precision_recall_f1_by_hand():
    y, p = [1, 0, 1, 1], torch.tensor([0.8, 0.7, 0.2, 0.9])  # tp 2, fp 1, fn 1
    assert M.Precision()(y, p) == pytest.approx(2 / 3)
    assert M.Recall()(y, p) == pytest.approx(2 / 3)
    assert M.F1Score()(y, p) == pytest.approx(2 / 3)
    assert M.Precision(threshold=0.75)(y, p) == pytest.approx(1.0)   # only 0.8, 0.9 -> tp 2
    assert M.Recall(threshold=0.75)(y, p) == pytest.approx(2 / 3)


@pytest.mark.parametrize("average", ["macro", "micro", "weighted", None])
def test_multiclass_scores_match_sklearn(average):
    from sklearn.metrics import f1_score, precision_score, recall_score
    y, s = _multiclass()
    pred = s.argmax(1).numpy()
    for ours, theirs in [(M.F1Score, f1_score), (M.MulticlassPrecision, precision_score),
                         (M.MulticlassRecall, recall_score)]:
        got = _stream(ours(average=average), y, s)
        np.testing.assert_allclose(got, theirs(y.numpy(), pred, average=average), atol=1e-12)


# ------------------------------------------------------- confusion and AUC
def test_confusion_matrix_equals_sklearn():
    from sklearn.metrics import confusion_matrix
    y, s = _multiclass(c=5)
    cm = M.ConfusionMatrix(num_classes=5)
    got = _stream(cm, y, s)
    assert got.dtype == np.int64 and got.shape == (5, 5)
    np.testing.assert_array_equal(got, confusion_matrix(y.numpy(), s.argmax(1).numpy()))
    one_hot = M.get("confusion_matrix")
    np.testing.assert_array_equal(_stream(one_hot, F.one_hot(y, 5), s), got)
    labels = M.ConfusionMatrix(5)
    labels.update_state(y, s.argmax(1))  # integer predictions
    np.testing.assert_array_equal(labels.result(), got)


def test_confusion_matrix_reports_out_of_range_labels():
    cm = M.ConfusionMatrix(4)
    cm.update_state(torch.tensor([0, 7, 1]), torch.tensor([0, 1, 1]))
    with pytest.raises(ValueError, match=r"confusion_matrix: 1 labels were outside \[0, 4\).*7"):
        cm.result()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auc_is_within_0_01_of_sklearn(seed):
    from sklearn.metrics import roc_auc_score
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (3000,), generator=g).float()
    p = torch.sigmoid(torch.randn(3000, generator=g) * 1.5 + (seed + 0.5) * (2 * y - 1))
    expected = roc_auc_score(y.numpy(), p.numpy())
    assert abs(_stream(M.AUC(), y, p, batch=500) - expected) < 0.01
    assert abs(_stream(M.AUC(from_logits=True), y, torch.logit(p)) - expected) < 0.01


def test_auc_extremes():
    y = torch.tensor([0.0, 0.0, 1.0, 1.0])
    assert M.AUC()(y, torch.tensor([0.1, 0.2, 0.8, 0.9])) == pytest.approx(1.0)
    assert M.AUC()(y, torch.tensor([0.9, 0.8, 0.2, 0.1])) == pytest.approx(0.0)
    assert M.AUC()(y, torch.full((4,), 0.5)) == pytest.approx(0.5)


# ------------------------------------------------------ means and protocol
def test_regression_metrics_and_mean_by_hand():
    mse = M.get("mse")
    mse.update_state(torch.tensor([1.0, 2.0]), torch.tensor([[0.0], [0.0]]))
    assert mse.result() == 2.5 and mse.name == "mse"
    assert M.MeanAbsoluteError()(torch.tensor([1.0, -3.0]), torch.zeros(2)) == 2.0
    mean = M.Mean(name="loss")
    mean.update_state(torch.tensor(2.0), sample_weight=3)  # batch of 3 with mean loss 2
    mean.update_state(torch.tensor(4.0), sample_weight=1)
    assert mean.result() == 2.5
    mean.reset_state()
    assert mean.result() == 0.0


def test_update_state_never_syncs_with_the_host():
    """On the meta device any .item()/.tolist() would raise: update_state must not read."""
    y, s = _multiclass(n=16, c=3)
    meta = {"y": y.to("meta"), "s": s.to("meta"), "yb": (y % 2).float().to("meta"),
            "pb": torch.rand(16).to("meta")}
    cases = [(M.get("accuracy"), "y", "s"), (M.SparseTopKCategoricalAccuracy(2), "y", "s"),
             (M.F1Score(), "y", "s"), (M.Precision(), "yb", "pb"), (M.Recall(), "y", "s"),
             (M.ConfusionMatrix(3), "y", "s"), (M.AUC(), "yb", "pb"),
             (M.BinaryAccuracy(), "yb", "pb"), (M.MeanSquaredError(), "pb", "pb")]
    for metric, yt, yp in cases:
        metric.update_state(meta[yt], meta[yp])
        metric.update_state(meta[yt], meta[yp])
        with pytest.raises((RuntimeError, NotImplementedError)):
            metric.result()  # the one place that reads back
    M.Mean().update_state(meta["pb"])


def test_reset_state_and_sample_weight():
    acc = M.SparseCategoricalAccuracy()
    scores = torch.tensor([[0.9, 0.1], [0.2, 0.8]])
    acc.update_state(torch.tensor([0, 0]), scores, sample_weight=torch.tensor([3.0, 1.0]))
    assert acc.result() == pytest.approx(0.75)
    acc.reset_state()
    acc.update_state(torch.tensor([1, 1]), scores)
    assert acc.result() == pytest.approx(0.5)


def test_get_resolution_and_errors():
    assert isinstance(M.get("f1"), M.F1Score) and M.get("f1").name == "f1"
    assert isinstance(M.get("AUC"), M.AUC)
    metric = M.Precision()
    assert M.get(metric) is metric and isinstance(M.get(M.Recall), M.Recall)
    custom = M.get(lambda y_true, y_pred: (y_true - y_pred).abs())
    assert custom(torch.tensor([1.0, 3.0]), torch.zeros(2)) == 2.0
    with pytest.raises(ValueError, match=r"Unknown metric 'acuracy'.*accuracy"):
        M.get("acuracy")
    with pytest.raises(TypeError, match="metric must be"):
        M.get(1.5)
    with pytest.raises(ValueError, match="average must be"):
        M.F1Score(average="samples")
    with pytest.raises(ValueError, match="k must be >= 1"):
        M.TopKCategoricalAccuracy(k=0)


# ------------------------------------------- Keras semantics (issue 8, defect 7)
def test_precision_recall_threshold_each_element_like_keras():
    keras = pytest.importorskip("keras")
    g = torch.Generator().manual_seed(3)
    probs = torch.softmax(torch.randn(64, 5, generator=g) * 2, -1)
    y = F.one_hot(torch.randint(0, 5, (64,), generator=g), 5).float()
    w = torch.rand(64, generator=g)
    cases = [dict(), dict(thresholds=0.3), dict(class_id=2), dict(top_k=2)]
    for ours_cls, keras_cls in [(M.Precision, keras.metrics.Precision),
                                (M.Recall, keras.metrics.Recall)]:
        for kwargs in cases:
            ours, theirs = ours_cls(**kwargs), keras_cls(**kwargs)
            for i in range(0, 64, 16):
                ours.update_state(y[i:i + 16], probs[i:i + 16], sample_weight=w[i:i + 16])
                theirs.update_state(y[i:i + 16].numpy(), probs[i:i + 16].numpy(),
                                    sample_weight=w[i:i + 16].numpy())
            assert ours.result() == pytest.approx(float(theirs.result()), abs=1e-6), kwargs
    sparse = M.Recall()  # integer labels for (batch, C) scores are one-hot encoded
    sparse.update_state(y.argmax(-1), probs)
    dense = M.Recall()
    dense.update_state(y, probs)
    assert sparse.result() == dense.result()
    assert isinstance(M.get("multiclass_recall"), M.MulticlassRecall)


def test_categorical_accuracy_takes_boolean_one_hot_targets():
    keras = pytest.importorskip("keras")
    y, s = _multiclass(n=40, c=3)
    one_hot = F.one_hot(y, 3).bool()
    for ours, theirs in [(M.CategoricalAccuracy(), keras.metrics.CategoricalAccuracy()),
                         (M.TopKCategoricalAccuracy(k=2),
                          keras.metrics.TopKCategoricalAccuracy(k=2))]:
        ours.update_state(one_hot, s)
        theirs.update_state(one_hot.numpy(), s.numpy())
        assert ours.result() == pytest.approx(float(theirs.result()), abs=1e-6)
    acc = M.get("accuracy")
    acc.update_state(one_hot, s)
    assert acc.result() == pytest.approx((s.argmax(1) == y).float().mean().item())

import pytest

from nnlab.compress.dsd import DSD

from .conftest import mlp


def test_dense_sparse_dense_phases(digits):
    (x, y), (xt, yt) = digits
    m = mlp()
    cb = DSD(0.7, dense_epochs=2, sparse_epochs=2, redense_lr_factor=0.1)
    m.fit(x, y, epochs=6, batch_size=64, verbose=0, callbacks=[cb])
    phases = [p for _, p, _ in cb.phases]
    assert phases == ["dense"] * 2 + ["sparse"] * 2 + ["re-dense"] * 2
    sparsity = [s for _, _, s in cb.phases]
    assert max(sparsity[:2]) < 0.05
    assert sparsity[2] == pytest.approx(0.7, abs=0.01) and sparsity[3] == pytest.approx(0.7, abs=0.01)
    assert sparsity[5] < 0.1                                  # pruned weights regrew
    assert not hasattr(m.layers[0], "kernel_mask")
    assert m.compiled.optimizer.param_groups[0]["lr"] == pytest.approx(0.001)
    assert m.evaluate(xt, yt, verbose=0)[1] > 0.85


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"sparsity must be a number in \[0, 1\)"):
        DSD(1.0, 1, 1)
    with pytest.raises(ValueError, match="sparse_epochs must be an int >= 1"):
        DSD(0.5, 1, 0)

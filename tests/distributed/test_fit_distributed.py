"""fit(..., distributed=True): DDP with per-rank sharding, all-reduced logs, rank-0
progress and checkpoints, resume. The ``ranks`` fixture (conftest.py) is one 2-process
gloo launch serving every check."""
import numpy as np
import pytest

from nnlab.distributed.fit import shard_indices

from . import _workers


def test_two_ranks_batch_64_equal_one_process_batch_128(ranks):
    results, _ = ranks
    single = _workers.train_single(128, 20)
    for r in results:
        for a, b, c in zip(r["weights"], single, r["dataset_weights"]):
            np.testing.assert_allclose(a, b, atol=1e-5)
            np.testing.assert_allclose(c, b, atol=1e-5)              # Dataset input too
        assert r["ddp_cleared"]
    assert results[0]["loss"] == results[1]["loss"]           # all-reduced epoch logs
    assert "loss" in results[0]["printed"] and results[1]["printed"] == ""  # rank-0 progress


def test_resume_under_ddp_equals_uninterrupted_run(ranks):
    results, ckpt = ranks
    import os
    assert os.path.exists(os.path.join(ckpt, "last.ckpt"))
    assert results[0]["resumed_epochs"] == [0, 1, 2, 3]     # rank 0 restores the History
    assert results[1]["resumed_epochs"] == [2, 3]           # the others train epochs 2-3 too
    for r in results:
        for a, b in zip(r["resumed"], r["uninterrupted"]):
            np.testing.assert_allclose(a, b, atol=1e-6)
    for a, b in zip(results[0]["resumed"], results[1]["resumed"]):
        np.testing.assert_array_equal(a, b)
    assert results[0]["uninterrupted_acc"] == results[1]["uninterrupted_acc"]


def test_ranks_with_different_data_sizes_are_refused(ranks):
    results, _ = ranks
    for r in results:
        assert "ranks hold different data sizes [128, 192]" in r["unequal"]
        assert r["unequal_untouched"]


def test_distributed_outside_launch_says_how_to_launch():
    m = _workers._model(0)
    x, y = _workers.data(128)
    w0 = m.layers[0].kernel.detach().clone()
    with pytest.raises(RuntimeError, match=r"fit\(distributed=True\) needs a torch.distributed "
                                           r"process group, and there is none: start the script "
                                           r"with `torchrun --nproc_per_node=N.*launch"):
        m.fit(x, y, epochs=1, batch_size=64, verbose=0, distributed=True)
    assert (m.layers[0].kernel.detach() == w0).all()


def test_shard_indices_cut_each_global_batch_into_equal_slices():
    # 11 samples, 2 ranks, batch 2: global batches [0..3], [4..7], [8, 9]; sample 10 dropped
    assert shard_indices(11, 2, 0, 2).tolist() == [0, 1, 4, 5, 8]
    assert shard_indices(11, 2, 1, 2).tolist() == [2, 3, 6, 7, 9]

import numpy as np
import pytest

from nnlab.distributed import DataParallel, launch

from . import _workers


def test_two_processes_batch_64_equal_one_process_batch_128(ranks):
    single = _workers.train_single(128, 20)
    for refused, weights in (r["data_parallel"] for r in ranks[0]):
        assert "ranks hold different data sizes [128, 192]" in refused
        for a, b in zip(weights, single):
            np.testing.assert_allclose(a, b, atol=1e-5)
    assert not np.allclose(single[0], _workers._model(0).layers[0].kernel.detach().numpy())


def test_outside_a_launch_context_says_how_to_launch():
    m = _workers._model(0)
    x, y = _workers.data(128)
    w0 = m.layers[0].kernel.detach().clone()
    with pytest.raises(RuntimeError, match=r"needs a torch.distributed process group, and there "
                                           r"is none: start the script with `torchrun "
                                           r"--nproc_per_node=N.*nnlab.distributed.launch"):
        m.fit(x, y, epochs=1, batch_size=64, verbose=0, callbacks=[DataParallel()])
    assert (m.layers[0].kernel.detach() == w0).all()
    with pytest.raises(ValueError, match="nprocs must be a positive int"):
        launch(_workers.unequal_data, nprocs=0)

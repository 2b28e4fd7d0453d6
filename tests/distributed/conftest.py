import pytest

from nnlab.distributed import launch

from . import _workers


@pytest.fixture(scope="session")
def ranks(tmp_path_factory):
    """``(per-rank results of _workers.all_checks, checkpoint dir)`` from ONE 2-process launch."""
    ckpt = str(tmp_path_factory.mktemp("ddp_ckpt"))
    return launch(_workers.all_checks, nprocs=2, args=(ckpt,)), ckpt

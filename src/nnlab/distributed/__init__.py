"""Data-parallel training over torch.distributed: ``launch(train_fn, nprocs=N)`` for
notebooks/tests, ``init_from_env()`` under torchrun, ``DataParallel()`` callback and
``shard`` for ``fit``, and ``fit(distributed=True)`` (:mod:`.fit`, registered with the
trainer when this package is imported). See ``docs/efficient.md``."""
from .data_parallel import DataParallel, shard
from .fit import DistributedFit, prepare_fit
from .launch import (HOW_TO_LAUNCH, WorkerFailed, in_launch_context, init_from_env, launch,
                     require_launch_context)

__all__ = ["DataParallel", "DistributedFit", "HOW_TO_LAUNCH", "WorkerFailed", "in_launch_context",
           "init_from_env", "launch", "prepare_fit", "require_launch_context", "shard"]

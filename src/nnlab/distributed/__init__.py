"""Data-parallel training over torch.distributed: ``launch(train_fn, nprocs=N)`` for
notebooks/tests, ``init_from_env()`` under torchrun, ``DataParallel()`` callback and
``shard`` for ``fit``. See ``docs/efficient.md``."""
from .data_parallel import DataParallel, shard
from .launch import HOW_TO_LAUNCH, in_launch_context, init_from_env, launch, require_launch_context

__all__ = ["DataParallel", "HOW_TO_LAUNCH", "in_launch_context", "init_from_env", "launch",
           "require_launch_context", "shard"]

"""The worker script of tests/distributed/test_elastic.py, started by torchrun:

    torchrun --nproc-per-node=2 --max-restarts=1 --standalone \\
        tests/distributed/elastic_script.py CKPT_DIR OUT.npz KILL_STEP

The fit of :mod:`_preempt_workers` (2 ranks, 3 epochs of 10 steps, shuffling, dropout,
a per-step schedule) with ``checkpoint_dir`` and ``checkpoint_every=4``. On the first
attempt rank 1 SIGKILLs itself after its step KILL_STEP (0: never); torchrun then ends
rank 0 and starts the group again, which resumes from the last checkpoint. Rank 0
writes its final weights, History and the attempt number to OUT.npz.
"""
import json
import os
import sys

import numpy as np

if __name__ == "__main__":
    import torch.distributed as dist

    from nnlab.distributed import init_from_env
    from tests.distributed._preempt_workers import run

    ckpt, out, kill_step = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rank, world = init_from_env("gloo")
    attempt = int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0"))
    triggers = [(1, "kill", kill_step)] if kill_step and attempt == 0 else []
    weights, history, steps, code = run(rank, ckpt, triggers, checkpoint_every=4)
    if rank == 0:
        np.savez(out, *weights, attempt=attempt, steps=steps,
                 history=json.dumps(history))
    dist.barrier()  # every rank done before any tears the group down
    dist.destroy_process_group()

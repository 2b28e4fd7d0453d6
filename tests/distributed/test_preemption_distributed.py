"""Preemption under ``fit(distributed=True, checkpoint_dir=...)`` (issue 27): a SIGTERM
to one rank, or to every rank at different steps (what ``torchrun`` does with the
launcher's SIGTERM), stops all ranks at the same step; rank 0 writes ONE checkpoint
holding every rank's state while the others wait; the resumed 2-process run ends
bit-identical (weights and History) to an uninterrupted one
(:mod:`nnlab.distributed.preemption`). One 2-process gloo launch runs every case."""
import pytest
import numpy as np

from nnlab.distributed import launch

from . import _preempt_workers as workers

CASES = [
    ([(1, "step", 14)], None),                      # one rank, mid-epoch 2
    ([(0, "step", 5), (1, "step", 7)], None),       # both ranks, at different steps
    ([(1, "epoch_end", 0)], None),                  # during epoch 1's callbacks
    ([(0, "step", 23)], 4),                         # with checkpoint_every=4 as well
    ([(0, "crash", 17), (1, "crash", 17)], 4),      # the job dies: the step-16 checkpoint
]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("ddp_preempt"))
    return launch(workers.scenarios, nprocs=2, args=(folder, CASES))


def _equal(a, b, what):
    for i, (u, v) in enumerate(zip(a, b)):
        np.testing.assert_array_equal(u, v, err_msg=f"{what}: tensor {i}")


@pytest.mark.parametrize("case, stopped_at, partial", [
    (0, 15, (1, 5)),   # rank 1 signalled after step 14: every rank agrees at step 15
    (1, 6, (0, 6)),    # rank 0 after 5 (rank 1's signal at 7 never comes)
    (2, 10, None),     # after epoch 1's checkpoint
    (3, 24, (2, 4)),   # after step 23 -> agreed at 24 (epoch 3, step 4)
    (4, 17, (1, 4)),   # nothing saved at the crash: checkpoint_every's epoch 2, step 4
])
def test_all_ranks_stop_at_one_step_and_resume_bit_identically(results, case, stopped_at,
                                                               partial):
    ref_weights, ref_history, ref_steps, _ = results[0]["reference"]
    assert ref_steps == 10 * workers.EPOCHS
    for rank, r in enumerate(results):
        steps, code = r[case]["stopped"]
        assert code == ("crash" if case == 4 else 0), (rank, code)
        assert steps == stopped_at, (rank, steps)
        weights, history, _, code = r[case]["resumed"]
        assert code is None
        _equal(weights, ref_weights, f"rank {rank}, case {case}")
    saved = results[0][case]["saved"]
    assert saved["partial"] == partial and saved["ranks"] == 2
    assert saved["iterations"] == (14 if case == 4 else stopped_at)
    assert results[0][case]["resumed"][1] == ref_history  # rank 0's whole History
    assert ref_history["learning_rate"] == [0.05, 0.05, 0.025]  # halved after epoch 2


def test_a_damaged_checkpoint_is_the_same_clear_error_on_every_rank(results):
    for rank, r in enumerate(results):
        kind, message = r["damaged"]
        assert kind == "ConfigError", (rank, kind, message)
        assert "Cannot read the resume checkpoint" in message and "last.ckpt" in message

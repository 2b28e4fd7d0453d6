"""The epoch trackers: LossTracker (built-in step) and StepLogs (a model's train_step)."""
import math

import numpy as np
import torch

from nnlab.training.loss_tracker import LossTracker, StepLogs


def test_loss_tracker_weights_by_batch_size_and_finds_the_first_nonfinite_step():
    tracker = LossTracker()
    for loss, n in ((1.0, 32), (2.0, 32), (4.0, 16)):
        tracker.add(torch.tensor(loss), n)
    assert tracker.mean() == (32 + 64 + 64) / 80 and tracker.samples == 80
    assert tracker.first_nonfinite() is None
    tracker.add(torch.tensor(math.inf), 8)
    tracker.add(torch.tensor(math.nan), 8)
    assert tracker.first_nonfinite() == 3


def test_step_logs_keep_the_last_logs_and_read_every_log_ending_in_loss():
    logs = StepLogs()
    logs.add({"d_loss": torch.tensor(0.5), "g_loss": 1.0, "acc": math.nan}, 16)
    logs.add({"d_loss": torch.tensor(0.4), "inner": {"g_loss": np.float32(0.9)},
              "image": torch.full((2, 2), math.nan)}, 16)  # not a loss; not a scalar
    assert logs.first_nonfinite() is None  # a NaN accuracy is not the guard's business
    logs.add({"d_loss": torch.tensor(0.3), "inner": {"g_loss": torch.tensor(math.inf)}}, 8)
    logs.add({"d_loss": torch.tensor(math.nan)}, 8)
    assert logs.first_nonfinite() == 2 and logs.first_nonfinite() == 2
    assert logs.samples == 48 and set(logs.last) == {"d_loss"}


def test_step_logs_leave_a_step_that_returned_no_dict_to_the_logs_check():
    logs = StepLogs()
    logs.add(1.0, 4)  # train_step must return a dict: pythonify_logs says so, not the guard
    assert logs.first_nonfinite() is None and logs.last == 1.0

"""SIGKILL a process while it saves a model: the previous file stays loadable and whole,
and the killed write's temporary file is removed by the next save into that folder."""
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

import nnlab
from nnlab.layers import Dense
from nnlab.utils.io import is_temporary

SAVER = """
import sys
sys.path[:0] = {path!r}
import torch, nnlab
from nnlab.layers import Dense
model = nnlab.Sequential([Dense(2000, input_shape=(2000,))])   # 16 MB of weights
print("ready", flush=True)
k = 0
while True:
    k += 1
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(float(k))
    model.save({target!r})
"""


def _kill_mid_save(target):
    proc = subprocess.Popen([sys.executable, "-c", SAVER.format(path=sys.path,
                                                                target=str(target))],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    folder = os.path.dirname(target)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        # kill once a temporary exists *and* the target already has an earlier version
        if os.path.exists(target) and any(is_temporary(n) for n in os.listdir(folder)):
            break
        time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return [n for n in os.listdir(folder) if is_temporary(n)]


def _check_whole(target):
    model = nnlab.load_model(target)  # header, shapes and SHA-256 all verified
    values = torch.cat([p.detach().flatten() for p in model.parameters()])
    assert bool((values == values[0]).all())  # one complete version, not a mix
    return float(values[0])


@pytest.mark.parametrize("kills", [3])
def test_kill_during_save_keeps_the_previous_file(tmp_path, kills):
    target = tmp_path / "model.nnlab"
    versions = []
    for _ in range(kills):
        left = _kill_mid_save(target)
        assert len(left) <= 1  # the new save removed the earlier killed one's temporary
        versions.append(_check_whole(target))
    assert versions == sorted(versions) and versions[0] >= 1
    nnlab.Sequential([Dense(1, input_shape=(1,))]).save(tmp_path / "other.nnlab")
    assert sorted(os.listdir(tmp_path)) == ["model.nnlab", "other.nnlab"]

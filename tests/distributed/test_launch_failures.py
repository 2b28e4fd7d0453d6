"""``nnlab.distributed.launch`` when a worker dies (issue 27): the parent notices within
seconds, stops the other workers and raises ``WorkerFailed`` naming the rank, its exit
code or signal and (for an exception) its traceback -- it never waits for ever.

One subprocess (with a timeout: a launch that hangs fails the test instead of hanging
the suite) runs three 2-process gloo launches (``_launch_failures.py``): rank 1 is
SIGKILLed while rank 0 computes (before: the launch waited for ever), exits with
``os._exit(3)`` and raises ``ValueError`` while rank 0 waits in an ``all_reduce``
(before: the error named rank 0, whose gloo call failed in turn, and said nothing of
rank 1), and returns a value that does not pickle (its pickling error is reported)."""
import glob
import json
import os
import subprocess
import sys

import pytest

from nnlab.distributed import WorkerFailed, launch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASES = ("sigkill", "exit", "exception", "unpicklable")


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("launch_failures")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT] + sys.path),
               OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-m", "tests.distributed._launch_failures",
                           str(folder), *CASES], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = {}
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            out = json.loads(line)
            found[out["case"]] = out
    assert sorted(found) == sorted(CASES), proc.stdout + proc.stderr[-3000:]
    return found, str(folder)


@pytest.mark.parametrize("case, cause", [
    ("sigkill", r"rank 1 of 2 was killed by signal SIGKILL \(9\) \(died without a traceback\)"),
    ("exit", r"rank 1 of 2 exited with code 3 \(died without a traceback\)"),
    ("exception", r"rank 1 of 2 exited with code 1 \(raised an exception\)"),
    ("unpicklable", r"rank 1 of 2 exited with code 1 \(raised an exception\)"),
])
def test_a_dead_worker_ends_the_launch_naming_it(outcomes, case, cause):
    import re
    found, folder = outcomes
    out = found[case]
    assert out["error"] == "WorkerFailed", out
    assert re.match("launch: " + cause + "; the other workers were stopped", out["message"])
    assert out["seconds"] < 15, out  # within seconds of the death (loose: a loaded machine)
    if case == "exception":
        assert "Rank 1's traceback:" in out["message"]
        assert "ValueError: rank 1 found bad data" in out["message"]
        assert "Then rank 0" in out["message"]  # its gloo error comes after, as a consequence
    elif case == "unpicklable":  # its return value could not be sent: the pickle error
        assert "conn.send((True, result))" in out["message"]
        assert "pickle" in out["message"].lower()
    else:
        assert "os._exit" in out["message"] and "Traceback" not in out["message"]
    for pid_file in glob.glob(os.path.join(folder, case + ".time.rank*.pid")):
        with open(pid_file) as f:
            pid = int(f.read())
        with pytest.raises(ProcessLookupError):  # no worker outlives the launch
            os.kill(pid, 0)


def test_worker_failed_is_a_runtime_error():
    assert issubclass(WorkerFailed, RuntimeError)
    with pytest.raises(ValueError, match="nprocs must be a positive int"):
        launch(print, nprocs=0)

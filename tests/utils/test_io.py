"""Atomic writes: killed writers' temporary files are recognisable and cleaned up."""
import os
import subprocess
import sys

import pytest

import nnlab
from nnlab.errors import ConfigError
from nnlab.layers import Dense
from nnlab.utils.io import atomic_write, is_temporary, stale_temporaries

_KILLED_WRITER = """
import os, sys
sys.path.insert(0, {src!r})
from nnlab.utils.io import atomic_write
def write(tmp):
    with open(tmp, "wb") as f:
        f.write(b"x" * 100000)
    os.kill(os.getpid(), 9)   # SIGKILL mid-save: no cleanup can run
atomic_write({path!r}, write)
"""


def _killed_save(path):
    src = os.path.join(os.path.dirname(nnlab.__file__), "..")
    proc = subprocess.run([sys.executable, "-c", _KILLED_WRITER.format(src=src, path=str(path))])
    assert proc.returncode == -9


def test_killed_save_leaves_a_recognisable_temporary_that_the_next_save_removes(tmp_path):
    """Defect 4: temporary files of killed saves piled up (7 GB after 30 kills)."""
    target = tmp_path / "m.nnlab"
    for _ in range(2):  # each killed save first removes the one killed before it
        _killed_save(target)
        left = os.listdir(tmp_path)
        assert len(left) == 1 and is_temporary(left[0])
        assert os.path.getsize(tmp_path / left[0] / "m.nnlab") == 100000
    assert not target.exists()
    assert sorted(stale_temporaries(str(tmp_path))) == sorted(str(tmp_path / n) for n in left)
    nnlab.Sequential([Dense(2, input_shape=(3,))]).save(target)
    assert os.listdir(tmp_path) == ["m.nnlab"]


def test_live_writers_temporaries_are_left_alone(tmp_path):
    """A temporary of a running process (here: this test's parent pid) is not stale."""
    live = tmp_path / f".other.nnlab-tmp.{os.getppid()}.0123abcd"
    live.write_bytes(b"in progress")
    mine = tmp_path / f".mine.nnlab-tmp.{os.getpid()}.0123abcd"
    mine.write_bytes(b"in progress")
    atomic_write(str(tmp_path / "f.bin"), lambda tmp: open(tmp, "wb").write(b"ok"))
    assert sorted(os.listdir(tmp_path)) == sorted(["f.bin", live.name, mine.name])


def test_temporary_of_a_reused_pid_is_stale(tmp_path):
    """pid reuse: a file older than the process now holding its pid is stale."""
    old = tmp_path / ".m.nnlab.nnlab-tmp.1.0123abcd"
    old.write_bytes(b"x")
    os.utime(old, (0, 0))  # written in 1970, long before pid 1 started
    assert stale_temporaries(str(tmp_path)) == [str(old)]


def test_load_model_refuses_a_temporary_file(tmp_path):
    model = nnlab.Sequential([Dense(2, input_shape=(3,))])
    tmp = tmp_path / ".m.nnlab.nnlab-tmp.12345.0123abcd"
    model.save(tmp_path / "m.nnlab")
    tmp.write_bytes((tmp_path / "m.nnlab").read_bytes())
    with pytest.raises(ConfigError, match="temporary file of an unfinished"):
        nnlab.load_model(tmp)


def test_failed_write_removes_its_temporary_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "f.bin"
    target.write_bytes(b"old")

    def boom(tmp):
        open(tmp, "wb").write(b"half")
        raise OSError("disk full")
    with pytest.raises(OSError, match="disk full"):
        atomic_write(str(target), boom)
    assert os.listdir(tmp_path) == ["f.bin"] and target.read_bytes() == b"old"


def test_files_a_writer_creates_beside_its_output_stay_in_the_private_folder(tmp_path):
    """safetensors writes through its own .tmpXXXXXX file next to the path it is given."""
    def writer(tmp):
        open(os.path.join(os.path.dirname(tmp), ".tmpABCDEF"), "wb").write(b"x")
        open(tmp, "wb").write(b"data")
    atomic_write(str(tmp_path / "f.bin"), writer)
    assert os.listdir(tmp_path) == ["f.bin"]

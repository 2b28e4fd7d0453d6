"""The scripts in examples/ run as written (slow: they train on real data)."""
import os
import re
import subprocess
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(f for f in os.listdir(EXAMPLES) if f.endswith(".py")))
def test_example_runs(script, tmp_path):
    proc = subprocess.run([sys.executable, os.path.join(EXAMPLES, script)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_readme_maps_every_example_to_a_lecture_topic():
    """The README's lecture-topic table names every script in examples/, and only those."""
    readme = open(os.path.join(EXAMPLES, "..", "README.md"), encoding="utf-8").read()
    table = readme.split("## The lectures' topics, as runnable scripts", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`examples/([\w]+\.py)`", table))
    on_disk = {f for f in os.listdir(EXAMPLES) if f.endswith(".py")}
    assert on_disk - named == set(), f"examples missing from the README table: {on_disk - named}"
    assert named - on_disk == set(), f"README names scripts that do not exist: {named - on_disk}"

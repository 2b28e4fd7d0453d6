import json
import os

import pytest

from nnlab.experiments import Comparison, judge, run_experiment


def test_clear_effect_held_and_files_written(synthetic, tmp_path):
    synthetic(name="synthetic-held", offset=1.0)
    res = run_experiment("synthetic-held", quick=True, out=str(tmp_path), verbose=False)
    assert res.verdict == "held" and res.seeds == 3
    assert len(res.metrics["a"]["score"]) == 3
    for ext in ("png", "md", "csv", "json"):
        assert os.path.getsize(tmp_path / f"synthetic-held.{ext}") > 0
    with open(tmp_path / "synthetic-held.png", "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    data = json.loads((tmp_path / "synthetic-held.json").read_text())
    assert data["verdict"] == "held" and data["comparisons"][0]["effect"] == pytest.approx(
        res.comparisons[0]["effect"])
    md = (tmp_path / "synthetic-held.md").read_text()
    assert "| a |" in md and "**held**" in md and "±" in md
    csv_lines = (tmp_path / "synthetic-held.csv").read_text().splitlines()
    assert csv_lines[0] == "arm,metric,mean,sd,n,values" and csv_lines[1].startswith("a,score,")


def test_effect_within_noise_is_inconclusive_never_held(synthetic):
    synthetic(name="synthetic-noise", offset=0.01, noise=0.5)
    assert run_experiment("synthetic-noise", quick=True, verbose=False).verdict == "inconclusive"


def test_opposite_direction_did_not_hold(synthetic):
    synthetic(name="synthetic-opp", offset=-1.0)
    assert run_experiment("synthetic-opp", quick=True, verbose=False).verdict == "did not hold"


def test_one_seed_has_no_spread_so_inconclusive(synthetic):
    synthetic(name="synthetic-one", offset=1.0)
    assert run_experiment("synthetic-one", seeds=1, verbose=False).verdict == "inconclusive"


def test_judge_min_effect_equality_and_pairing():
    comp = Comparison("a", "b", "s", min_effect=0.5)
    assert judge(comp, [0.3, 0.31, 0.29], [0.0, 0.01, -0.01])["verdict"] == "inconclusive"
    eq = Comparison("a", "b", "s", equal_within=0.05)
    assert judge(eq, [0.90, 0.91, 0.92], [0.90, 0.91, 0.915])["verdict"] == "held"
    assert judge(eq, [0.90, 0.91, 0.92], [0.50, 0.51, 0.52])["verdict"] == "did not hold"
    # the same numbers: unpaired the subset-to-subset spread hides the effect, paired it does not
    better, worse = [0.80, 0.90, 0.70], [0.78, 0.88, 0.68]
    assert judge(Comparison("a", "b", "s"), better, worse)["verdict"] == "inconclusive"
    assert judge(Comparison("a", "b", "s", paired=True), better, worse)["verdict"] == "held"
    lower = Comparison("a", "b", "s", higher_is_better=False)
    assert judge(lower, [0.1, 0.11, 0.12], [1.0, 1.1, 1.2])["verdict"] == "held"


@pytest.mark.parametrize("seeds", [0, -2, 1.5, True])
def test_bad_seeds_rejected_before_running(synthetic, seeds):
    synthetic(name="synthetic-seeds")
    with pytest.raises(ValueError, match="seeds must be an integer >= 1"):
        run_experiment("synthetic-seeds", seeds=seeds, verbose=False)


def test_unwritable_out_dir_rejected_before_running(synthetic, tmp_path):
    calls = []
    exp = synthetic(name="synthetic-out")
    inner = exp.run
    exp.run = lambda *a: calls.append(a) or inner(*a)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ValueError, match="cannot be written"):
        run_experiment("synthetic-out", out=str(blocker / "sub"), verbose=False)
    assert calls == []

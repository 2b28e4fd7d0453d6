from nnlab.cli import main


def test_list_shows_studies(capsys):
    assert main(["experiment", "list"]) == 0
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) >= 20 and "permuted-pixels" in out


def test_run_prints_verdict_and_writes(synthetic, tmp_path, capsys):
    synthetic(name="synthetic-cli")
    assert main(["experiment", "run", "synthetic-cli", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "claim held" in out and (tmp_path / "synthetic-cli.png").exists()


def test_unknown_name_lists_known(capsys):
    assert main(["experiment", "run", "no-such-study"]) == 2
    err = capsys.readouterr().err
    assert "unknown experiment 'no-such-study'" in err and "batchnorm" in err


def test_missing_name_and_bad_seeds_and_out(synthetic, tmp_path, capsys):
    assert main(["experiment", "run"]) == 2
    assert "name a study" in capsys.readouterr().err
    synthetic(name="synthetic-cli2")
    assert main(["experiment", "run", "synthetic-cli2", "--seeds", "0"]) == 2
    assert "seeds must be an integer >= 1, got 0" in capsys.readouterr().err
    blocker = tmp_path / "f"
    blocker.write_text("x")
    assert main(["experiment", "run", "synthetic-cli2", "--out", str(blocker / "d")]) == 2
    assert "cannot be written" in capsys.readouterr().err

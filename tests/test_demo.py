"""`make demo` on the bundled digits: the lecture CNN >= 97%, the dense net >= 95%."""
from nnlab.demo import run_demo


def test_demo_on_digits_reaches_lecture_accuracy(tmp_path, capsys):
    acc = run_demo(out=str(tmp_path), source="digits", verbose=0)
    out = capsys.readouterr().out
    assert acc["cnn"] >= 0.97 and acc["dense"] >= 0.95
    assert "Total params: 61,482" in out and "Confusion matrix" in out
    assert (tmp_path / "cnn_training_curves.png").stat().st_size > 1000

"""plot_attention writes a PNG only where asked and checks the weights' shape."""
import numpy as np
import pytest

from nnlab.text.plots import plot_attention


def test_plot_attention_writes_png(tmp_path):
    pytest.importorskip("matplotlib")
    w = np.random.default_rng(0).dirichlet(np.ones(6), size=4)
    path = plot_attention(w, list("3 mars"), list("03") + ["<eos>"], str(tmp_path / "a.png"))
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match=r"at least \(3, 7\) entries, got shape \(4, 6\)"):
        plot_attention(w, list("3 mars!"), ["a", "b", "c"], str(tmp_path / "b.png"))

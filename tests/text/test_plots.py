"""plot_attention and plot_bpc_curve write a PNG only where asked and check their input."""
import numpy as np
import pytest

from nnlab.text.plots import plot_attention, plot_bpc_curve


def test_plot_attention_writes_png(tmp_path):
    pytest.importorskip("matplotlib")
    w = np.random.default_rng(0).dirichlet(np.ones(6), size=4)
    path = plot_attention(w, list("3 mars"), list("03") + ["<eos>"], str(tmp_path / "a.png"))
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match=r"at least \(3, 7\) entries, got shape \(4, 6\)"):
        plot_attention(w, list("3 mars!"), ["a", "b", "c"], str(tmp_path / "b.png"))


def test_plot_bpc_curve_writes_png(tmp_path):
    pytest.importorskip("matplotlib")
    curve = [{"cpu_s": 30.0 * i, "wall_s": 90.0 * i, "val_bpc": 3.0 - 0.1 * i}
             for i in range(1, 6)]
    path = plot_bpc_curve(curve, str(tmp_path / "c.png"), goal=2.0)
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match=r"cpu_s, wall_s and val_bpc, got 1 points missing "
                                         r"\['wall_s'\]"):
        plot_bpc_curve([{"cpu_s": 1.0, "val_bpc": 3.0}], str(tmp_path / "d.png"))

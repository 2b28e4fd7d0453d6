"""plot_model: a text diagram always, a PNG through matplotlib (no graphviz)."""
import pytest

import nnlab
from nnlab.layers import Concatenate, Dense, Input
from nnlab.utils import plot_model


def test_sequential_text_and_png(tmp_path):
    model = nnlab.Sequential([Dense(4, input_shape=(3,), activation="relu", name="hidden"),
                              Dense(2, name="out")])
    path = tmp_path / "model.png"
    diagram = plot_model(model, to_file=str(path), show_shapes=True, show_layer_names=True,
                         show_layer_activations=True)
    assert diagram.splitlines() == [
        "input (InputLayer) | output: (None, 3)", "  |", "  v",
        "hidden (Dense) | activation: relu | output: (None, 4)", "  |", "  v",
        "out (Dense) | activation: linear | output: (None, 2)"]
    assert diagram.path == str(path) and 2_000 < path.stat().st_size < 150_000
    assert diagram._repr_png_()[:4] == b"\x89PNG"


def test_functional_graph_shows_skip_connections():
    a = Input((3,), name="x")
    b = Dense(4, name="b")(a)
    c = Dense(4, name="c")(b)
    model = nnlab.Model(a, Concatenate(name="cat")([b, c]))
    text = plot_model(model, to_file=None, show_layer_names=True)
    assert "(also from: b)" in text and text.endswith("cat (Concatenate)")


def test_bad_arguments_are_explained(tmp_path):
    model = nnlab.Sequential([Dense(2)])
    with pytest.raises(ValueError, match="not built yet"):
        plot_model(model, to_file=None)
    with pytest.raises(ValueError, match="must end in .png, .pdf or .svg"):
        plot_model(model, to_file=str(tmp_path / "m.jpg"))
    with pytest.raises(ValueError, match="rankdir must be 'TB' or 'LR'"):
        plot_model(model, rankdir="BT")

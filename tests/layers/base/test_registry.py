"""The layer-class registry never lets a name change hands silently
(layers/base/registry.py)."""
import pytest
import torch

import nnlab
from nnlab.layers import Layer
from nnlab.layers.base.registry import LAYER_CLASSES


def test_a_class_named_like_a_builtin_works_but_saving_it_is_refused(tmp_path):
    class Dense(nnlab.layers.Dense):  # a keras-io program's own class, nnlab's name
        pass

    assert LAYER_CLASSES["Dense"] is nnlab.layers.Dense  # the builtin keeps its name
    model = nnlab.Sequential([Dense(3, input_shape=(4,))])
    assert model(torch.randn(2, 4)).shape == (2, 3)  # the program runs as written
    path = tmp_path / "m.nnlab"
    with pytest.raises(ValueError, match=r"'Dense' .* cannot be saved under that name: "
                                         r"nnlab\.layers\.core\.Dense is registered.*"
                                         r"namespace='my_pkg'.*override=True"):
        model.save(path)
    assert not path.exists()  # refused before touching the disk


def _scale_one():
    class Scale(Layer):
        def call(self, inputs):
            return inputs
    return Scale


def _scale_two():
    class Scale(Layer):  # another class (other qualified name) of the same name
        def call(self, inputs):
            return 2 * inputs
    return Scale


def test_a_second_user_class_of_one_name_does_not_replace_the_first():
    first = _scale_one()
    second = _scale_two()
    assert LAYER_CLASSES["Scale"] is first
    with pytest.raises(ValueError, match=r"'Scale' .*_scale_two.*cannot be saved.*"
                                         r"_scale_one.* is registered"):
        nnlab.Sequential([second(input_shape=(2,))]).to_json()
    nnlab.Sequential([first(input_shape=(2,))]).to_json()  # the holder saves fine


def _define_twice():
    """The same definition run again (a notebook cell re-run) replaces silently."""
    classes = []
    for _ in range(2):
        class Rerun(Layer):
            def call(self, inputs):
                return inputs
        classes.append(Rerun)
    return classes


def test_defining_the_same_class_again_replaces_it():
    first, second = _define_twice()
    assert first is not second and LAYER_CLASSES["Rerun"] is second
    nnlab.Sequential([second(input_shape=(2,))]).to_json()


def test_namespace_registers_and_round_trips_through_save(tmp_path):
    class Dense(nnlab.layers.Dense, namespace="my_pkg"):
        """A user's Dense beside nnlab's, saved as 'my_pkg>Dense'."""

    assert LAYER_CLASSES["my_pkg>Dense"] is Dense
    assert LAYER_CLASSES["Dense"] is nnlab.layers.Dense
    model = nnlab.Sequential([Dense(3, input_shape=(4,)), nnlab.layers.Dense(2)])
    path = tmp_path / "m.nnlab"
    model.save(path)
    back = nnlab.load_model(path)
    assert type(back.layers[0]) is Dense and type(back.layers[1]) is nnlab.layers.Dense
    x = torch.randn(5, 4)
    torch.testing.assert_close(back(x), model(x))


def test_override_takes_the_name_on_purpose():
    class Flatten(Layer, override=True):
        pass
    try:
        assert LAYER_CLASSES["Flatten"] is Flatten
    finally:
        LAYER_CLASSES["Flatten"] = nnlab.layers.Flatten


def test_bad_namespaces_and_builtin_twins_are_refused():
    with pytest.raises(ValueError, match="namespace must be a non-empty string without '>'"):
        class Bad(Layer, namespace="a>b"):
            pass
    with pytest.raises(ValueError, match="two nnlab layer classes are named 'Dense'"):
        type("Dense", (Layer,), {"__module__": "nnlab.fake"})


def test_unregistered_helper_classes_stay_out_and_save_as_their_parent():
    class Helper(nnlab.layers.Dense, register=False):
        pass
    assert "Helper" not in LAYER_CLASSES and Helper._registered_name == "Dense"

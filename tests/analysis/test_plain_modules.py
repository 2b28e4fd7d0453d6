"""Every analysis takes a plain ``torch.nn.Module`` (DESIGN.md: any nn.Module is a layer),
in its own layout (issue 26, break 5)."""
import pytest
import torch
from torch import nn

from nnlab.analysis import activation_memory, count_macs, count_params, profile


class Plain(nn.Module):
    """conv(3->8, 3x3) + BN + ReLU + global pool + Linear(8->5), channels first."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
        self.head = nn.Linear(8, 5)
        self.scale = nn.Parameter(torch.ones(5))        # a weight the module owns itself

    def forward(self, x):
        return self.head(self.features(x).mean((2, 3))) * self.scale


def test_count_params_of_a_plain_module_per_leaf_and_in_total():
    report = count_params(Plain())
    assert [(r.name, r.class_name, r.trainable, r.non_trainable) for r in report.rows] == [
        ("features.0", "Conv2d", 3 * 3 * 3 * 8 + 8, 0), ("features.1", "BatchNorm2d", 16, 16),
        ("head", "Linear", 8 * 5 + 5, 0), ("(model)", "Plain", 5, 0)]
    assert report.trainable == 224 + 16 + 45 + 5 and report.non_trainable == 16
    assert report.total == sum(p.numel() for p in Plain().parameters()) + 16


def test_macs_memory_and_profile_of_a_plain_module_in_its_own_layout():
    net = Plain()
    # traced by torch's FlopCounterMode: conv 8x8 outputs * 8 filters * 27 taps + linear 8*5
    assert count_macs(net, input_shape=(3, 10, 10)) == 8 * 8 * 8 * 27 + 8 * 5
    assert activation_memory(net, input_shape=(3, 10, 10)).rows[-1].output_shape == (None, 5)
    assert 'Profile of "plain"' in profile(net, input_shape=(3, 10, 10))


def test_a_plain_module_without_an_input_shape_is_told_to_give_one():
    with pytest.raises(ValueError, match=r"has no known input shape; pass input_shape"):
        count_macs(Plain())
    with pytest.raises(TypeError, match=r"expected an nnlab model/layer or a torch.nn.Module, "
                                        r"got str"):
        count_macs("resnet")


def test_receptive_field_refuses_convolutions_hidden_in_code_instead_of_saying_1x1():
    import nnlab
    from nnlab import layers as L
    from nnlab.analysis import receptive_field

    class Hidden(nnlab.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.conv = L.Conv2D(4, 5)

        def call(self, x):
            return self.conv(x)

    model = Hidden()
    model(torch.zeros(1, 8, 8, 3))
    with pytest.raises(ValueError, match=r"layer 'hidden.*' \(Hidden\) computes in code with 1 "
                                         r"convolution/pooling layer\(s\) inside \(e.g. Conv2D\)"):
        receptive_field(model)
    with pytest.raises(ValueError, match=r"\(Plain\) computes in code with 1 convolution"):
        receptive_field(Plain(), input_shape=(3, 10, 10))
    assert profile(Plain(), input_shape=(3, 10, 10)).splitlines()[5].rstrip().endswith("-")

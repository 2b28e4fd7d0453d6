import torch
import nnlab
from nnlab.layers import Conv2D
from nnlab.zoo.common import DropPathJoin
from nnlab.zoo.fractalnet import fractal_block

from tests.zoo.zoo_helpers import forward_backward, headless_shape, meta_build, trainable


def test_fractal_expansion_rule():
    x = nnlab.Input((16, 16, 8))
    y = fractal_block(x, 8, columns=3, name="f")
    model = nnlab.Model(x, y)
    convs = [layer.name for layer in model.layers if isinstance(layer, Conv2D)]
    # columns hold 1, 2, 4 convs: 2^C - 1 = 7 in all
    assert sorted(convs) == sorted(["f_col1_conv1", "f_col2_conv1", "f_col2_conv2",
                                    "f_col3_conv1", "f_col3_conv2", "f_col3_conv3",
                                    "f_col3_conv4"])
    joins = [layer for layer in model.layers if isinstance(layer, DropPathJoin)]
    # one join after column 3's second conv (columns 2 and 3), one at the end (all three)
    assert len(joins) == 2 and y.shape == (None, 16, 16, 8)
    assert len(model.get_layer("f_join1")._inbound_nodes[0].input_tensors) == 2
    assert len(model.get_layer("f_join2")._inbound_nodes[0].input_tensors) == 3


def test_fractalnet_count_and_depth():
    model = meta_build("fractalnet")
    assert model.name == "fractalnet20"
    assert sum(isinstance(layer, Conv2D) for layer in model.layers) == 5 * 7
    assert trainable(model) == 33_734_922
    assert meta_build("fractalnet", columns=4).name == "fractalnet40"


def test_drop_path_join_train_and_test():
    join = DropPathJoin(0.5)
    a, b, c = torch.full((1, 2), 1.0), torch.full((1, 2), 2.0), torch.full((1, 2), 6.0)
    assert torch.equal(join([a, b, c], training=False), torch.full((1, 2), 3.0))
    seen = {join([a, b, c], training=True)[0, 0].item() for _ in range(200)}
    assert 3.0 in seen and len(seen) > 2          # some paths dropped, mean of survivors
    assert seen <= {1.0, 2.0, 6.0, 1.5, 3.5, 4.0, 3.0}   # never all dropped


def test_fractalnet_forward_backward():
    forward_backward("fractalnet", (32, 32, 3), filters=(16, 16, 32, 32, 32))
    assert headless_shape("fractalnet") == (None, 512)

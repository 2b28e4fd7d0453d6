"""The adversarial examples' MNIST nets: Wong et al.'s, the lectures' CNN and MLP, and
cleverhans' black-box oracle -- shapes, parameter counts, compile switch, smoothed loss."""
import math

import numpy as np
import pytest
import torch

from nnlab.adversarial import (cleverhans_mnist_cnn, lecture_mnist_cnn, lecture_mnist_mlp,
                               wong_mnist_cnn)
from nnlab.adversarial.models import sparse_crossentropy_smoothed

NETS = [  # factory, parameters counted by hand
    (wong_mnist_cnn, 166_406),        # 16*16+16 + 32*16*16+32 + 1568*100+100 + 100*10+10
    (lecture_mnist_cnn, 1_199_882),   # 32*9+32 + 64*32*9+64 + 9216*128+128 + 128*10+10
    (lecture_mnist_mlp, 669_706),     # 784*512+512 + 512*512+512 + 512*10+10
    # 64*64+64 + 128*6*6*64+128 + 128*5*5*128+128 + 128*10+10 (the convs leave 1x1x128)
    (cleverhans_mnist_cnn, 710_218)]


@pytest.mark.parametrize("factory,params", NETS, ids=[f.__name__ for f, _ in NETS])
def test_shape_parameters_and_compile(factory, params):
    model = factory()
    assert model.count_params() == params
    probs = model.predict(np.random.default_rng(0).random((3, 28, 28, 1), np.float32))
    assert probs.shape == (3, 10)
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
    assert model.compiled is not None
    assert factory(compile=False).compiled is None


def test_smoothed_sparse_crossentropy_known_answer():
    # p_y = 0.9, the other nine 0.1 / 9: target 0.91 on y, 0.01 elsewhere.
    probs = torch.full((2, 10), 0.1 / 9)
    probs[0, 3] = probs[1, 7] = 0.9
    want = -(0.91 * math.log(0.9) + 9 * 0.01 * math.log(0.1 / 9))
    got = sparse_crossentropy_smoothed(torch.tensor([3, 7]), probs)
    torch.testing.assert_close(got, torch.tensor([want, want]))

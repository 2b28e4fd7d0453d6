"""wong_mnist_cnn: Wong et al.'s MNIST net, the one the adversarial examples train."""
import numpy as np

from nnlab.adversarial import wong_mnist_cnn


def test_shape_parameters_and_compile():
    model = wong_mnist_cnn()
    # 16*16+16 + 32*16*16+32 + 1568*100+100 + 100*10+10
    assert model.count_params() == 166_406
    probs = model.predict(np.random.default_rng(0).random((3, 28, 28, 1), np.float32))
    assert probs.shape == (3, 10)
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
    assert model.compiled is not None
    assert wong_mnist_cnn(compile=False).compiled is None


def test_lecture_oracles_shapes_and_parameters():
    from nnlab.adversarial import lecture_mnist_cnn, lecture_mnist_mlp
    x = np.random.default_rng(1).random((2, 28, 28, 1), np.float32)
    cnn, mlp = lecture_mnist_cnn(), lecture_mnist_mlp(compile=False)
    # 32*9+32 + 64*32*9+64 + 9216*128+128 + 128*10+10
    assert cnn.count_params() == 1_199_882
    # 784*512+512 + 512*512+512 + 512*10+10
    assert mlp.count_params() == 669_706
    for m in (cnn, mlp):
        p = m.predict(x)
        assert p.shape == (2, 10)
        np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-5)
    assert mlp.compiled is None and cnn.compiled is not None


def test_cleverhans_oracle_shapes_parameters_and_smoothed_loss():
    import math

    import torch

    from nnlab.adversarial import cleverhans_mnist_cnn
    from nnlab.adversarial.models import sparse_crossentropy_smoothed
    model = cleverhans_mnist_cnn()
    # 64*64+64 + 128*6*6*64+128 + 128*5*5*128+128 + 128*10+10 (the convs leave 1x1x128)
    assert model.count_params() == 710_218
    p = model.predict(np.random.default_rng(2).random((3, 28, 28, 1), np.float32))
    assert p.shape == (3, 10)
    np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-5)
    assert cleverhans_mnist_cnn(compile=False).compiled is None
    # p_y = 0.9, the other nine 0.1 / 9: target 0.91 on y, 0.01 elsewhere.
    probs = torch.full((2, 10), 0.1 / 9)
    probs[0, 3] = probs[1, 7] = 0.9
    want = -(0.91 * math.log(0.9) + 9 * 0.01 * math.log(0.1 / 9))
    got = sparse_crossentropy_smoothed(torch.tensor([3, 7]), probs)
    torch.testing.assert_close(got, torch.tensor([want, want]))

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

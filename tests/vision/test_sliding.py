"""fully_convolutional: one pass over a large image equals classifying every crop."""
import pytest
import torch

from nnlab import Sequential, layers
from nnlab.vision import fully_convolutional


def classifier():
    torch.manual_seed(0)
    m = Sequential([layers.Input((28, 28, 1)),
                    layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(2),
                    layers.Conv2D(6, 3, activation="relu"), layers.MaxPooling2D(2),
                    layers.Flatten(), layers.Dense(16, activation="relu"),
                    layers.Dropout(0.5), layers.Dense(10, activation="softmax")])
    return m.eval()


def test_sliding_windows_equal_cropping():
    model = classifier()
    fcn = fully_convolutional(model).eval()
    image = torch.rand(2, 44, 52, 1)
    with torch.no_grad():
        dense = fcn(image)
        assert dense.shape == (2, 5, 7, 10)   # (44-28)/4+1, (52-28)/4+1; stride 4
        for i in range(dense.shape[1]):
            for j in range(dense.shape[2]):
                crop = image[:, 4 * i:4 * i + 28, 4 * j:4 * j + 28]
                torch.testing.assert_close(dense[:, i, j], model(crop), atol=1e-5, rtol=0)


def test_unconvertible_heads():
    m = Sequential([layers.Input((8, 8, 1)), layers.Conv2D(2, 3), layers.Flatten(),
                    layers.BatchNormalization(), layers.Dense(3)])
    with pytest.raises(ValueError, match=r"\(BatchNormalization\) after Flatten has no "
                                         r"convolutional equivalent"):
        fully_convolutional(m)
    g = Sequential([layers.Input((8, 8, 1)), layers.Conv2D(2, 3),
                    layers.GlobalAveragePooling2D(), layers.Flatten(), layers.Dense(3)])
    with pytest.raises(ValueError, match="pools over the whole image"):
        fully_convolutional(g)
    with pytest.raises(ValueError, match="no Flatten layer"):
        fully_convolutional(Sequential([layers.Input((4,)), layers.Dense(2)]))
    with pytest.raises(TypeError, match="expected an nnlab Sequential"):
        fully_convolutional(torch.nn.Linear(2, 2))

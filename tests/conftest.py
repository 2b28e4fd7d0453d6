import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import pytest  # noqa: E402
import torch  # noqa: E402

import nnlab  # noqa: E402


def pytest_collection_modifyitems(config, items):
    """``@pytest.mark.gpu`` tests run where torch sees a CUDA device, else skip."""
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device (torch.cuda.is_available() is False)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _seed_and_format():
    """Every test starts seeded, in channels_last, with torch's default threads."""
    nnlab.set_seed(0)
    nnlab.set_image_data_format("channels_last")
    yield
    nnlab.set_image_data_format("channels_last")


@pytest.fixture
def tiny_threads():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)

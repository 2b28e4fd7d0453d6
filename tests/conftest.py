import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import pytest  # noqa: E402
import torch  # noqa: E402

import nnlab  # noqa: E402


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

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
    """Every test starts seeded, in channels_last, with torch's default threads, and
    trains its conv nets in channels_last memory without measuring: the "auto" choice
    times both formats, so on a loaded machine two fits a test compares (a run and its
    resumed twin) could train in different formats and differ by float rounding. The
    memory-format tests set "auto" themselves (NNLAB_TEST_CONV_FORMAT=auto runs the whole
    suite measuring)."""
    nnlab.set_seed(0)
    nnlab.set_image_data_format("channels_last")
    nnlab.config.set_conv_memory_format(os.environ.get("NNLAB_TEST_CONV_FORMAT", "channels_last"))
    yield
    nnlab.set_image_data_format("channels_last")
    nnlab.config.set_conv_memory_format("channels_last")


@pytest.fixture
def tiny_threads():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)

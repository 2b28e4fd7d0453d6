import os

import pytest


@pytest.fixture(scope="module")
def keras():
    """Keras 3 on the torch backend: the dev-only oracle for parity tests."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")

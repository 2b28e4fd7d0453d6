"""The import paths lecture code uses (``keras.X`` -> ``nnlab.X``) and a light ``import nnlab``."""
import subprocess
import sys


def test_keras_style_import_paths():
    from nnlab.callbacks import EarlyStopping, History, ModelCheckpoint  # noqa: F401
    from nnlab.layers import LSTM, Conv2D, Dense, Input  # noqa: F401
    from nnlab.losses import CategoricalCrossentropy  # noqa: F401
    from nnlab.metrics import AUC, Precision  # noqa: F401
    from nnlab.optimizers import SGD, Adam  # noqa: F401
    from nnlab.schedules import ExponentialDecay  # noqa: F401
    import nnlab
    # the public name IS the implementation (no shim module in between)
    assert nnlab.callbacks.EarlyStopping.__module__ == "nnlab.callbacks.early_stopping"
    assert "EarlyStopping" in nnlab.callbacks.__all__ and "os" not in nnlab.callbacks.__all__


def test_import_nnlab_stays_light():
    code = ("import sys, nnlab; heavy = [m for m in ('matplotlib', 'sklearn', 'keras', "
            "'tensorboard', 'nnlab.zoo', 'nnlab.data') if m in sys.modules]; print(heavy); "
            # every public subpackage is an attribute, loaded on first use
            "z = nnlab.zoo; print(z is sys.modules['nnlab.zoo'], nnlab.analysis.__name__, "
            "nnlab.applications.__name__, nnlab.datasets.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[0].strip() == "[]"
    assert out[1].split() == ["True", "nnlab.analysis", "nnlab.applications", "nnlab.datasets"]


def test_unknown_attribute_is_still_an_attribute_error():
    import pytest

    import nnlab
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        nnlab.nonexistent  # noqa: B018
    assert "zoo" in dir(nnlab)

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
    from nnlab.training import callbacks
    assert nnlab.callbacks.EarlyStopping is callbacks.EarlyStopping
    assert "EarlyStopping" in nnlab.callbacks.__all__ and "os" not in nnlab.callbacks.__all__


def test_import_nnlab_stays_light():
    code = ("import sys, nnlab; heavy = [m for m in ('matplotlib', 'sklearn', 'keras', "
            "'tensorboard') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_every_public_subpackage_is_an_attribute_after_import_nnlab():
    code = ("import sys, nnlab; print('nnlab.zoo' in sys.modules); z = nnlab.zoo; "
            "print(z is sys.modules['nnlab.zoo'], nnlab.analysis.__name__, nnlab.data.__name__, "
            "nnlab.diagnostics.__name__, nnlab.models.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "True", "nnlab.analysis", "nnlab.data", "nnlab.diagnostics",
                   "nnlab.models"]


def test_unknown_attribute_is_still_an_attribute_error():
    import pytest

    import nnlab
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        nnlab.nonexistent  # noqa: B018
    assert "zoo" in dir(nnlab)

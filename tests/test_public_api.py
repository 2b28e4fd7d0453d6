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

"""profile(): one table per layer with totals."""
import time

import nnlab
from nnlab.analysis import human_bytes, human_count, profile
from nnlab.layers import Conv2D, Dense, Flatten, MaxPooling2D, ReLU


def test_table_rows_and_totals():
    model = nnlab.Sequential([Conv2D(4, 3, input_shape=(8, 8, 1), name="p_conv"), ReLU(),
                              MaxPooling2D(2, name="p_pool"), Flatten(), Dense(3, name="p_fc")],
                             name="tiny")
    text = profile(model)
    lines = text.splitlines()
    assert lines[0].startswith('Profile of "tiny"')
    header = next(line for line in lines if line.startswith("Layer (type)"))
    for column in ("Output Shape", "Param #", "MACs", "Memory", "RF"):
        assert column in header
    conv = next(line for line in lines if line.startswith("p_conv (Conv2D)"))
    assert "(None, 6, 6, 4)" in conv and "40" in conv and "1.30 K" in conv and "3x3" in conv
    pool = next(line for line in lines if line.startswith("p_pool"))
    assert pool.rstrip().endswith("4x4")
    relu = next(line for line in lines if "(ReLU)" in line)
    assert " - " in relu  # in place: no new memory
    assert "Total params: 151" in text  # 40 + 3*3*4*3 + 3
    assert "Total MACs: 1,404 (1.40 KMACs" in text  # 6*6*4*9 + 36*3
    assert "forward + backward" in text


def test_vgg16_profile_is_instant(vgg16_local):
    start = time.perf_counter()
    text = profile(vgg16_local)
    assert time.perf_counter() - start < 2.0
    assert "Total params: 138,357,544" in text
    assert "(15.47 GMACs" in text
    assert "60.95 MB forward" in text


def test_human_units():
    assert human_count(15_470_264_320) == "15.47 G"
    assert human_count(999) == "999"
    assert human_bytes(60_950_432) == "60.95 MB"
    assert human_bytes(12) == "12 B"

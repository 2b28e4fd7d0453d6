"""utils.naming: Keras' automatic layer names and the session scope clear_session resets."""
from nnlab.utils import clear_session
from nnlab.utils.naming import reserve_name, reset, to_snake_case, unique_name


def test_snake_case_as_keras():
    assert [to_snake_case(n) for n in ("Dense", "MaxPooling2D", "GRU", "LSTMCell")] == \
        ["dense", "max_pooling2d", "gru", "lstm_cell"]


def test_counts_per_base_and_skips_reserved_names():
    reset()
    assert [unique_name("naming_probe") for _ in range(2)] == ["naming_probe",
                                                              "naming_probe_1"]
    reserve_name("naming_probe_2")
    assert unique_name("naming_probe") == "naming_probe_3"


def test_clear_session_resets_the_scope():
    unique_name("naming_probe")
    reserve_name("naming_other")
    clear_session()
    assert unique_name("naming_probe") == "naming_probe"
    assert unique_name("naming_other") == "naming_other"

import os
import pickle

import pytest
import torch

import nnlab
from nnlab.errors import ConfigError
from nnlab.layers import Dense, Dropout, add


def _dense_model():
    return nnlab.Sequential([Dense(16, input_shape=(8,), activation="relu",
                                   kernel_regularizer="l2"),
                             Dropout(0.2), Dense(3, activation="softmax")])


def test_sequential_save_load_bit_for_bit(tmp_path):
    model = _dense_model()
    model.eval()
    path = tmp_path / "m.nnlab"
    model.save(path)
    loaded = nnlab.load_model(path)
    loaded.eval()
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # a normal file, not mkstemp's 0600
    x = torch.randn(5, 8)
    assert torch.equal(model(x), loaded(x))
    assert loaded.count_params() == model.count_params()
    assert [type(layer).__name__ for layer in loaded.layers] == ["Dense", "Dropout", "Dense"]
    assert loaded.layers[0].get_config()["kernel_regularizer"] == "l2"


def test_functional_save_load_with_shared_layer(tmp_path):
    a, b = nnlab.Input(shape=(4,), name="a"), nnlab.Input(shape=(4,), name="b")
    shared = Dense(3, name="shared")
    model = nnlab.Model([a, b], [add([shared(a), shared(b)]), Dense(2)(a)])
    model.save(tmp_path / "f.nnlab")
    loaded = nnlab.load_model(tmp_path / "f.nnlab")
    xs = [torch.randn(2, 4), torch.randn(2, 4)]
    for p, q in zip(model(xs), loaded(xs)):
        assert torch.equal(p, q)
    assert loaded.count_params() == model.count_params()


def test_save_weights_load_weights_and_foreign_architecture(tmp_path):
    model = _dense_model()
    model.save_weights(tmp_path / "w.safetensors")
    other = _dense_model()
    other.load_weights(tmp_path / "w.safetensors")
    for p, q in zip(model.parameters(), other.parameters()):
        assert torch.equal(p, q)
    wrong = nnlab.Sequential([Dense(4, input_shape=(8,)), Dense(3)])
    before = [p.clone() for p in wrong.parameters()]
    with pytest.raises(ConfigError, match=r"another architecture.*file \[\(16, 8\).*model \[\(4, 8\)"):
        wrong.load_weights(tmp_path / "w.safetensors")
    assert all(torch.equal(p, q) for p, q in zip(before, wrong.parameters()))


def test_truncated_file_is_refused(tmp_path):
    path = tmp_path / "m.nnlab"
    _dense_model().save(path)
    data = path.read_bytes()
    (tmp_path / "cut.nnlab").write_bytes(data[: len(data) // 2])
    with pytest.raises(ConfigError, match="truncated"):
        nnlab.load_model(tmp_path / "cut.nnlab")
    (tmp_path / "tiny.nnlab").write_bytes(data[:5])
    with pytest.raises(ConfigError, match="not an nnlab file"):
        nnlab.load_model(tmp_path / "tiny.nnlab")


class _Boom:
    def __reduce__(self):
        return (os.system, ("touch /tmp/nnlab_pwned",))


def test_pickle_file_is_refused_without_executing(tmp_path):
    path = tmp_path / "evil.nnlab"
    path.write_bytes(pickle.dumps(_Boom()))
    if os.path.exists("/tmp/nnlab_pwned"):
        os.remove("/tmp/nnlab_pwned")
    with pytest.raises(ConfigError, match="not an nnlab"):
        nnlab.load_model(path)
    assert not os.path.exists("/tmp/nnlab_pwned")


def test_weights_file_is_not_a_model_file(tmp_path):
    _dense_model().save_weights(tmp_path / "w.safetensors")
    with pytest.raises(ConfigError, match="weights only"):
        nnlab.load_model(tmp_path / "w.safetensors")


def test_unknown_layer_class_in_config_is_refused(tmp_path):
    from safetensors.torch import save_file
    config = '{"class_name": "os.system", "config": {}}'
    save_file({"x": torch.zeros(1)}, str(tmp_path / "x.nnlab"),
              metadata={"format": "nnlab-model", "config": config})
    with pytest.raises(ConfigError, match="Unknown layer class 'os.system'"):
        nnlab.load_model(tmp_path / "x.nnlab")


def test_failed_save_leaves_existing_file_untouched(tmp_path):
    path = tmp_path / "m.nnlab"
    _dense_model().save(path)
    before = path.read_bytes()
    bad = nnlab.Sequential([nnlab.layers.Lambda(lambda t: t * 2, input_shape=(3,))])
    with pytest.raises(Exception):
        bad.save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.nnlab"]


def test_layer_config_round_trip():
    layer = Dense(7, activation="relu", kernel_initializer="he_normal", name="d")
    config = layer.get_config()
    assert config["units"] == 7 and config["activation"] == "relu"
    clone = Dense.from_config(config)
    assert clone.get_config() == config


def test_batchnorm_and_lstm_models_round_trip_bit_for_bit(tmp_path):
    from nnlab.layers import LSTM, BatchNormalization, Conv2D, Flatten
    seq = nnlab.Sequential([Conv2D(4, 3, input_shape=(8, 8, 2)), BatchNormalization(),
                            Flatten(), Dense(3)])
    seq.train()
    seq(torch.randn(16, 8, 8, 2))  # move batch norm's moving statistics off their init
    seq.eval()
    seq.save(tmp_path / "seq.nnlab")
    x = torch.randn(4, 8, 8, 2)
    assert torch.equal(seq(x), nnlab.load_model(tmp_path / "seq.nnlab").eval()(x))

    inp = nnlab.Input(shape=(5, 3))
    seq_out, h, c = LSTM(6, return_sequences=True, return_state=True)(inp)
    y = Dense(2)(BatchNormalization()(LSTM(4)(seq_out)))
    model = nnlab.Model(inp, [y, h])
    model.train()
    model(torch.randn(8, 5, 3))
    model.eval()
    model.save(tmp_path / "f.nnlab")
    loaded = nnlab.load_model(tmp_path / "f.nnlab").eval()
    xs = torch.randn(3, 5, 3)
    for a, b in zip(model(xs), loaded(xs)):
        assert torch.equal(a, b)


# ---------------------------------------------------------------- crafted/malformed files
def _crafted(path, config, tensors=None, **meta):
    import json

    from safetensors.torch import save_file
    metadata = {"format": "nnlab-model", "config": json.dumps(config), **meta}
    save_file(tensors or {"x": torch.zeros(1)}, str(path), metadata=metadata)
    return path


def _big_dense(units):
    return {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Dense", "config": {"units": units, "input_shape": [units]}}]}}


def test_huge_config_is_refused_by_size_before_allocating(tmp_path):
    """Defect 1: a 300-byte file asking for Dense(40000) on 40000 inputs (6 GiB)."""
    import time
    path = _crafted(tmp_path / "huge.nnlab", _big_dense(40000))
    assert path.stat().st_size < 400
    start = time.perf_counter()
    with pytest.raises(ConfigError, match=r"1,600,040,000 weight values.*max_params"):
        nnlab.load_model(path)
    assert time.perf_counter() - start < 2.0


def test_config_under_the_limit_but_not_matching_the_header_is_refused_on_meta(tmp_path):
    """A 1.6 GB architecture whose weights are not in the file: refused from the header."""
    import resource
    import time
    path = _crafted(tmp_path / "big.nnlab", _big_dense(20000))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with pytest.raises(ConfigError, match=r"another architecture.*missing in file"):
        nnlab.load_model(path)
    assert time.perf_counter() - start < 2.0
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
    assert grown_mib < 100  # nothing near the 1.6 GB the config asks for


def test_max_params_argument_allows_a_trusted_large_model(tmp_path):
    model = nnlab.Sequential([Dense(30, input_shape=(20,))])
    model.save(tmp_path / "m.nnlab")
    with pytest.raises(ConfigError, match=r"630 weight values.*max_params=100\b"):
        nnlab.load_model(tmp_path / "m.nnlab", max_params=100)
    assert nnlab.load_model(tmp_path / "m.nnlab", max_params=630).count_params() == 630


def _raw_file(path, header_bytes, data=b""):
    import struct
    path.write_bytes(struct.pack("<Q", len(header_bytes)) + header_bytes + data)
    return path


@pytest.mark.parametrize("header, match", [
    (b"[1, 2, 3]", "the header is a list"),
    (b'{"w": {"dtype": "F32", "shape": [2]}}', "lacks data_offsets"),
    (b'{"w": {"dtype": "F32", "data_offsets": [0, 8]}}', "lacks shape"),
    (b'{"w": {"dtype": "X9", "shape": [2], "data_offsets": [0, 8]}}', "unsupported dtype"),
    (b'{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 12]}}', "needs 8 bytes"),
    (b'{"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}', "malformed shape"),
    (b'{"w": {"dtype": "F32", "shape": [2], "data_offsets": "0-8"}}', "malformed data_offsets"),
    (b'{"w": 5}', "must be an object"),
    (b'{"__metadata__": [1]}', "__metadata__"),
    (b'{"__metadata__": {"format": "nnlab-model"}}', "config is missing"),
    (b'{"__metadata__": {"format": "nnlab-model", "config": "{"}}', "not valid JSON"),
    (b"[" * 5000 + b"]" * 5000, "nests deeper"),
    (b'{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, '
     b'"b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}', "overlap"),
    (b'{"w": {"dtype": "F32", "shape": [1000000, 1000000], "data_offsets": [0, 4000000000000]}}',
     "needs 4000000000000 bytes|truncated"),
])
def test_malformed_headers_give_config_error_naming_the_file(tmp_path, header, match):
    """Defect 6: KeyError/TypeError/RecursionError became ConfigError naming the file."""
    path = _raw_file(tmp_path / "bad.nnlab", header, b"\0" * 16)
    with pytest.raises(ConfigError, match=match) as info:
        nnlab.load_model(path)
    assert "bad.nnlab" in str(info.value)
    model = _dense_model()
    with pytest.raises(ConfigError, match="bad.nnlab"):
        model.load_weights(path)


@pytest.mark.parametrize("config, match", [
    ({"class_name": ["Dense"], "config": {}}, "class_name must be a string"),
    ({"class_name": "Dense", "config": [1]}, "must be an object"),
    ({"class_name": "Sequential", "config": {"layers": 5}}, "malformed"),
    ({"class_name": "Functional", "config": {"layers": []}}, "malformed"),
    ({"config": {}}, "Not a layer config"),
    ({"class_name": "Dense", "config": {"units": "many"}}, "malformed|units"),
])
def test_malformed_configs_give_config_error(tmp_path, config, match):
    path = _crafted(tmp_path / "c.nnlab", config)
    with pytest.raises(ConfigError, match=match):
        nnlab.load_model(path)


def test_flipped_bit_in_the_weights_is_detected(tmp_path):
    path = tmp_path / "m.nnlab"
    _dense_model().save(path)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x10  # a bit in the last weight's bytes
    (tmp_path / "flip.nnlab").write_bytes(bytes(data))
    with pytest.raises(ConfigError, match=r"flip.nnlab.*corrupt.*SHA-256"):
        nnlab.load_model(tmp_path / "flip.nnlab")
    with pytest.raises(ConfigError, match="corrupt"):
        _dense_model().load_weights(tmp_path / "flip.nnlab")


def test_file_without_hash_from_older_versions_still_loads(tmp_path):
    from nnlab.models.saving.serialization import _state_tensors
    model = _dense_model()
    config = {"class_name": "Sequential", "config": model.get_config()}
    tensors = _state_tensors(model)
    path = _crafted(tmp_path / "old.nnlab", config, tensors)
    loaded = nnlab.load_model(path)
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), loaded.parameters()))


def test_dtype_mismatch_is_refused_from_the_header(tmp_path):
    model = _dense_model()
    model.save_weights(tmp_path / "w.safetensors")
    other = _dense_model().double()
    with pytest.raises(ConfigError, match="dtype mismatch.*F32 vs model F64"):
        other.load_weights(tmp_path / "w.safetensors")

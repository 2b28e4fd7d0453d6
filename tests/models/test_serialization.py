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

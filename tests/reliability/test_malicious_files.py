"""Crafted files: nothing in them is executed and nothing large is allocated.

Every case is loaded in a fresh subprocess that reports the exception and how much its
peak resident memory grew (``ru_maxrss``) while loading; pickle payloads would create
a marker file. One subprocess runs the whole set.
"""
import json
import os
import pickle
import struct
import subprocess
import sys
import zipfile

import pytest
import torch
from safetensors.torch import save_file

import nnlab
from nnlab.layers import Dense

MARKER = "PWNED"


class _Payload:
    def __reduce__(self):
        return (os.system, (f"touch {MARKER}",))


def _raw(path, header, data=b""):
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data)


def _model_file(path, config, tensors=None, **meta):
    metadata = {"format": "nnlab-model", "config": json.dumps(config), **meta}
    save_file(tensors or {"x": torch.zeros(1)}, str(path), metadata=metadata)


def _seq(layer):
    return {"class_name": "Sequential", "config": {"name": "s", "layers": [layer]}}


def _make_files(d):
    files = {}

    def add(name, kind):
        files[name] = kind
        return d / name
    # pickle payloads, in every container a user might hand us
    add("pickle.nnlab", "load_model").write_bytes(pickle.dumps(_Payload()))
    torch.save({"w": _Payload()}, add("torch_zip.nnlab", "load_model"))
    torch.save({"format": "nnlab-checkpoint", "x": _Payload()}, add("ck1/last.ckpt", "resume")) \
        if os.makedirs(d / "ck1") is None else None
    with zipfile.ZipFile(add("zip_with_pickle.nnlab", "load_weights"), "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps(_Payload()))
    _model_file(add("pickle_in_config.nnlab", "load_model"),
                {"class_name": "Sequential", "config": pickle.dumps(_Payload()).hex()})
    # crafted class names
    for i, name in enumerate(["os.system", "builtins.eval", "__import__", "subprocess.Popen",
                              "nnlab.models.saving.serialization.load_model", "Lambda", "../../Dense",
                              "Dense\u0000os.system"]):
        _model_file(add(f"class_{i}.nnlab", "load_model"),
                    _seq({"class_name": name, "config": {"function": "os.system",
                                                         "arguments": [f"touch {MARKER}"]}}))
    _model_file(add("activation_name.nnlab", "load_model"),
                _seq({"class_name": "Dense", "config": {"units": 2, "input_shape": [2],
                                                        "activation": "os.system"}}))
    _model_file(add("initializer_name.nnlab", "load_model"),
                _seq({"class_name": "Dense", "config": {
                    "units": 2, "input_shape": [2],
                    "kernel_initializer": {"__initializer__": {"class_name": "os.system"}}}}))
    # huge shapes
    _model_file(add("huge_dense.nnlab", "load_model"),
                _seq({"class_name": "Dense", "config": {"units": 40000, "input_shape": [40000]}}))
    _model_file(add("big_dense_small_header.nnlab", "load_model"),
                _seq({"class_name": "Dense", "config": {"units": 20000, "input_shape": [20000]}}))
    _model_file(add("huge_embedding.nnlab", "load_model"),
                _seq({"class_name": "Embedding", "config": {"input_dim": 10 ** 9, "input_shape": [10],
                                                            "output_dim": 64}}))
    _raw(add("huge_tensor_header.nnlab", "load_weights"),
         {"w": {"dtype": "F32", "shape": [10 ** 6, 10 ** 6], "data_offsets": [0, 4 * 10 ** 12]}})
    _raw(add("huge_header_length.nnlab", "load_model"), b"{}")
    (d / "huge_header_length.nnlab").write_bytes(struct.pack("<Q", 2 ** 62) + b"{}")
    # malformed headers
    _raw(add("header_list.nnlab", "load_model"), [1, 2, 3])
    _raw(add("header_number.nnlab", "load_model"), b"42")
    _raw(add("header_not_utf8.nnlab", "load_model"), b"\xff\xfe{}")
    _raw(add("offsets_missing.nnlab", "load_weights"), {"w": {"dtype": "F32", "shape": [2]}},
         b"\0" * 8)
    _raw(add("offsets_overlap.nnlab", "load_weights"),
         {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
          "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12)
    _raw(add("metadata_not_str.nnlab", "load_model"), {"__metadata__": {"config": {"a": 1}}})
    _raw(add("deep_json.nnlab", "load_model"), b"[" * 100000 + b"]" * 100000)
    deep = '{"class_name": "Sequential", "config": {"layers": [' * 3000 + \
        '{"class_name": "Dense", "config": {}}' + "]}}" * 3000
    save_file({"x": torch.zeros(1)}, str(add("deep_config.nnlab", "load_model")),
              metadata={"format": "nnlab-model", "config": deep})
    _raw(add("nan_json.nnlab", "load_model"), b'{"__metadata__": {"format": NaN}}')
    # path-like names
    _raw(add("pathlike_tensor.nnlab", "load_weights"),
         {"../../../tmp/evil": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4)
    _model_file(add("pathlike_layer_name.nnlab", "load_model"),
                _seq({"class_name": "Dense", "config": {"units": 2, "input_shape": [2],
                                                        "name": "../../../etc/passwd"}}),
                {"../../../etc/passwd.kernel": torch.zeros(2, 2)})
    return files


LOADER = """
import json, os, resource, sys, warnings
sys.path[:0] = {path!r}
import torch, nnlab
from nnlab.layers import Dense
warnings.simplefilter("ignore")
warm = nnlab.Sequential([Dense(2, input_shape=(2,))])  # first-use imports and allocations
warm.compile("sgd", "mse")
warm.fit(torch.ones(4, 2), torch.ones(4, 2), verbose=0)
results = {{}}
for name, kind in {files!r}.items():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        if kind == "load_model":
            nnlab.load_model(name)
        elif kind == "load_weights":
            nnlab.Sequential([Dense(2, input_shape=(2,))]).load_weights(name)
        else:
            m = nnlab.Sequential([Dense(2, input_shape=(2,))])
            m.compile("sgd", "mse")
            m.fit(torch.ones(4, 2), torch.ones(4, 2), verbose=0, checkpoint_dir=os.path.dirname(name))
        outcome = "loaded"
    except BaseException as exc:
        outcome = type(exc).__name__ + ": " + str(exc)[:300]
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    results[name] = [outcome, grown]
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    d = tmp_path_factory.mktemp("malicious")
    files = _make_files(d)
    code = LOADER.format(path=sys.path, files=files)
    proc = subprocess.run([sys.executable, "-c", code], cwd=d, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return d, json.loads(proc.stdout.strip().splitlines()[-1])


def test_nothing_is_executed_nothing_large_allocated_every_file_refused(outcomes):
    d, results = outcomes
    assert len(results) >= 30
    assert not (d / MARKER).exists() and not os.path.exists(MARKER)
    for name, (outcome, grown_mib) in results.items():
        assert outcome.startswith("ConfigError"), (name, outcome)
        assert grown_mib < 64, (name, grown_mib)  # no claimed size was allocated
    assert not os.path.exists("/tmp/evil")


def test_refusals_name_the_file_and_the_problem(outcomes):
    _, results = outcomes
    expect = {"huge_dense.nnlab": "max_params", "big_dense_small_header.nnlab":
              "another architecture", "huge_embedding.nnlab": "max_params",
              "class_0.nnlab": "Unknown layer class 'os.system'",
              "deep_json.nnlab": "nests deeper", "deep_config.nnlab": "nests deeper",
              "offsets_overlap.nnlab": "overlap", "header_list.nnlab": "header is a list",
              "huge_tensor_header.nnlab": "truncated", "pickle.nnlab": "not an nnlab"}
    for name, text in expect.items():
        outcome = results[name][0]
        assert text in outcome and (name in outcome or "ck1" in name), (name, outcome)


def test_a_trusted_model_still_loads_after_the_set(tmp_path):
    model = nnlab.Sequential([Dense(3, input_shape=(2,))])
    model.save(tmp_path / "ok.nnlab")
    assert nnlab.load_model(tmp_path / "ok.nnlab").count_params() == 9

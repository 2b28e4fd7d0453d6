"""``nnlab weights list`` / ``nnlab weights fetch NAME``: prefetch the pretrained files that
``weights="imagenet"`` would download, against a local server on 127.0.0.1 (the tables
are pointed there, as tests/applications/test_imagenet_weights.py does), then build the
models with no further request."""
from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
import torch

from nnlab import applications, cli, zoo
from nnlab.applications import keras_weights
from nnlab.zoo import torchvision_hub as hub
from tests.http_server import serve
from tests.zoo import torchvision_reference as tv


@pytest.fixture
def server(monkeypatch, tmp_path):
    monkeypatch.setenv("NNLAB_CACHE_DIR", str(tmp_path / "cache"))
    with serve() as httpd:
        yield httpd


def _row(out: str, name: str) -> str:
    return next(line for line in out.splitlines() if line.split()[:1] == [name])


def test_list_fetch_then_build_without_a_request(server, monkeypatch, tmp_path, capsys):
    pytest.importorskip("h5py")
    from tests.applications.test_imagenet_weights import publish, write_keras2_h5
    source = applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    write_keras2_h5(source, tmp_path / "vgg16.h5")
    keras_file = publish(monkeypatch, server, "VGG16", False,
                         (tmp_path / "vgg16.h5").read_bytes())
    torch.manual_seed(0)
    buffer = io.BytesIO()
    torch.save(tv.build("squeezenet1_1").state_dict(), buffer)
    data = buffer.getvalue()
    name = f"squeezenet1_1-{hashlib.sha256(data).hexdigest()[:8]}.pth"
    server.files[f"/{name}"] = data
    monkeypatch.setitem(hub.TORCHVISION_WEIGHTS, "squeezenet1_1",
                        hub.remote_for(f"{server.url}/{name}"))

    assert cli.main(["weights", "list"]) == 0
    out = capsys.readouterr().out
    assert _row(out, "keras-vgg16-notop").split()[1] == "no"
    assert "applications.VGG16(weights='imagenet', include_top=False)" in \
        _row(out, "keras-vgg16-notop")
    assert _row(out, "torchvision-squeezenet1_1").split()[1] == "no"
    assert "https://download.pytorch.org/models/resnet18-f37072fd.pth" in \
        _row(out, "torchvision-resnet18")

    assert cli.main(["weights", "fetch", "keras-vgg16-notop", "TORCHVISION-squeezenet1-1"]) == 0
    out = capsys.readouterr().out
    assert f"keras-vgg16-notop: downloaded {keras_file.path()}" in out
    assert "torchvision-squeezenet1_1: downloaded" in out
    assert (tmp_path / "cache" / "models" / name).read_bytes() == data
    assert cli.main(["weights", "list"]) == 0
    out = capsys.readouterr().out
    assert _row(out, "keras-vgg16-notop").split()[1] == "yes"
    assert _row(out, "torchvision-squeezenet1_1").split()[1] == "yes"

    requests = len(server.requests)
    assert cli.main(["weights", "fetch", "keras-vgg16-notop"]) == 0
    assert "keras-vgg16-notop: already available" in capsys.readouterr().out
    base = applications.VGG16(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    x = np.zeros((1, 32, 32, 3), "float32")
    np.testing.assert_array_equal(base.predict(x, verbose=0), source.predict(x, verbose=0))
    zoo.create("squeezenet1_1", weights="imagenet")
    assert len(server.requests) == requests == 2           # all from the cache


def test_offline_and_unknown_names_fail_with_what_to_do(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("NNLAB_CACHE_DIR", str(tmp_path / "cache"))
    real = keras_weights.KERAS_WEIGHTS[("ResNet50", True)]
    monkeypatch.setitem(keras_weights.KERAS_WEIGHTS, ("ResNet50", True),
                        real._replace(url="http://127.0.0.1:9/" + real.filename))
    assert cli.main(["weights", "fetch", "keras-resnet50", "vgg16-imagenet"]) == 1
    err = capsys.readouterr().err
    assert "could not fetch keras-resnet50: could not download http://127.0.0.1:9/" \
           "resnet50_weights_tf_dim_ordering_tf_kernels.h5" in err
    assert str(tmp_path / "cache" / "models" / real.filename) in err and "Offline?" in err
    assert "could not fetch vgg16-imagenet: unknown weights 'vgg16-imagenet'; known: " \
           "keras-vgg16, keras-vgg16-notop" in err
    assert not (tmp_path / "cache" / "models" / real.filename).exists()
    assert cli.main(["weights", "fetch"]) == 2
    assert "name one or more weight files" in capsys.readouterr().err

"""``zoo.create(name, weights="imagenet")`` by the real path: torchvision's published files
(their URLs; the SHA-256 prefix torchvision writes into each file name) through nnlab's one
download path, against a local server on 127.0.0.1 serving generated state_dicts whose file
names carry their own real hash prefix: download into NNLAB_CACHE_DIR/models, cache hit,
corrupt file refused, interrupted download resumed, offline message, safe loading."""
from __future__ import annotations

import hashlib
import io
import pickle

import numpy as np
import pytest
import torch

from nnlab import zoo
from nnlab.data.fetch import FetchError
from nnlab.zoo import torchvision_hub as hub
from tests.http_server import serve
from tests.zoo import torchvision_reference as tv


@pytest.fixture
def server(monkeypatch, tmp_path):
    monkeypatch.setenv("NNLAB_CACHE_DIR", str(tmp_path / "cache"))
    with serve() as httpd:
        yield httpd


def _state_bytes(arch: str, seed: int = 0) -> bytes:
    torch.manual_seed(seed)
    buffer = io.BytesIO()
    torch.save(tv.build(arch).state_dict(), buffer)
    return buffer.getvalue()


def publish(monkeypatch, server, arch: str, data: bytes, name_hash: str = None):
    """Serve ``data`` as torchvision's file for ``arch``, named as torchvision names its
    files (``<arch>-<first 8 hex digits of the SHA-256>.pth``), and point the table there."""
    prefix = name_hash or hashlib.sha256(data).hexdigest()[:8]
    filename = f"{arch}-{prefix}.pth"
    server.files[f"/{filename}"] = data
    remote = hub.remote_for(f"{server.url}/{filename}")
    monkeypatch.setitem(hub.TORCHVISION_WEIGHTS, arch, remote)
    return remote


def test_published_urls_carry_torchvision_hash_prefixes():
    r18 = hub.TORCHVISION_WEIGHTS["resnet18"]
    assert r18.url == "https://download.pytorch.org/models/resnet18-f37072fd.pth"
    assert (r18.algorithm, r18.digest, r18.folder) == ("sha256", "f37072fd", "models")
    assert hub.TORCHVISION_WEIGHTS["vgg16"].filename == "vgg16-397923af.pth"
    assert hub.TORCHVISION_WEIGHTS["densenet121"].digest == "a639ec97"
    assert set(hub.TORCHVISION_WEIGHTS) == {
        "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "wide_resnet50_2",
        "vgg16", "vgg19", "densenet121", "densenet169", "densenet201", "squeezenet1_0",
        "squeezenet1_1"}
    for arch, remote in hub.TORCHVISION_WEIGHTS.items():
        assert remote.filename.startswith(arch + "-") and remote.url.endswith(remote.filename)
        assert len(remote.digest) == 8 and remote.filename == f"{arch}-{remote.digest}.pth"


def test_imagenet_downloads_verifies_caches_and_equals_the_local_file(server, monkeypatch,
                                                                      tmp_path):
    data = _state_bytes("squeezenet1_1")
    remote = publish(monkeypatch, server, "squeezenet1_1", data)
    model = zoo.create("squeezenet1_1", weights="imagenet", input_shape=(63, 63, 3))
    assert remote.path() == tmp_path / "cache" / "models" / remote.filename
    assert remote.path().read_bytes() == data
    by_hand = tmp_path / "by_hand.pth"
    by_hand.write_bytes(data)
    local = zoo.create("squeezenet1_1", weights=str(by_hand), input_shape=(63, 63, 3))
    x = np.random.default_rng(0).normal(size=(2, 63, 63, 3)).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), local.predict(x, verbose=0))
    zoo.create("squeezenet1_1", weights="imagenet", input_shape=(63, 63, 3))
    assert server.requests == [(f"/{remote.filename}", None)]   # then a cache hit


def test_resnet18_imagenet_predicts_like_the_torchvision_network(server, monkeypatch):
    torch.manual_seed(0)
    model = tv.build("resnet18")
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    publish(monkeypatch, server, "resnet18", buffer.getvalue())
    ours = zoo.create("resnet18", weights="imagenet", input_shape=(32, 32, 3),
                      classifier_activation=None)
    x = torch.randn(1, 32, 32, 3)
    with torch.no_grad():
        torch.testing.assert_close(ours.eval()(x),
                                   model.eval()(x.permute(0, 3, 1, 2)), rtol=1e-4, atol=1e-4)


def test_corrupt_download_is_refused_and_nothing_is_kept(server, monkeypatch):
    data = _state_bytes("squeezenet1_1")
    wrong = "0" * 8 if not hashlib.sha256(data).hexdigest().startswith("0" * 8) else "1" * 8
    remote = publish(monkeypatch, server, "squeezenet1_1", data, name_hash=wrong)
    with pytest.raises(FetchError, match=rf"not the published file.*expected {wrong}"):
        zoo.create("squeezenet1_1", weights="imagenet")
    assert not remote.path().exists()
    assert not remote.path().with_name(remote.filename + ".part").exists()


def test_interrupted_download_resumes(server, monkeypatch):
    data = _state_bytes("squeezenet1_1")
    remote = publish(monkeypatch, server, "squeezenet1_1", data)
    server.drop_after[f"/{remote.filename}"] = 100_000
    with pytest.raises(FetchError, match=r"100,000 bytes received are kept"):
        zoo.create("squeezenet1_1", weights="imagenet", input_shape=(63, 63, 3))
    zoo.create("squeezenet1_1", weights="imagenet", input_shape=(63, 63, 3))
    assert server.requests[-1] == (f"/{remote.filename}", "bytes=100000-")
    assert remote.path().read_bytes() == data


def test_offline_message_names_url_and_path(monkeypatch, tmp_path):
    monkeypatch.setenv("NNLAB_CACHE_DIR", str(tmp_path / "cache"))
    real = hub.TORCHVISION_WEIGHTS["vgg16"]
    monkeypatch.setitem(hub.TORCHVISION_WEIGHTS, "vgg16",
                        real._replace(url="http://127.0.0.1:9/" + real.filename))
    with pytest.raises(FetchError) as err:
        zoo.create("vgg16", weights="imagenet")
    text = str(err.value)
    assert "http://127.0.0.1:9/vgg16-397923af.pth" in text and "Offline?" in text
    assert str(tmp_path / "cache" / "models" / "vgg16-397923af.pth") in text


def test_hand_placed_file_is_used_offline(monkeypatch, tmp_path):
    monkeypatch.setenv("NNLAB_CACHE_DIR", str(tmp_path / "cache"))
    data = _state_bytes("squeezenet1_1")
    filename = f"squeezenet1_1-{hashlib.sha256(data).hexdigest()[:8]}.pth"
    monkeypatch.setitem(hub.TORCHVISION_WEIGHTS, "squeezenet1_1",
                        hub.remote_for("http://127.0.0.1:9/" + filename))
    (tmp_path / "cache" / "models").mkdir(parents=True)
    (tmp_path / "cache" / "models" / filename).write_bytes(data)
    assert zoo.create("squeezenet1_1", weights="imagenet").name == "squeezenet1_1"


def test_pickled_code_is_never_run(server, monkeypatch):
    class Boom:
        def __reduce__(self):
            return (print, ("unpickled code ran",))
    data = pickle.dumps({"features.0.weight": Boom()}, protocol=2)
    publish(monkeypatch, server, "squeezenet1_1", data)
    with pytest.raises(ValueError, match=r"weights_only=True"):
        zoo.create("squeezenet1_1", weights="imagenet")


def test_imagenet_needs_1000_classes_and_names_the_models_without_files():
    with pytest.raises(ValueError, match=r"resnet18: weights='imagenet' with include_top=True "
                                         r"needs num_classes=1000, got 10"):
        zoo.create("resnet18", weights="imagenet", num_classes=10)
    with pytest.raises(ValueError, match=r"alexnet: torchvision publishes no ImageNet weights "
                                         r"for this architecture.*resnet18"):
        zoo.create("alexnet", weights="imagenet")


def test_resnet50_imagenet_strides_on_the_3x3_as_torchvision(monkeypatch, tmp_path):
    """torchvision's ResNet-50 is "v1.5": weights='imagenet' builds that variant (the
    file itself is not needed to see it; the loading is tested above)."""
    from nnlab.zoo import torchvision_weights
    loaded = []
    monkeypatch.setattr(hub, "imagenet_file", lambda arch: tmp_path / f"{arch}.pth")
    monkeypatch.setattr(torchvision_weights, "load_weights_file",
                        lambda model, path: loaded.append(path))
    with torch.device("meta"):
        model = zoo.create("resnet50", weights="imagenet")
    assert loaded == [tmp_path / "resnet50.pth"]
    assert model.get_layer("conv3_block1_2_conv").strides == (2, 2)
    assert model.get_layer("conv3_block1_1_conv").strides == (1, 1)

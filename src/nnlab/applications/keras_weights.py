"""Keras' published ImageNet weight files: their URLs and md5 hashes, as
``keras/src/applications/{vgg16,vgg19,resnet,densenet,efficientnet}.py`` (Keras 3.15)
list them, and how ``weights="imagenet"`` brings one and loads it.

``imagenet_weights(model, include_top)`` -> the file in the cache
(``<NNLAB_CACHE_DIR>/models/<file name>``, Keras' file names), downloaded on first use
through nnlab's one fetch layer (:func:`nnlab.data.fetch.fetch_file`: checksum-verified,
resumable, a progress bar on a terminal), then read by
:func:`nnlab.models.saving.keras_h5.load_legacy_h5_weights` (the files are Keras 2's HDF5
weight format, read by layer order as Keras does). Offline, the error names the URL, the
md5 and the exact path to put the file by hand.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Tuple

from ..data.datasets.download import Remote

_TF = "https://storage.googleapis.com/tensorflow/keras-applications/"
_KERAS = "https://storage.googleapis.com/keras-applications/"
_TAIL = "_weights_tf_dim_ordering_tf_kernels"

#: model -> (URL folder, file stem, md5 with the top, md5 without the top)
_FILES: Dict[str, Tuple[str, str, str, str]] = {
    "VGG16": (_TF + "vgg16/", "vgg16" + _TAIL, "64373286793e3c8b2b4e3219cbf3544b",
              "6d6bbae143d832006294945121d1f1fc"),
    "VGG19": (_TF + "vgg19/", "vgg19" + _TAIL, "cbe5617147190e668d6c5d5026f83318",
              "253f8cb515780f3b799900260a226db6"),
    "ResNet50": (_TF + "resnet/", "resnet50" + _TAIL, "2cb95161c43110f7111970584f804107",
                 "4d473c1dd8becc155b73f8504c6f6626"),
    "ResNet101": (_TF + "resnet/", "resnet101" + _TAIL, "f1aeb4b969a6efcfb50fad2f0c20cfc5",
                  "88cf7a10940856eca736dc7b7e228a21"),
    "ResNet152": (_TF + "resnet/", "resnet152" + _TAIL, "100835be76be38e30d865e96f2aaae62",
                  "ee4c566cf9a93f14d82f913c2dc6dd0c"),
    "DenseNet121": (_TF + "densenet/", "densenet121" + _TAIL,
                    "9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
    "DenseNet169": (_TF + "densenet/", "densenet169" + _TAIL,
                    "d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
    "DenseNet201": (_TF + "densenet/", "densenet201" + _TAIL,
                    "1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1"),
    "EfficientNetB0": (_KERAS, "efficientnetb0", "902e53a9f72be733fc0bcb005b3ebbac",
                       "50bc09e76180e00e4465e1a485ddc09d"),
    "EfficientNetB1": (_KERAS, "efficientnetb1", "1d254153d4ab51201f1646940f018540",
                       "74c4e6b3e1f6a1eea24c589628592432"),
    "EfficientNetB2": (_KERAS, "efficientnetb2", "b15cce36ff4dcbd00b6dd88e7857a6ad",
                       "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "EfficientNetB3": (_KERAS, "efficientnetb3", "ffd1fdc53d0ce67064dc6a9c7960ede0",
                       "af6d107764bb5b1abb91932881670226"),
    "EfficientNetB4": (_KERAS, "efficientnetb4", "18c95ad55216b8f92d7e70b3a046e2fc",
                       "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "EfficientNetB5": (_KERAS, "efficientnetb5", "ace28f2a6363774853a83a0b21b9421a",
                       "38879255a25d3c92d5e44e04ae6cec6f"),
    "EfficientNetB6": (_KERAS, "efficientnetb6", "165f6e37dce68623721b423839de8be5",
                       "9ecce42647a20130c1f39a5d4cb75743"),
    "EfficientNetB7": (_KERAS, "efficientnetb7", "8c03f828fec3ef71311cd463b6759d99",
                       "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}

#: (model, include_top) -> the published file (tests point these at a local server)
KERAS_WEIGHTS: Dict[Tuple[str, bool], Remote] = {
    (model, top): Remote(f"{folder}{stem}{'' if top else '_notop'}.h5",
                         f"{stem}{'' if top else '_notop'}.h5", "md5",
                         md5_top if top else md5_notop, folder="models")
    for model, (folder, stem, md5_top, md5_notop) in _FILES.items() for top in (True, False)}


def has_keras_weights(model: str) -> bool:
    """True when Keras publishes ImageNet weights for ``model``."""
    return (model, True) in KERAS_WEIGHTS


def imagenet_weights(model: str, include_top: bool) -> Path:
    """Keras' ImageNet weight file for ``model`` in the cache: downloaded (verified,
    resumable, progress on a terminal) on first use, checked by md5 on every use.

    Raises:
        nnlab.data.fetch.FetchError: offline or a broken download (the message names the
            URL, the md5 and where to put the file by hand), or a file that is not the
            published one.
    """
    from ..data.fetch import fetch_file
    return fetch_file(KERAS_WEIGHTS[(model, bool(include_top))])

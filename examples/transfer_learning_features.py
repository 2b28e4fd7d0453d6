"""Transfer learning in the lecture's first form: a pretrained network as a fixed feature
extractor, and a linear classifier (scikit-learn) on its features.

EfficientNet-Lite0 (ImageNet weights, `nnlab data fetch efficientnet_lite0`) turns
scikit-image's LFW faces / non-faces into 1280-d features; logistic regression on them.

    python examples/transfer_learning_features.py
"""
import torch
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression

from nnlab import zoo
from nnlab.data import load_faces
from nnlab.zoo.efficientnet import preprocess_input

(x_train, y_train), (x_test, y_test) = load_faces()       # (N, 25, 25) grey, 0 or 1


def to_rgb_224(x):
    """(N, 25, 25) in [0, 1] -> (N, 224, 224, 3) in [0, 255], channels_last."""
    t = torch.from_numpy(x).float()[:, None].repeat(1, 3, 1, 1) * 255.0
    return F.interpolate(t, size=(224, 224), mode="bilinear").permute(0, 2, 3, 1).numpy()


base = zoo.create("efficientnet_lite0", weights="imagenet", include_top=False, pooling="avg")
base.trainable = False                                      # a fixed feature extractor
features_train = base.predict(preprocess_input(to_rgb_224(x_train)), batch_size=32)
features_test = base.predict(preprocess_input(to_rgb_224(x_test)), batch_size=32)
print("features:", features_train.shape)                   # (150, 1280)

clf = LogisticRegression(max_iter=2000).fit(features_train, y_train)
pixels = LogisticRegression(max_iter=2000).fit(x_train.reshape(len(x_train), -1), y_train)
print(f"logistic regression on pixels:   {pixels.score(x_test.reshape(len(x_test), -1), y_test):.3f}")
print(f"logistic regression on features: {clf.score(features_test, y_test):.3f}")

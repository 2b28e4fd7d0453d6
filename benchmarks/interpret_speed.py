"""nnlab.interpret vs captum: saliency and occlusion throughput on EfficientNet-Lite0
(ImageNet weights) at 224x224, channels_last, one run each after one warm-up call.

    python benchmarks/interpret_speed.py [--batch 8] [--window 32] [--stride 16]

Saliency: images/s for a batch of ``--batch`` images (one forward + backward either way).
Occlusion: images/s for one image with a ``window`` x ``window`` patch slid by ``stride``
(13 x 13 = 169 positions at the defaults): nnlab evaluates 32 occluded copies per
forward pass; captum is run with its default ``perturbations_per_eval=1`` and, for a
like-for-like figure, with 32.
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("KERAS_BACKEND", "torch")

import torch  # noqa: E402

from nnlab import zoo  # noqa: E402
from nnlab.interpret import Occlusion, Saliency  # noqa: E402


def timed(fn, repeats: int = 1) -> float:
    fn()                                    # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--window", type=int, default=32)
    parser.add_argument("--stride", type=int, default=16)
    args = parser.parse_args()
    import captum.attr as ca                # dev-only oracle
    model = zoo.create("efficientnet_lite0", weights="imagenet").eval()
    for p in model.parameters():
        p.requires_grad_(False)
    torch.manual_seed(0)
    x = torch.randn(args.batch, 224, 224, 3).clamp(-1, 1)
    print(f"threads {torch.get_num_threads()}, load average {os.getloadavg()}")

    ours = timed(lambda: Saliency(model).attribute(x, target=285))
    theirs = timed(lambda: ca.Saliency(model).attribute(x, target=285))
    print(f"saliency  nnlab {args.batch / ours:6.2f} img/s   captum {args.batch / theirs:6.2f} "
          f"img/s   ratio {theirs / ours:.2f}x")

    one = x[:1]
    w, s = args.window, args.stride
    ours = timed(lambda: Occlusion(model).attribute(one, sliding_window_shapes=(w, w),
                                                    strides=(s, s), target=285))
    theirs1 = timed(lambda: ca.Occlusion(model).attribute(
        one, sliding_window_shapes=(w, w, 3), strides=(s, s, 3), target=285))
    theirs32 = timed(lambda: ca.Occlusion(model).attribute(
        one, sliding_window_shapes=(w, w, 3), strides=(s, s, 3), target=285,
        perturbations_per_eval=32))
    print(f"occlusion nnlab {1 / ours:6.3f} img/s   captum (1 per eval) {1 / theirs1:6.3f} "
          f"img/s   ratio {theirs1 / ours:.2f}x   captum (32 per eval) {1 / theirs32:6.3f} "
          f"img/s   ratio {theirs32 / ours:.2f}x")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()

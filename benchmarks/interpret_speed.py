"""nnlab.interpret vs captum: saliency, integrated gradients and occlusion throughput on
EfficientNet-Lite0 (ImageNet weights) at 224x224, channels_last, one run each after one
warm-up call.

    python benchmarks/interpret_speed.py [--batch 8] [--window 32] [--stride 16]
        [--ig-images 2] [--ig-steps 32] [--only all|saliency|gradients]

Saliency: images/s for a batch of ``--batch`` images (one forward + backward either way).
Integrated gradients: images/s for ``--ig-images`` images with ``--ig-steps`` Gauss-Legendre
points each (both libraries' default rule; the whole path as one batch, both defaults),
3 alternating runs each, median; the largest difference of the two attributions is
printed beside the ratio (the same integral: they must agree to float rounding).
Occlusion: images/s for one image with a ``window`` x ``window`` patch slid by ``stride``
(13 x 13 = 169 positions at the defaults): nnlab with its default batching (1 occluded
copy per forward pass with one torch thread, 8 x threads otherwise) and with 32; captum
with its default ``perturbations_per_eval=1`` and with 32.

In one process nnlab's first attribution pins glibc's malloc thresholds for everyone
(``nnlab.utils.allocator``), captum included. ``--fresh [--rounds 3]`` instead runs
saliency and integrated gradients of each library in its own new process per round
(warm-up, then 3 timed calls each): what a user's script gets, where only nnlab pins.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "torch")

import torch  # noqa: E402

from nnlab import zoo  # noqa: E402
from nnlab.interpret import IntegratedGradients, Occlusion, Saliency  # noqa: E402
from bench_machine import alternating_fresh, describe, paired  # noqa: E402  (benchmarks/ is the script's folder)


def timed(fn, repeats: int = 1) -> float:
    fn()                                    # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def child(args) -> None:
    """One library's saliency and IG in this fresh process: JSON seconds per call."""
    from nnlab.utils import allocator
    model = zoo.create("efficientnet_lite0", weights="imagenet").eval()
    for p in model.parameters():
        p.requires_grad_(False)
    torch.manual_seed(0)
    x = torch.randn(args.batch, 224, 224, 3).clamp(-1, 1)
    few, n = x[:args.ig_images], args.ig_steps
    if args.library == "nnlab":
        sal = lambda: Saliency(model).attribute(x, target=285)  # noqa: E731
        ig = lambda: IntegratedGradients(model).attribute(few, target=285, n_steps=n)  # noqa: E731
    else:
        import captum.attr as ca            # dev-only oracle
        sal = lambda: ca.Saliency(model).attribute(x, target=285)  # noqa: E731
        ig = lambda: ca.IntegratedGradients(model).attribute(few, target=285, n_steps=n)  # noqa: E731
    out = {"saliency": timed(sal, 3), "ig": timed(ig, 3), "allocator": allocator.malloc_state()}
    print(json.dumps(out))


def fresh(args) -> None:
    got = alternating_fresh(__file__, ("nnlab", "captum"), args.rounds, lambda lib: (
        "--library", lib, "--batch", str(args.batch), "--ig-images", str(args.ig_images),
        "--ig-steps", str(args.ig_steps)))
    print(f"each library in its own process: {args.rounds} processes each, a warm-up and 3 "
          f"timed calls per method in each; allocator nnlab / captum: "
          f"{got['nnlab'][0]['allocator']} / {got['captum'][0]['allocator']}")
    for key, images, what in (("saliency", args.batch, f"saliency (batch {args.batch})"),
                              ("ig", args.ig_images,
                               f"integrated gradients ({args.ig_images} x {args.ig_steps})")):
        ours = [g[key] for g in got["nnlab"]]
        theirs = [g[key] for g in got["captum"]]
        ratios = [t / o for t, o in zip(theirs, ours)]
        print(f"{what}: nnlab {images / statistics.median(ours):.3f} img/s, captum "
              f"{images / statistics.median(theirs):.3f} img/s, nnlab / captum "
              f"{paired(ratios)} paired")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--window", type=int, default=32)
    parser.add_argument("--stride", type=int, default=16)
    parser.add_argument("--ig-images", type=int, default=2)
    parser.add_argument("--ig-steps", type=int, default=32)
    parser.add_argument("--only", choices=("all", "saliency", "gradients"), default="all",
                        help="gradients: saliency and integrated gradients, no occlusion")
    parser.add_argument("--fresh", action="store_true",
                        help="saliency and IG, each library in its own process per round")
    parser.add_argument("--rounds", type=int, default=3, help="processes per library (--fresh)")
    parser.add_argument("--library", help=argparse.SUPPRESS)  # the child of --fresh
    args = parser.parse_args()
    if args.library:
        return child(args)
    print(describe(torch.get_num_threads()))
    if args.fresh:
        return fresh(args)
    import captum.attr as ca                # dev-only oracle
    model = zoo.create("efficientnet_lite0", weights="imagenet").eval()
    for p in model.parameters():
        p.requires_grad_(False)
    torch.manual_seed(0)
    x = torch.randn(args.batch, 224, 224, 3).clamp(-1, 1)
    print(f"threads {torch.get_num_threads()}, load average {os.getloadavg()}")

    # saliency is cheap: 5 alternating runs each, median (the load on this shared machine
    # moves by 20% within seconds)
    pairs = [(timed(lambda: Saliency(model).attribute(x, target=285)),
              timed(lambda: ca.Saliency(model).attribute(x, target=285))) for _ in range(5)]
    ours = statistics.median(p[0] for p in pairs)
    theirs = statistics.median(p[1] for p in pairs)
    print(f"saliency  nnlab {args.batch / ours:6.2f} img/s   captum {args.batch / theirs:6.2f} "
          f"img/s   ratio {theirs / ours:.2f}x")

    if args.only == "saliency":
        return
    few, n = x[:args.ig_images], args.ig_steps
    ours_ig = IntegratedGradients(model).attribute(few, target=285, n_steps=n)
    theirs_ig = ca.IntegratedGradients(model).attribute(few, target=285, n_steps=n)
    gap = float((ours_ig - theirs_ig).abs().max() / theirs_ig.abs().max())
    pairs = [(timed(lambda: IntegratedGradients(model).attribute(few, target=285, n_steps=n)),
              timed(lambda: ca.IntegratedGradients(model).attribute(few, target=285,
                                                                     n_steps=n)))
             for _ in range(3)]
    ours = statistics.median(p[0] for p in pairs)
    theirs = statistics.median(p[1] for p in pairs)
    print(f"integrated gradients ({len(few)} images x {n} steps)  nnlab {len(few) / ours:6.3f} "
          f"img/s   captum {len(few) / theirs:6.3f} img/s   ratio {theirs / ours:.2f}x   "
          f"largest difference {gap:.1e} of the largest attribution")
    if args.only == "gradients":
        return
    one = x[:1]
    w, s = args.window, args.stride
    ours = timed(lambda: Occlusion(model).attribute(one, sliding_window_shapes=(w, w),
                                                    strides=(s, s), target=285))
    ours32 = timed(lambda: Occlusion(model).attribute(one, sliding_window_shapes=(w, w),
                                                      strides=(s, s), target=285,
                                                      perturbations_per_eval=32))
    theirs1 = timed(lambda: ca.Occlusion(model).attribute(
        one, sliding_window_shapes=(w, w, 3), strides=(s, s, 3), target=285))
    theirs32 = timed(lambda: ca.Occlusion(model).attribute(
        one, sliding_window_shapes=(w, w, 3), strides=(s, s, 3), target=285,
        perturbations_per_eval=32))
    print(f"occlusion, default batching: nnlab {1 / ours:6.3f} img/s   captum {1 / theirs1:6.3f} "
          f"img/s   ratio {theirs1 / ours:.2f}x")
    print(f"occlusion, 32 per pass:      nnlab {1 / ours32:6.3f} img/s   captum "
          f"{1 / theirs32:6.3f} img/s   ratio {theirs32 / ours32:.2f}x")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()

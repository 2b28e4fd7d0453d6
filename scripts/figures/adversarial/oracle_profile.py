"""White-box profile of the black-box oracles that examples/blackbox_substitute_mnist.py
cached (``--oracle-cache``): clean test accuracy and accuracy under FGSM eps 0.3 crafted on
the oracle itself, on the first ``--n`` test images (docs/adversarial.md's oracle table).

    OMP_NUM_THREADS=1 PYTHONPATH=src python scripts/figures/adversarial/oracle_profile.py \
        cnn=/tmp/o_cnn.pt mlp=/tmp/o_mlp.pt wong=/tmp/o_wong.pt [--n 10000]
"""
import argparse
import time

import torch

from nnlab import adversarial as adv

ORACLES = {"cnn": adv.lecture_mnist_cnn, "mlp": adv.lecture_mnist_mlp, "wong": adv.wong_mnist_cnn,
           "cleverhans": adv.cleverhans_mnist_cnn}
ap = argparse.ArgumentParser()
ap.add_argument("caches", nargs="+", help="name=path, name in cnn, mlp, wong")
ap.add_argument("--n", type=int, default=10000)
a = ap.parse_args()
torch.set_num_threads(1)
_, (xt, yt) = adv.mnist_tensors()
xt, yt = xt[:a.n], yt[:a.n]
for item in a.caches:
    name, path = item.split("=", 1)
    c0 = time.process_time()
    model = ORACLES[name]()
    model(xt[:1])
    saved = torch.load(path)   # layer names count per process: match tensors by order
    model.load_state_dict(dict(zip(model.state_dict().keys(), saved.values())))
    clean = adv.robust_accuracy(model, xt, yt)
    fgsm = adv.robust_accuracy(model, xt, yt, adv.FGSM(model, 0.3))
    print(f"{name}: params {model.count_params():,}; clean {clean:.4f}; white-box FGSM eps "
          f"0.3 accuracy {fgsm:.4f} "
          f"({time.process_time() - c0:.0f} s CPU)", flush=True)

"""Plot the ROC curve that run_verification.py saved (``--roc-data``) as docs/img/vision/roc.png.

    python scripts/figures/vision/plot_roc.py [--roc-data runs/vision/roc.npz] [--out PNG]
"""
import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--roc-data", default="runs/vision/roc.npz",
                help="the .npz (fpr, tpr) written by run_verification.py --roc-data")
ap.add_argument("--out", default="docs/img/vision/roc.png")
args = ap.parse_args()
r = np.load(args.roc_data)
auc = np.trapezoid(r["tpr"], r["fpr"])
plt.figure(figsize=(3.6, 3.4))
plt.plot(r["fpr"], r["tpr"])
plt.plot([0, 1], [0, 1], "k:")
plt.xlabel("false accept rate")
plt.ylabel("true accept rate")
classes = str(r["classes"]) if "classes" in r.files else "digits 7-9"
plt.title(f"unseen {classes} (AUC {auc:.3f})", fontsize=9)
plt.tight_layout()
plt.savefig(args.out, dpi=70)

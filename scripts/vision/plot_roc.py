"""Plot the ROC saved by run_verification.py."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

r = np.load("/tmp/vision_roc.npz")
auc = np.trapezoid(r["tpr"], r["fpr"])
plt.figure(figsize=(3.6, 3.4))
plt.plot(r["fpr"], r["tpr"])
plt.plot([0, 1], [0, 1], "k:")
plt.xlabel("false accept rate")
plt.ylabel("true accept rate")
plt.title(f"unseen digits 7-9 (AUC {auc:.3f})", fontsize=9)
plt.tight_layout()
plt.savefig("docs/img/vision/roc.png", dpi=70)

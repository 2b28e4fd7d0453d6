"""Adversarial examples (CURRICULUM section 8): attacks, evaluation, adversarial training.

Every attack follows torchattacks' contract ``Attack(model, eps=..., **options)(x, y) ->
x_adv`` on images in [0, 1]; see ``docs/adversarial.md``.
"""
from .base import Attack
from .data import mnist_tensors
from .early_stop import RobustEarlyStopping
from .evaluation import predict_labels, robust_accuracy, robustness_curve
from .fgsm import FGSM
from .fooling import FoolingImage, noise_images
from .models import cleverhans_mnist_cnn, lecture_mnist_cnn, lecture_mnist_mlp, wong_mnist_cnn
from .pgd import BIM, PGD, PGDL2
from .plots import plot_adversarial_grid, plot_robustness_curve
from .training import AdversarialTraining, fast_adversarial_training
from .transfer import JacobianAugmentation, transfer_attack

__all__ = ["Attack", "FGSM", "BIM", "PGD", "PGDL2", "FoolingImage", "noise_images",
           "robust_accuracy", "robustness_curve", "predict_labels", "plot_adversarial_grid",
           "plot_robustness_curve", "AdversarialTraining", "fast_adversarial_training",
           "JacobianAugmentation", "transfer_attack", "RobustEarlyStopping", "wong_mnist_cnn",
           "lecture_mnist_cnn", "lecture_mnist_mlp", "cleverhans_mnist_cnn", "mnist_tensors"]

"""Generative models (CURRICULUM section 9): autoencoders, denoising AE, VAE, GAN/DCGAN,
PixelCNN, and sample-quality scores. Every model trains through ``fit`` with its own
``train_step`` (Keras 3's custom-step contract). See ``docs/generative.md``."""
from .autoencoder import Autoencoder, conv_autoencoder, dense_autoencoder
from .dcgan import dcgan, dcgan_discriminator, dcgan_generator
from .ema import GeneratorEMA
from .gan import GAN, discriminator_loss, generator_loss, interpolate
from .grid import SampleGrid, image_grid, save_grid
from .judge import build_mnist_judge, mnist_judge
from .noise import GaussianNoise, MaskingNoise, SaltAndPepperNoise, psnr
from .pixelcnn import PixelCNN
from .score import classifier_score, frechet_distance, inception_score
from .vae import VAE, kl_normal, latent_traversal, mlp_vae, reparameterize

__all__ = ["Autoencoder", "dense_autoencoder", "conv_autoencoder", "GaussianNoise",
           "SaltAndPepperNoise", "MaskingNoise", "psnr", "VAE", "mlp_vae", "kl_normal",
           "reparameterize", "latent_traversal", "GAN", "discriminator_loss",
           "generator_loss", "interpolate", "dcgan", "dcgan_generator",
           "dcgan_discriminator", "PixelCNN", "classifier_score", "inception_score",
           "frechet_distance", "image_grid", "save_grid", "SampleGrid",
           "GeneratorEMA", "mnist_judge", "build_mnist_judge"]

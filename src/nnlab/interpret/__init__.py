"""Seeing inside networks (CS231n's "visualizing and understanding" lecture).

- Attributions, captum's contract ``Method(model).attribute(inputs, target=...)`` ->
  a tensor shaped like ``inputs`` (any ``nn.Module``, channels_last or first):
  :class:`Saliency`, :class:`Occlusion`, :class:`GuidedBackprop`, :class:`GradCAM`,
  :class:`IntegratedGradients`.
- What a network learned: :func:`first_layer_filters`, :func:`activation_maps`,
  :func:`maximally_activating_patches`, :func:`nearest_neighbours`,
  :func:`embed_features` / :func:`plot_embedding` (t-SNE or PCA with thumbnails).
- Images from gradients: :func:`class_visualization`, :func:`feature_inversion`,
  :func:`deep_dream`; :func:`gram_matrix`, :func:`texture_synthesis`,
  :func:`style_transfer`, and fast style transfer (:class:`TransformerNet`,
  :func:`train_fast_style`).

Picture functions return numpy arrays and write a PNG only when given ``path=``.
"""
from .capture import LayerOutputs
from .fast_style import TransformerNet, train_fast_style
from .features import (activation_maps, embed_features, first_layer_filters,
                       maximally_activating_patches, nearest_neighbours, plot_embedding)
from .gradcam import GradCAM
from .guided_backprop import GuidedBackprop
from .integrated_gradients import IntegratedGradients
from .occlusion import Occlusion
from .plotting import fit_image, heatmap_overlay, image_grid, normalize, save_png
from .saliency import Saliency, saliency_map
from .style import StyleLoss, efficientnet_pixels, gram_matrix, style_transfer, texture_synthesis
from .synthesis import class_visualization, deep_dream, feature_inversion

__all__ = ["GradCAM", "GuidedBackprop", "IntegratedGradients", "LayerOutputs", "Occlusion",
           "Saliency", "StyleLoss", "TransformerNet", "activation_maps", "class_visualization",
           "deep_dream", "efficientnet_pixels", "embed_features", "feature_inversion",
           "first_layer_filters", "fit_image", "gram_matrix", "heatmap_overlay", "image_grid",
           "maximally_activating_patches", "nearest_neighbours", "normalize",
           "plot_embedding", "saliency_map", "save_png", "style_transfer",
           "texture_synthesis", "train_fast_style"]

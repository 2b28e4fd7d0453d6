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
from .gradcam import GradCAM
from .guided_backprop import GuidedBackprop
from .integrated_gradients import IntegratedGradients
from .occlusion import Occlusion
from .saliency import Saliency, saliency_map

__all__ = ["GradCAM", "GuidedBackprop", "IntegratedGradients", "Occlusion", "Saliency",
           "saliency_map"]

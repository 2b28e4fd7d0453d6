"""Self-supervised contrastive learning (SimCLR, Chen et al. 2020): the NT-Xent loss on two
augmented views of the same images, and the ensemble of several embedding nets.

NT-Xent (normalised temperature-scaled cross-entropy): for ``2N`` unit vectors (views
``z1[i]`` and ``z2[i]`` of image ``i``) and similarity ``s(u, v) = u . v / tau``, the loss
of view ``k`` with partner ``k'`` is

    l_k = -log( exp s(z_k, z_k') / sum_{j != k} exp s(z_k, z_j) )

averaged over all ``2N`` views: each view must pick its partner out of the ``2N - 1``
others. It asks every *image* to be told apart from every other, so the features keep the
variation inside a class that a C-way softmax throws away -- the part that describes
classes never trained on.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["nt_xent_loss", "embed_ensemble"]


def nt_xent_loss(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """SimCLR's NT-Xent loss (a scalar) of two views ``z1``, ``z2`` ``(N, dim)``, row ``i``
    of each being the same image; the rows are L2-normalised here.

    Written as a ``2N``-way ``F.cross_entropy`` over the cosine similarities divided by
    ``temperature``, the self-similarity masked out (torch has no NT-Xent of its own).
    """
    if z1.ndim != 2 or z1.shape != z2.shape:
        raise ValueError(f"nt_xent_loss: z1 and z2 must be (N, dim) of the same shape, got "
                         f"{tuple(z1.shape)} and {tuple(z2.shape)}")
    if len(z1) < 2:
        raise ValueError(f"nt_xent_loss: needs N >= 2 images (a negative), got N={len(z1)}")
    if temperature <= 0:
        raise ValueError(f"nt_xent_loss: temperature must be > 0, got {temperature}")
    n = len(z1)
    z = F.normalize(torch.cat((z1, z2)), dim=-1)                     # (2N, dim)
    sim = (z @ z.T) / temperature
    sim = sim.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device), float("-inf"))
    partner = torch.cat((torch.arange(n, 2 * n), torch.arange(n))).to(z.device)
    return F.cross_entropy(sim, partner)


@torch.no_grad()
def embed_ensemble(models: Sequence[nn.Module], x: torch.Tensor,
                   batch_size: int = 512) -> torch.Tensor:
    """Concatenated unit embeddings of ``K`` nets, divided by ``sqrt(K)``: ``(N, sum dim_k)``
    for images ``x`` ``(N, ...)``, itself of unit length when every net's output is.

    The squared distance of two images is then the mean of the K nets' squared distances,
    so the nets' independent errors partly average out.
    """
    if len(models) == 0:
        raise ValueError("embed_ensemble: models is empty, expected at least one net")
    out = []
    for m in models:
        m.eval()
        out.append(torch.cat([F.normalize(m(c), dim=-1) for c in x.split(batch_size)]))
    return torch.cat(out, dim=1) / len(models) ** 0.5

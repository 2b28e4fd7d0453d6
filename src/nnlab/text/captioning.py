"""Image captioning (one-to-many) on real MNIST digits: "seven left of two above four".

``make_caption_set`` places 2 or 3 real MNIST digits in distinct cells of a 2 x 2 grid
on a 64 x 64 canvas (each digit jittered by up to 4 pixels in its 32 x 32 cell) and
writes the caption the layout determines: the digits in reading order (row by row, left
to right), joined by "left of" when the next digit is in the same row and "above" when
it is in the next row. Held-out canvases are built from MNIST's *test* digits only.

``CaptionModel`` ("show, attend and tell", Xu et al. 2015): a small CNN turns the
canvas into a 4 x 4 grid of ``units``-d features (each seeing a whole digit); an LSTM
decoder with additive attention over the 16 grid cells (plus a learned embedding
of each cell's position), started from a projection of the whole flattened grid,
writes the caption word by word (the decoder of
:class:`nnlab.text.seq2seq.AttentionDecoder`), so greedy and beam search and the
attention maps come from :mod:`nnlab.text.decoding`.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..layers import Conv2D, Embedding, MaxPooling2D
from .seq2seq import AttentionDecoder

DIGIT_WORDS = "zero one two three four five six seven eight nine".split()
CAPTION_WORDS = ["<pad>", "<unk>", "<bos>", "<eos>"] + DIGIT_WORDS + ["left", "of", "above"]
WORD_ID = {w: i for i, w in enumerate(CAPTION_WORDS)}
BOS_ID, EOS_ID = WORD_ID["<bos>"], WORD_ID["<eos>"]  # pass to teacher_forcing_pairs
CANVAS, CELL, JITTER = 64, 32, 4


def caption_for(cells: list, digits: list) -> str:
    """Caption of digits at grid ``cells`` ``[(row, col), ...]`` (row 0 at the top)."""
    order = sorted(range(len(cells)), key=lambda i: cells[i])
    words = [DIGIT_WORDS[digits[order[0]]]]
    for before, after in zip(order, order[1:]):
        words += ["left", "of"] if cells[after][0] == cells[before][0] else ["above"]
        words.append(DIGIT_WORDS[digits[after]])
    return " ".join(words)


def make_caption_set(images: np.ndarray, labels: np.ndarray, n: int, seed: int = 0):
    """``n`` canvases ``uint8 (n, 64, 64)`` and their captions (list of str).

    ``images``: MNIST digits ``(N, 28, 28)``; ``labels``: ``(N,)``. Reproducible from ``seed``.
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise ValueError(f"make_caption_set: expected images (N, 28, 28) and labels (N,), got "
                         f"{images.shape} and {labels.shape}")
    if n < 1:
        raise ValueError(f"make_caption_set: n must be >= 1, got {n}")
    rng = np.random.default_rng(seed)
    grid = [(r, c) for r in range(2) for c in range(2)]
    canvases = np.zeros((n, CANVAS, CANVAS), np.uint8)
    captions = []
    for i in range(n):
        k = int(rng.integers(2, 4))
        cells = [grid[j] for j in rng.choice(4, k, replace=False)]
        picks = rng.integers(0, len(images), k)
        for (r, c), p in zip(cells, picks):
            y, x = r * CELL + int(rng.integers(0, JITTER + 1)), c * CELL + int(rng.integers(0, JITTER + 1))
            np.maximum(canvases[i, y:y + 28, x:x + 28], images[p], out=canvases[i, y:y + 28, x:x + 28])
        captions.append(caption_for(cells, [int(labels[p]) for p in picks]))
    return canvases, captions


def encode_captions(captions: list, length: int = 8) -> np.ndarray:
    """Captions -> ``(N, length)`` word ids, right-padded with 0 (no BOS/EOS: add them
    with ``teacher_forcing_pairs(ids, BOS_ID, EOS_ID)``)."""
    out = np.zeros((len(captions), length), np.int64)
    for i, caption in enumerate(captions):
        ids = [WORD_ID.get(w, 1) for w in caption.split()]
        if len(ids) > length:
            raise ValueError(f"encode_captions: caption {i} has {len(ids)} words, more than "
                             f"length={length}")
        out[i, :len(ids)] = ids
    return out


def decode_caption(ids: Any) -> str:
    """Word ids -> caption, stopping at EOS (id 3) and dropping PAD/BOS."""
    words = []
    for i in ids:
        if int(i) == EOS_ID:
            break
        if int(i) >= 4:
            words.append(CAPTION_WORDS[int(i)])
    return " ".join(words)


class CaptionModel(AttentionDecoder):
    """CNN encoder + attentive LSTM decoder.

    Input: ``[images (batch, 64, 64[, 1]) uint8 or float in 0..255, tgt_in (batch, T)]``.
    Output: ``(batch, T, V)`` logits over :data:`CAPTION_WORDS`.
    """

    def __init__(self, units: int = 64, embedding_dim: int = 32, **kwargs: Any):
        kwargs = {"bos_id": BOS_ID, "eos_id": EOS_ID, **kwargs}
        super().__init__(len(CAPTION_WORDS), embedding_dim, units, "lstm", "bahdanau", **kwargs)
        self.convs = torch.nn.ModuleList([
            Conv2D(16, 3, padding="same", activation="relu"), MaxPooling2D(2),
            Conv2D(32, 3, padding="same", activation="relu"), MaxPooling2D(2),
            Conv2D(64, 3, padding="same", activation="relu"), MaxPooling2D(2),
            Conv2D(units, 3, padding="same", activation="relu"), MaxPooling2D(2)])
        # a learned vector per grid cell: lets attention find "the next cell" by position
        self.cell_embedding = Embedding(16, units)

    def encode(self, images: torch.Tensor) -> dict:
        x = images.float() / 255.0
        if x.ndim == 3:
            x = x.unsqueeze(-1)  # (B, 64, 64, 1), channels_last
        for layer in self.convs:
            x = layer(x)
        cells = torch.arange(16, device=x.device)
        memory = x.flatten(1, 2) + self.cell_embedding(cells)  # (B, 16 cells, units)
        mask = torch.ones(memory.shape[:2], dtype=torch.bool, device=memory.device)
        return {"memory": memory, "keys": self.attention.keys(memory), "mask": mask}

    def initial_state(self, enc: dict) -> dict:
        """The decoder starts from ``tanh(W flatten(memory))``: the whole grid in its slot
        order, so the first word (the top-left digit) is readable before attention has
        learnt where to look (the mean of the cells, Seq2Seq's start, hides positions)."""
        h = self.bridge(enc["memory"].flatten(1))
        return {"h": h, "feed": torch.zeros_like(h), "c": torch.zeros_like(h)}

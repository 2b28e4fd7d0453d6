"""Running SimpleRNN/LSTM/GRU on masked batches, with Keras 3's semantics.

Keras' rule for a masked step ``t`` (``mask[b, t]`` False): the state is carried on
unchanged, and the output is the previous step's output (zeros before the first kept
step), or zeros when ``zero_output_for_mask`` (what ``Bidirectional`` sets for
``return_sequences``).

Two paths compute it:

- **packed (fused kernel)** -- when every row's kept steps form one contiguous block
  (right padding, left padding, or both): each row is shifted so that its block starts
  at step 0, packed with ``torch.nn.utils.rnn.pack_padded_sequence`` and run by torch's
  fused kernel (``torch.lstm``/``torch.gru``/``torch.rnn_tanh`` on ``PackedSequence``
  data); outputs are shifted back and masked steps filled by the rule above.
- **masked loop** -- for any other mask (holes inside a sequence), for
  ``recurrent_dropout`` in training and for ``GRU(reset_after=False)`` (no fused kernel
  computes those): a Python loop over time calling torch's cell functions
  (``torch.lstm_cell``, ``torch.gru_cell``, ``torch.rnn_tanh_cell``) or, where those cannot
  express the step (recurrent dropout, reset_after=False), the layer's own step formula.
  It is several times slower than the fused kernels.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence


def contiguous_block(mask: torch.Tensor) -> Optional[Tuple[torch.Tensor, torch.Tensor]]:
    """``(start, length)`` per row when each row's True entries are one block, else None.

    ``mask``: ``(batch, timesteps)`` bool. One host synchronisation (the final check).
    """
    steps = mask.shape[1]
    lengths = mask.sum(1)
    start = mask.to(torch.uint8).argmax(1)  # first True (0 for an all-False row)
    t = torch.arange(steps, device=mask.device)
    block = (t >= start[:, None]) & (t < (start + lengths)[:, None])
    return (start, lengths) if bool((block == mask).all()) else None


def _fill_masked(out: torch.Tensor, start: torch.Tensor, lengths: torch.Tensor,
                 mask: torch.Tensor, zero_output: bool) -> torch.Tensor:
    """Map block-aligned outputs ``out`` (row ``b``'s step ``s`` is input step
    ``start[b] + s``) back to input positions, filling masked steps by Keras' rule."""
    steps = out.shape[1]
    t = torch.arange(steps, device=out.device)
    src = t[None, :] - start[:, None]
    if zero_output:
        src = src.clamp(0, steps - 1)
        keep = mask
    else:  # carry the last output forwards; zeros before the block and in empty rows
        src = torch.minimum(src.clamp(min=0), (lengths - 1).clamp(min=0)[:, None])
        keep = (t[None, :] >= start[:, None]) & (lengths[:, None] > 0)
    gathered = out.gather(1, src[..., None].expand(-1, -1, out.shape[2]))
    return torch.where(keep[..., None], gathered, gathered.new_zeros(()))


def run_packed(layer, x: torch.Tensor, hx: List[torch.Tensor], params: List[torch.Tensor],
               start: torch.Tensor, lengths: torch.Tensor, mask: torch.Tensor,
               bidirectional: bool, training: bool, zero_output: bool):
    """Fused kernel on a packed batch. ``hx``: initial states ``(directions, batch, units)``.

    Returns ``(output (batch, timesteps, directions * units), [final states
    (directions, batch, units)])``; empty rows keep their initial states.
    """
    steps = x.shape[1]
    if bool(start.any()):  # shift each row left so its block starts at step 0
        t = torch.arange(steps, device=x.device)
        src = (t[None, :] + start[:, None]).clamp(max=steps - 1)
        x = x.gather(1, src[..., None].expand(-1, -1, x.shape[2]))
    packed = pack_padded_sequence(x, lengths.clamp(min=1).cpu(), batch_first=True,
                                  enforce_sorted=False)
    order, unorder = packed.sorted_indices, packed.unsorted_indices
    data, finals = layer._kernel(packed.data, [h.index_select(1, order) for h in hx], params,
                                 bidirectional, training, batch_sizes=packed.batch_sizes)
    finals = [f.index_select(1, unorder) for f in finals]
    out, _ = pad_packed_sequence(PackedSequence(data, packed.batch_sizes, order, unorder),
                                 batch_first=True, total_length=steps)
    empty = lengths == 0
    if bool(empty.any()):
        k = len(finals)  # hx lists each direction's states in turn: [h_f, (c_f,) h_b, ...]
        init = [torch.cat(hx[i::k]) for i in range(k)]
        finals = [torch.where(empty[None, :, None], h, f) for h, f in zip(init, finals)]
    return _fill_masked(out, start, lengths, mask, zero_output), finals


def run_loop(layer, x: torch.Tensor, states: List[torch.Tensor], mask: Optional[torch.Tensor],
             training: bool, zero_output: bool):
    """One step at a time (see the module docstring). ``states``: ``(batch, units)`` each.

    Returns ``(output (batch, timesteps, units), [final states (batch, units)])``.
    """
    rec_masks = layer._recurrent_dropout_masks(x, training)
    prev = x.new_zeros(x.shape[0], layer.units)
    outputs = []
    for t in range(x.shape[1]):
        new = layer._step(x[:, t], states, rec_masks)
        if mask is None:
            states, prev = new, new[0]
        else:
            keep = mask[:, t, None]
            states = [torch.where(keep, n, s) for n, s in zip(new, states)]
            prev = torch.where(keep, new[0], prev.new_zeros(()) if zero_output else prev)
        outputs.append(prev)
    out = torch.stack(outputs, 1) if outputs else x.new_zeros(x.shape[0], 0, layer.units)
    return out, states

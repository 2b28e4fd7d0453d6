"""Seq2Seq with attention on the dates task: shapes, masking of padding, a short
training run, and (slow) the reference figures: >= 99% held-out exact match, beam >= greedy."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab.text import CharVocabulary
from nnlab.text.dates import date_splits
from nnlab.text.decoding import beam_search, greedy_decode
from nnlab.text.seq2seq import Seq2Seq, teacher_forcing_pairs

TGT = CharVocabulary(list("0123456789-"))


def _data(n_train, n_test, seed=0):
    (a, b), (c, d) = date_splits(n_train, n_test, seed=seed)
    src = CharVocabulary.from_text(a + c)
    length = max(map(len, a + c))
    return (src, torch.as_tensor(src.encode_batch(a, length)), teacher_forcing_pairs(
        TGT.encode_batch(b)), torch.as_tensor(src.encode_batch(c, length)), d)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("attention", ["bahdanau", "dot", "general"])
def test_shapes_and_attention_ignores_padding(cell, attention):
    src_vocab, x, (tin, tout), xt, _ = _data(40, 8)
    model = Seq2Seq(len(src_vocab), len(TGT), 8, 16, cell, attention)
    assert model([x[:4], tin[:4]]).shape == (4, 11, len(TGT))
    out = greedy_decode(model, xt, max_len=12)
    pad = xt == 0
    assert torch.allclose(out.attention.sum(-1), torch.ones(out.attention.shape[:2]), atol=1e-5)
    assert float(out.attention.masked_select(pad[:, None].expand_as(out.attention)).abs().max()) == 0
    assert beam_search(model, xt, beam_width=3, max_len=12).tokens.shape[0] == len(xt)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_encoder_ignores_padding(cell):
    """A right-padded source gives the same memory (at its real steps) and the same
    decoded logits as the source run alone: padding changes no encoder state."""
    model = Seq2Seq(12, len(TGT), 8, 16, cell).eval()
    torch.set_grad_enabled(False)
    alone = torch.tensor([[5, 7, 4, 9]])
    padded = torch.tensor([[5, 7, 4, 9, 0, 0, 0], [6, 6, 8, 3, 4, 10, 11]])
    mem_alone, mem_padded = model.encode(alone)["memory"], model.encode(padded)["memory"]
    torch.testing.assert_close(mem_padded[:1, :4], mem_alone, atol=1e-6, rtol=0)
    assert float(mem_padded[0, 4:].abs().max()) == 0.0  # Keras: zeros at masked steps
    tin = torch.tensor([[2, 4, 5]])
    torch.testing.assert_close(model([padded[:1], tin]), model([alone, tin]), atol=1e-6, rtol=0)
    torch.set_grad_enabled(True)


def test_short_training_learns_the_task():
    src_vocab, x, (tin, tout), xt, yt = _data(1200, 100)
    model = Seq2Seq(len(src_vocab), len(TGT), 16, 32)
    model.compile(nnlab.optimizers.Adam(1e-2, clipnorm=5.0),
                  nnlab.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    hist = model.fit([x, tin], tout, batch_size=100, epochs=4, verbose=0).history
    assert hist["accuracy"][-1] > 0.5 and hist["accuracy"][-1] > hist["accuracy"][0] + 0.2
    out = greedy_decode(model, xt, 12)
    char_acc = np.mean([p == q for t, y in zip(out.tokens, yt)
                        for p, q in zip(TGT.decode(t), y)])
    assert char_acc > 0.4  # year digits and separators come first


def test_bad_arguments():
    with pytest.raises(ValueError, match="attention must be one of"):
        Seq2Seq(10, 10, attention="luong")
    with pytest.raises(ValueError, match="cell must be one of"):
        Seq2Seq(10, 10, cell="rnn")
    with pytest.raises(ValueError, match="units must be an even int"):
        Seq2Seq(10, 10, units=7)
    model = Seq2Seq(10, 10, 4, 8)
    with pytest.raises(ValueError, match=r"expects inputs \[source, tgt_in"):
        model(torch.zeros(2, 5, dtype=torch.long))


@pytest.mark.slow
def test_dates_reference_run():
    """>= 99% exact match on 2,000 held-out dates; beam-5 never worse than greedy."""
    src_vocab, x, (tin, tout), xt, yt = _data(20000, 2000)
    model = Seq2Seq(len(src_vocab), len(TGT), 32, 64, "lstm", "bahdanau")
    model.compile(nnlab.optimizers.Adam(3e-3, clipnorm=5.0),
                  nnlab.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit([x, tin], tout, batch_size=64, epochs=5, verbose=0)
    greedy = np.array([TGT.decode(t) == y for t, y in zip(greedy_decode(model, xt, 12).tokens, yt)])
    beam = np.array([TGT.decode(t) == y
                     for t, y in zip(beam_search(model, xt, 5, 12).tokens, yt)])
    print(f"held-out exact match: greedy {greedy.mean():.4f}, beam-5 {beam.mean():.4f}")
    assert greedy.mean() >= 0.99
    assert beam.mean() >= greedy.mean()

"""Character LM: windows, the model, sampling (temperature, greedy, top-k), bad input."""
import time

import numpy as np
import pytest
import torch

import nnlab
from nnlab.text import CharVocabulary
from nnlab.text.char_lm import CharLM, char_lm_windows, word_fraction_in_vocabulary
from nnlab.text.sampling import sample

TEXT = "to be or not to be that is the question\n" * 40


@pytest.fixture
def small():
    nnlab.set_seed(0)
    vocab = CharVocabulary.from_text(TEXT)
    model = CharLM(len(vocab), embedding_dim=8, units=32, num_layers=1)
    return vocab, model


def test_windows_are_shifted_and_held_out_at_the_end():
    vocab = CharVocabulary.from_text(TEXT)
    (x, y), (xv, yv) = char_lm_windows(TEXT, vocab, seq_len=10, validation_fraction=0.25)
    assert x.shape[1] == 10 and np.array_equal(x[0, 1:], y[0, :-1])
    assert vocab.decode(x[0]) == TEXT[:10] and vocab.decode(xv[0]) == TEXT[len(TEXT) * 3 // 4:][:10]
    with pytest.raises(ValueError, match="validation_fraction must be in"):
        char_lm_windows(TEXT, vocab, 10, validation_fraction=1.0)


def test_model_shapes_and_stepping_equals_full_run(small):
    vocab, model = small
    ids = torch.as_tensor(vocab.encode(TEXT[:12]))[None]
    full = model(ids)
    assert full.shape == (1, 12, len(vocab))
    first, states = model.step(ids[:, :7])
    rest, _ = model.step(ids[:, 7:], states)
    assert torch.allclose(torch.cat([first, rest], 1), full, atol=1e-5)


def test_training_lowers_bits_per_char_and_sampling_modes(small):
    vocab, model = small
    (x, y), _ = char_lm_windows(TEXT, vocab, 40, validation_fraction=0.1)
    model.compile(nnlab.optimizers.Adam(3e-2),
                  nnlab.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["bits_per_character"])
    hist = model.fit(x, y, batch_size=12, epochs=20, verbose=0).history["bits_per_character"]
    assert hist[-1] < 0.5 * hist[0]  # from about log2(18) = 4.2 bits
    mode = model.training
    out = sample(model, vocab, "to be or ", 30, greedy=True)
    assert out == sample(model, vocab, "to be or ", 30, greedy=True)  # deterministic
    assert set(out) <= set(TEXT)
    # reproducible draws, top_k=1 equals greedy, low temperature approaches greedy
    assert sample(model, vocab, "to ", 40, 1.0, generator=3) == \
        sample(model, vocab, "to ", 40, 1.0, generator=3)
    assert sample(model, vocab, "to ", 20, top_k=1, generator=0) == \
        sample(model, vocab, "to ", 20, greedy=True)
    assert sample(model, vocab, "to ", 20, 1e-4, generator=0) == \
        sample(model, vocab, "to ", 20, greedy=True)
    assert model.training == mode  # sample restores the mode


def test_word_fraction():
    assert word_fraction_in_vocabulary("the cat xq", "The cat sat") == pytest.approx(2 / 3)
    assert word_fraction_in_vocabulary("  ,", "the") == 0.0


@pytest.mark.parametrize("kwargs, match", [
    ({"temperature": 0}, "temperature must be a number > 0"),
    ({"temperature": -1.0}, "temperature must be a number > 0"),
    ({"temperature": float("nan")}, "temperature must be a number > 0"),
    ({"top_k": 0}, "top_k must be an int in"),
    ({"top_k": 10_000}, "top_k must be an int in"),
    ({"length": -1}, "length must be an int >= 0"),
    ({"seed": ""}, "seed must be a non-empty string"),
])
def test_sample_bad_input(small, kwargs, match):
    vocab, model = small
    args = {"seed": "to", "length": 5, **kwargs}
    with pytest.raises(ValueError, match=match):
        sample(model, vocab, **args)


@pytest.mark.slow
def test_shakespeare_char_lm_reference_run():
    """Full corpus, 10 minutes: records held-out bits/char and the sample's real words."""
    from nnlab.data import load_text
    text = load_text("shakespeare")
    vocab = CharVocabulary.from_text(text)
    (x, y), (xv, yv) = char_lm_windows(text, vocab, 64)
    model = CharLM(len(vocab), 32, 256, 1)
    model.compile(nnlab.optimizers.Adam(3e-3, clipnorm=5.0),
                  nnlab.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["bits_per_character"])
    order, start, seen = np.random.default_rng(0).permutation(len(x)), time.perf_counter(), 0
    while time.perf_counter() - start < 600:
        idx = order[seen:seen + 1280]
        model.fit(x[idx], y[idx], batch_size=32, epochs=1, verbose=0)
        seen += len(idx)
    bpc = model.evaluate(xv[:300], yv[:300], verbose=0, return_dict=True)["bits_per_character"]
    out = sample(model, vocab, "ROMEO.\n", 300, temperature=0.5, generator=0)
    print(f"held-out bits/char after 600 s: {bpc:.3f}")
    assert word_fraction_in_vocabulary(out, text) >= 0.8
    assert bpc <= 2.0, f"held-out bits/char {bpc:.3f} > 2.0 after 10 minutes on this machine"

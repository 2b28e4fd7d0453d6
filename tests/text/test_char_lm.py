"""Character LM: windows, the model, sampling (temperature, greedy, top-k), bad input."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab.text import CharVocabulary
from nnlab.text.char_lm import (CharLM, char_lm_windows, stream_bits_per_character,
                                word_fraction_in_vocabulary)
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


def test_stream_bits_per_character_equals_whole_rows(small):
    """Carrying the states over chunks = running each row in one piece."""
    vocab, model = small
    ids = np.asarray(vocab.encode(TEXT[:203]))
    bpc, n = stream_bits_per_character(model, ids, streams=2, chunk=25)
    assert n == 200  # 2 rows of 101 ids -> 4 chunks of 25 per row
    rows = torch.as_tensor(ids[:202]).reshape(2, 101)  # row b holds ids[101 b : 101 b + 101]
    with torch.no_grad():
        logits = model(rows[:, :100])
    nll = torch.nn.functional.cross_entropy(logits.flatten(0, 1), rows[:, 1:].flatten())
    assert bpc == pytest.approx(float(nll) / np.log(2), rel=1e-5)


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


def _run_example(tmp_path, cpu_minutes, *options):
    """Run examples/char_lm_shakespeare.py (the one recipe) and return its JSON report."""
    import json
    import os
    import pathlib
    import subprocess
    import sys
    root = pathlib.Path(__file__).parents[2]
    out = tmp_path / "run.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(root / "src"), os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, str(root / "examples" / "char_lm_shakespeare.py"),
                    "--cpu-minutes", str(cpu_minutes), "--json", str(out), *options],
                   check=True, env=env, cwd=root)
    return json.loads(out.read_text())


@pytest.mark.slow
def test_short_run_samples_mostly_real_words(tmp_path):
    """2 CPU minutes of the example's recipe: >= 80% of the words sampled at temperature
    0.5 occur in the training text."""
    report = _run_example(tmp_path, 2.0)
    print(f"held-out bits/char {report['final_val_bpc']:.3f}, real-word fraction "
          f"{report['word_fraction_t05']:.2f}")
    assert report["word_fraction_t05"] >= 0.8


@pytest.mark.slow
def test_shakespeare_char_lm_reference_run(tmp_path):
    """10 minutes of one thread's CPU time on the whole held-out split.

    Issue 11's goal is <= 2.0 bits/char; two reference runs reached 2.253 and 2.252 (2.209
    scored as running text) and the curve had flattened (docs/sequences.md, "the 10-minute
    goal"). This asserts the level the recipe reproduces, so a regression fails here; the
    unmet goal is reported in the docs, not hidden in the test.
    """
    report = _run_example(tmp_path, 10.0)
    bpc = report["final_val_bpc"]
    print(f"held-out bits/char after {report['final_cpu_s']:.0f} CPU s: {bpc:.3f}")
    assert bpc <= 2.3, f"held-out bits/char {bpc:.3f} > 2.3 after 10 CPU minutes"


@pytest.mark.slow
def test_shakespeare_char_lm_30_minute_reference_run(tmp_path):
    """Issue 25's goal: <= 2.12 bits/char on the whole held-out split (nanoGPT's
    character-level Shakespeare figure, 1.47 nats) within 30 minutes of one thread's CPU
    time, with the recipe of docs/sequences.md: one LSTM layer of 512 units, Adam 3e-3 on
    a cosine to 1.5e-4. About 30-90 wall minutes depending on the machine's load."""
    report = _run_example(tmp_path, 30.0, "--units", "512", "--lr", "3e-3",
                          "--eval-every", "60")
    bpc = report["final_val_bpc"]
    print(f"held-out bits/char after {report['final_cpu_s']:.0f} CPU s: {bpc:.3f}")
    assert bpc <= 2.12, f"held-out bits/char {bpc:.3f} > 2.12 after 30 CPU minutes"

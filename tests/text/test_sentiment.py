"""Sentiment on real tweets: the recurrent model beats the majority class by 10 points."""
import numpy as np
import pytest

import nnlab
from nnlab.text.sentiment import (WordIndex, majority_accuracy, sentiment_model, split,
                                  tfidf_baseline, tokenize)


def _tweets():
    from nnlab.data import load_sentiment
    from nnlab.data.datasets import DatasetNotAvailable
    try:
        return load_sentiment("tweets")
    except DatasetNotAvailable as err:  # pragma: no cover - depends on the machine
        pytest.skip(str(err))


def test_tokenize_and_word_index():
    assert tokenize("@United I LOVE it!! http://t.co/x") == \
        ["@user", "i", "love", "it", "!", "!", "<url>"]
    words = WordIndex(["a b b", "b c"], max_tokens=4)
    assert len(words) == 4 and words.index == {"b": 2, "a": 3}
    assert words.encode(["c a b"], 5).tolist() == [[0, 0, 1, 3, 2]]  # pre-padded, OOV = 1
    with pytest.raises(ValueError, match="no texts"):
        WordIndex([])


def test_recurrent_model_beats_majority_by_ten_points():
    texts, labels = _tweets()
    rng = np.random.default_rng(0)
    keep = rng.choice(len(texts), 8000, replace=False)
    (tr_x, tr_y), (te_x, te_y) = split([texts[i] for i in keep], labels[keep], 0.25, seed=0)
    words = WordIndex(tr_x, 8000)
    model = sentiment_model(len(words), 3, "gru", embedding_dim=32, units=32)
    model.compile(nnlab.optimizers.Adam(5e-3),
                  nnlab.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(words.encode(tr_x, 30), tr_y, batch_size=64, epochs=2, verbose=0)
    acc = model.evaluate(words.encode(te_x, 30), te_y, verbose=0, return_dict=True)["accuracy"]
    majority = majority_accuracy(tr_y, te_y)
    assert acc >= majority + 0.10, (acc, majority)
    assert tfidf_baseline(tr_x, tr_y, te_x, te_y) >= majority + 0.10


@pytest.mark.parametrize("bidirectional", [False, True])
def test_padding_is_masked(bidirectional):
    """Embedding(mask_zero=True): pre-, post- and no padding give the same logits."""
    import torch
    nnlab.set_seed(0)
    model = sentiment_model(20, 3, "lstm", bidirectional, 8, 8, 0.0).eval()
    x = torch.tensor([[0, 0, 0, 5, 6, 7], [5, 6, 7, 0, 0, 0], [0, 5, 6, 7, 0, 0]])
    with torch.no_grad():
        out = model(x)
        model2 = sentiment_model(20, 3, "lstm", bidirectional, 8, 8, 0.0).eval()
        model2(x[:1, 3:])  # builds it for length 3 (a Sequential fixes its input length)
        model2.set_weights(model.get_weights())
        alone = model2(x[:1, 3:])
    torch.testing.assert_close(out, alone.expand(3, -1), atol=1e-6, rtol=0)


def test_bad_cell():
    with pytest.raises(ValueError, match="cell must be 'lstm' or 'gru'"):
        sentiment_model(10, 2, cell="rnn")

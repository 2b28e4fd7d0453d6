import numpy as np

from nnlab.embeddings import neural_language_model, ngram_windows


def test_ngram_windows_do_not_cross_sentences():
    ids = np.arange(7)
    sent = np.array([0, 0, 0, 0, 1, 1, 1])
    ctx, tgt = ngram_windows(ids, sent, 2)
    assert ctx.tolist() == [[0, 1], [1, 2], [4, 5]] and tgt.tolist() == [2, 3, 6]


def test_nplm_learns_a_deterministic_sequence():
    import nnlab
    nnlab.set_seed(0)
    ids = np.tile(np.arange(8), 60)                    # 0 1 2 ... 7 0 1 ...: next word is fixed
    ctx, tgt = ngram_windows(ids, np.zeros_like(ids), 2)
    model = neural_language_model(8, context=2, embedding_dim=4, hidden=16)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(ctx, tgt, epochs=30, batch_size=32, verbose=0)
    pred = model.predict(ctx[:8], verbose=0).argmax(1)
    assert pred.tolist() == tgt[:8].tolist()
    assert tuple(model.layers[0].embeddings.shape) == (8, 4)

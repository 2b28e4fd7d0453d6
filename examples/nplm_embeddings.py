"""Where the embedding matrix comes from: Bengio et al.'s neural language model (previous 3
words -> shared Embedding -> tanh -> softmax over the next word) on Shakespeare, then the
learned Embedding weights queried like word2vec vectors.

    python examples/nplm_embeddings.py
"""
import time

import numpy as np

import nnlab
from nnlab.embeddings import KeyedVectors, Vocab, encode, load_corpus, neural_language_model
from nnlab.embeddings import ngram_windows

nnlab.set_seed(0)
start = time.perf_counter()
sentences = load_corpus("shakespeare")[:20000]                 # about 200k tokens
vocab = Vocab.build(sentences, min_count=1, max_final_vocab=1999)
words = vocab.words + ["<unk>"]                                # rare words share one id
index = {w: i for i, w in enumerate(words)}
ids, sent = encode([[w if w in index else "<unk>" for w in s] for s in sentences], index)
contexts, targets = ngram_windows(ids, sent, n=3)              # (N, 3), (N,)
print(f"{len(contexts):,} 4-grams, vocabulary {len(words):,}")

model = neural_language_model(len(words), context=3, embedding_dim=50, hidden=128)
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
model.summary()
history = model.fit(contexts, targets, epochs=3, batch_size=256, validation_split=0.1, verbose=0)
val_loss = history.history["val_loss"][-1]
print(f"validation loss {val_loss:.3f} (perplexity {np.exp(val_loss):.0f}), accuracy "
      f"{history.history['val_accuracy'][-1]:.3f}")

# the first layer's weight matrix is the table of word vectors
table = model.layers[0].embeddings.detach().cpu().numpy()     # (V, 50)
wv = KeyedVectors(words, table)
for w in ["king", "lord", "thou", "love", "good", "come", "night"]:
    print(f"{w:>6}: " + ", ".join(n for n, _ in wv.most_similar(w, topn=6)))
print(f"done in {time.perf_counter() - start:.0f} s")

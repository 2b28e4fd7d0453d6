"""Sentiment: an Embedding + LSTM/GRU/Bidirectional model vs a TF-IDF + logistic
regression baseline on the same split of tweets (3 classes) or movie reviews (2).

    PYTHONPATH=src python examples/sentiment.py [--dataset tweets] [--cell gru] [--bidirectional]
"""
import argparse
import time

import numpy as np

import nnlab
from nnlab.data import load_sentiment
from nnlab.data.datasets import SENTIMENT_CLASSES
from nnlab.text.sentiment import (WordIndex, majority_accuracy, sentiment_model, split,
                                  tfidf_baseline)

parser = argparse.ArgumentParser()
parser.add_argument("--dataset", default="tweets", choices=["tweets", "movie_reviews"])
parser.add_argument("--cell", default="lstm", choices=["lstm", "gru"])
parser.add_argument("--bidirectional", action="store_true")
parser.add_argument("--epochs", type=int, default=3)
args = parser.parse_args()

nnlab.set_seed(0)
texts, labels = load_sentiment(args.dataset)
(train_x, train_y), (test_x, test_y) = split(texts, labels, test_fraction=0.2, seed=0)
classes = SENTIMENT_CLASSES[args.dataset]
print(f"{args.dataset}: {len(train_x)} train / {len(test_x)} test, classes {classes}")

words = WordIndex(train_x, max_tokens=20000)
x_train, x_test = words.encode(train_x, 40), words.encode(test_x, 40)
model = sentiment_model(len(words), len(classes), args.cell, args.bidirectional)
model.compile("adam", nnlab.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
start = time.perf_counter()
model.fit(x_train, train_y, batch_size=64, epochs=args.epochs, verbose=0,
          validation_split=0.1)
rnn_acc = model.evaluate(x_test, test_y, verbose=0, return_dict=True)["accuracy"]
rnn_time = time.perf_counter() - start

start = time.perf_counter()
tfidf_acc = tfidf_baseline(train_x, train_y, test_x, test_y)
tfidf_time = time.perf_counter() - start
kind = ("Bidirectional " if args.bidirectional else "") + args.cell.upper()
print(f"majority class           test accuracy {majority_accuracy(train_y, test_y):.4f}")
print(f"Embedding + {kind:<13} test accuracy {rnn_acc:.4f}  ({rnn_time:.0f} s)")
print(f"TF-IDF + logistic regr.  test accuracy {tfidf_acc:.4f}  ({tfidf_time:.0f} s)")
pred = np.asarray(model.predict(x_test[:3], verbose=0)).argmax(-1)
for t, p, y in zip(test_x[:3], pred, test_y[:3]):
    print(f"  {t[:70]!r}: predicted {classes[p]}, true {classes[y]}")

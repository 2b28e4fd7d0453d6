"""Image captioning on canvases of real MNIST digits ("seven left of two above four"):
a CNN encoder + attentive LSTM decoder, held-out BLEU-4 with greedy and beam search.

    PYTHONPATH=src python examples/captioning_mnist.py [--train 6000] [--epochs 5]
"""
import argparse
import time

import torch

import nnlab
from nnlab.data import load_mnist
from nnlab.metrics import corpus_bleu
from nnlab.text.captioning import (BOS_ID, EOS_ID, CaptionModel, decode_caption, encode_captions,
                                   make_caption_set)
from nnlab.text.decoding import beam_search, greedy_decode
from nnlab.text.seq2seq import teacher_forcing_pairs

parser = argparse.ArgumentParser()
parser.add_argument("--train", type=int, default=6000)
parser.add_argument("--test", type=int, default=500)
parser.add_argument("--epochs", type=int, default=5)
args = parser.parse_args()

nnlab.set_seed(0)
(x_train, y_train), (x_test, y_test) = load_mnist()
train, train_caps = make_caption_set(x_train, y_train, args.train, seed=0)
test, test_caps = make_caption_set(x_test, y_test, args.test, seed=1)  # MNIST test digits
tgt_in, tgt_out = teacher_forcing_pairs(encode_captions(train_caps, 7), BOS_ID, EOS_ID)
images, test_images = torch.as_tensor(train), torch.as_tensor(test)
refs = [[c.split()] for c in test_caps]
print(f"{len(train)} training canvases, {len(test)} held-out; e.g. {train_caps[0]!r}")

model = CaptionModel(units=64, embedding_dim=32)
model.compile(nnlab.optimizers.Adam(3e-3, clipnorm=5.0),
              nnlab.losses.SparseCategoricalCrossentropy(from_logits=True))
start = time.perf_counter()
for epoch in range(args.epochs):
    logs = model.fit([images, tgt_in], tgt_out, batch_size=64, epochs=1, verbose=0).history
    greedy = [decode_caption(t).split() for t in greedy_decode(model, test_images, 9).tokens]
    print(f"epoch {epoch + 1}  {time.perf_counter() - start:5.0f} s  loss "
          f"{logs['loss'][-1]:.4f}  held-out BLEU-4 (greedy) {corpus_bleu(refs, greedy):.4f}",
          flush=True)

beam = [decode_caption(t).split() for t in beam_search(model, test_images, 5, 9).tokens]
exact = sum(" ".join(g) == c for g, c in zip(greedy, test_caps)) / len(test_caps)
print(f"held-out BLEU-4: greedy {corpus_bleu(refs, greedy):.4f}, beam-5 "
      f"{corpus_bleu(refs, beam):.4f}; greedy exact captions {exact:.3f}")
for i in range(4):
    print(f"  true {test_caps[i]!r:36} greedy {' '.join(greedy[i])!r}")

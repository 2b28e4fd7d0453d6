"""word2vec skip-gram on the largest shipped corpus (Shakespeare, 0.9 M tokens): nearest
neighbours, Google-analogy accuracy, a debiasing report and a PCA picture.

    python examples/word2vec_corpus.py [--corpus shakespeare] [--epochs 5] [--save w2v.safetensors]
"""
import argparse
import time

from nnlab.embeddings import Debiaser, Word2Vec, load_corpus, plot_words

ap = argparse.ArgumentParser()
ap.add_argument("--corpus", default="shakespeare")
ap.add_argument("--epochs", type=int, default=5)
ap.add_argument("--save", default=None, help="write the model here (safetensors + vocab JSON)")
ap.add_argument("--png", default="word2vec_pca.png")
args = ap.parse_args()

start = time.perf_counter()
sentences = load_corpus(args.corpus)
print(f"{args.corpus}: {len(sentences):,} sentences, {sum(map(len, sentences)):,} tokens")
model = Word2Vec(sentences, vector_size=100, window=5, min_count=5, sg=1, negative=5,
                 epochs=args.epochs, seed=0, workers=2)
print(f"vocabulary {len(model.wv):,} words; trained at {model.words_per_second:,.0f} words/s")

for word in ["king", "love", "sword", "night", "father", "gold"]:
    near = model.wv.most_similar(word, topn=6)
    print(f"{word:>7}: " + ", ".join(f"{w} {s:.2f}" for w, s in near))
for a, b, c in [("man", "king", "woman"), ("he", "his", "she"), ("father", "son", "mother")]:
    print(f"{a} : {b} :: {c} : {model.wv.most_similar(positive=[b, c], negative=[a], topn=1)[0][0]}")

score, sections = model.wv.evaluate_word_analogies()          # the Google set, 19,544 questions
total = sections[-1]
print(f"Google analogies: {100 * score:.2f} % of {len(total['correct']) + len(total['incorrect']):,}"
      f" answered (coverage {100 * total['coverage']:.1f} %)")
for s in sections[:-1]:
    n = len(s["correct"]) + len(s["incorrect"])
    if n:
        print(f"  {s['section']:<28} {100 * len(s['correct']) / n:5.1f} % of {n}")

deb = Debiaser(model.wv)
words = [w for w in ["nurse", "soldier", "servant", "captain", "cook", "doctor", "maid",
                     "knight", "beauty", "wit"] if w in model.wv]
before = deb.projection(words)
deb.neutralize(words)
deb.equalize([("woman", "man"), ("she", "he"), ("queen", "king"), ("lady", "lord")])
after = deb.projection(words)
print("projection on the gender direction, before -> after neutralising:")
print("  " + ", ".join(f"{w} {before[w]:+.3f} -> {after[w]:+.0e}" for w in words))

plot_words(model.wv, ["king", "queen", "prince", "princess", "duke", "duchess", "lord", "lady",
                      "man", "woman", "father", "mother", "son", "daughter", "brother", "sister",
                      "he", "she", "his", "her"], method="pca", path=args.png,
           groups=[0, 1] * 10, title=f"PCA of word2vec vectors ({args.corpus})")
if args.save:
    model.save(args.save)
print(f"done in {time.perf_counter() - start:.0f} s; picture in {args.png}")

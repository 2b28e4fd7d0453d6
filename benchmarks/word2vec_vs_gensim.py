"""nnlab Word2Vec vs gensim on all shipped English corpora, identical settings.

Run by hand (never in tests):  PYTHONPATH=src python benchmarks/word2vec_vs_gensim.py
Prints, for skip-gram and CBOW: corpus words/s (all tokens before min_count and
subsampling, times epochs, over wall time), Google-analogy accuracy (3CosAdd, same
vocabulary restriction, with coverage), and the Spearman correlation of the two
models' cosine similarities over a fixed list of 1,000 word pairs. A second gensim run
with another seed gives the noise floor of that correlation.

Speed is paired and interleaved: ``--rounds`` rounds each train gensim and nnlab once,
back to back, the order reversed every other round, so a neighbour's load or a slow
phase of the machine hits both. Reported per library: median words/s with the min-max
over rounds, and the median (min-max) of the per-round ratio nnlab / gensim. Accuracy
and similarity come from the first round's models.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import numpy as np
import torch
from scipy.stats import spearmanr

from nnlab.data import load_analogies
from nnlab.embeddings import Word2Vec, load_corpus
from bench_machine import describe, paired  # noqa: E402  (benchmarks/ is the script's folder)


def write_questions(path: str) -> None:
    """The Google set in questions-words.txt format, so both libraries read one file."""
    with open(path, "w") as f:
        section = None
        for a, b, c, d, s in load_analogies():
            if s != section:
                f.write(f": {s}\n")
                section = s
            f.write(f"{a} {b} {c} {d}\n")


def pair_list(words: list[str], n: int = 1000, top: int = 5000, seed: int = 0):
    rng = np.random.default_rng(seed)
    pool = words[:top]
    i, j = rng.integers(0, len(pool), (2, n * 2))
    pairs = [(pool[a], pool[b]) for a, b in zip(i, j) if a != b]
    return pairs[:n]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--modes", default="sg,cbow")
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="torch threads = nnlab workers = gensim workers (default: all cores)")
    ap.add_argument("--no-reference", action="store_true", help="skip the second gensim seed")
    ap.add_argument("--rounds", type=int, default=3, help="paired speed rounds per mode")
    args = ap.parse_args()
    from gensim.models import Word2Vec as GensimWord2Vec

    threads = args.threads
    torch.set_num_threads(threads)
    print(describe(threads))
    print(f"load before: {os.getloadavg()}  torch threads = gensim workers = {threads}")
    t = time.perf_counter()
    sentences = load_corpus()
    raw = sum(map(len, sentences))
    print(f"corpus: {len(sentences):,} sentences, {raw:,} tokens, loaded in "
          f"{time.perf_counter() - t:.1f} s")
    qpath = os.path.join(tempfile.mkdtemp(), "questions-words.txt")
    write_questions(qpath)
    settings = dict(vector_size=100, window=5, min_count=5, negative=5, sample=1e-3,
                    alpha=0.025, min_alpha=0.0001, epochs=args.epochs, seed=0, workers=threads)
    probe = Word2Vec(**settings)
    print(f"nnlab: share_negatives={probe.share_negatives} (1 = gensim's per-pair negatives), "
          f"batch_size {Word2Vec(sg=1).batch_size} skip-gram / {Word2Vec(sg=0).batch_size} CBOW")
    rows = []
    for mode in args.modes.split(","):
        sg = 1 if mode == "sg" else 0
        res, secs = {}, {"gensim": [], "nnlab": []}

        def train(name):
            t = time.perf_counter()
            if name.startswith("gensim"):
                kw = dict(settings, seed=1 if name.endswith("1") else 0)
                m = GensimWord2Vec(sentences, sg=sg, hs=0, **kw)
            else:
                m = Word2Vec(sentences, sg=sg, **settings)
            return m, time.perf_counter() - t

        for r in range(args.rounds):
            for name in ("gensim", "nnlab") if r % 2 == 0 else ("nnlab", "gensim"):
                m, s = train(name)
                secs[name].append(s)
                print(f"{mode} round {r} {name}: {s:.1f} s incl. vocabulary, "
                      f"{raw * args.epochs / s:,.0f} words/s")
                if r == 0:
                    res[name] = m
        if not args.no_reference:
            res["gensim seed 1"], s = train("gensim seed 1")
            secs["gensim seed 1"] = [s]
        for name, m in res.items():
            score, sections = m.wv.evaluate_word_analogies(qpath)
            total = sections[-1]
            answered = len(total["correct"]) + len(total["incorrect"])
            res[name] = (m, secs[name], score, answered)
            print(f"{mode} {name}: analogies {score:.4f} on {answered:,}/19,544, "
                  f"vocab {len(m.wv):,}")
        g, n = res["gensim"][0], res["nnlab"][0]
        pairs = pair_list(g.wv.index_to_key)
        sims = {k: np.array([v[0].wv.similarity(a, b) for a, b in pairs]) for k, v in res.items()}
        rho = spearmanr(sims["gensim"], sims["nnlab"]).statistic
        ref = (spearmanr(sims["gensim"], sims["gensim seed 1"]).statistic
               if "gensim seed 1" in sims else float("nan"))
        same_vocab = set(g.wv.index_to_key) == set(n.wv.index_to_key)
        rows.append((mode, res, rho, ref, same_vocab))
        print(f"{mode}: Spearman nnlab~gensim {rho:.3f}, gensim~gensim(seed 1) {ref:.3f}, "
              f"same vocabulary (as a set): {same_vocab}")
    print(f"load after: {os.getloadavg()}")
    print(f"\n| mode | library | words/s (median, min-max of {args.rounds}) | nnlab / gensim "
          f"(paired) | analogy acc. | answered (coverage) | Spearman vs gensim |")
    print("|---|---|---|---|---|---|---|")
    for mode, res, rho, ref, _ in rows:
        gensim_over_nnlab = [g / n for g, n in zip(res["gensim"][1], res["nnlab"][1])]
        for name, (m, secs, score, answered) in res.items():
            wps = [raw * args.epochs / s for s in secs]
            ratio = paired(gensim_over_nnlab) if name == "nnlab" else ""
            sp = {"gensim": "1", "nnlab": f"{rho:.3f}", "gensim seed 1": f"{ref:.3f}"}[name]
            print(f"| {mode} | {name} | {statistics.median(wps):,.0f} ({min(wps):,.0f}-"
                  f"{max(wps):,.0f}) | {ratio} | {100 * score:.2f} % | "
                  f"{answered:,} ({100 * answered / 19544:.1f} %) | {sp} |")

if __name__ == "__main__":
    main()

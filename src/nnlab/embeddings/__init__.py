"""Word embeddings: word2vec (skip-gram, CBOW), GloVe, analogies, debiasing, pictures.

``from nnlab.embeddings import Word2Vec, GloVe, load_corpus`` -- see docs/embeddings.md.
gensim is the reference these are measured against; it is never imported here.
"""
from .analogies import read_analogies
from .corpus import ALL_CORPORA, encode, load_corpus, split_sentences, tokenize
from .keyed_vectors import KeyedVectors
from .vocab import NegativeSampler, Vocab
from .windows import cbow_windows, cooccurrence_pairs, skipgram_pairs
from .word2vec import Word2Vec

__all__ = ["ALL_CORPORA", "KeyedVectors", "NegativeSampler", "Vocab", "Word2Vec", "cbow_windows",
           "cooccurrence_pairs", "encode", "load_corpus", "read_analogies", "skipgram_pairs",
           "split_sentences", "tokenize"]

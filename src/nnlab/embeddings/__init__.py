"""Word embeddings: word2vec (skip-gram, CBOW), GloVe, analogies, debiasing, pictures.

``from nnlab.embeddings import Word2Vec, GloVe, load_corpus`` -- see docs/embeddings.md.
gensim is the reference these are measured against; it is never imported here.
"""
from .analogies import read_analogies
from .corpus import ALL_CORPORA, encode, load_corpus, split_sentences, tokenize
from .debias import DEFINITIONAL_PAIRS, EQUALIZE_PAIRS, OCCUPATIONS, Debiaser
from .glove import GloVe, cooccurrence_matrix
from .keyed_vectors import KeyedVectors
from .nplm import neural_language_model, ngram_windows
from .plots import plot_words, project_words
from .vocab import NegativeSampler, Vocab
from .windows import cbow_windows, cooccurrence_pairs, skipgram_pairs
from .word2vec import Word2Vec

__all__ = ["ALL_CORPORA", "DEFINITIONAL_PAIRS", "Debiaser", "EQUALIZE_PAIRS", "GloVe",
           "KeyedVectors", "NegativeSampler", "OCCUPATIONS", "Vocab", "Word2Vec", "cbow_windows",
           "cooccurrence_matrix", "cooccurrence_pairs", "encode", "load_corpus",
           "neural_language_model", "ngram_windows", "plot_words", "project_words",
           "read_analogies", "skipgram_pairs", "split_sentences", "tokenize"]

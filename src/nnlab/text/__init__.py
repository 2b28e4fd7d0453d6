"""Text and sequence helpers (floor 3): character vocabularies, truncated-BPTT batches;
in submodules, the character language model and sampling (``nnlab.text.char_lm``), dates
translation with an attentive encoder-decoder and beam search (``nnlab.text.seq2seq``),
sentiment and captioning. Submodules are imported explicitly to keep this light.
"""
from .tbptt import tbptt_batches
from .vocab import CharVocabulary

__all__ = ["CharVocabulary", "tbptt_batches"]

"""Text and sequence helpers: character vocabularies, truncated-BPTT batches (and, from
other modules, language models and seq2seq). Import explicitly: ``import nnlab.text``."""
from .tbptt import tbptt_batches
from .vocab import CharVocabulary

__all__ = ["CharVocabulary", "tbptt_batches"]

"""Sequence and text models (floor 3): character language model and sampling, dates
translation with an attentive encoder-decoder and beam search, sentiment, captioning.

Import the submodules: ``from nnlab.text.char_lm import CharLM``,
``from nnlab.text.seq2seq import Seq2Seq`` ... (kept light: nothing is imported here).
"""

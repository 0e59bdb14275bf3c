#!/usr/bin/env bash
# Makes the Python environment of the peer benchmark (tools/bench/compare.py): llama-cpp-python
# (compiles llama.cpp from source: a plain CPU build for this machine, no BLAS, no GPU), gguf,
# numpy. Nothing of it is committed. Slow on a small machine (~1 h on 2 busy cores).
#   tools/bench/setup_venv.sh [VENV_DIR]    (default: ~/bench-venv)
set -euo pipefail
venv="${1:-$HOME/bench-venv}"
python3 -m venv "$venv"
CMAKE_ARGS="-DGGML_NATIVE=ON -DGGML_BLAS=OFF -DGGML_CUDA=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" \
CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" \
  "$venv/bin/pip" install llama-cpp-python gguf numpy
echo "ready: $venv/bin/python tools/bench/compare.py --build <release build dir>"

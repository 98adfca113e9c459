#!/usr/bin/env bash
# Issue 22's GPU measurements as one prepared run on a lent device machine (the `device` tool):
#     run(command="bash benchmarks/gpu_checks.sh", timeout_s=540)
# Its python3 holds torch, numpy, pandas, matplotlib, safetensors and tqdm: all that training needs. The
# package's other requirements (SimpleITK alone is 53 MB) do not fit beside the working tree in what a call
# carries, so the notebooks' `#| cuda` cells, which run under nbdev, are not run here. What this measures:
# one `paper` and one `extended` run alone, and 8 and 16 runs stacked (bench_many.py), as rows to append to
# prostate_gan_nb/assets/results/together.csv, which the training page and the README's targets read.
# On this machine: DEVICE=cpu ITERS=3 KS=1 PYTHON=.venv/bin/python bash benchmarks/gpu_checks.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
out=${OUT:-/tmp/gpu-checks}; mkdir -p "$out"
device=${DEVICE:-cuda}
if [ "$device" = cuda ]; then nvidia-smi --query-gpu=name,driver_version --format=csv | tee "$out/gpu.txt"; fi
"${PYTHON:-python3}" benchmarks/bench_many.py --device "$device" --iters "${ITERS:-300}" --warmup 20 \
    --ks ${KS:-1 8 16} --presets paper extended --csv "$out/together_gpu.csv" 2>&1 | tee "$out/bench_many.log"

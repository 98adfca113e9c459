#!/usr/bin/env bash
# The GPU checks of issue 22 as one prepared run on a lent device machine (the `device` tool). Here, first:
#     python3 -m pip download --no-deps "fastcore<1.15" -d .whl      # the one package the image lacks
#     run(command="bash benchmarks/gpu_checks.sh", carry=[".whl"], timeout_s=540)
# Its python3 holds torch, numpy, pandas, matplotlib, safetensors and tqdm: all that training needs. The
# package's other requirements (SimpleITK alone is 53 MB) do not fit beside the working tree in what a call
# carries, so nbdev does not run there; what runs:
# 1. the CUDA graph page's cells, its `#| cuda` checks included (benchmarks/notebook_cells.py: recorded
#    against unrecorded runs, repeat and resume, and the recorded speed), log in $OUT/graphs.log;
# 2. bench_many.py: one `paper` and one `extended` run alone, 1, 8 and 16 runs stacked, and the same
#    recorded as a CUDA graph, as rows to append to prostate_gan_nb/assets/results/together.csv, which the
#    training page and the README's targets read.
# On this machine: DEVICE=cpu ITERS=3 KS=1 PYTHON=.venv/bin/python bash benchmarks/gpu_checks.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
python=${PYTHON:-python3}
if [ -d .whl ]; then
    "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl
    export PYTHONPATH=$PWD:/tmp/site
fi
out=${OUT:-/tmp/gpu-checks}; mkdir -p "$out"
device=${DEVICE:-cuda}
graph=--graph
if [ "$device" = cuda ]; then
    nvidia-smi --query-gpu=name,driver_version --format=csv | tee "$out/gpu.txt"
    "$python" benchmarks/notebook_cells.py nbs/05c_graphs.ipynb 2>&1 | tee "$out/graphs.log"
else graph=; fi
"$python" benchmarks/bench_many.py --device "$device" --iters "${ITERS:-300}" --warmup 20 $graph \
    --ks ${KS:-1 8 16} --presets paper extended --csv "$out/together_gpu.csv" 2>&1 | tee "$out/bench_many.log"

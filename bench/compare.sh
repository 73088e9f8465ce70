#!/usr/bin/env bash
# Side by side, in one run: falcon-h1r's backends, ojAlgo and numpy (OpenBLAS) on the same shapes
# and thread count. Prints a Markdown table with ratios to numpy (the rows BENCHMARKS.md records).
#
#   bench/compare.sh                 # all shapes, $(nproc) threads, simd + opencl + ojalgo + numpy
#   THREADS=1 SHAPES="1024x1024x1024" IMPLS="simd" bench/compare.sh
#
# numpy comes from $FALCON_PYTHON, else ~/.venvs/falcon-h1r/bin/python, else python3.
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for the numpy run alone: set, they make a current
# OpenBLAS pick a slow kernel (see the env notes); nothing else changes them.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
threads=${THREADS:-$(nproc)}
shapes=${SHAPES:-"1024x1024x1024 512x2048x2048 64x1024x1024 1x4096x4096"}
impls=${IMPLS:-"simd opencl ojalgo"}
warmup=${WARMUP:-2}
seconds=${SECONDS_PER_RUN:-4}
py=${FALCON_PYTHON:-}
if [ -z "$py" ]; then
    if [ -x "$HOME/.venvs/falcon-h1r/bin/python" ]; then py="$HOME/.venvs/falcon-h1r/bin/python"; else py=python3; fi
fi
"$py" -c "import numpy" 2>/dev/null || { echo "compare.sh: $py has no numpy (pip install -r fixtures/requirements.txt)" >&2; exit 1; }

gflops() { sed -n 's/.*GFLOP\/s: \([0-9.]*\)$/\1/p'; }
gbs() { sed -n 's/.*GB\/s: \([0-9.]*\), GFLOP.*/\1/p'; }

"$root/bin/falcon-h1r" info
echo "numpy: $("$py" -c 'import numpy; c=numpy.show_config(mode="dicts"); print(numpy.__version__, c["Build Dependencies"]["blas"]["name"], c["Build Dependencies"]["blas"].get("version",""))')"
echo
printf '| shape (m×n×k) | impl | GFLOP/s | GB/s | vs numpy |\n|---|---|---|---|---|\n'
for s in $shapes; do
    IFS=x read -r m n k <<< "$s"
    np_line=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" \
        "$py" "$root/bench/numpy_matmul.py" "$m" "$n" "$k" "$warmup" "$seconds")
    np_gf=$(echo "$np_line" | gflops)
    printf '| %s | numpy (OpenBLAS) | %s | %s | 1.00 |\n' "$s" "$np_gf" "$(echo "$np_line" | gbs)"
    for impl in $impls; do
        line=$("$root/bin/falcon-h1r" bench matmul --m "$m" --n "$n" --k "$k" --backend "$impl" \
            --threads "$threads" --warmup "$warmup" --seconds "$seconds" 2>/dev/null)
        gf=$(echo "$line" | gflops)
        name=$(echo "$line" | awk '{print $2}')
        printf '| %s | %s | %s | %s | %.2f |\n' "$s" "$name" "$gf" "$(echo "$line" | gbs)" "$(awk -v a="$gf" -v b="$np_gf" 'BEGIN{print a/b}')"
    done
done

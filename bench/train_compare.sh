#!/usr/bin/env bash
# Side by side, in one run: `falcon-h1r bench train` (Java, simd backend) and bench/train_torch.py
# (transformers FalconH1ForCausalLM, PyTorch CPU eager, fp32) on the same random-initialised configs,
# batch, sequence length, steps and thread count: one training step = forward, token cross-entropy
# over the B·(L−1) next-token predictions, backward, clip_grad_norm_(1.0), AdamW. Prints a Markdown
# table with the ratio Java/PyTorch of the median tokens/s.
#
#   bench/train_compare.sh                                    # tiny (0.16M) and ~20M configs
#   CONFIGS="bench/falcon_h1_20m.json" BATCH=4 SEQ=256 STEPS=5 THREADS=2 WARMUP=10 bench/train_compare.sh
#
# Both sides warm up untimed for WARMUP seconds (at least one step; default 10): the JVM spends the
# first seconds compiling (C2), which at the tiny config's ~50 ms steps would otherwise be most of a
# 5-step measurement. WARMUP=0 is the one-warm-up-step protocol of the scripts' defaults.
#
# Python comes from $FALCON_PYTHON, else ~/.venvs/falcon-h1r/bin/python, else python3.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
configs=${CONFIGS:-"$root/bench/falcon_h1_tiny.json $root/bench/falcon_h1_20m.json"}
threads=${THREADS:-$(nproc)}
batch=${BATCH:-4}
seq=${SEQ:-256}
steps=${STEPS:-5}
warmup=${WARMUP:-10}
split=${SPLIT:-sequences}
backend=${BACKEND:-simd}
py=${FALCON_PYTHON:-}
if [ -z "$py" ]; then
    if [ -x "$HOME/.venvs/falcon-h1r/bin/python" ]; then py="$HOME/.venvs/falcon-h1r/bin/python"; else py=python3; fi
fi
"$py" -c "import torch, transformers" 2>/dev/null || { echo "train_compare.sh: $py has no torch/transformers" >&2; exit 1; }

field() { sed -n "s/.*$1: \([0-9.]*\).*/\1/p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a/b; else print "-" }'; }

"$root/bin/falcon-h1r" info
echo
rows=()
for config in $configs; do
    j=$("$root/bin/falcon-h1r" bench train --config "$config" --batch "$batch" --seq "$seq" --steps "$steps" \
        --warmup-seconds "$warmup" --split "$split" --backend "$backend" --threads "$threads")
    t=$(OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" "$py" "$root/bench/train_torch.py" "$config" \
        --batch "$batch" --seq "$seq" --steps "$steps" --warmup-seconds "$warmup" --threads "$threads" 2>/dev/null)
    echo "$j" >&2
    echo "$t" >&2
    params=$(echo "$t" | sed -n 's/.*params=\([0-9.]*M\).*/\1/p')
    layers=$(echo "$t" | sed -n 's/.*layers=\([0-9]*\).*/\1/p')
    jt=$(echo "$j" | field "train tok\/s"); jl=$(echo "$j" | field "loss"); jm=$(echo "$j" | field "peak heap MiB")
    tt=$(echo "$t" | field "train tok\/s"); tl=$(echo "$t" | field "loss"); tm=$(echo "$t" | field "peak RSS MiB")
    rows+=("| $(basename "$config") | $params | $layers | $jt | $tt | **$(ratio "$jt" "$tt")** | $jl | $tl | $jm | $tm |")
done
echo
echo "batch $batch × seq $seq, Java $backend f32 split=$split, PyTorch fp32 eager, $threads threads, median of $steps steps after $warmup s of warm-up steps (at least one)"
echo
echo "| config | params | layers | Java train tok/s | PyTorch train tok/s | Java/PyTorch | Java loss | PyTorch loss | Java peak heap MiB | PyTorch peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"

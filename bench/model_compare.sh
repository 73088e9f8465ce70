#!/usr/bin/env bash
# Side by side, in one run: `falcon-h1r bench model` (Java, simd backend) and bench/model_torch.py
# (transformers FalconH1ForCausalLM, PyTorch CPU, fp32, eager) on the same random-initialised config,
# prompt, decode steps, batch and thread count. Prints a Markdown table with ratios Java/PyTorch.
#
#   bench/model_compare.sh                                   # Falcon-H1-0.5B shapes (36 layers)
#   CONFIG=bench/falcon_h1_0p5b_6layers.json bench/model_compare.sh     # same widths, 6 layers (fast)
#   BATCHES="1 16" PROMPT=512 PROMPT_B16=64 DECODE=32 REPEATS=3 THREADS=2 bench/model_compare.sh
#   DTYPE=bf16 bench/model_compare.sh          # Java with packed bf16 weights (PyTorch stays fp32)
#
# PROMPT_B16 is the prompt length for batch > 1 (default: PROMPT): the Java model prefills rows one
# after another, so 16 × 512 tokens through 36 layers takes minutes on 2 cores.
# Python comes from $FALCON_PYTHON, else ~/.venvs/falcon-h1r/bin/python, else python3.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
config=${CONFIG:-$root/bench/falcon_h1_0p5b.json}
threads=${THREADS:-$(nproc)}
batches=${BATCHES:-"1 16"}
prompt=${PROMPT:-512}
prompt_b=${PROMPT_B16:-$prompt}
decode=${DECODE:-32}
repeats=${REPEATS:-3}
backend=${BACKEND:-simd}
dtype=${DTYPE:-f32}
py=${FALCON_PYTHON:-}
if [ -z "$py" ]; then
    if [ -x "$HOME/.venvs/falcon-h1r/bin/python" ]; then py="$HOME/.venvs/falcon-h1r/bin/python"; else py=python3; fi
fi
"$py" -c "import torch, transformers" 2>/dev/null || { echo "model_compare.sh: $py has no torch/transformers" >&2; exit 1; }

field() { sed -n "s/.*$1: \([0-9.]*\).*/\1/p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a/b; else print "-" }'; }

"$root/bin/falcon-h1r" info
echo "config: $config"
echo
rows=()
for b in $batches; do
    p=$prompt; [ "$b" -gt 1 ] && p=$prompt_b
    j=$("$root/bin/falcon-h1r" bench model --config "$config" --prompt "$p" --decode "$decode" --batch "$b" \
        --dtype "$dtype" --backend "$backend" --threads "$threads" --repeats "$repeats")
    t=$(OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" "$py" "$root/bench/model_torch.py" "$config" \
        --prompt "$p" --decode "$decode" --batch "$b" --threads "$threads" --repeats "$repeats" 2>/dev/null)
    echo "$j" >&2
    echo "$t" >&2
    jp=$(echo "$j" | field "prefill tok\/s"); jd=$(echo "$j" | field "decode tok\/s"); jm=$(echo "$j" | field "peak heap MiB")
    tp=$(echo "$t" | field "prefill tok\/s"); td=$(echo "$t" | field "decode tok\/s"); tm=$(echo "$t" | field "peak RSS MiB")
    rows+=("| $b | $p | $decode | $jp | $tp | **$(ratio "$jp" "$tp")** | $jd | $td | **$(ratio "$jd" "$td")** | $jm | $tm |")
done
layers=$(echo "$j" | sed -n 's/.*layers=\([0-9]*\).*/\1/p')
echo
echo "$layers layers, Java weights $dtype, PyTorch fp32, $threads threads, median of $repeats"
echo
echo "| batch | prompt | decode steps | Java prefill tok/s | PyTorch prefill tok/s | prefill Java/PyTorch | Java decode tok/s | PyTorch decode tok/s | decode Java/PyTorch | Java peak heap MiB | PyTorch peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"

"""The PyTorch side of bench/model_compare.sh: times transformers' FalconH1ForCausalLM exactly as
`falcon-h1r bench model` times the Java model, and prints one line in the same format.

    python bench/model_torch.py CONFIG.json [--prompt 512] [--decode 32] [--batch 1] [--threads N]
                                [--seed 0] [--repeats 1]

Random init (transformers' own initialisation; not the Java weights: only the shapes matter for
speed), fp32, eager attention, torch.inference_mode(), torch.set_num_threads(N). One untimed
warm-up (a min(prompt, 64)-token prefill and 4 decode steps, batch 1). Then, per repeat:
  prefill = one forward of input_ids [B, L] with use_cache=True and logits_to_keep=1 (last position's
            logits only, as the Java side's prefillLast), into a fresh cache;
  decode  = `decode` steps, each the argmax of the last logits fed as input_ids [B, 1] with the
            returned cache (transformers' single-token recurrent Mamba path and KV-cache attention).
Rates count all B rows; medians over repeats. Peak memory: the process's max RSS (ru_maxrss), which
includes the Python/torch runtime, not a heap figure like the Java side's.
"""
import argparse
import resource
import statistics
import time

import torch
import transformers
from transformers import FalconH1Config, FalconH1ForCausalLM


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--prompt", type=int, default=512)
    ap.add_argument("--decode", type=int, default=32)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=1)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    cfg = FalconH1Config.from_json_file(a.config)      # decodes {"__float__": "Infinity"}
    cfg._attn_implementation = "eager"
    model = FalconH1ForCausalLM(cfg).to(torch.float32).eval()
    params = sum(p.numel() for p in model.parameters())
    vocab = cfg.vocab_size
    gen = torch.Generator().manual_seed(a.seed + 1)

    def ids(b, n):
        return torch.randint(1, vocab, (b, n), generator=gen)

    def one(batch, prompt, decode):
        x = ids(batch, prompt)
        t0 = time.perf_counter()
        out = model(input_ids=x, use_cache=True, logits_to_keep=1)
        t1 = time.perf_counter()
        cache, logits = out.cache, out.logits
        for _ in range(decode):
            nxt = logits[:, -1, :].argmax(-1, keepdim=True)
            out = model(input_ids=nxt, cache=cache, use_cache=True)
            cache, logits = out.cache, out.logits
        t2 = time.perf_counter()
        assert cache.get_seq_length() == prompt + decode, cache.get_seq_length()
        return t1 - t0, t2 - t1

    with torch.inference_mode():
        one(1, min(a.prompt, 64), 4)                    # warm-up
        pre, dec = [], []
        for _ in range(a.repeats):
            tp, td = one(a.batch, a.prompt, a.decode)
            pre.append(a.batch * a.prompt / tp)
            dec.append(a.batch * a.decode / td if a.decode else 0.0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"model torch-{torch.__version__}/transformers-{transformers.__version__} layers={cfg.num_hidden_layers} "
          f"params={params / 1e6:.1f}M prompt={a.prompt} decode={a.decode} batch={a.batch} dtype=f32 "
          f"threads={torch.get_num_threads()} repeats={a.repeats}: prefill tok/s: {statistics.median(pre):.2f}, "
          f"decode tok/s: {statistics.median(dec):.2f}, weights MiB: {params * 4 / 1048576:.0f}, "
          f"peak RSS MiB: {rss:.0f}")


if __name__ == "__main__":
    main()

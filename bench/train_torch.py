"""The PyTorch side of bench/train_compare.sh: times one training step of transformers'
FalconH1ForCausalLM (forward, backward, gradient clipping, AdamW) exactly as `falcon-h1r bench
train` times the Java model, and prints one line in the same format.

    python bench/train_torch.py CONFIG.json [--batch 4] [--seq 256] [--steps 5] [--threads N] [--seed 0]
                                            [--warmup-seconds 0]

Random init (transformers' own; only the shapes matter for speed), fp32, eager attention, train
mode (no dropout in Falcon-H1; mamba_ssm is absent, so the Mamba branch runs the reference torch
code, as on any CPU install), torch.set_num_threads(N). A step: logits of input_ids [B, L], token
cross-entropy of the next token averaged over the B·(L−1) predictions, backward, clip_grad_norm_(1.0),
AdamW(lr 1e-4, betas (0.9, 0.95), weight decay 0.1), zero_grad. Untimed warm-up: one step, then more
until --warmup-seconds have passed (as `falcon-h1r bench train --warmup-seconds`); then `steps` timed
steps; tokens/s = B·L / step time, median over the steps. Peak memory: the process's max RSS
(ru_maxrss), runtime included.
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
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--warmup-seconds", type=float, default=0.0)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    cfg = FalconH1Config.from_json_file(a.config)
    cfg._attn_implementation = "eager"
    model = FalconH1ForCausalLM(cfg).to(torch.float32).train()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.1)
    gen = torch.Generator().manual_seed(a.seed + 1)

    def step():
        ids = torch.randint(1, cfg.vocab_size, (a.batch, a.seq), generator=gen)
        t0 = time.perf_counter()
        logits = model(input_ids=ids).logits
        loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, cfg.vocab_size), ids[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return time.perf_counter() - t0, loss.item()

    warmup_end, warmup = time.perf_counter() + a.warmup_seconds, 0
    while warmup == 0 or time.perf_counter() < warmup_end:       # warm-up
        step()
        warmup += 1
    rates, last = [], 0.0
    for _ in range(a.steps):
        dt, last = step()
        rates.append(a.batch * a.seq / dt)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"train torch-{torch.__version__}/transformers-{transformers.__version__} layers={cfg.num_hidden_layers} "
          f"params={params / 1e6:.1f}M batch={a.batch} seq={a.seq} threads={torch.get_num_threads()} "
          f"warmup={warmup} steps={a.steps}: train tok/s: {statistics.median(rates):.2f}, loss: {last:.4f}, peak RSS MiB: {rss:.0f}")


if __name__ == "__main__":
    main()

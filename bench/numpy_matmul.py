"""The numpy (OpenBLAS sgemm/sgemv) side of bench/compare.sh: times C = A @ B.T in float32 exactly
as `falcon-h1r bench matmul` does (warm-up, then per-iteration times, median reported) and prints
one line in the same format.

    OPENBLAS_NUM_THREADS=2 python bench/numpy_matmul.py M N K [warmup_s measure_s]
"""
import os
import sys
import time

import numpy as np


def main():
    m, n, k = (int(v) for v in sys.argv[1:4])
    warmup = float(sys.argv[4]) if len(sys.argv) > 4 else 2.0
    seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 3.0
    rng = np.random.default_rng(42)
    a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, k)).astype(np.float32)
    c = np.empty((m, n), dtype=np.float32)
    bt = b.T                                  # a view: OpenBLAS gets the transposed flag, no copy
    end = time.perf_counter() + warmup
    while True:
        np.matmul(a, bt, out=c)
        if time.perf_counter() >= end:
            break
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 3:
        t0 = time.perf_counter()
        np.matmul(a, bt, out=c)
        times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2]
    gbytes = 4.0 * (m * k + n * k + m * n) / med / 1e9
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "?")
    print(f"matmul numpy-{np.__version__} m={m} n={n} k={k} dtype=f32 threads={threads}: {len(times)} iters, "
          f"median {med * 1e3:.3f} ms, best {times[0] * 1e3:.3f} ms, GB/s: {gbytes:.2f}, "
          f"GFLOP/s: {2.0 * m * n * k / med / 1e9:.2f}")


if __name__ == "__main__":
    main()

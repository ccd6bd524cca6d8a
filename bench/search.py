"""Latency of one identify query over the in-memory gallery index at 10k, 100k and 1M subjects.

    .venv/bin/python bench/search.py [--sizes 10000 100000 1000000] [--queries 200] [--threads 2]

Random unit 128-D templates in the index the workers use (fp16 rows, exact brute-force scan, top 20 = the
top-k of 10 plus the re-scoring margin). A query is one call of ``CosineIndex.search``; p50 and p99 over
``--queries`` probes (each a noisy copy of a stored template), after a few warm-up queries.
"""

import argparse
import time

import numpy as np
import torch

from recognition.ml.index import CosineIndex


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    print(f"torch {torch.__version__}, {args.threads} threads; top 20 of n, fp16 rows")
    for size in args.sizes:
        index = CosineIndex(capacity=size)
        for start in range(0, size, 100_000):
            block = rng.standard_normal((min(100_000, size - start), 128)).astype(np.float32)
            block /= np.linalg.norm(block, axis=1, keepdims=True)
            index.upsert(list(range(start, start + len(block))), block, np.zeros(len(block), np.int64))
        targets = rng.integers(0, size, args.queries)
        probes = np.stack([index.vector(int(t)) for t in targets]) + 0.05 * rng.standard_normal((args.queries, 128))
        probes = (probes / np.linalg.norm(probes, axis=1, keepdims=True)).astype(np.float32)
        for probe in probes[:5]:
            index.search(probe, 20)
        times, hits = [], 0
        for probe, target in zip(probes, targets, strict=True):
            started = time.perf_counter()
            result = index.search(probe, 20)
            times.append(time.perf_counter() - started)
            hits += result[0][0] == target
        ms = np.array(times) * 1000
        print(f"n={size:>9,}: p50 {np.percentile(ms, 50):6.2f} ms   p99 {np.percentile(ms, 99):6.2f} ms   "
              f"(top-1 = the probe's source in {hits}/{len(probes)}; index {size * 128 * 2 / 2**20:.0f} MiB)")


if __name__ == "__main__":
    main()

"""Latency of one identify query: the in-memory index and the pgvector gallery, at 100k and 1M subjects.

    .venv/bin/python bench/search.py [--backend memory pgvector] [--sizes 100000 1000000] [--queries 200]
        [--ef 40 100 200 400 800] [--vectors faces|random] [--probes genuine noise] [--m 16]
        [--ef-construction 128] [--threads 2] [--json out.json]

Vectors: ``faces`` (the default) draws unit 128-D templates from the mean and covariance of real dlib face
embeddings (bench/face_stats.npz, made by bench/face_stats.py), so they spread as a real gallery does;
``random`` is uniform on the sphere, the hardest case for a graph index. A probe is a stored template moved
in a random direction: ``genuine`` (the default) moves it to a cosine drawn from the real same-person pairs in
face_stats.npz (median 0.952), as far as a returning user's new photo sits from their template; ``noise`` adds
0.05 per dimension (cosine ~0.87 to the template, farther than most strangers' photos of that person would be),
the earlier, harder setting. Timings are for the first ``--probes`` kind; recall is given for each. A query
asks for the top 20 (the top-k of 10 plus the re-scoring margin), like identify.

memory: ``CosineIndex.search`` (fp16 rows, exact scan), as before. pgvector: a throwaway PostgreSQL with
pgvector started here (``tests.services``), the table and HNSW index the migration makes (m and
ef_construction from ``recognition.vectorstore.search`` unless ``--m``/``--ef-construction`` ask for others to
compare), filled with COPY and indexed once per size (build
time, index and table size printed), then for each ``--ef`` the exact SQL identify runs
(``recognition.vectorstore.search.nearest``, ``SET LOCAL hnsw.ef_search``): p50/p99 and recall@10 against the
exact top 10 (the fraction of the true ten nearest found among the first ten returned). pgvector compares
float32 vectors; the memory index's fp16 order is also given re-scored in float32, as identify does.
"""

import argparse
import json
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import torch

from recognition.ml.index import CosineIndex
from recognition.vectorstore.search import HNSW_EF_CONSTRUCTION, HNSW_M, nearest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.services: the throwaway PostgreSQL the backend tests use

from tests.services import pgvector_server  # noqa: E402 - needs the line above

STATS = Path(__file__).with_name("face_stats.npz")
TOP = 20
BLOCK = 100_000
# The build sorts the whole graph in memory when it fits: far faster than spilling (~1.6 kB per vector at m=16).
BUILD_SETTINGS = {"maintenance_work_mem": "4GB", "max_parallel_maintenance_workers": "1",
                  "shared_buffers": "2GB", "max_wal_size": "8GB", "checkpoint_timeout": "30min"}


def draw(rng: np.random.Generator, count: int, kind: str) -> np.ndarray:
    if kind == "faces":
        stats = np.load(STATS)
        factor = np.linalg.cholesky(stats["cov"].astype(np.float64) + 1e-9 * np.eye(128))
        vectors = stats["mean"] + rng.standard_normal((count, 128)) @ factor.T
    else:
        vectors = rng.standard_normal((count, 128))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def make_probes(rng: np.random.Generator, data: np.ndarray, targets: np.ndarray, kind: str) -> np.ndarray:
    """Templates ``data[targets]`` moved in random directions, to real same-person cosines or by plain noise."""
    sources = data[targets]
    if kind == "noise":
        probes = sources + 0.05 * rng.standard_normal(sources.shape).astype(np.float32)
        return probes / np.linalg.norm(probes, axis=1, keepdims=True)
    cosines = rng.choice(np.load(STATS)["genuine"], len(sources))[:, None]
    away = rng.standard_normal(sources.shape).astype(np.float32)
    away -= (away * sources).sum(axis=1, keepdims=True) * sources  # orthogonal to the template
    away /= np.linalg.norm(away, axis=1, keepdims=True)
    return (cosines * sources + np.sqrt(1 - cosines**2) * away).astype(np.float32)


def exact_top(data: np.ndarray, probes: np.ndarray, k: int) -> np.ndarray:
    scores = probes @ data.T
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    return np.take_along_axis(top, np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1), axis=1)


def percentiles(times: list[float]) -> tuple[float, float]:
    ms = np.array(times) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def recall_at_10(found: list[list[int]], truth: np.ndarray) -> float:
    return round(sum(len(set(keys[:10]) & set(true[:10].tolist())) for keys, true in zip(found, truth, strict=True))
                 / truth[:, :10].size, 4)


def bench_memory(data: np.ndarray, probes: np.ndarray, truth: np.ndarray) -> dict:
    index = CosineIndex(capacity=len(data))
    for start in range(0, len(data), BLOCK):
        block = data[start:start + BLOCK]
        index.upsert(list(range(start, start + len(block))), block, np.zeros(len(block), np.int64))
    for probe in probes[:5]:
        index.search(probe, TOP)
    times, found, rescored = [], [], []
    for probe in probes:
        started = time.perf_counter()
        result = index.search(probe, TOP)
        times.append(time.perf_counter() - started)
        keys = np.array([key for key, _ in result])
        found.append(keys.tolist())
        rescored.append(keys[np.argsort(-(data[keys] @ probe))].tolist())  # identify re-scores in float32
    p50, p99 = percentiles(times)
    return {"p50_ms": round(p50, 2), "p99_ms": round(p99, 2), "recall_at_10": recall_at_10(found, truth),
            "recall_at_10_rescored": recall_at_10(rescored, truth),
            "index_mib": round(len(data) * 128 * 2 / 2**20)}


def bench_pgvector(url: str, data: np.ndarray, probes: dict[str, np.ndarray], truth: dict[str, np.ndarray],
                   efs: list[int], m: int, ef_construction: int) -> dict:
    import psycopg
    from pgvector.psycopg import register_vector

    table = f"gallery_{len(data)}"
    with psycopg.connect(f"{url}/postgres", autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        register_vector(conn)
        conn.execute(f"CREATE TABLE {table} (subject_id bigint PRIMARY KEY, owner_id bigint NOT NULL, "
                     "model_version_id bigint NOT NULL, embedding vector(128) NOT NULL)")
        started = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(
                f"COPY {table} (subject_id, owner_id, model_version_id, embedding) FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["bigint", "bigint", "bigint", "vector"])
            for key, vector in enumerate(data):
                copy.write_row((key, key % 1000, 1, vector))
        load_s = time.perf_counter() - started
        conn.execute(f"VACUUM ANALYZE {table}")
        started = time.perf_counter()
        conn.execute(f"CREATE INDEX {table}_hnsw ON {table} USING hnsw (embedding vector_cosine_ops) "
                     f"WITH (m = {m}, ef_construction = {ef_construction})")
        build_s = time.perf_counter() - started
        index_bytes, table_bytes = conn.execute(
            f"SELECT pg_relation_size('{table}_hnsw'), pg_total_relation_size('{table}') - "
            f"pg_relation_size('{table}_hnsw')").fetchone()
        report = {"load_s": round(load_s, 1), "build_s": round(build_s, 1), "index_mib": round(index_bytes / 2**20),
                  "table_mib": round(table_bytes / 2**20), "bytes_per_vector": round((index_bytes + table_bytes)
                                                                                      / len(data)),
                  "m": m, "ef_construction": ef_construction, "ef": {}}
        timed = next(iter(probes))
        for ef in efs:
            times, recall = [], {}
            with conn.cursor() as cursor:
                for probe in probes[timed][:5]:
                    with conn.transaction():
                        nearest(cursor, table, probe, TOP, ef_search=ef, where="model_version_id = %s", params=(1,))
                for kind, kind_probes in probes.items():
                    found = []
                    for probe in kind_probes:
                        started = time.perf_counter()
                        with conn.transaction():
                            result = nearest(cursor, table, probe, TOP, ef_search=ef, where="model_version_id = %s",
                                             params=(1,))
                        if kind == timed:
                            times.append(time.perf_counter() - started)
                        found.append([key for key, _ in result])
                    recall[kind] = recall_at_10(found, truth[kind])
            p50, p99 = percentiles(times)
            report["ef"][ef] = {"p50_ms": round(p50, 2), "p99_ms": round(p99, 2), "recall_at_10": recall[timed],
                                "recall_at_10_by_probes": recall}
            print(f"    pgvector ef_search {ef:>5}: p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   recall@10 "
                  + "   ".join(f"{value:.4f} ({kind})" for kind, value in recall.items()), flush=True)
        conn.execute(f"DROP TABLE {table}")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", nargs="+", choices=["memory", "pgvector"], default=["memory", "pgvector"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--ef", type=int, nargs="+", default=[40, 100, 200, 400, 800])
    parser.add_argument("--vectors", choices=["faces", "random"], default="faces")
    parser.add_argument("--probes", nargs="+", choices=["genuine", "noise"], default=["genuine"])
    parser.add_argument("--m", type=int, default=HNSW_M, help="HNSW m (default: the migration's)")
    parser.add_argument("--ef-construction", type=int, default=HNSW_EF_CONSTRUCTION)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads; {args.vectors} vectors; {'/'.join(args.probes)} "
          f"probes; top {TOP} of n; HNSW m={args.m} ef_construction={args.ef_construction}", flush=True)
    figures: dict = {}
    with pgvector_server(settings=BUILD_SETTINGS) if "pgvector" in args.backend else nullcontext() as url:
        for size in args.sizes:
            rng = np.random.default_rng(size)
            data = draw(rng, size, args.vectors)
            targets = rng.integers(0, size, args.queries)
            probes = {kind: make_probes(rng, data, targets, kind) for kind in args.probes}
            truth = {kind: exact_top(data, kind_probes, 10) for kind, kind_probes in probes.items()}
            timed = args.probes[0]
            figures[size] = {}
            print(f"n={size:,}", flush=True)
            if "memory" in args.backend:
                figures[size]["memory"] = found = bench_memory(data, probes[timed], truth[timed])
                print(f"    memory (exact, fp16):  p50 {found['p50_ms']:7.2f} ms   p99 {found['p99_ms']:7.2f} ms   "
                      f"recall@10 {found['recall_at_10']:.4f} ({found['recall_at_10_rescored']:.4f} re-scored "
                      f"in float32)   index {found['index_mib']} MiB", flush=True)
            if "pgvector" in args.backend:
                report = bench_pgvector(url, data, probes, truth, args.ef, args.m, args.ef_construction)
                figures[size]["pgvector"] = report
                print(f"    pgvector: COPY {report['load_s']} s, HNSW build {report['build_s']} s, index "
                      f"{report['index_mib']} MiB + table {report['table_mib']} MiB "
                      f"({report['bytes_per_vector']} B/vector)", flush=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

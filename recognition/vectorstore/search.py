"""The SQL of the pgvector gallery, on a plain DB-API cursor so the benchmark runs exactly what identify runs.

HNSW parameters: m and ef_construction are fixed when the index is built (the migration); ``ef_search`` is
set per query with ``set_config(..., true)``, i.e. ``SET LOCAL`` (the caller must be inside a transaction).
pgvector's iterative scan (``relaxed_order``) keeps a filtered query (one owner, one model version) from
returning fewer rows than asked for; the outer ``ORDER BY`` puts its slightly relaxed order right. Owners whose
gallery is small are scanned exactly (their rows through the owner index): a graph walk filtered down to a few
rows is slower and may stop before it has seen them all.
"""

from typing import Any

import numpy as np

# m=16/ef_construction=128 missed recall@10 0.99 at 1M face-like vectors even at ef_search 1000 (0.962);
# 32/256 costs ~2.7x the build and 14% more disk, and reaches 0.999 there (bench/search.py).
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 256
EXACT_SCAN_MAX_ROWS = 20_000


def vector_literal(vector: np.ndarray) -> str:
    """pgvector's text form, ``[x,y,...]``: a plain string parameter, cast to vector in the SQL."""
    return "[" + ",".join(f"{x:.8g}" for x in np.asarray(vector, dtype=np.float32).ravel()) + "]"


def nearest(cursor: Any, table: str, probe: np.ndarray, k: int, *, ef_search: int, where: str = "",
            params: tuple = (), exact: bool = False) -> list[tuple[Any, float]]:
    """The ``k`` rows (``subject_id``, cosine similarity) of ``table`` nearest ``probe``, best first; ``where``
    is an extra SQL condition with its ``params``; ``exact`` scans those rows instead of walking the graph."""
    literal = vector_literal(probe)
    condition = f"WHERE {where}" if where else ""
    if exact:  # "+ 0" keeps the planner off the HNSW index: an exact scan of the rows ``where`` selects
        order = "(embedding <=> %s::vector) + 0"
    else:
        order = "embedding <=> %s::vector"
        cursor.execute("SELECT set_config('hnsw.ef_search', %s, true), "
                       "set_config('hnsw.iterative_scan', 'relaxed_order', true)", (str(max(ef_search, k)),))
    cursor.execute(f"SELECT subject_id, similarity FROM (SELECT subject_id, 1 - (embedding <=> %s::vector) AS "
                   f"similarity FROM {table} {condition} ORDER BY {order} LIMIT %s) AS hits ORDER BY similarity DESC",
                   (literal, *params, literal, k))
    return [(key, float(sim)) for key, sim in cursor.fetchall()]

"""Minimum-cost one-to-one assignment (the Hungarian method with potentials), in numpy.

Written here because scipy is not a dependency. Each row's search is O(columns) numpy work per
step, and the matcher only ever hands it the small groups of detections and vessels that are
within reach of each other, so a scene of thousands of detections stays cheap. Ties go to the
lowest column index, so the result is a deterministic function of the matrix.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# Stands for "not allowed" in a cost matrix: large but finite, so the potentials stay finite.
FORBIDDEN = 1e9


def assign(cost: npt.NDArray[np.float64]) -> list[int]:
    """The column given to each row in an assignment of least total cost.

    ``cost`` has at most as many rows as columns; every row gets a distinct column. Callers
    that may leave a row unassigned add a column per row for that (see ``match``).
    """
    rows, cols = cost.shape
    if rows > cols:
        raise ValueError(f"assign needs rows <= columns, not {rows} x {cols}")
    # 1-based as in the classic formulation: column 0 is the virtual start of each search.
    u = np.zeros(rows + 1)
    v = np.zeros(cols + 1)
    owner = np.zeros(cols + 1, dtype=np.int64)  # row holding each column, 0 = free
    way = np.zeros(cols + 1, dtype=np.int64)
    for row in range(1, rows + 1):
        owner[0] = row
        j0 = 0
        minv = np.full(cols + 1, np.inf)
        used = np.zeros(cols + 1, dtype=bool)
        while True:
            used[j0] = True
            i0 = int(owner[j0])
            reduced = cost[i0 - 1] - u[i0] - v[1:]
            free = ~used[1:]
            better = free & (reduced < minv[1:])
            minv[1:][better] = reduced[better]
            way[1:][better] = j0
            candidates = np.where(free, minv[1:], np.inf)
            j1 = int(np.argmin(candidates)) + 1
            delta = candidates[j1 - 1]
            taken = np.nonzero(used)[0]
            u[owner[taken]] += delta
            v[taken] -= delta
            minv[1:][free] -= delta
            j0 = j1
            if owner[j0] == 0:
                break
        while j0:  # flip the augmenting path
            j1 = int(way[j0])
            owner[j0] = owner[j1]
            j0 = j1
    result = [0] * rows
    for col in range(1, cols + 1):
        if owner[col]:
            result[int(owner[col]) - 1] = col - 1
    return result

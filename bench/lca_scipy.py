"""The peer for bench/lca.ts: the same LCA solve with SciPy's SuperLU, as a whole process.

usage: lca_scipy.py T.mtx B.mtx C.mtx [--demand d.csv ...] [--intensities]
Prints JSON like `greentrade lca solve --json`: impacts (first demand), results, intensities,
plus timings in seconds of each step.
"""
import json
import sys
import time

t0 = time.perf_counter()
import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.io  # noqa: E402
import scipy.sparse.linalg  # noqa: E402

t_import = time.perf_counter() - t0


def main() -> None:
    args = sys.argv[1:]
    t_path, b_path, c_path = args[0], args[1], args[2]
    demands = [args[i + 1] for i, a in enumerate(args) if a == "--demand"]
    want_intensities = "--intensities" in args
    t = time.perf_counter()
    T = scipy.io.mmread(t_path).tocsc()
    B = scipy.io.mmread(b_path).tocsr()
    C = scipy.io.mmread(c_path).tocsr()
    t_read = time.perf_counter() - t
    t = time.perf_counter()
    lu = scipy.sparse.linalg.splu(T, permc_spec="MMD_AT_PLUS_A")
    t_factor = time.perf_counter() - t
    t = time.perf_counter()
    n = T.shape[0]
    out = {"scipy": scipy.__version__, "luNnz": int(lu.L.nnz + lu.U.nnz - n)}
    results = []
    for path in demands:
        f = np.zeros(n)
        data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
        for i, a in data:
            f[int(i)] += a
        s = lu.solve(f)
        h = C @ (B @ s)
        results.append({"demand": path, "impacts": [float(v) for v in h]})
    if results:
        out["impacts"] = results[0]["impacts"]
        out["results"] = results
    if want_intensities:
        D = (C @ B).toarray()  # indicators x activities
        N = lu.solve(np.ascontiguousarray(D.T), trans="T").T
        out["intensities"] = N.tolist()
    t_solve = time.perf_counter() - t
    out["timings"] = {"import": t_import, "read": t_read, "factor": t_factor, "solve": t_solve}
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


main()

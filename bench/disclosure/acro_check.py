"""ACRO's time on one of the benchmark's tables: `acro_check.py <table.csv>`, JSON lines out.

ACRO checks tables it builds from a DataFrame, so the published table is turned into one: one row
per cell (group, column, count), then `acro.crosstab(group, column, values=count, aggfunc='sum')`
rebuilds the same table and runs ACRO's checks for it (threshold, nk, p-ratio, zeros, ...).
Timed: the crosstab with its checks (checkMs); the CSV load and reshaping apart (loadMs).
First line, before the check (so a run the bench cuts short still has it), from inside this process: the OpenBLAS builds numpy and scipy loaded, with the
kernel (core type) each picked for this CPU and its threads, numpy's SIMD extensions, and any
BLAS/OpenMP override left in the environment (the bench unsets them for this command only).
"""
import ctypes
import json
import logging
import os
import resource
import sys
import time

# A cap on ACRO's address space (AIRLOCK_BENCH_ACRO_MEMORY_GIB, default 12), so a table too large
# for it ends in a MemoryError that the bench reports, not in the machine swapping or the OOM killer.
_cap = int(float(os.environ.get("AIRLOCK_BENCH_ACRO_MEMORY_GIB", "12")) * 2**30)
resource.setrlimit(resource.RLIMIT_AS, (_cap, _cap))

import pandas as pd

import acro

BLAS_ENV = ("OPENBLAS_", "GOTO", "OMP_", "NVPL_", "MKL_", "BLIS_", "VECLIB_", "NUMEXPR_")


def blas_libraries():
    """Each OpenBLAS in this process (as threadpoolctl finds them: the mapped libraries, asked via ctypes)."""
    found, seen = [], set()
    for line in open("/proc/self/maps"):
        path = line.split()[-1]
        if "openblas" not in os.path.basename(path) or path in seen:
            continue
        seen.add(path)
        lib = ctypes.CDLL(path)
        info = {"library": os.path.basename(path)}
        for field, suffix, restype in (("config", "get_config", ctypes.c_char_p), ("coreType", "get_corename", ctypes.c_char_p), ("threads", "get_num_threads", ctypes.c_int)):
            for name in (f"scipy_openblas_{suffix}64_", f"scipy_openblas_{suffix}", f"openblas_{suffix}64_", f"openblas_{suffix}"):
                function = getattr(lib, name, None)
                if function is not None:
                    function.restype = restype
                    value = function()
                    info[field] = value.decode() if isinstance(value, bytes) else value
                    break
        found.append(info)
    return found


def numpy_kernel():
    from numpy._core import _multiarray_umath as umath

    return {
        "numpy": np.__version__,
        "simdBaseline": list(umath.__cpu_baseline__),
        "simdFound": [f for f in umath.__cpu_dispatch__ if umath.__cpu_features__.get(f)],
        "openblas": blas_libraries(),
        "blasOverridesInEnvironment": {k: v for k, v in os.environ.items() if k.startswith(BLAS_ENV)},
    }


import numpy as np  # noqa: E402

logging.disable(logging.CRITICAL)
# First, so a run cut short by the bench's time cap still says what it ran on.
print(json.dumps({"kernel": numpy_kernel()}), flush=True)
started = time.perf_counter()
wide = pd.read_csv(sys.argv[1], index_col=0)
long = wide.stack().reset_index()
long.columns = ["group", "column", "count"]
del wide
loaded = time.perf_counter()
session = acro.ACRO(suppress=False)
table = session.crosstab(long["group"], long["column"], values=long["count"], aggfunc="sum")
done = time.perf_counter()
out = list(session.results.results.values())[-1]
print(json.dumps({
    "cells": int(table.size), "status": out.status,
    "flagged": {k: len(v) for k, v in (out.sdc.get("cells") or {}).items()},
    "loadMs": (loaded - started) * 1000, "checkMs": (done - loaded) * 1000,
    "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
}))

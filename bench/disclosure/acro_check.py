"""ACRO's time on one of the benchmark's tables: `acro_check.py <table.csv>`, one JSON line out.

ACRO checks tables it builds from a DataFrame, so the published table is turned into one: one row
per cell (group, column, count), then `acro.crosstab(group, column, values=count, aggfunc='sum')`
rebuilds the same table and runs ACRO's checks for it (threshold, nk, p-ratio, zeros, ...).
Timed: the crosstab with its checks (checkMs); the CSV load and reshaping apart (loadMs).
"""
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

logging.disable(logging.CRITICAL)
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

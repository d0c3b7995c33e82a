"""Cross-check airlock-check against ACRO on tables built from ACRO's own test data.

For each table: ACRO (``acro.ACRO(suppress=False)``) builds it from the microdata and runs its
checks; we write the same table as CSV (plus ``<table>.evidence.csv`` with N and the two largest
contributions for a magnitude table, computed from the same microdata) and run
``npx airlock-check --json`` on it. Per table we compare the verdict and, per rule ACRO implements,
the set of failing cells. A difference is either explained (we differ on purpose; the reason is
listed and, where it is cell-level, proven from the microdata) or unexplained, which makes the
exit code 1.

Run through ``tools/acro-crosscheck/run.sh`` (``npm run crosscheck:acro``), which makes the venv.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd

import acro  # noqa: E402  (installed in the cache venv by run.sh)

logging.getLogger("acro").setLevel(logging.WARNING)

# ACRO check name -> our rule name (a cell ACRO flags under the check should be in our rule's cells).
ACRO_TO_OURS = {
    "MinimumThresholdCheck": "threshold",
    "PresenceOfZeroCheck": "threshold",  # we fail zeros under threshold while zerosAreDisclosive
    "NKCheck": "nk-dominance",
    "PPercentCheck": "p-ratio",
    "MissingCheck": "missing",
}
# Our rules that ACRO 1.0.2 does not implement for tables: findings under them are extra by design.
OURS_ONLY = {
    "class-disclosure": "ACRO 1.0.2 has no class-disclosure share rule (its 'ClassDisclosure' risk is the zero-cell check only)",
    "secondary-suppression": "ACRO does not check suppressed cells for recoverability",
    "row-level": "ACRO judges only the tables it built itself, never microdata in a file",
}
NK_K = 0.90
P = 0.10
THRESHOLD = 10


@dataclass
class Case:
    name: str
    description: str
    build: Any  # (acro_session, data) -> DataFrame
    magnitude: dict | None = None  # {"values": column, "statistic": "mean"|"sum", "index": col, "columns": col}
    check_missing: bool = False
    source: str = "test_data"


@dataclass
class Comparison:
    table: str
    description: str
    acro_verdict: str
    our_verdict: str
    rules: dict = field(default_factory=dict)
    agreements: list = field(default_factory=list)
    explained: list = field(default_factory=list)
    unexplained: list = field(default_factory=list)


def cases() -> list[Case]:
    def ct(index, columns, **kw):
        return lambda a, d: a.crosstab(d[index], d[columns], **kw)

    def mag_ct(index, columns, values, stat):
        return lambda a, d: a.crosstab(d[index], d[columns], values=d[values], aggfunc=stat)

    def mag_pivot(index, columns, values, stat):
        return lambda a, d: a.pivot_table(d, index=index, columns=columns, values=values, aggfunc=stat)

    return [
        Case("freq_year_grant", "crosstab(year, grant_type): counts", ct("year", "grant_type")),
        Case("freq_year_grant_margins", "crosstab(year, grant_type, margins=True): counts with All row and column", ct("year", "grant_type", margins=True)),
        Case("freq_survivor_grant", "crosstab(survivor, grant_type): counts with zeros", ct("survivor", "grant_type")),
        Case("mean_inc_grants", "crosstab(year, grant_type, values=inc_grants, aggfunc='mean')", mag_ct("year", "grant_type", "inc_grants", "mean"),
             {"index": "year", "columns": "grant_type", "values": "inc_grants", "statistic": "mean"}),
        Case("sum_inc_grants", "pivot_table(index=year, columns=grant_type, values=inc_grants, aggfunc='sum')", mag_pivot("year", "grant_type", "inc_grants", "sum"),
             {"index": "year", "columns": "grant_type", "values": "inc_grants", "statistic": "sum"}),
        Case("sum_balance_negative", "crosstab(year, grant_type, values=balance, aggfunc='sum'): negative contributions", mag_ct("year", "grant_type", "balance", "sum"),
             {"index": "year", "columns": "grant_type", "values": "balance", "statistic": "sum"}),
        Case("mean_inc_grants_missing", "crosstab(year, grant_type, values=inc_grants, aggfunc='mean') with check_missing_values on both sides", mag_ct("year", "grant_type", "inc_grants", "mean"),
             {"index": "year", "columns": "grant_type", "values": "inc_grants", "statistic": "mean"}, check_missing=True),
        Case("nursery_recommendation_parents", "nursery: crosstab(recommendation, parents)", ct("recommendation", "parents"), source="nursery"),
        Case("nursery_finance_health", "nursery: crosstab(health, finance)", ct("health", "finance"), source="nursery"),
        Case("nursery_recommendation_children", "nursery: crosstab(recommendation, children): zeros and small cells", ct("recommendation", "children"), source="nursery"),
    ]


def label(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def fnum(x: float) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else repr(float(x))


def evidence_frame(data: pd.DataFrame, table: pd.DataFrame, spec: dict) -> tuple[pd.DataFrame, dict]:
    """N and the two largest per published cell, from the microdata; also the row counts ACRO uses."""
    rows = []
    cell_facts: dict[tuple[int, int], dict] = {}
    groups = data.groupby([spec["index"], spec["columns"]])[spec["values"]]
    for r, row_key in enumerate(table.index):
        for c, col_key in enumerate(table.columns):
            try:
                vals = groups.get_group((row_key, col_key))
            except KeyError:
                vals = pd.Series([], dtype=float)
            present = vals.dropna().sort_values(ascending=False)
            n = int(len(present))
            total = float(present.sum()) if n else 0.0
            x1 = float(present.iloc[0]) if n >= 1 else None
            x2 = float(present.iloc[1]) if n >= 2 else None
            rows.append({
                "row": label(row_key), "column": label(col_key), "contributors": n, "total": fnum(total),
                "largest": fnum(x1), "second_largest": fnum(x2), "missing": int(vals.isna().sum()),
                "smallest": fnum(float(present.iloc[-1]) if n else None), "statistic": spec["statistic"],
            })
            cell_facts[(r, c)] = {
                "rows": int(len(vals)), "contributors": n, "negative": bool((present < 0).any()), "total": total,
                "nkShare": (x1 + (x2 or 0.0)) / total if n and total > 0 else None,
            }
    return pd.DataFrame(rows), cell_facts


def acro_cells(output: Any) -> tuple[dict[str, set], dict[str, str]]:
    sdc = output.sdc or {}
    cells = {k: {tuple(x) for x in v} for k, v in (sdc.get("cells") or {}).items()}
    statuses: dict[str, str] = {}
    for part in (output.summary or "").split("\n"):
        part = part.strip()
        if ":" in part:
            check, rest = part.split(":", 1)
            rest = rest.strip()
            word = rest.split(" ")[0]
            statuses[check.strip()] = "review" if rest.startswith("Dominance not defined") else word
    return cells, statuses


def run_airlock_check(paths: list[Path], policy: Path | None, repo: Path) -> dict[str, dict]:
    cmd = ["npx", "--no-install", "airlock-check", "--json", *[str(p) for p in paths]]
    if policy:
        cmd += ["--policy", str(policy)]
    proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1, 2):
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()}")
    results = {}
    for line in proc.stdout.splitlines():
        if line.strip():
            obj = json.loads(line)
            results[Path(obj["file"]).name] = obj
    return results


def our_cells(result: dict) -> tuple[dict[str, set], dict[str, str]]:
    cells: dict[str, set] = {}
    verdicts: dict[str, str] = {}
    for f in result.get("findings", []):
        rule = f["rule"]
        cells.setdefault(rule, set()).update((c["row"], c["column"]) for c in f.get("cells", []) if "row" in c)
        prev = verdicts.get(rule)
        v = f.get("verdict", "fail")
        verdicts[rule] = v if prev is None or v == "fail" or (v == "review" and prev == "pass") else prev
    return cells, verdicts


def fmt_cells(cells: set, table: pd.DataFrame) -> list[str]:
    return [f"[{r},{c}] {label(table.index[r])}/{label(table.columns[c])}" for r, c in sorted(cells)]


def compare(case: Case, table: pd.DataFrame, acro_out: Any, ours: dict, facts: dict | None) -> Comparison:
    a_cells, a_status = acro_cells(acro_out)
    o_cells, o_verdicts = our_cells(ours)
    comp = Comparison(case.name, case.description, acro_out.status, ours["verdict"])
    negatives_in_table = bool(facts) and any(f["negative"] for f in facts.values())
    values = table.to_numpy()

    def explain(rule: str, cell: tuple[int, int], side: str) -> str | None:
        """Why a cell is failed by one tool and not the other, when we differ on purpose."""
        f = (facts or {}).get(cell)
        if rule == "threshold" and f is not None:
            # ACRO's count table counts rows (pd.crosstab without values); we count contributors.
            if side == "ours" and f["contributors"] < THRESHOLD <= f["rows"]:
                return (f"contributors, not rows: {f['rows']} rows but {f['contributors']} with a value "
                        "(missing values do not contribute)")
            if side == "acro" and f["rows"] < THRESHOLD <= f["contributors"]:
                return "contributors, not rows"
        if rule in ("nk-dominance", "p-ratio") and negatives_in_table and f is not None:
            if side == "ours" and not f["negative"]:
                return ("ACRO skips dominance in the whole table when any cell has a negative contribution "
                        "(status review, only the negative cells listed); we still check the other cells (fail closed)")
        if rule == "nk-dominance" and side == "ours" and f is not None and f["contributors"] > 0 and f["total"] <= 0:
            return ("no positive total: ACRO's share top_n_sum / sum is 0/0, NaN, which never fails; "
                    "we fail it while zeros are disclosive (ACRO's own PPercentCheck fails the same cell)")
        if rule == "nk-dominance" and f is not None and f["nkShare"] is not None and abs(f["nkShare"] - NK_K) < 1e-12:
            return "share exactly k: ACRO fails >= k, we fail only > k (a top-two share of exactly 0.90 passes)"
        if rule == "threshold" and side == "ours" and facts is None:
            v = values[cell]
            if isinstance(v, (int, float)) and v == 0 and case.magnitude is None:
                return None
        return None

    for acro_check, rule in ACRO_TO_OURS.items():
        if acro_check not in a_cells and acro_check not in a_status:
            continue
        acro_set = a_cells.get(acro_check, set())
        status = a_status.get(acro_check, "")
        compare_rule = rule
        if acro_check in ("NKCheck", "PPercentCheck") and negatives_in_table:
            # With any negative contribution in the table, ACRO's NK and PPercent checks return
            # review with the negative cells as their mask (sdcchecks.check_nk_dominance): our
            # `negative` rule's cells.
            compare_rule = "negative"
        if acro_check == "PresenceOfZeroCheck":
            # Zero cells: a subset of our threshold cells.
            ours_set = o_cells.get("threshold", set()) & acro_set if acro_set else set()
            missing = acro_set - o_cells.get("threshold", set())
            entry = {"acro": fmt_cells(acro_set, table), "ours": fmt_cells(ours_set, table), "rule": "threshold (zero cells)"}
            comp.rules[acro_check] = entry
            if missing:
                comp.unexplained.append(f"{acro_check}: ACRO flags zero cells we pass: {fmt_cells(missing, table)}")
            else:
                comp.agreements.append(f"{acro_check} = threshold on the {len(acro_set)} zero cell(s)")
            continue
        ours_set = o_cells.get(compare_rule, set())
        comp.rules[acro_check] = {"rule": compare_rule, "acroStatus": status, "acro": fmt_cells(acro_set, table), "ours": fmt_cells(ours_set, table)}
        if acro_set == ours_set:
            comp.agreements.append(f"{acro_check} = {compare_rule}: {len(acro_set)} cell(s)")
            continue
        for side, diff in (("acro", acro_set - ours_set), ("ours", ours_set - acro_set)):
            for cell in sorted(diff):
                why = explain(compare_rule, cell, side)
                who = "only ACRO" if side == "acro" else "only we"
                msg = f"{acro_check}/{compare_rule} {fmt_cells({cell}, table)[0]}: {who} flag it"
                (comp.explained if why else comp.unexplained).append(f"{msg} ({why})" if why else msg)

    # Our dominance findings on non-negative cells of a table with negatives (ACRO skipped them).
    if negatives_in_table:
        for rule in ("nk-dominance", "p-ratio"):
            for cell in sorted(o_cells.get(rule, set())):
                if not facts[cell]["negative"]:
                    comp.explained.append(f"{rule} {fmt_cells({cell}, table)[0]}: only we flag it (ACRO skips dominance in the whole table when any cell has a negative contribution; we still check the other cells: fail closed)")
    for rule, why in OURS_ONLY.items():
        if o_cells.get(rule) or rule in o_verdicts:
            comp.explained.append(f"{rule}: {fmt_cells(o_cells.get(rule, set()), table) or 'whole file'}: ours only ({why})")
    for rule in sorted(set(o_verdicts) - set(ACRO_TO_OURS.values()) - {"negative"} - set(OURS_ONLY)):
        if o_verdicts[rule] != "pass":
            comp.unexplained.append(f"{rule}: our finding ({o_verdicts[rule]}) has no ACRO counterpart and no listed reason")

    # Verdicts.
    if comp.acro_verdict != comp.our_verdict:
        if comp.unexplained:
            comp.unexplained.append(f"verdict: ACRO {comp.acro_verdict}, ours {comp.our_verdict}")
        elif comp.explained:
            comp.explained.append(f"verdict: ACRO {comp.acro_verdict}, ours {comp.our_verdict}, from the explained differences above")
        else:
            comp.unexplained.append(f"verdict: ACRO {comp.acro_verdict}, ours {comp.our_verdict} with the same cells")
    return comp


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    repo = Path(__file__).resolve().parents[2]
    data_dir = Path(args.data).resolve()
    out = Path(args.out).resolve()
    tables_dir = out / "tables"
    shutil.rmtree(out, ignore_errors=True)
    tables_dir.mkdir(parents=True)
    datasets = {
        "test_data": pd.read_csv(data_dir / "test_data.csv"),
        "nursery": pd.read_csv(data_dir / "nursery.csv"),
    }

    built = []
    for case in cases():
        session = acro.ACRO(suppress=False)
        session.config["check_missing_values"] = case.check_missing
        data = datasets[case.source]
        table = case.build(session, data)
        outputs = list(session.results.results.values())
        acro_out = outputs[-1]
        case_dir = tables_dir / ("missing" if case.check_missing else "default")
        case_dir.mkdir(exist_ok=True)
        csv = case_dir / f"{case.name}.csv"
        table.to_csv(csv)
        facts = None
        if case.magnitude:
            ev, facts = evidence_frame(data, table, case.magnitude)
            ev.to_csv(case_dir / f"{case.name}.evidence.csv", index=False)
        built.append((case, table, acro_out, csv, facts))

    ours: dict[str, dict] = {}
    for sub, policy in (("default", None), ("missing", {"checkMissingValues": True})):
        folder = tables_dir / sub
        if not folder.exists():
            continue
        policy_path = None
        if policy:
            policy_path = out / f"policy-{sub}.json"
            policy_path.write_text(json.dumps(policy))
        files = sorted(p for p in folder.iterdir() if p.suffix == ".csv")
        for name, result in run_airlock_check(files, policy_path, repo).items():
            ours[f"{sub}/{name}"] = result

    comparisons = []
    for case, table, acro_out, csv, facts in built:
        key = f"{csv.parent.name}/{csv.name}"
        if key not in ours:
            raise RuntimeError(f"airlock-check printed no result for {key}")
        comparisons.append(compare(case, table, acro_out, ours[key], facts))

    # The comparison table.
    w = max(len(c.table) for c in comparisons)
    print(f"ACRO {version('acro')} vs airlock-check, {len(comparisons)} tables (cells [row,col] 0-based in the table body)\n")
    print(f"{'table'.ljust(w)}  {'ACRO':6}  {'ours':6}  {'agree':5}  {'explained':9}  {'unexplained':11}")
    for c in comparisons:
        print(f"{c.table.ljust(w)}  {c.acro_verdict:6}  {c.our_verdict:6}  {len(c.agreements):5}  {len(c.explained):9}  {len(c.unexplained):11}")
    print()
    for c in comparisons:
        print(f"{c.table}: {c.description}")
        for line in c.agreements:
            print(f"  agree       {line}")
        for line in c.explained:
            print(f"  explained   {line}")
        for line in c.unexplained:
            print(f"  UNEXPLAINED {line}")
    not_compared = {
        "all-same": "ACRO 1.0.2 never runs AllSameValuesCheck for a table (no risk in its ontology maps to it; mode is checked for zeros only); covered by our unit tests",
        "class-disclosure": OURS_ONLY["class-disclosure"],
        "secondary-suppression": OURS_ONLY["secondary-suppression"],
        "PresenceOfLinkedTableCheck": "ACRO's reminder to review differencing by hand: status pass, no cells; nothing to compare",
    }
    print("\nnot compared:")
    for k, v in not_compared.items():
        print(f"  {k}: {v}")

    unexplained = sum(len(c.unexplained) for c in comparisons)
    report = {
        "acro": version("acro"),
        "pandas": version("pandas"),
        "data": str(data_dir),
        "policy": {"threshold": THRESHOLD, "p": P, "nkN": 2, "nkK": NK_K, "zerosAreDisclosive": True},
        "tables": [c.__dict__ for c in comparisons],
        "notCompared": not_compared,
        "unexplained": unexplained,
        "ok": unexplained == 0,
    }
    (out / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"\n{'OK' if unexplained == 0 else 'FAIL'}: {unexplained} unexplained difference(s); written to {os.path.relpath(out / 'report.json', repo)}")
    return 0 if unexplained == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Prints the reference table test/stats/mannwhitney-reference.json from scipy.

Usage: python3 test/stats/generate-reference.py > test/stats/mannwhitney-reference.json

The TypeScript tests compare kbench's statistics against these values; they never run Python.
Every input is written with repr-exact floats so JavaScript parses the very same doubles.
"""
import json
import sys

import numpy as np
import scipy
from scipy import special, stats

rng = np.random.default_rng(20261125)


def auto_method(x, y):
    """scipy 1.17's documented 'auto' rule, cross-checked against its result below."""
    pooled = np.concatenate([x, y])
    has_ties = len(np.unique(pooled)) < len(pooled)
    return "exact" if not has_ties and min(len(x), len(y)) <= 8 else "normal"


def case(name, x, y):
    x = [float(v) for v in x]
    y = [float(v) for v in y]
    method = auto_method(np.array(x), np.array(y))
    auto = stats.mannwhitneyu(x, y, alternative="two-sided", method="auto")
    explicit = stats.mannwhitneyu(
        x, y, alternative="two-sided", method="exact" if method == "exact" else "asymptotic"
    )
    if auto.pvalue != explicit.pvalue:
        sys.exit(f"case {name}: the 'auto' rule assumed here does not match scipy's")
    return {"name": name, "x": x, "y": y, "u": float(auto.statistic), "p": float(auto.pvalue), "method": method}


def rounded(values, decimals):
    return [round(float(v), decimals) for v in values]


cases = [
    case("n=m=3 full separation", [1, 2, 3], [4, 5, 6]),
    case("n=m=3 full separation, reversed", [4, 5, 6], [1, 2, 3]),
    case("n=m=3 interleaved", [1, 3, 5], [2, 4, 6]),
    case("n=m=5 full separation", [10, 11, 12, 13, 14], [20, 21, 22, 23, 24]),
    case("n=m=5 one swap", [10, 11, 12, 13, 21], [14, 20, 22, 23, 24]),
    case("scipy docs: Shier diabetes ages", [19, 22, 16, 29, 24], [20, 11, 17, 12]),
    case("n=m=1", [1], [2]),
    case("n=1 m=2", [3], [1, 2]),
    case("n=m=4 full separation", [1, 2, 3, 4], [5, 6, 7, 8]),
    case("U at n*m/2 (p capped at 1)", [1, 4, 5, 8], [2, 3, 6, 7]),
    case("identical samples, ties", [5, 5, 5], [5, 5, 5]),
    case("identical distinct samples", [1.5, 2.5, 3.5], [1.5, 2.5, 3.5]),
    case("all tied, unequal sizes", [7, 7], [7, 7, 7, 7, 7]),
    case("small with ties", [1, 2, 2, 3], [2, 3, 3, 4]),
    case("n=m=3 ties, full separation", [1, 1, 1], [2, 2, 2]),
    case("ties only within x", [1, 1, 2], [3, 4, 5]),
    case("negative values", [-3.5, -1.25, 0.0, 2.5], [-0.5, 1.0, 3.0, 4.75, 6.0]),
    case("race finishing order, n=6 m=13",
         [1, 7, 8, 9, 10, 11], [2, 3, 4, 5, 6, 12, 13, 14, 15, 16, 17, 18, 19]),
    case("n=8 m=9 exact boundary", rounded(rng.normal(10, 1, 8), 6), rounded(rng.normal(11, 1, 9), 6)),
    case("n=9 m=9 normal boundary", rounded(rng.normal(10, 1, 9), 6), rounded(rng.normal(11, 1, 9), 6)),
    case("n=9 m=8 exact (smaller side second)", rounded(rng.normal(10, 1, 9), 6), rounded(rng.normal(10.5, 1, 8), 6)),
    case("n=3 m=50 exact", rounded(rng.normal(0, 1, 3) + 1.5, 6), rounded(rng.normal(0, 1, 50), 6)),
    case("n=2 m=200 exact", rounded(rng.normal(0, 1, 2) + 2.5, 6), rounded(rng.normal(0, 1, 200), 6)),
    case("n=8 m=300 exact, strong shift", rounded(rng.normal(3, 1, 8), 7), rounded(rng.normal(0, 1, 300), 7)),
    case("n=m=30 lognormal", rounded(rng.lognormal(0, 0.3, 30), 8), rounded(rng.lognormal(0.1, 0.3, 30), 8)),
    case("n=m=30 full separation (tiny p)", list(range(1, 31)), list(range(31, 61))),
    case("n=100 m=80 lognormal", rounded(rng.lognormal(1, 0.5, 100), 8), rounded(rng.lognormal(1.05, 0.5, 80), 8)),
    case("n=m=40 integers with many ties", rng.integers(0, 6, 40).tolist(), rng.integers(1, 7, 40).tolist()),
    case("n=5 m=6 integers with ties", [3, 3, 4, 5, 5], [4, 5, 5, 6, 6, 7]),
    case("n=m=1000 normal", rounded(rng.normal(0, 1, 1000), 9), rounded(rng.normal(0.05, 1, 1000), 9)),
]

# Small exact cases of every size pair up to 8, from continuous draws (no ties).
for n in range(1, 9):
    for m in (1, 2, 5, 8, 12):
        shift = float(rng.uniform(0, 2))
        cases.append(case(f"small exact n={n} m={m}", rounded(rng.normal(shift, 1, n), 6), rounded(rng.normal(0, 1, m), 6)))

# Larger samples, with and without a shift, normal approximation.
for n, m, shift in ((10, 10, 0.0), (12, 15, 1.0), (20, 9, 0.5), (50, 50, 0.3), (9, 200, 0.8)):
    cases.append(case(f"normal approx n={n} m={m} shift={shift}", rounded(rng.normal(shift, 1, n), 6), rounded(rng.normal(0, 1, m), 6)))

normal_survival = [{"z": z, "sf": float(special.ndtr(-z))} for z in
                   (-8.0, -3.0, -1.96, -0.5, 0.0, 1e-9, 0.3, 1.0, 1.4142, 1.96, 2.5, 2.8284, 3.0, 4.0, 5.5, 8.0, 12.0, 20.0, 30.0, 37.5)]

descriptive = []
for values in ([1.0], [1.0, 2.0], [3.0, 1.0, 2.0], [10, 11, 12, 12, 13, 14, 35], [5, 5, 5, 6, 6],
               rounded(rng.lognormal(0, 0.4, 11), 6), rounded(rng.normal(100, 5, 24), 6)):
    values = [float(v) for v in values]
    descriptive.append({"xs": values, "median": float(np.median(values)),
                        "mad": float(stats.median_abs_deviation(values, scale=1.0))})

json.dump({
    "comment": "Generated by test/stats/generate-reference.py from scipy.stats.mannwhitneyu"
               "(x, y, alternative='two-sided', method='auto'); do not edit by hand, re-run the script.",
    "scipyVersion": scipy.__version__,
    "numpyVersion": np.__version__,
    "mannWhitney": cases,
    "normalSurvival": normal_survival,
    "descriptive": descriptive,
}, sys.stdout, indent=1)
sys.stdout.write("\n")

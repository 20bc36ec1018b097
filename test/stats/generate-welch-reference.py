#!/usr/bin/env python3
"""Prints test/stats/welch-reference.json from scipy: Welch's t-test (statistic, p, df, 95% CI)
and Student t tail probabilities and quantiles.

Usage: python3 test/stats/generate-welch-reference.py > test/stats/welch-reference.json

The TypeScript tests compare kbench's statistics against these values; they never run Python.
Inputs are written with repr-exact floats so JavaScript parses the very same doubles.
"""
import json

import numpy as np
import scipy
from scipy import stats

rng = np.random.default_rng(20261201)


def welch_case(name, x, y):
    x = [float(v) for v in x]
    y = [float(v) for v in y]
    # kbench tests mean(y) - mean(x); scipy's statistic is for mean(a) - mean(b), so a = y.
    res = stats.ttest_ind(y, x, equal_var=False)
    ci = res.confidence_interval(0.95)
    return {
        "name": name,
        "x": x,
        "y": y,
        "t": float(res.statistic),
        "p": float(res.pvalue),
        "df": float(res.df),
        "ciLow": float(ci.low),
        "ciHigh": float(ci.high),
    }


cases = [
    welch_case("3 vs 3 logs, 13% apart", np.log([227.6, 225.7, 223.7]), np.log([193.7, 201.3, 195.4])),
    welch_case("3 vs 3 overlapping", [1.0, 2.0, 3.0], [1.5, 2.5, 2.9]),
    welch_case("2 vs 2", [10.0, 11.0], [12.0, 12.5]),
    welch_case("unequal n and spread", [5.0, 5.1, 4.9, 5.05, 5.2, 4.8, 5.0], [5.6, 6.4, 5.1]),
]
for i in range(40):
    n = int(rng.integers(2, 12))
    m = int(rng.integers(2, 12))
    shift = float(rng.choice([0.0, 0.02, 0.1, 0.5]))
    sx = float(rng.choice([0.01, 0.05, 0.3]))
    sy = float(rng.choice([0.01, 0.05, 0.3]))
    x = rng.normal(3.0, sx, n)
    y = rng.normal(3.0 + shift, sy, m)
    welch_case_ = welch_case(f"random {i}: n={n} m={m} shift={shift}", x, y)
    cases.append(welch_case_)

t_cases = []
for df in [1.0, 1.7, 2.0, 2.7, 3.0, 4.5, 8.0, 17.3, 30.0, 120.0, 1000.0]:
    for t in [0.0, 0.3, 1.0, 2.0, 3.5, 8.0, 40.0]:
        t_cases.append({"t": t, "df": df, "twoSidedP": float(2 * stats.t.sf(t, df))})
q_cases = []
for df in [1.0, 1.7, 2.0, 2.7, 4.5, 8.0, 17.3, 120.0, 1000.0]:
    for q in [0.6, 0.8, 0.9, 0.975, 0.995, 0.99975, 0.025]:
        q_cases.append({"probability": q, "df": df, "quantile": float(stats.t.ppf(q, df))})

json.dump(
    {
        "generatedBy": f"scipy {scipy.__version__}, numpy {np.__version__}: test/stats/generate-welch-reference.py",
        "welch": cases,
        "tailProbabilities": t_cases,
        "quantiles": q_cases,
    },
    __import__("sys").stdout,
    indent=1,
)

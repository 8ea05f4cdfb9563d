"""Carryover: an engagement metric whose effect on the KPI fades over days (geometric adstock).

``adstock(x, decay)`` is ``a[t] = x[t] + decay * a[t-1]``: a unit today counts
``decay`` tomorrow, ``decay**2`` the day after. Its half-life is
``ln 0.5 / ln decay`` days. :func:`fit_adstock` chooses the decay by profile
least squares (the decay whose adstocked metric, with the controls, leaves the
smallest residual sum of squares) and gives a profile-likelihood interval.
:func:`carryover_regression` regresses the KPI on every (lagged, adstocked)
metric with weekday and trend controls and Newey-West (HAC) standard errors;
:func:`collinearity` says which metrics move together, since their separate
coefficients are then unreliable. Estimates say what *precedes* the KPI, not
what causes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import signal, stats
from statsmodels.stats.outliers_influence import variance_inflation_factor

from engagekit.tables.series import as_float
from engagekit.analyses.evidence.trend import weekday_columns

__all__ = [
    "adstock", "half_life", "fit_adstock", "carryover_regression", "newey_west_maxlags",
    "collinearity", "CollinearityReport", "ADSTOCK_COLUMNS", "CARRYOVER_COLUMNS",
]

ADSTOCK_COLUMNS = [
    "metric", "lag", "decay", "decay_ci_low", "decay_ci_high", "half_life", "half_life_ci_low",
    "half_life_ci_high", "estimate", "r_squared", "n", "method", "reason",
]
CARRYOVER_COLUMNS = [
    "term", "role", "lag", "decay", "estimate", "std_error", "ci_low", "ci_high", "p_value", "q_value", "n", "reason",
]
CONTROLS = ("weekday", "trend")
WEEKDAYS = ("Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # Monday is the reference day


def adstock(x: pd.Series | np.ndarray, decay: float) -> pd.Series | np.ndarray:
    """Geometric adstock ``a[t] = x[t] + decay * a[t-1]`` (``a[-1] = 0``).

    Parameters
    ----------
    x
        Daily values, oldest first. A missing day adds nothing to the stock and
        is itself NaN in the result.
    decay
        Share of the stock carried to the next day, in [0, 1).

    Returns
    -------
    pandas.Series or numpy.ndarray
        Same type, index and name as ``x``.
    """
    if not 0 <= decay < 1:
        raise ValueError(f"decay must lie in [0, 1), got {decay!r}")
    values = np.asarray(as_float(x) if isinstance(x, pd.Series) else x, dtype=float)
    missing = np.isnan(values)
    out = signal.lfilter([1.0], [1.0, -decay], np.where(missing, 0.0, values))
    out[missing] = np.nan
    if isinstance(x, pd.Series):
        return pd.Series(out, index=x.index, name=x.name)
    return out


def half_life(decay: float) -> float:
    """Days until a unit's carried effect halves: ``ln 0.5 / ln decay`` (0 for no carryover)."""
    if not 0 <= decay < 1:
        return float("nan")
    return 0.0 if decay == 0 else float(np.log(0.5) / np.log(decay))


def newey_west_maxlags(n: int) -> int:
    """Newey-West (1994) rule of thumb for the HAC lag truncation: ``floor(4 * (n / 100) ** (2 / 9))``."""
    return int(np.floor(4 * (n / 100) ** (2 / 9)))


def _controls(index: pd.Index, controls: Sequence[str]) -> pd.DataFrame:
    unknown = set(controls) - set(CONTROLS)
    if unknown:
        raise ValueError(f"unknown controls {sorted(unknown)}; allowed: {list(CONTROLS)}")
    out = pd.DataFrame(index=index)
    if "trend" in controls:
        out["trend"] = np.arange(len(index), dtype=float)  # KPI units per day
    if "weekday" in controls:
        week = weekday_columns(pd.DatetimeIndex(index))
        for i, name in enumerate(WEEKDAYS):
            out[f"weekday[{name}]"] = week[:, i]
    return out


def fit_adstock(
    metric: pd.Series,
    kpi: pd.Series,
    *,
    lag: int = 0,
    decays: Sequence[float] | np.ndarray = np.linspace(0, 0.95, 20),
    controls: Sequence[str] = CONTROLS,
    level: float = 0.95,
) -> pd.DataFrame:
    """Choose the adstock decay of ``metric`` for ``kpi`` by profile least squares.

    For each decay on the grid the KPI is regressed (OLS) on a constant, the
    controls and ``adstock(metric, decay)`` shifted by ``lag`` days; the decay
    with the smallest residual sum of squares wins. The interval is the
    profile-likelihood one: every grid decay whose Gaussian profile
    log-likelihood ``-n/2 * ln(RSS/n)`` is within ``chi2(1, level) / 2`` of the
    best (so its ends are limited to the grid's resolution).

    Parameters
    ----------
    metric, kpi
        Daily series on the same index.
    lag
        Days between the metric and the KPI (metric on day t - lag).
    decays
        Grid of decays in [0, 1) to profile over.
    controls
        Any of ``"weekday"`` (day-of-week dummies) and ``"trend"`` (linear).
    level
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        One row, columns :data:`ADSTOCK_COLUMNS`: the chosen ``decay``, its
        interval, ``half_life`` (days) and its interval, ``estimate`` (KPI per
        unit of adstocked metric at the chosen decay), ``r_squared``, ``n``,
        ``method`` and ``reason`` (why the row is NaN, else empty).
    """
    grid = np.asarray(decays, dtype=float)
    if grid.size == 0 or np.any((grid < 0) | (grid >= 1)):
        raise ValueError("decays must be a non-empty grid of values in [0, 1)")
    if not pd.Index(kpi.index).equals(pd.Index(metric.index)):
        raise ValueError("kpi and metric must share the same daily index")
    name = str(metric.name)
    base = _controls(metric.index, controls)
    y = as_float(kpi)
    method = f"profile least squares over {grid.size} decays; profile-likelihood {level:.0%} interval; controls: {', '.join(controls) or 'none'}"
    row = dict.fromkeys(ADSTOCK_COLUMNS, np.nan) | {"metric": name, "lag": lag, "n": 0, "method": method, "reason": ""}
    x = as_float(metric)
    ok = (x.shift(lag).notna() & y.notna()).to_numpy()
    row["n"] = int(ok.sum())
    needed = base.shape[1] + 2 + 3
    if row["n"] < needed:
        row["reason"] = f"not enough data: needs at least {needed} days with both series, has {row['n']}"
        return _adstock_row(row)
    if not x[ok].std() > 0 or not y[ok].std() > 0:
        row["reason"] = f"constant series: {name if not x[ok].std() > 0 else 'the KPI'} does not vary"
        return _adstock_row(row)
    target = y.to_numpy()[ok]
    fits = []
    for decay in grid:
        stock = adstock(x, float(decay)).shift(lag)
        design = sm.add_constant(base.assign(_stock=stock).loc[ok].to_numpy(), has_constant="add")
        fits.append(sm.OLS(target, design).fit())
    rss = np.array([f.ssr for f in fits])
    n = row["n"]
    loglik = -n / 2 * np.log(rss / n)
    best = int(np.argmax(loglik))
    inside = grid[loglik >= loglik[best] - stats.chi2.ppf(level, 1) / 2]
    row.update(
        decay=float(grid[best]), decay_ci_low=float(inside.min()), decay_ci_high=float(inside.max()),
        half_life=half_life(grid[best]), half_life_ci_low=half_life(inside.min()), half_life_ci_high=half_life(inside.max()),
        estimate=float(fits[best].params[-1]), r_squared=float(fits[best].rsquared),
    )
    return _adstock_row(row)


def _adstock_row(row: dict) -> pd.DataFrame:
    floats = {c: "float64" for c in ADSTOCK_COLUMNS if c not in ("metric", "lag", "n", "method", "reason")}
    return pd.DataFrame([row], columns=ADSTOCK_COLUMNS).astype(
        {"metric": "str", "lag": "int64", "n": "int64", "method": "str", "reason": "str", **floats})


def _per_metric(option: Mapping[str, float] | None, metrics: Sequence[str], default: float, what: str) -> dict[str, float]:
    if option is None:
        return dict.fromkeys(metrics, default)
    unknown = set(option) - set(metrics)
    if unknown:
        raise ValueError(f"{what} names unknown metrics {sorted(unknown)}; metrics are {list(metrics)}")
    return {m: option.get(m, default) for m in metrics}


def carryover_regression(
    metrics: pd.DataFrame,
    kpi: pd.Series,
    *,
    decays: Mapping[str, float] | None = None,
    lags: Mapping[str, int] | None = None,
    controls: Sequence[str] = CONTROLS,
    extra_controls: pd.DataFrame | None = None,
    maxlags: int | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Regress the KPI on every metric (lagged, adstocked) with controls; HAC standard errors.

    Parameters
    ----------
    metrics
        One column per engagement metric, indexed by day.
    kpi
        The KPI per day on the same index.
    decays
        Adstock decay per metric (e.g. from :func:`fit_adstock`); missing
        metrics, or ``None``, get 0 (no carryover).
    lags
        Lag in days per metric (metric on day t - lag); missing, or ``None``: 0.
    controls
        Any of ``"weekday"`` (six day-of-week dummies, Monday the reference)
        and ``"trend"`` (linear, per day).
    extra_controls
        Further daily regressors on the same index (paid spend, promotions).
    maxlags
        Lag truncation of the Newey-West covariance; ``None``: the rule
        :func:`newey_west_maxlags`, ``floor(4 * (n / 100) ** (2 / 9))``.
    level
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per term (``const``, each metric, each control), columns
        :data:`CARRYOVER_COLUMNS`: ``role`` (``"metric"``, ``"control"``,
        ``"intercept"``), ``lag`` and ``decay`` (metrics only), ``estimate``,
        ``std_error`` (HAC), ``ci_low``, ``ci_high``, ``p_value``, ``q_value``
        (Benjamini-Hochberg over the metrics' rows; NaN for controls), ``n`` (days
        with every value known) and ``reason`` (why a metric's row is NaN: it
        does not vary on the days used). Days with any missing value are left out.
    """
    names = list(metrics.columns)
    if not pd.Index(kpi.index).equals(pd.Index(metrics.index)):
        raise ValueError("kpi and metrics must share the same daily index")
    if extra_controls is not None and not pd.Index(extra_controls.index).equals(pd.Index(metrics.index)):
        raise ValueError("extra_controls must share the daily index of metrics")
    decay_of = _per_metric(decays, names, 0.0, "decays")
    lag_of = {m: int(v) for m, v in _per_metric(lags, names, 0, "lags").items()}
    design = pd.DataFrame({m: adstock(as_float(metrics[m]), decay_of[m]).shift(lag_of[m]) for m in names}, index=metrics.index)
    base = _controls(metrics.index, controls)
    if extra_controls is not None:
        base = pd.concat([base, as_float(extra_controls)], axis=1)
    data = pd.concat([as_float(kpi).rename("_kpi"), design, base], axis=1).dropna()
    n = len(data)
    rows = []
    constant = [m for m in names if not data[m].std() > 0] if n else names
    for m in constant:
        rows.append({"term": m, "role": "metric", "lag": lag_of[m], "decay": decay_of[m], "n": n,
                     "reason": f"constant series: {m} does not vary on the {n} days used"})
    used = [m for m in names if m not in constant]
    regressors = used + list(base.columns)
    if n <= len(regressors) + 1:
        for term in ["const", *regressors]:
            rows.append({"term": term, "role": _role(term, names), "lag": lag_of.get(term, pd.NA),
                         "decay": decay_of.get(term, np.nan), "n": n,
                         "reason": f"not enough data: needs more than {len(regressors) + 1} complete days, has {n}"})
        return _tidy(rows, names)
    lags_hac = newey_west_maxlags(n) if maxlags is None else int(maxlags)
    fit = sm.OLS(data["_kpi"], sm.add_constant(data[regressors], has_constant="add")).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags_hac})
    ci = fit.conf_int(alpha=1 - level)
    for term in fit.params.index:
        rows.append({"term": term, "role": _role(term, names), "lag": lag_of.get(term, pd.NA),
                     "decay": decay_of.get(term, np.nan), "estimate": fit.params[term], "std_error": fit.bse[term],
                     "ci_low": ci.loc[term, 0], "ci_high": ci.loc[term, 1], "p_value": fit.pvalues[term], "n": n,
                     "reason": ""})
    return _tidy(rows, names)


def _role(term: str, metrics: Sequence[str]) -> str:
    return "intercept" if term == "const" else "metric" if term in metrics else "control"


def _tidy(rows: list[dict], metrics: Sequence[str]) -> pd.DataFrame:
    table = pd.DataFrame(rows).reindex(columns=CARRYOVER_COLUMNS)
    order = {"intercept": 1, "metric": 0, "control": 2}
    rank = table["term"].map({m: i for i, m in enumerate(metrics)}).fillna(len(metrics))
    table = table.assign(_o=table["role"].map(order), _r=rank).sort_values(["_o", "_r"], kind="stable")
    table = table.drop(columns=["_o", "_r"]).reset_index(drop=True)
    table["reason"] = table["reason"].fillna("")
    tested = (table["role"] == "metric") & table["p_value"].notna()
    if tested.any():
        table.loc[tested, "q_value"] = stats.false_discovery_control(table.loc[tested, "p_value"].astype(float), method="bh")
    return table.astype({"term": "str", "role": "str", "lag": "Int64", "decay": "float64", "estimate": "float64",
                         "std_error": "float64", "ci_low": "float64", "ci_high": "float64", "p_value": "float64",
                         "q_value": "float64", "n": "int64", "reason": "str"})


@dataclass(frozen=True)
class CollinearityReport:
    """Which engagement metrics move together.

    Attributes
    ----------
    pairs
        One row per pair with ``|r| >= threshold``: ``metric_a``, ``metric_b``, ``r``.
    vif
        One row per metric: ``metric``, ``vif`` (variance inflation factor, NaN
        with a ``reason`` for a constant metric), ``moves_with`` (metrics
        correlated beyond the threshold, comma-separated), ``reason``.
    note
        The finding in plain words.
    """

    pairs: pd.DataFrame
    vif: pd.DataFrame
    note: str


def collinearity(metrics: pd.DataFrame, *, threshold: float = 0.8, vif_limit: float = 5.0) -> CollinearityReport:
    """Pairwise correlations above ``threshold`` and variance inflation factors of the metrics.

    Computed on the days where every metric is known, on the levels as they
    enter :func:`carryover_regression`. A VIF above ``vif_limit`` (or a pair
    above ``threshold``) means the regression cannot tell those metrics apart:
    their separate coefficients have wide intervals, and only their joint
    effect is well measured.

    Parameters
    ----------
    metrics
        One column per engagement metric, indexed by day.
    threshold
        Absolute Pearson correlation from which a pair is reported.
    vif_limit
        VIF from which a metric is named in the note.

    Returns
    -------
    CollinearityReport
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must lie in (0, 1], got {threshold!r}")
    data = as_float(metrics).dropna()
    varying = [m for m in data.columns if data[m].std() > 0]
    corr = data[varying].corr()
    pairs = [
        {"metric_a": a, "metric_b": b, "r": float(corr.loc[a, b])}
        for i, a in enumerate(varying) for b in varying[i + 1:] if abs(corr.loc[a, b]) >= threshold
    ]
    pairs_frame = pd.DataFrame(pairs, columns=["metric_a", "metric_b", "r"]).astype({"metric_a": "str", "metric_b": "str", "r": "float64"})
    design = sm.add_constant(data[varying].to_numpy(), has_constant="add") if varying else np.empty((0, 1))
    rows = []
    for m in data.columns:
        partners = [p["metric_b"] if p["metric_a"] == m else p["metric_a"] for p in pairs if m in (p["metric_a"], p["metric_b"])]
        if m in varying and len(data) > len(varying) + 1:
            with np.errstate(divide="ignore"):
                vif, reason = float(variance_inflation_factor(design, varying.index(m) + 1)), ""
        else:
            vif = np.nan
            reason = "constant series" if m not in varying else f"not enough data: {len(data)} complete days"
        rows.append({"metric": m, "vif": vif, "moves_with": ", ".join(partners), "reason": reason})
    vif_frame = pd.DataFrame(rows, columns=["metric", "vif", "moves_with", "reason"]).astype(
        {"metric": "str", "vif": "float64", "moves_with": "str", "reason": "str"})
    return CollinearityReport(pairs_frame, vif_frame, _note(pairs_frame, vif_frame, vif_limit))


def _note(pairs: pd.DataFrame, vif: pd.DataFrame, vif_limit: float) -> str:
    high = vif.loc[vif["vif"] > vif_limit, "metric"].tolist()
    if pairs.empty and not high:
        return "No engagement metrics move together strongly: their separate effects can be told apart."
    parts = [f"{p.metric_a} and {p.metric_b} move together (r = {p.r:.2f})" for p in pairs.itertuples()]
    if high:
        parts.append(f"variance inflation above {vif_limit:g} for {', '.join(high)}")
    return ("; ".join(parts) + ". A regression cannot separate metrics that rise and fall together: "
            "read their coefficients jointly, or keep one of them.")

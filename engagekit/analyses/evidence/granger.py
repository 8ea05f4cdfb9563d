"""Does an engagement metric help predict the KPI beyond the KPI's own past? Granger tests.

For each metric the pair (KPI, metric) is first made stationary: with
``detrend=True`` both series lose a linear trend and day-of-week effects by
least squares (:func:`engagekit.analyses.evidence.correlate.detrend`); with ``detrend=False``
both are first-differenced. The lag order ``p`` is chosen by AIC or BIC over
1..``max_lag`` on a two-variable VAR fitted on a common sample
(``statsmodels`` ``VAR.select_order``). The test is then the ssr F test of
``statsmodels.tsa.stattools.grangercausalitytests``: the KPI regressed on a
constant and its own ``p`` lags, with and without ``p`` lags of the metric.
q-values are Benjamini-Hochberg across the metrics tested. A significant
result says the metric *precedes* the KPI, never that it causes it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.tsa.api import VAR

from engagekit.analyses.evidence.correlate import detrend as _detrend
from engagekit.tables.series import as_float

__all__ = ["granger_tests", "granger_min_days", "GRANGER_COLUMNS"]

GRANGER_COLUMNS = [
    "metric", "lag", "f_stat", "df_num", "df_denom", "p_value", "q_value", "significant", "n", "method", "reason",
]

MIN_DF_RESID = 10
"""Residual degrees of freedom the largest VAR of the lag search must keep."""

_ICS = ("aic", "bic")


def granger_min_days(max_lag: int, *, detrend: bool = True, n_metrics: int = 1) -> int:
    """Fewest complete consecutive days :func:`granger_tests` needs for ``max_lag``.

    The largest regression has ``(n_metrics + 1) * max_lag + 1`` coefficients
    (a constant, ``max_lag`` lags of the KPI and of each metric in it; the
    pairwise lag search has ``n_metrics = 1``) on ``days - max_lag`` rows, and
    must keep at least ``MIN_DF_RESID`` (10) residual degrees of freedom:
    ``days >= (n_metrics + 2) * max_lag + 11``, one more when first
    differences replace detrending.
    """
    return (n_metrics + 2) * max_lag + 1 + MIN_DF_RESID + (0 if detrend else 1)


def _longest_complete_run(frame: pd.DataFrame) -> pd.DataFrame:
    both = frame.notna().all(axis=1).to_numpy()
    best_start, best_len, start = 0, 0, None
    for i, ok in enumerate(np.append(both, False)):
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            if i - start > best_len:
                best_start, best_len = start, i - start
            start = None
    return frame.iloc[best_start : best_start + best_len]


def _lagged(v: np.ndarray, p: int) -> np.ndarray:
    """Columns v[t-1], ..., v[t-p] for t = p..len(v)-1."""
    n = len(v)
    return np.column_stack([v[p - k : n - k] for k in range(1, p + 1)])


def _ssr(design: np.ndarray, target: np.ndarray) -> float:
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    resid = target - design @ coef
    return float(resid @ resid)


def _ssr_f_test(y: np.ndarray, x: np.ndarray, p: int, given: list[np.ndarray]) -> tuple[float, int, int, float]:
    """ssr F test that ``p`` lags of ``x`` add to a constant and ``p`` lags of ``y`` and of each ``given``."""
    target = y[p:]
    const = np.ones((len(target), 1))
    restricted = np.hstack([const, _lagged(y, p), *[_lagged(g, p) for g in given]])
    full = np.hstack([restricted, _lagged(x, p)])
    ssr_r, ssr_u = _ssr(restricted, target), _ssr(full, target)
    df_denom = len(target) - full.shape[1]
    f_stat = (ssr_r - ssr_u) / p / (ssr_u / df_denom)
    return float(f_stat), p, df_denom, float(stats.f.sf(f_stat, p, df_denom))


def _choose_lag(y: np.ndarray, x: np.ndarray, *, max_lag: int, ic: str) -> int:
    selection = VAR(np.column_stack([y, x])).select_order(maxlags=max_lag, trend="c")
    values = np.asarray(selection.ics[ic], dtype=float)  # index = lag order 0..max_lag
    return int(np.nanargmin(values[1:]) + 1)


def _stationary(values: pd.Series, detrend: bool) -> np.ndarray:
    return _detrend(values).to_numpy() if detrend else np.diff(values.to_numpy())


def _varies(values: pd.Series) -> bool:
    return bool(values.std() > 0)


def granger_tests(
    metrics: pd.DataFrame,
    kpi: pd.Series,
    *,
    max_lag: int = 14,
    ic: str = "aic",
    detrend: bool = True,
    conditional: bool = True,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Granger test of each engagement metric against the KPI, one row per metric.

    Parameters
    ----------
    metrics
        One column per engagement metric, indexed by day.
    kpi
        The KPI per day (aligned with ``metrics`` on the index).
    max_lag
        Largest lag order (days) the information criterion may choose.
    ic
        ``"aic"`` or ``"bic"``: the criterion choosing the lag order over
        1..``max_lag`` on the two-variable VAR (KPI, metric).
    detrend
        ``True``: remove a linear trend and day-of-week effects from every
        series (least squares). ``False``: take first differences.
    conditional
        ``True``: the lags of the *other* metrics are in both regressions, so a
        metric that only travels with another (shares with link clicks) does
        not pass. ``False``: the pairwise test of
        ``statsmodels.tsa.stattools.grangercausalitytests`` (ssr F test).
    alpha
        Level for the ``significant`` column (q-value below ``alpha``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`GRANGER_COLUMNS`: ``metric``, ``lag`` (chosen order),
        ``f_stat``, ``df_num``, ``df_denom``, ``p_value`` (ssr F test),
        ``q_value`` (Benjamini-Hochberg across the metrics tested),
        ``significant``, ``n`` (observations in the F test; the days available
        when untested), ``method`` and ``reason`` (why a row is NaN: a constant
        series or too few days; empty otherwise). The longest run of
        consecutive days where every series used is known is analysed.

    Raises
    ------
    ValueError
        ``ic`` not one of ``"aic"``, ``"bic"``; ``max_lag`` below 1; ``alpha``
        outside (0, 1); ``kpi`` index not matching ``metrics``.
    """
    if ic not in _ICS:
        raise ValueError(f"ic must be one of {_ICS}, got {ic!r}")
    if isinstance(max_lag, bool) or int(max_lag) != max_lag or max_lag < 1:
        raise ValueError(f"max_lag must be a whole number of days >= 1, got {max_lag!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie between 0 and 1, got {alpha!r}")
    if not pd.Index(kpi.index).equals(pd.Index(metrics.index)):
        raise ValueError("kpi and metrics must share the same daily index (reindex one onto the other first)")
    max_lag = int(max_lag)
    stationary = "trend + day of week removed" if detrend else "first differences"
    given_words = "given the other metrics' lags; " if conditional else "pairwise; "
    method = f"{stationary}; lag by {ic.upper()} over 1..{max_lag} (VAR); {given_words}ssr F test"
    data = as_float(metrics)
    data.insert(0, "_kpi", as_float(pd.Series(kpi, index=metrics.index)))
    # Conditioning set: metrics that vary on the days they and the KPI are known.
    usable = [m for m in metrics.columns if _varies(_longest_complete_run(data[["_kpi", m]])[m])]
    rows = []
    for name in metrics.columns:
        given = [m for m in usable if m != name] if conditional else []
        frame = _longest_complete_run(data[["_kpi", name, *given]])
        days = len(frame)
        needed = granger_min_days(max_lag, detrend=detrend, n_metrics=1 + len(given))
        row = {"metric": name, "lag": pd.NA, "f_stat": np.nan, "df_num": pd.NA, "df_denom": pd.NA,
               "p_value": np.nan, "n": days, "method": method, "reason": ""}
        if days < needed:
            row["reason"] = f"not enough data: needs at least {needed} complete consecutive days, has {days}"
        elif not _varies(frame["_kpi"]) or not _varies(frame[name]):
            row["reason"] = f"constant series: {'the KPI' if not _varies(frame['_kpi']) else name} does not vary"
        else:
            ys, xs = _stationary(frame["_kpi"], detrend), _stationary(frame[name], detrend)
            others = [_stationary(frame[m], detrend) for m in given]
            if not xs.std() > 1e-12 * (1 + np.abs(xs).max()) or not ys.std() > 1e-12 * (1 + np.abs(ys).max()):
                row["reason"] = "constant series once the trend and weekday pattern are removed"
            else:
                lag = _choose_lag(ys, xs, max_lag=max_lag, ic=ic)
                f_stat, df_num, df_denom, p = _ssr_f_test(ys, xs, lag, others)
                row.update(lag=lag, f_stat=f_stat, df_num=df_num, df_denom=df_denom, p_value=p, n=len(ys) - lag)
        rows.append(row)
    table = pd.DataFrame(rows, columns=[c for c in GRANGER_COLUMNS if c not in ("q_value", "significant")])
    table["q_value"] = np.nan
    tested = table["p_value"].notna()
    if tested.any():
        table.loc[tested, "q_value"] = multipletests(table.loc[tested, "p_value"].to_numpy(), method="fdr_bh")[1]
    table["significant"] = table["q_value"] < alpha
    table = table.astype({"lag": "Int64", "df_num": "Int64", "df_denom": "Int64", "n": "int64",
                          "metric": "str", "method": "str", "reason": "str"})
    return table[GRANGER_COLUMNS]

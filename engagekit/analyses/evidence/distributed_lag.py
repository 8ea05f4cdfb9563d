"""Which engagement metrics lead the KPI? One distributed-lag model of every metric together decides.

The model
---------
The KPI on day t is a trend, a weekly pattern and, for every metric m under
test, its engagement of the days before spread over a lag profile::

    kpi[t] = trend(t) + weekday(t) + sum_m beta_m * sum_k w_m(k) * x_m[t - k] + e[t]

``w_m`` is a **delayed geometric** kernel over lags ``0..window``: nothing
before the delay ``d_m`` (0 to ``max_lag`` days), then a share that fades
geometrically with the half-life ``h_m``, normalised to sum to one. So
``beta_m`` is the **total effect** of one unit of the metric on the KPI over
all its carryover, and the **lag profile** is ``beta_m * w_m(k)``; its peak
is at the delay.

Why this shape: 1-2 years of daily data cannot carry an unrestricted lag
block for each of four metrics that move together (4 x 29 coefficients
that collinear regressors share out at random, and whose sum, the total
effect, is then poorly measured). Real carryover starts after a delay and
fades (the adstock of media-mix models); the delayed geometric kernel says
that with two numbers, covers effects that start a week later and fade over
days, and makes the total effect a single coefficient whose Newey-West
interval is the interval of the total.

How the kernels are chosen and tested
-------------------------------------
1. The **trend** is chosen by the data (:func:`engagekit.analyses.evidence.trend.choose_trend`:
   linear, piecewise linear with up to six breaks, or a smooth spline, by
   AIC), with the fast part of the engagement beside it so that the KPI's
   dips in posting breaks are not taken for trend. A weekly pattern that
   grows with the trend is controlled by weekday x trend-level terms.
2. **Weights.** Counts vary more where they are larger (a KPI that grows
   five-fold varies more at the end), so days are weighted by the inverse of
   a variance that grows with the trend's level (``a * level + b * level**2``,
   the negative-binomial form, fitted to the squared residuals).
3. **Forward selection.** Among every metric not yet chosen and every kernel
   of the grid (:data:`HALF_LIVES` x delays ``0..max_lag``), the largest t
   statistic of a positive effect, given the metrics already chosen, is
   tested (a max-t test); if it passes at ``alpha`` its metric joins the
   leads and the search goes on. A chosen metric enters the later tests with
   its whole lag profile (its chosen kernel and the leading principal
   components of all its other kernels), so a metric that only moves with a
   lead cannot borrow a part of the lead's effect that one kernel misses.
4. **The test of each metric** is the same max-t test of that metric alone,
   given the other leads. Taking the best of many kernels would make a plain
   t test too lenient, so the p-value comes from the joint null distribution
   of the grid's t statistics (correlated as their Newey-West score
   covariance says; simulated), with HC3-type Newey-West errors. q-values
   are Benjamini-Hochberg over the metrics; a metric leads when it was chosen
   and its q-value is below ``alpha``.
5. **Metrics the data cannot separate.** A lead that is no longer
   significant once a metric moving with it (daily correlation after trend
   and weekday at least ``together_r``) enters at the same kernel cannot be
   told apart from it: the two are reported as one group, tested as the sum
   of their standardised series, with the effect of one unit of the lead
   counting the other metric that moves with it.

The total effect of a lead (or a group) and its interval (``effect +- z * se``)
come from the kernel of its test and its neighbours (one day of delay and one
step of half-life either way) fitted together: the sum of their coefficients,
so that a kernel chosen one step off does not bias the total. The kernel is
itself an estimate: the interval's variance adds the spread of the effect over
the kernels, each weighted by its likelihood against the best one, so that
data which cannot tell a short carryover from a long one say so in a wider
interval. For a metric
that does not lead, the numbers are those of the kernel of its test. The verdicts
say what *precedes* the KPI, never what causes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.sandwich_covariance import S_hac_simple

from engagekit.analyses.evidence._linalg import orthonormal, residualise
from engagekit.analyses.evidence.carryover import newey_west_maxlags
from engagekit.tables.series import as_float, as_text
from engagekit.analyses.evidence.trend import TREND_COLUMNS, choose_trend, natural_spline, weekday_columns

__all__ = ["HALF_LIVES", "LeadModel", "PROFILE_COLUMNS", "TAIL_DAYS", "TEST_COLUMNS", "kernel_grid", "lead_model"]

#: Half-lives (days) of the kernels tried for every delay; 0 puts the whole effect on the delay's day.
HALF_LIVES = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.5)

#: Days of carryover the kernels reach beyond the largest delay.
TAIL_DAYS = 21

TEST_COLUMNS = [
    "metric", "members", "kind", "selected", "delay", "half_life", "t_stat", "p_value", "q_value", "critical_t",
    "effect", "std_error", "ci_low", "ci_high", "per_unit", "together_r", "n", "reason",
]
PROFILE_COLUMNS = ["metric", "lag", "effect", "ci_low", "ci_high"]

_DRAWS = 20_000  # simulated draws of a max-t null distribution
_FAST_DAYS = 45  # engagement slower than a spline knot every this many days counts as trend when choosing it


def kernel_grid(max_lag: int, *, half_lives: tuple[float, ...] = HALF_LIVES, tail: int = TAIL_DAYS) -> tuple[pd.DataFrame, np.ndarray]:
    """The delayed geometric kernels tried: one per delay ``0..max_lag`` and half-life.

    Returns
    -------
    shapes : pandas.DataFrame
        One row per kernel: ``delay``, ``half_life`` (days), ``decay`` (share carried to the next day).
    weights : numpy.ndarray
        ``(kernels, max_lag + tail + 1)``: each kernel's weight at lags 0, 1, ...; each row sums to 1.
    """
    lags = np.arange(max_lag + tail + 1)
    rows, weights = [], []
    for delay in range(max_lag + 1):
        for h in half_lives:
            decay = 0.0 if h == 0 else 0.5 ** (1 / h)
            w = np.where(lags >= delay, decay ** np.clip(lags - delay, 0, None), 0.0) if decay else (lags == delay) * 1.0
            weights.append(w / w.sum())
            rows.append({"delay": delay, "half_life": float(h), "decay": decay})
    return pd.DataFrame(rows), np.array(weights, dtype=float)


def _lag_matrix(x: np.ndarray, window: int) -> np.ndarray:
    """``(n, window + 1)``: column k holds x[t - k] (NaN before the series starts)."""
    out = np.full((len(x), window + 1), np.nan)
    for k in range(window + 1):
        out[k:, k] = x[: len(x) - k]
    return out


def _long_run_variance(g: np.ndarray, lags: int) -> np.ndarray:
    """Newey-West (Bartlett) long-run variance of each column of the scores ``g`` (the diagonal of
    ``statsmodels``' ``S_hac_simple(g, nlags=lags)``, without the covariances)."""
    variance = (g * g).sum(axis=0)
    for j in range(1, lags + 1):
        variance += 2 * (1 - j / (lags + 1)) * (g[j:] * g[:-j]).sum(axis=0)
    return variance


@dataclass(frozen=True)
class _MaxT:
    t: np.ndarray      # t statistic of each column
    coef: np.ndarray   # each column's coefficient (the total effect of one unit at that kernel)
    se: np.ndarray     # its standard error
    best: int          # the column with the largest t
    p_value: float
    critical: float    # one-sided critical value of the maximum at the level given


def _max_t(candidates: np.ndarray, resid: np.ndarray, *, lags: int, level: float, seed: int,
           leverage: np.ndarray) -> _MaxT:
    """Max-t test that some column of ``candidates`` has a positive effect on ``resid``.

    Both are already residualised on everything else in the model (whose hat values are
    ``leverage``). Each column's t is its Wald t with Newey-West errors of HC3 type (each day's
    residual divided by one less its leverage) from the model that includes it. Under the null the
    t statistics are jointly normal, correlated as their HAC score covariance at the null model's
    residuals says; the maximum of that distribution is simulated (``_DRAWS`` draws from ``seed``),
    and the Bonferroni bound gives the far tail.
    """
    norms = (candidates * candidates).sum(axis=0)
    usable = norms > 1e-12 * max(norms.max(), 1e-300)
    norms = np.where(usable, norms, 1.0)
    coef = np.where(usable, candidates.T @ resid / norms, 0.0)
    own_leverage = np.clip(candidates * candidates / norms + leverage[:, None], 0, 0.99)
    scores = candidates * (resid[:, None] - candidates * coef) / (1 - own_leverage)
    se = np.sqrt(np.clip(_long_run_variance(scores, lags), 0, None)) / norms
    t = np.where(usable & (se > 0), coef / np.where(se > 0, se, 1.0), -np.inf)
    omega = S_hac_simple(candidates * resid[:, None], nlags=lags)
    sd = np.sqrt(np.clip(np.diag(omega), 1e-300, None))
    values, vectors = np.linalg.eigh(omega / np.outer(sd, sd))
    keep = values > 1e-8 * values.max()
    root = vectors[:, keep] * np.sqrt(values[keep])
    maxima = (np.random.default_rng(seed).standard_normal((_DRAWS, int(keep.sum()))) @ root.T).max(axis=1)
    best = int(np.argmax(t))
    simulated = (1 + np.count_nonzero(maxima >= t[best])) / (1 + _DRAWS)
    bonferroni = int(usable.sum()) * stats.norm.sf(t[best])
    return _MaxT(t=t, coef=coef, se=se, best=best, p_value=float(min(1.0, simulated, bonferroni)),
                 critical=float(np.quantile(maxima, 1 - level)))


def _span(z: np.ndarray, *, components: int) -> np.ndarray:
    """The leading principal components of a metric's kernel columns: its whole lag profile, chosen without the KPI."""
    u, s, _ = np.linalg.svd(z, full_matrices=False)
    if not s.size or s[0] <= 0:
        return np.zeros((len(z), 0))
    keep = min(components, int(np.searchsorted(np.cumsum(s**2) / np.sum(s**2), 0.9999) + 1))
    return u[:, :keep] * s[:keep]


def _neighbours(shapes: pd.DataFrame, k: int, half_lives: tuple[float, ...]) -> list[int]:
    """Kernel ``k`` and those one day of delay and one step of half-life from it."""
    order = {h: i for i, h in enumerate(half_lives)}
    delay, step = shapes.loc[k, "delay"], order[shapes.loc[k, "half_life"]]
    near = (shapes["delay"] - delay).abs().le(1) & (shapes["half_life"].map(order) - step).abs().le(1)
    return list(np.flatnonzero(near.to_numpy()))



def _choice_sd(result: _MaxT) -> float:
    """The spread of the total effect over the kernels the data cannot rule out: the standard deviation
    of each kernel's effect, weighted by its likelihood relative to the best (``exp((t**2 - t_best**2) / 2)``,
    kernels with a positive effect). Added to the interval's variance, it counts the uncertainty of the
    kernel's choice, which the fit at the chosen kernel alone leaves out."""
    t = np.where(np.isfinite(result.t) & (result.t > 0), result.t, np.nan)
    if not np.isfinite(t).any():
        return 0.0
    weight = np.nan_to_num(np.exp(0.5 * (t**2 - np.nanmax(t) ** 2)))
    weight /= weight.sum()
    mean = float((weight * result.coef).sum())
    return float(np.sqrt((weight * (result.coef - mean) ** 2).sum()))


def _bh(p: list[float]) -> list[float]:
    return list(stats.false_discovery_control(np.asarray(p, dtype=float), method="bh")) if p else []


@dataclass(frozen=True)
class LeadModel:
    """The joint distributed-lag model of the KPI on every metric under test.

    Attributes
    ----------
    kpi
        The KPI's name.
    tests
        One row per metric and per group tested (:data:`TEST_COLUMNS`): ``kind`` ("metric" or
        "group"), ``members`` (the group's metrics, comma-separated), ``selected`` (chosen by the
        forward selection; a metric leads when selected with ``q_value`` below ``alpha`` and a
        positive effect), the kernel of the test
        (``delay`` = the peak lag, ``half_life``), the max-t test (``t_stat``, ``p_value``,
        ``q_value``, ``critical_t`` at the Bonferroni share of ``alpha``), the total effect of one
        unit (``effect``, ``std_error``, ``ci_low``, ``ci_high``; for a group ``per_unit`` says of
        which unit), ``together_r`` (a group's daily correlation), ``n`` days and ``reason``.
    profiles
        One row per metric (or group) and lag (:data:`PROFILE_COLUMNS`): the lag profile
        ``effect * w(lag)`` and its interval.
    trends
        Every trend candidate with its AIC, the chosen one flagged (:data:`TREND_COLUMNS`).
    trend
        The chosen trend in words.
    n
        Days in the fit.
    window
        Largest lag in the kernels (``max_lag`` plus the carryover tail).
    correlations
        The metrics' daily correlations after the trend and weekday are removed.
    spread
        Each metric's standard deviation after the trend and weekday are removed (a group's
        effect per unit of one member is the other's times the ratio of their spreads).
    alpha
        The false discovery rate of the tests.
    """

    kpi: str
    tests: pd.DataFrame
    profiles: pd.DataFrame
    trends: pd.DataFrame
    trend: str
    n: int
    window: int
    correlations: pd.DataFrame = field(default_factory=pd.DataFrame)
    spread: dict[str, float] = field(default_factory=dict)
    alpha: float = 0.05

    @property
    def method(self) -> str:
        """The model in one line, for tables and appendices."""
        return (f"distributed-lag regression of {self.kpi} on every metric together (delayed geometric lag "
                f"profiles over lags 0-{self.window}), trend: {self.trend}, weekday pattern, days weighted by the "
                "KPI's variance, Newey-West errors; forward selection by max-t tests over the lag profiles, "
                "Benjamini-Hochberg q-values")


def _empty_model(kpi: str, reason: str, names: list[str], n: int, window: int, alpha: float) -> LeadModel:
    tests = pd.DataFrame([{"metric": m, "members": m, "kind": "metric", "n": n, "reason": reason} for m in names])
    return LeadModel(kpi=kpi, tests=_typed(tests), profiles=pd.DataFrame(columns=PROFILE_COLUMNS),
                     trends=pd.DataFrame(columns=TREND_COLUMNS), trend="", n=n, window=window, alpha=alpha)


def _typed(tests: pd.DataFrame) -> pd.DataFrame:
    tests = tests.reindex(columns=TEST_COLUMNS)
    tests["reason"] = as_text(tests["reason"])
    tests["per_unit"] = as_text(tests["per_unit"])
    tests["selected"] = tests["selected"].astype(object).where(tests["selected"].notna(), False)
    text = {c: "str" for c in ("metric", "members", "kind", "per_unit", "reason")}
    floats = {c: "float64" for c in TEST_COLUMNS if c not in (*text, "selected", "delay", "n")}
    return tests.astype({**text, **floats, "selected": "bool", "delay": "Int64", "n": "int64"})


def _profile(metric: str, weights: np.ndarray, effect: float, lo: float, hi: float) -> list[dict]:
    return [{"metric": metric, "lag": lag, "effect": effect * w, "ci_low": lo * w, "ci_high": hi * w}
            for lag, w in enumerate(weights) if w > 0]


def _fast_part(columns: np.ndarray, n: int) -> np.ndarray:
    """``columns`` less a smooth spline fit (a knot every :data:`_FAST_DAYS` days): their fast part."""
    t = np.linspace(0.0, 1.0, n)
    smooth = np.column_stack([np.ones(n), natural_spline(t, np.quantile(t, np.linspace(0, 1, max(3, n // _FAST_DAYS) + 1)))])
    return columns - smooth @ np.linalg.lstsq(smooth, columns, rcond=None)[0]


def _variance_weights(y: np.ndarray, controls: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Weights ``1 / sd`` (mean 1) from a variance ``a * level + b * level**2`` fitted to the squared residuals."""
    resid = y - controls @ np.linalg.lstsq(controls, y, rcond=None)[0]
    level = np.clip(level, 1e-9, None)
    design = np.column_stack([level, level**2])
    coef, *_ = np.linalg.lstsq(design, resid**2, rcond=None)
    variance = design @ np.clip(coef, 0, None)
    if not np.all(variance > 0):
        return np.ones_like(y)
    weights = 1 / np.sqrt(variance)
    return weights / weights.mean()


def lead_model(
    metrics: pd.DataFrame,
    kpi: pd.Series,
    *,
    max_lag: int = 7,
    weekly: bool = True,
    alpha: float = 0.05,
    min_days: int = 56,
    together_r: float = 0.8,
    components: int = 6,
    half_lives: tuple[float, ...] = HALF_LIVES,
    tail: int = TAIL_DAYS,
    level: float = 0.95,
    seed: int = 0,
    controls: pd.DataFrame | None = None,
) -> LeadModel:
    """Fit the distributed-lag model of the KPI on every metric and test each for a lead.

    Parameters
    ----------
    metrics
        One column per engagement metric under test, indexed by consecutive days.
    kpi
        The KPI per day on the same index.
    max_lag
        Largest delay (days) before a metric's effect starts.
    weekly
        Control the day-of-week pattern (and its growth with the trend).
    alpha
        False discovery rate of the tests.
    min_days
        Fewest complete days (each with the kernels' whole window of engagement before it).
    together_r
        Daily correlation (after trend and weekday) from which a lead and a metric moving with it
        are checked for being separable.
    components
        Principal components of a lead's kernels that stand for its lag profile in the other tests.
    half_lives, tail
        The kernels' half-lives and the carryover days beyond ``max_lag``.
    level
        Confidence level of the intervals.
    seed
        Seed of the simulated null distributions (the same inputs give the same p-values).
    controls
        Further daily series on the same index that move the KPI and are not engagement (the
        audience's size, paid spend, promotions); days where one is missing are left out.

    Returns
    -------
    LeadModel
    """
    if not pd.Index(kpi.index).equals(pd.Index(metrics.index)):
        raise ValueError("kpi and metrics must share the same daily index")
    if controls is not None and not pd.Index(controls.index).equals(pd.Index(metrics.index)):
        raise ValueError("controls must share the daily index of the metrics")
    names = [str(m) for m in metrics.columns]
    kpi_name = str(kpi.name)
    shapes, weights = kernel_grid(max_lag, half_lives=half_lives, tail=tail)
    n_kernels, window = weights.shape[0], weights.shape[1] - 1
    y_all = as_float(kpi).to_numpy()
    x_all = {m: as_float(metrics[m]).to_numpy() for m in names}
    lagged = {m: _lag_matrix(x_all[m], window) for m in names}
    ok = ~np.isnan(y_all)
    for m in names:
        ok &= ~np.isnan(lagged[m]).any(axis=1)
    extra = as_float(controls).to_numpy() if controls is not None and controls.shape[1] else np.zeros((len(y_all), 0))
    ok &= ~np.isnan(extra).any(axis=1)
    n = int(ok.sum())
    if n < min_days:
        both = ~np.isnan(y_all)
        for m in names:
            both &= ~np.isnan(x_all[m])
        return _empty_model(kpi_name, f"the engagement and {kpi_name} data cover {int(both.sum())} days together, and at "
                            f"least {min_days + window} are needed: {min_days} days with {kpi_name}, each with the "
                            f"{window} days of engagement before it", names, n, window, alpha)
    dates = pd.DatetimeIndex(metrics.index)[ok]
    y = y_all[ok]
    if not y.std() > 0:
        return _empty_model(kpi_name, f"constant series: {kpi_name} does not vary", names, n, window, alpha)
    used = [m for m in names if np.nanstd(lagged[m][ok]) > 0]
    constant = [m for m in names if m not in used]
    candidates = {m: lagged[m][ok] @ weights.T for m in used}  # (n, kernels) each

    # 1. the trend, the weekly pattern growing with it, and the weights
    fast = _fast_part(np.column_stack([candidates[m].mean(axis=1) for m in used]), n) if used else None
    trends, trend_basis, trend_name = choose_trend(y, dates=dates, weekly=weekly, covariates=fast)
    base = np.hstack([np.ones((n, 1)), trend_basis])
    design = [base, extra[ok]]
    if weekly:
        week = weekday_columns(dates)
        trend_level = base @ np.linalg.lstsq(np.hstack([base, week]), y, rcond=None)[0][: base.shape[1]]
        design += [week, week * (trend_level / max(abs(trend_level.mean()), 1e-12) - 1)[:, None]]
    else:
        trend_level = base @ np.linalg.lstsq(base, y, rcond=None)[0]
    design = np.hstack(design)
    q_design = orthonormal(design)
    x_resid = {m: residualise(q_design, x_all[m][ok]) for m in used}
    correlations = pd.DataFrame(x_resid, index=dates).corr() if used else pd.DataFrame()
    sd = {m: float(x_resid[m].std()) for m in used}
    w = _variance_weights(y, design, trend_level)
    q_controls = orthonormal(design * w[:, None])
    yr = residualise(q_controls, y * w)
    zr = {m: residualise(q_controls, candidates[m] * w[:, None]) for m in used}
    control_leverage = (q_controls * q_controls).sum(axis=1)
    spans: dict[str, np.ndarray] = {}  # a lead's lag profile: its kernel of the selection and the leading components of the rest
    hac_lags = newey_west_maxlags(n)

    def basis(given: list[str], partner: np.ndarray | None = None) -> np.ndarray:
        """An orthonormal basis of the given leads' lag profiles (and a partner's column)."""
        parts = [spans[o] for o in given] + ([partner] if partner is not None else [])
        return orthonormal(np.hstack(parts)) if parts else np.zeros((n, 0))

    def test(z: np.ndarray, given: list[str], seed_offset: int, partner: np.ndarray | None = None) -> _MaxT:
        q_given = basis(given, partner)
        return _max_t(residualise(q_given, z), residualise(q_given, yr), lags=hac_lags,
                      level=alpha / max(len(used), 1), seed=seed + seed_offset,
                      leverage=control_leverage + (q_given * q_given).sum(axis=1))

    def total_effect(columns: np.ndarray, given: list[str]) -> tuple[float, float]:
        """The sum of the coefficients of kernel ``columns`` (each kernel sums to one) and its HC3-type HAC error."""
        q_given = basis(given)
        x = residualise(q_given, columns)
        e_y = residualise(q_given, yr)
        u, s_values, vt = np.linalg.svd(x, full_matrices=False)
        keep = s_values > 1e-8 * s_values[0]
        u, s_values, vt = u[:, keep], s_values[keep], vt[keep]
        coef = vt.T @ ((u.T @ e_y) / s_values)
        hat = (u * u).sum(axis=1) + control_leverage + (q_given * q_given).sum(axis=1)
        resid = (e_y - x @ coef) / (1 - np.clip(hat, 0, 0.99))
        # the sum of the coefficients is a' e_y with a = x (x'x)^+ 1: its variance is a' Omega a
        a = u @ ((vt @ np.ones(columns.shape[1])) / s_values)
        variance = _long_run_variance((a * resid)[:, None], hac_lags)[0]
        return float(coef.sum()), float(np.sqrt(max(variance, 0.0)))

    # 2. forward selection over every remaining metric and kernel, given the leads found
    selected: list[str] = []
    remaining = list(used)
    while remaining:
        step = test(np.hstack([zr[m] for m in remaining]), selected, 50 + len(selected))
        if not (step.p_value < alpha and step.t[step.best] > 0):
            break
        found = remaining.pop(step.best // n_kernels)
        selected.append(found)
        best = zr[found][:, [step.best % n_kernels]]
        spans[found] = np.hstack([best, _span(residualise(orthonormal(best), zr[found]), components=components - 1)])

    # 3. each metric given the other leads
    rows, results = [], {}
    for i, m in enumerate(used):
        results[m] = test(zr[m], [o for o in selected if o != m], i)
        rows.append({"metric": m, "members": m, "kind": "metric", "selected": m in selected})
    rows += [{"metric": m, "members": m, "kind": "metric", "reason": f"constant series: {m} does not vary on the {n} days used"}
             for m in constant]

    # 4. a lead that a metric moving with it explains as well, at the same kernel: one group
    members: dict[str, tuple[str, str]] = {}
    for m in list(selected):
        others = [o for o in selected if o != m]
        k = results[m].best
        close = sorted((o for o in used if o not in selected and correlations.loc[m, o] >= together_r),
                       key=lambda o: -correlations.loc[m, o])
        for o in close:
            if test(zr[m][:, [k]], others, 200 + len(members), partner=zr[o][:, [k]]).p_value < alpha:
                continue
            key = f"{m} + {o}"
            members[key] = (m, o)
            results[key] = test(zr[m] / sd[m] + zr[o] / sd[o], others, 100 + len(members))
            rows.append({"metric": key, "members": f"{m}, {o}", "kind": "group", "selected": True,
                         "together_r": float(correlations.loc[m, o])})
            break
    tests = pd.DataFrame(rows)
    tested = tests["metric"].isin(list(results)).to_numpy()
    tests["p_value"] = np.nan
    tests["q_value"] = np.nan
    tests.loc[tested, "p_value"] = [results[m].p_value for m in tests.loc[tested, "metric"]]
    if tested.any():
        tests.loc[tested, "q_value"] = _bh(tests.loc[tested, "p_value"].tolist())

    # 5. each test's kernel, its total effect and its lag profile
    z_crit = stats.norm.ppf(0.5 + level / 2)
    out_rows, profiles = [], []
    for row in tests.to_dict(orient="records"):
        row["n"] = n
        key = row["metric"]
        if key in results:
            result = results[key]
            k = result.best
            effect, se, per_unit = float(result.coef[k]), float(result.se[k]), key
            if row["kind"] == "metric" and row["selected"]:
                effect, se = total_effect(zr[key][:, _neighbours(shapes, k, half_lives)], [o for o in selected if o != key])
                se = float(np.hypot(se, _choice_sd(result)))
            if row["kind"] == "group":
                a, b = members[key]
                composite = zr[a] / sd[a] + zr[b] / sd[b]
                effect, se = total_effect(composite[:, _neighbours(shapes, k, half_lives)], [o for o in selected if o not in (a, b)])
                se = float(np.hypot(se, _choice_sd(result)))
                scale = (1 + row["together_r"]) / sd[a]  # one unit of a with the b that moves with it
                effect, se, per_unit = effect * scale, se * scale, f"{a} (with the {b} that moves with it)"
            lo, hi = effect - z_crit * se, effect + z_crit * se
            row.update(delay=int(shapes.loc[k, "delay"]), half_life=float(shapes.loc[k, "half_life"]),
                       t_stat=float(result.t[k]), critical_t=result.critical, effect=effect, std_error=se,
                       ci_low=lo, ci_high=hi, per_unit=per_unit)
            profiles += _profile(key, weights[k], effect, lo, hi)
        out_rows.append(row)
    profile_frame = pd.DataFrame(profiles, columns=PROFILE_COLUMNS).astype({"lag": "int64"})
    return LeadModel(kpi=kpi_name, tests=_typed(pd.DataFrame(out_rows)), profiles=profile_frame, trends=trends,
                     trend=trend_name, n=n, window=window, correlations=correlations, spread=sd, alpha=alpha)

"""What did a dated change do to the KPI? Campaign impact the way CausalImpact measures it.

A structural time-series model (statsmodels ``UnobservedComponents``: a local
level or local linear trend, a weekly seasonal and, optionally, regression on
covariates the change did not touch) is fitted on the days *before* the change
only. Its forecast of the days after the change is the counterfactual: what
the KPI would have done without the change. The effect is actual minus
counterfactual, day by day and summed.

Intervals
    The daily counterfactual interval is the forecast's own prediction
    interval (``get_forecast(...).summary_frame``). The cumulative, average and
    relative effects need the *joint* distribution of the forecast days, so
    their intervals come from simulation: ``results.simulate(anchor="end")``
    draws the state at the end of the pre-period from its filtered
    distribution and then simulates state and measurement shocks forward
    (``n_draws`` paths, generator seeded with ``seed``). The p-value is the
    posterior tail-area probability CausalImpact reports: the share of
    simulated counterfactual sums at least as extreme as the observed sum,
    one-sided, ``min(#(effect <= 0) + 1, #(effect >= 0) + 1) / (n_draws + 1)``.
    The model's parameters are maximum-likelihood estimates, held fixed in
    the simulation (CausalImpact samples them by MCMC), so the intervals are
    somewhat narrower than a fully Bayesian fit would give.

Missing days
    The series is put on a full daily calendar; missing days become NaN and
    stay NaN. The state-space filter skips NaN observations, so a missing
    pre-period day simply contributes nothing to the fit, and a missing
    post-period day has a counterfactual but no effect (it adds nothing to the
    cumulative effect). The count of missing days goes into ``note``.

The words are "above/below the counterfactual"; the estimate is causal only
if nothing else changed on that date and the covariates were not affected.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.statespace.structural import UnobservedComponents

__all__ = [
    "CampaignImpact",
    "campaign_impact",
    "describe_impact",
    "minimum_pre_days",
    "DAILY_COLUMNS",
    "SUMMARY_COLUMNS",
]

DAILY_COLUMNS = [
    "date",
    "period",
    "actual",
    "predicted",
    "predicted_low",
    "predicted_high",
    "point_effect",
    "point_effect_low",
    "point_effect_high",
    "cumulative_effect",
    "cumulative_effect_low",
    "cumulative_effect_high",
]
SUMMARY_COLUMNS = ["measure", "estimate", "ci_low", "ci_high", "p_value", "n_pre", "n_post", "method", "note"]
MEASURES = ["average daily effect", "cumulative effect", "relative effect"]
LEVELS = ("local linear trend", "local level")

Level = Literal["local linear trend", "local level"]
DateLike = str | pd.Timestamp | np.datetime64 | object


class CampaignImpact(NamedTuple):
    """The two tables :func:`campaign_impact` returns (unpacks as ``daily, summary``).

    Attributes
    ----------
    daily
        One row per day of the pre and post periods (``DAILY_COLUMNS``). Pre-period rows hold the
        model's one-step-ahead predictions (NaN during the diffuse burn-in) and no cumulative effect.
    summary
        One row per measure (``SUMMARY_COLUMNS``): average daily effect, cumulative effect, relative
        effect (a fraction: 0.23 = 23 % above the counterfactual).
    """

    daily: pd.DataFrame
    summary: pd.DataFrame

    @property
    def change(self) -> pd.Timestamp | None:
        """The first day assessed (the change, or the placebo day); None without one."""
        post = self.daily.loc[self.daily["period"] == "post", "date"]
        return pd.Timestamp(post.iloc[0]) if len(post) else None

    def key_figures(self, *, kpi: str) -> dict:
        """The result for a report's key figures: ``change`` (YYYY-MM-DD or None), ``placebo``, ``sentence``
        (:func:`describe_impact`) and ``summary`` (its rows, without the method)."""
        return {"change": None if self.change is None else f"{self.change:%Y-%m-%d}",
                "placebo": bool(self.summary.attrs.get("placebo", False)),
                "sentence": describe_impact(self, kpi=kpi),
                "summary": self.summary.drop(columns="method").to_dict(orient="records")}


@dataclass(frozen=True)
class _Windows:
    y: pd.Series  # full daily calendar over pre + post, NaN where missing
    pre: pd.DatetimeIndex
    post: pd.DatetimeIndex
    change: pd.Timestamp
    n_missing_pre: int
    n_missing_post: int


def minimum_pre_days(*, level: Level = "local linear trend", seasonal: int | None = 7, n_covariates: int = 0) -> int:
    """Observed pre-period days needed before a fit is attempted.

    Two full seasonal cycles (so every weekday is seen twice; 14 days when there is no seasonal),
    plus one day per estimated parameter (a variance for the irregular, the level, the trend
    and the seasonal, plus a coefficient per covariate). With the defaults: 14 + 4 = 18.
    """
    _check_level(level)
    cycle = 2 * seasonal if seasonal and seasonal > 1 else 14
    n_variances = 1 + 1 + (1 if level == "local linear trend" else 0) + (1 if seasonal and seasonal > 1 else 0)
    return cycle + n_variances + n_covariates


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level={level!r} is not known; allowed: {', '.join(repr(v) for v in LEVELS)}")


def _daily_index(index: pd.Index, what: str) -> pd.DatetimeIndex:
    if not isinstance(index, pd.DatetimeIndex):
        raise ValueError(f"{what} must have a DatetimeIndex of days; got {type(index).__name__}")
    if index.has_duplicates:
        dup = index[index.duplicated()][:3].strftime("%Y-%m-%d").tolist()
        raise ValueError(f"{what} has duplicate dates (e.g. {', '.join(dup)}); give one value per day")
    if index.tz is not None:
        index = index.tz_localize(None)
    if len(index) and not (index == index.normalize()).all():
        raise ValueError(f"{what} must be daily (dates at midnight); aggregate to days first")
    return index


def _windows(
    kpi: pd.Series, *, change: DateLike, pre: tuple[DateLike, DateLike] | None, post_days: int | None
) -> _Windows:
    if not isinstance(kpi, pd.Series):
        raise ValueError(f"kpi must be a pandas Series indexed by day; got {type(kpi).__name__}")
    index = _daily_index(kpi.index, "kpi")
    if len(index) == 0:
        raise ValueError("kpi is empty")
    values = pd.Series(pd.to_numeric(kpi.to_numpy(), errors="coerce"), index=index, dtype="float64").sort_index()
    first, last = values.index.min(), values.index.max()
    change_ts = pd.Timestamp(change)
    if change_ts.tz is not None:
        change_ts = change_ts.tz_localize(None)
    change_ts = change_ts.normalize()
    if not first < change_ts <= last:
        raise ValueError(
            f"change={change_ts:%Y-%m-%d} is outside the series: it must be after the first day "
            f"({first:%Y-%m-%d}) and no later than the last day ({last:%Y-%m-%d})"
        )
    if pre is None:
        pre_start, pre_end = first, change_ts - pd.Timedelta(days=1)
    else:
        pre_start, pre_end = (pd.Timestamp(p).normalize() for p in pre)
        if pre_end >= change_ts:
            raise ValueError(f"pre ends {pre_end:%Y-%m-%d}, on or after the change ({change_ts:%Y-%m-%d})")
        if pre_start > pre_end:
            raise ValueError(f"pre=({pre_start:%Y-%m-%d}, {pre_end:%Y-%m-%d}) is empty: start after end")
        pre_start = max(pre_start, first)
    if post_days is not None and post_days < 1:
        raise ValueError(f"post_days={post_days} must be a positive number of days (or None for all)")
    post_end = last if post_days is None else min(last, change_ts + pd.Timedelta(days=post_days - 1))
    pre_idx = pd.date_range(pre_start, pre_end, freq="D")
    post_idx = pd.date_range(change_ts, post_end, freq="D")
    calendar = pd.date_range(first, last, freq="D")
    full = values.reindex(calendar)
    y = pd.concat([full.reindex(pre_idx), full.reindex(post_idx)])
    return _Windows(
        y=y,
        pre=pre_idx,
        post=post_idx,
        change=change_ts,
        n_missing_pre=int(y.loc[pre_idx].isna().sum()),
        n_missing_post=int(y.loc[post_idx].isna().sum()),
    )


def _covariates(covariates: pd.DataFrame | None, win: _Windows) -> tuple[np.ndarray | None, np.ndarray | None]:
    if covariates is None:
        return None, None
    if not isinstance(covariates, pd.DataFrame):
        raise ValueError(f"covariates must be a DataFrame indexed by day; got {type(covariates).__name__}")
    index = _daily_index(covariates.index, "covariates")
    frame = covariates.set_axis(index).sort_index().apply(pd.to_numeric, errors="coerce").astype("float64")
    pre, post = frame.reindex(win.pre), frame.reindex(win.post)
    for label, part in (("pre", pre), ("post", post)):
        gaps = part.isna()
        if gaps.to_numpy().any():
            cols = [str(c) for c in part.columns[gaps.any()]]
            days = part.index[gaps.any(axis=1)][:3].strftime("%Y-%m-%d").tolist()
            raise ValueError(
                f"covariates {cols} have missing values in the {label}-period (e.g. {', '.join(days)}); "
                "covariates must cover every day of both periods"
            )
    return pre.to_numpy(), post.to_numpy()


def _summary(estimates: dict[str, tuple[float, float, float, float]], n_pre: int, n_post: int, method: str, note: str) -> pd.DataFrame:
    rows = [
        {"measure": m, "estimate": e, "ci_low": lo, "ci_high": hi, "p_value": p, "n_pre": n_pre, "n_post": n_post, "method": method, "note": note}
        for m, (e, lo, hi, p) in estimates.items()
    ]
    out = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    return out.astype({"n_pre": "int64", "n_post": "int64", "estimate": "float64", "ci_low": "float64", "ci_high": "float64", "p_value": "float64"})


def _failed(win: _Windows, method: str, reason: str) -> CampaignImpact:
    daily = pd.DataFrame({c: np.nan for c in DAILY_COLUMNS[2:]}, index=range(len(win.y)))
    daily.insert(0, "period", ["pre"] * len(win.pre) + ["post"] * len(win.post))
    daily.insert(0, "date", win.y.index)
    daily["actual"] = win.y.to_numpy()
    nan = (np.nan, np.nan, np.nan, np.nan)
    n_pre = len(win.pre) - win.n_missing_pre
    n_post = len(win.post) - win.n_missing_post
    return CampaignImpact(daily[DAILY_COLUMNS], _summary(dict.fromkeys(MEASURES, nan), n_pre, n_post, method, reason))


def _tail_p(draws: np.ndarray) -> float:
    """CausalImpact's one-sided posterior tail-area probability that the effect is on the other side of 0."""
    n = len(draws)
    return float(min((draws <= 0).sum() + 1, (draws >= 0).sum() + 1) / (n + 1))


#: A placebo date (no change given) is this many days before the KPI's last observed day, where the data allows.
PLACEBO_DAYS_BEFORE_END = 90
#: Days a placebo test assesses when ``post_days`` is not given.
PLACEBO_POST_DAYS = 28
#: Fewest days before a placebo day: eight weeks, so that the forecast it is judged against is not
#: one of a model fitted on a few weeks (whose intervals span more than the KPI itself).
PLACEBO_MIN_PRE_DAYS = 56


def placebo_change(kpi: pd.Series, *, needed: int) -> pd.Timestamp | None:
    """The day of a placebo test (a day nothing changed): :data:`PLACEBO_DAYS_BEFORE_END` days before the
    KPI's last observed day, later where fewer than ``needed`` days come before it, and None when the
    series cannot hold ``needed`` days before the placebo day and one day after it."""
    observed = kpi.dropna()
    if observed.empty:
        return None
    days = pd.DatetimeIndex(observed.index).tz_localize(None).normalize().sort_values()
    first, last = days[0], days[-1]
    change = max(last - pd.Timedelta(days=PLACEBO_DAYS_BEFORE_END - 1), first + pd.Timedelta(days=needed))
    return change if change <= last else None


def _no_estimate(method: str, reason: str, n_pre: int = 0) -> CampaignImpact:
    """A result without days or estimates, saying why."""
    daily = pd.DataFrame({c: pd.Series(dtype="float64") for c in DAILY_COLUMNS})
    daily["date"] = pd.Series(dtype="datetime64[us]")
    daily["period"] = pd.Series(dtype="str")
    nan = (np.nan, np.nan, np.nan, np.nan)
    return CampaignImpact(daily[DAILY_COLUMNS], _summary(dict.fromkeys(MEASURES, nan), n_pre, 0, method, reason))


def campaign_impact(
    kpi: pd.Series,
    *,
    change: DateLike | None = None,
    pre: tuple[DateLike, DateLike] | None = None,
    post_days: int | None = None,
    covariates: pd.DataFrame | None = None,
    level: Level = "local linear trend",
    seasonal: int | None = 7,
    alpha: float = 0.05,
    n_draws: int = 1000,
    maxiter: int = 200,
    seed: int = 0,
) -> CampaignImpact:
    """Effect of a dated change on a daily KPI against a counterfactual forecast from the pre-period.

    Parameters
    ----------
    kpi
        Daily KPI (registrations, orders, revenue) indexed by day. Missing days are put back as NaN
        and kept NaN (the state-space filter skips them).
    change
        First day of the change (campaign launch, new content strategy). Must be after the first
        day of ``kpi`` and no later than its last day. None: a **placebo test** on a day nothing
        changed (:func:`placebo_change`), assessing ``post_days`` (default
        :data:`PLACEBO_POST_DAYS`) days; ``summary.attrs["placebo"]`` is then True and
        :func:`describe_impact` says so. Its estimate should cover 0.
    pre
        ``(start, end)`` of the fitting period, inclusive; ``end`` must be before ``change``.
        Default: every day before the change.
    post_days
        Number of days from ``change`` to assess. Default: to the end of the series.
    covariates
        Daily regressors the change did not affect (a control market, a competitor's searches),
        covering every day of both periods. They enter as exogenous regressors.
    level
        ``"local linear trend"`` (level and slope both drift) or ``"local level"`` (random walk).
    seasonal
        Period of the stochastic seasonal component in days (7 = weekly); ``None`` for none.
    alpha
        1 - interval coverage (0.05 gives 95 % intervals).
    n_draws
        Simulated counterfactual paths behind the cumulative, average and relative intervals
        and the p-value.
    maxiter
        Iterations of the maximum-likelihood optimiser (L-BFGS).
    seed
        Seed of the generator the simulation uses: same inputs and seed, same tables.

    Returns
    -------
    CampaignImpact
        ``(daily, summary)``. When the effect cannot be estimated (too short or constant
        pre-period, model could not be fitted) every estimate is NaN and ``summary.note`` says why.

    Raises
    ------
    ValueError
        The change date outside the series, a malformed ``pre``, an unknown ``level``,
        non-daily or duplicated dates, covariates with gaps.
    """
    _check_level(level)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha={alpha} must be between 0 and 1")
    if seasonal is not None and (int(seasonal) != seasonal or seasonal < 1):
        raise ValueError(f"seasonal={seasonal!r} must be a whole number of days >= 2, 1 or None for none")
    if n_draws < 100:
        raise ValueError(f"n_draws={n_draws} is too few for a {1 - alpha:.0%} interval; use at least 100")
    seasonal = int(seasonal) if seasonal and seasonal > 1 else None
    if change is None:
        post_days = PLACEBO_POST_DAYS if post_days is None else post_days
        needed = minimum_pre_days(level=level, seasonal=seasonal,
                                  n_covariates=0 if covariates is None else covariates.shape[1])
        needed = max(needed, PLACEBO_MIN_PRE_DAYS)
        change = placebo_change(kpi, needed=needed) if isinstance(kpi, pd.Series) else None
        if change is None:
            n = int(kpi.notna().sum()) if isinstance(kpi, pd.Series) else 0
            result = _no_estimate(f"UnobservedComponents ({level})", f"not enough data for a placebo test: needs {needed} "
                                  f"days of the KPI before the placebo day and one after, has {n} days", n_pre=n)
        else:
            result = campaign_impact(kpi, change=change, pre=pre, post_days=post_days, covariates=covariates, level=level,
                                     seasonal=seasonal, alpha=alpha, n_draws=n_draws, maxiter=maxiter, seed=seed)
        result.summary.attrs["placebo"] = True
        return result
    win = _windows(kpi, change=change, pre=pre, post_days=post_days)
    exog_pre, exog_post = _covariates(covariates, win)
    n_cov = 0 if exog_pre is None else exog_pre.shape[1]
    method = (
        f"UnobservedComponents ({level}"
        + (f", seasonal={seasonal}" if seasonal else "")
        + (f", {n_cov} covariate{'s' if n_cov != 1 else ''}" if n_cov else "")
        + f"), MLE on pre-period; intervals by {n_draws} simulated paths"
    )
    y_pre = win.y.loc[win.pre].to_numpy()
    y_post = win.y.loc[win.post].to_numpy()
    n_pre_obs = int(np.isfinite(y_pre).sum())
    n_post_obs = int(np.isfinite(y_post).sum())
    needed = minimum_pre_days(level=level, seasonal=seasonal, n_covariates=n_cov)
    if n_pre_obs < needed:
        return _failed(win, method, f"not enough data: needs {needed} days before the change, has {n_pre_obs}")
    if np.nanstd(y_pre) == 0:
        return _failed(win, method, f"constant pre-period: the KPI is {np.nanmax(y_pre):g} on every day, no variation to model")
    if n_post_obs == 0:
        return _failed(win, method, "no observed day after the change")

    notes: list[str] = []
    model = UnobservedComponents(y_pre, level=level, seasonal=seasonal, exog=exog_pre)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            fitted = model.fit(method="lbfgs", maxiter=maxiter, disp=False)
        except (np.linalg.LinAlgError, ValueError) as exc:
            return _failed(win, method, f"model could not be fitted: {exc}")
    if any(issubclass(w.category, ConvergenceWarning) for w in caught) or not fitted.mle_retvals.get("converged", True):
        notes.append(f"optimiser did not converge in {maxiter} iterations")

    horizon = len(win.post)
    forecast = fitted.get_forecast(horizon, exog=exog_post).summary_frame(alpha=alpha)
    predicted = forecast["mean"].to_numpy()
    rng = np.random.default_rng(seed)
    sims = fitted.simulate(horizon, anchor="end", repetitions=n_draws, exog=exog_post, rng=rng)
    paths = np.asarray(sims).reshape(horizon, n_draws)  # counterfactual draws, day x draw

    observed = np.isfinite(y_post)
    effect = np.where(observed, y_post - predicted, 0.0)
    effect_draws = np.where(observed[:, None], y_post[:, None] - paths, 0.0)
    cum_draws = np.cumsum(effect_draws, axis=0)
    q = [alpha / 2, 1 - alpha / 2]
    cum_low, cum_high = np.quantile(cum_draws, q, axis=1)

    total = float(effect.sum())
    total_draws = cum_draws[-1]
    p_value = _tail_p(total_draws)
    pred_sum = float(predicted[observed].sum())
    pred_sum_draws = paths[observed].sum(axis=0)
    actual_sum = float(y_post[observed].sum())
    relative = actual_sum / pred_sum - 1 if pred_sum != 0 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        relative_draws = actual_sum / pred_sum_draws - 1
    if (pred_sum_draws <= 0).any():
        notes.append("some simulated counterfactual totals are <= 0: the relative effect interval is unreliable")
    estimates = {
        "average daily effect": (total / n_post_obs, *(np.quantile(total_draws, q) / n_post_obs), p_value),
        "cumulative effect": (total, *np.quantile(total_draws, q), p_value),
        "relative effect": (relative, *np.nanquantile(relative_draws, q), p_value),
    }
    if win.n_missing_pre or win.n_missing_post:
        notes.append(
            f"missing days kept as NaN: {win.n_missing_pre} before the change (skipped by the filter), "
            f"{win.n_missing_post} after (no effect counted)"
        )

    in_sample = fitted.get_prediction().summary_frame(alpha=alpha)
    burn = int(fitted.loglikelihood_burn)
    pre_pred = in_sample[["mean", "mean_ci_lower", "mean_ci_upper"]].to_numpy().copy()
    pre_pred[:burn] = np.nan
    post_pred = forecast[["mean", "mean_ci_lower", "mean_ci_upper"]].to_numpy()
    pred = np.vstack([pre_pred, post_pred])
    actual = win.y.to_numpy()
    cumulative = np.concatenate([np.full(len(win.pre), np.nan), np.cumsum(effect)])
    daily = pd.DataFrame(
        {
            "date": win.y.index,
            "period": ["pre"] * len(win.pre) + ["post"] * horizon,
            "actual": actual,
            "predicted": pred[:, 0],
            "predicted_low": pred[:, 1],
            "predicted_high": pred[:, 2],
            "point_effect": actual - pred[:, 0],
            "point_effect_low": actual - pred[:, 2],
            "point_effect_high": actual - pred[:, 1],
            "cumulative_effect": cumulative,
            "cumulative_effect_low": np.concatenate([np.full(len(win.pre), np.nan), cum_low]),
            "cumulative_effect_high": np.concatenate([np.full(len(win.pre), np.nan), cum_high]),
        },
        columns=DAILY_COLUMNS,
    )
    summary = _summary(estimates, n_pre_obs, n_post_obs, method, "; ".join(notes))
    return CampaignImpact(daily, summary)


def _fmt(value: float) -> str:
    return f"{value:+,.0f}" if abs(value) >= 100 else f"{value:+,.1f}"


def describe_impact(result: CampaignImpact, *, kpi: str = "the KPI", alpha: float = 0.05) -> str:
    """Plain-words account of a :func:`campaign_impact` result.

    Parameters
    ----------
    result
        What :func:`campaign_impact` returned.
    kpi
        Name of the KPI in the sentence ("registrations").
    alpha
        The ``alpha`` the result was computed with (for the interval's coverage in words).
    """
    summary = result.summary.set_index("measure")
    post = result.daily[result.daily["period"] == "post"]
    start = pd.Timestamp(post["date"].iloc[0]) if len(post) else None
    when = f"After {start:%Y-%m-%d}" if start is not None else "After the change"
    placebo = "Placebo test (nothing changed on this day): " if result.summary.attrs.get("placebo") else ""
    if placebo and start is None:
        return f"{placebo}the effect on {kpi} could not be estimated: {summary['note'].iloc[0]}."
    rel = summary.loc["relative effect"]
    if pd.isna(rel["estimate"]):
        return f"{placebo}{when} the effect on {kpi} could not be estimated: {summary['note'].iloc[0]}."
    avg, cum = summary.loc["average daily effect"], summary.loc["cumulative effect"]
    level = f"{1 - alpha:.0%}"
    direction = "above" if rel["estimate"] >= 0 else "below"
    text = placebo + (
        f"{when} {kpi} were {abs(rel['estimate']):.0%} {direction} the counterfactual "
        f"({level} interval {rel['ci_low']:+.0%} to {rel['ci_high']:+.0%}); "
        f"on average {_fmt(avg['estimate'])} a day ({_fmt(avg['ci_low'])} to {_fmt(avg['ci_high'])}), "
        f"{_fmt(cum['estimate'])} in total over {int(cum['n_post'])} days. "
    )
    p = cum["p_value"]
    if cum["ci_low"] > 0 or cum["ci_high"] < 0:
        text += (
            f"The interval excludes 0 (tail probability p = {p:.3f}): the change is unlikely to be chance, "
            "provided nothing else changed on that date."
        )
    else:
        text += f"The interval includes 0 (tail probability p = {p:.3f}): no evidence of an effect."
    if isinstance(cum["note"], str) and cum["note"]:
        text += f" Note: {cum['note']}."
    return text

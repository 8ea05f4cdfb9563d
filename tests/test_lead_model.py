"""The joint lead model: kernels, the max-t test against hand/statsmodels computations, planted drivers and worlds."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.sandwich_covariance import S_hac_simple

from engagekit.analyses.evidence.carryover import newey_west_maxlags
from engagekit.analyses.evidence.distributed_lag import HALF_LIVES, TAIL_DAYS, TEST_COLUMNS, _max_t, kernel_grid, lead_model
from engagekit.teaching.study_world import DRIVER_METRICS, random_world

MAX_LAG = 7
WINDOW = MAX_LAG + TAIL_DAYS  # the default kernels reach lags 0..28
WEEKLY = np.array([1.0, 1.05, 1.1, 1.0, 0.95, 0.8, 0.7])  # Monday first


def _kernel(delay: int, half_life: float, length: int) -> np.ndarray:
    """Delayed geometric weights over lags 0..length-1, written from the definition, summing to one."""
    lags = np.arange(length)
    if half_life == 0:
        w = (lags == delay).astype(float)
    else:
        w = np.where(lags >= delay, 0.5 ** ((lags - delay) / half_life), 0.0)
    return w / w.sum()


def _convolve(x: np.ndarray, delay: int, half_life: float, length: int = WINDOW + 1) -> np.ndarray:
    """sum_k w(k) x[t - k] (only complete from day length - 1 on)."""
    return np.convolve(x, _kernel(delay, half_life, length))[: len(x)]


def _bursty(rng: np.random.Generator, days: int) -> np.ndarray:
    return rng.poisson(rng.lognormal(np.log(40), 0.6, days)).astype(float)


def _carryover_world(seed: int, *, beta: float = 0.5, delay: int = 3, half_life: float = 1.5, days: int = 500,
                     rho: float = 0.8) -> tuple[pd.DataFrame, pd.Series]:
    """A KPI driven by ``beta`` x (driver convolved with a delayed geometric kernel), and a metric
    ``noise`` that moves with the driver on the same day (correlation ``rho``) but drives nothing."""
    warm = 40
    total = days + warm
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=total, freq="D")
    driver = _bursty(rng, total)
    mean = (30 + 0.02 * np.arange(total)) * WEEKLY[dates.day_of_week] + beta * _convolve(driver, delay, half_life, 60)
    kpi = rng.poisson(mean).astype(float)
    z = (driver - driver.mean()) / driver.std()
    noise = 50 + 10 * (rho * z + np.sqrt(1 - rho**2) * rng.standard_normal(total))
    metrics = pd.DataFrame({"driver": driver, "noise": noise}, index=dates).iloc[warm:]
    return metrics, pd.Series(kpi, index=dates, name="signups").iloc[warm:]


def _row(model, metric: str) -> pd.Series:
    return model.tests.set_index("metric").loc[metric]


def _leads(model) -> list[str]:
    t = model.tests
    return t.loc[t["selected"] & (t["q_value"] < model.alpha), "metric"].tolist()


# --------------------------------------------------------------------------- kernel_grid


def test_kernel_grid_has_every_delay_and_half_life_and_rows_sum_to_one():
    shapes, weights = kernel_grid(MAX_LAG)
    assert weights.shape == ((MAX_LAG + 1) * len(HALF_LIVES), WINDOW + 1)
    assert len(shapes) == weights.shape[0]
    assert set(zip(shapes["delay"], shapes["half_life"])) == {(d, h) for d in range(MAX_LAG + 1) for h in HALF_LIVES}
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-12)
    assert (weights >= 0).all()


def test_kernel_grid_puts_nothing_before_the_delay_and_peaks_at_it():
    shapes, weights = kernel_grid(MAX_LAG)
    for row, w in zip(shapes.itertuples(), weights):
        assert not w[: row.delay].any()
        assert w[row.delay] > 0 and int(np.argmax(w)) == row.delay


def test_kernel_grid_halves_the_weight_every_half_life():
    shapes, weights = kernel_grid(MAX_LAG)
    for row, w in zip(shapes.itertuples(), weights):
        d, h = row.delay, row.half_life
        if h == 0:
            continue
        assert row.decay == pytest.approx(0.5 ** (1 / h))
        np.testing.assert_allclose(w[d + 1:] / w[d:-1], 0.5 ** (1 / h), rtol=1e-12)
        if float(h).is_integer():
            assert w[d + int(h)] / w[d] == pytest.approx(0.5, rel=1e-12)
            assert w[d + 2 * int(h)] / w[d] == pytest.approx(0.25, rel=1e-12)
        np.testing.assert_allclose(w, _kernel(d, h, WINDOW + 1), rtol=1e-12)


def test_kernel_grid_half_life_one_and_a_half_quarters_the_weight_in_three_days():
    shapes, weights = kernel_grid(MAX_LAG)
    w = weights[((shapes["delay"] == 4) & (shapes["half_life"] == 1.5)).to_numpy()][0]
    assert w[7] / w[4] == pytest.approx(0.25, rel=1e-12)


def test_kernel_grid_half_life_zero_is_a_spike_at_the_delay():
    shapes, weights = kernel_grid(MAX_LAG)
    spikes = shapes["half_life"] == 0
    assert (shapes.loc[spikes, "decay"] == 0).all()
    for row, w in zip(shapes.loc[spikes].itertuples(), weights[spikes.to_numpy()]):
        expected = np.zeros(WINDOW + 1)
        expected[row.delay] = 1.0
        np.testing.assert_array_equal(w, expected)


# --------------------------------------------------------------------------- _max_t


def _hand_case(seed: int, n: int = 300):
    rng = np.random.default_rng(seed)
    z = _convolve(_bursty(rng, n + 40), 1, 1.0)[40:]
    z = z - z.mean()
    e = 0.02 * z + rng.standard_normal(n) * (1 + np.abs(z) / z.std())  # heteroskedastic
    return z, e - e.mean()


def test_max_t_coefficient_is_the_slope_and_error_is_hc3_without_lags():
    z, e = _hand_case(1)
    res = _max_t(z[:, None], e, lags=0, level=0.05, seed=0, leverage=np.zeros(len(z)))
    assert res.coef[0] == pytest.approx(z @ e / (z @ z), rel=1e-12)
    fit = sm.OLS(e, z[:, None]).fit(cov_type="HC3")
    assert res.coef[0] == pytest.approx(fit.params[0], rel=1e-10)
    assert res.se[0] == pytest.approx(fit.bse[0], rel=1e-10)
    assert res.t[0] == pytest.approx(res.coef[0] / res.se[0], rel=1e-12)
    assert res.t[0] == pytest.approx(fit.tvalues[0], rel=1e-10)


def test_max_t_newey_west_error_is_the_bartlett_sum_of_hc3_scores_with_the_given_leverage():
    z, e = _hand_case(2)
    n, lags = len(z), 5
    leverage = np.random.default_rng(9).uniform(0, 0.05, n)  # hat values of the controls
    res = _max_t(z[:, None], e, lags=lags, level=0.05, seed=0, leverage=leverage)
    coef = z @ e / (z @ z)
    h = z * z / (z @ z) + leverage
    g = z * (e - coef * z) / (1 - h)
    by_hand = g @ g + 2 * sum((1 - j / (lags + 1)) * (g[j:] @ g[:-j]) for j in range(1, lags + 1))
    assert res.se[0] == pytest.approx(np.sqrt(by_hand) / (z @ z), rel=1e-10)
    assert res.se[0] == pytest.approx(np.sqrt(S_hac_simple(g[:, None], nlags=lags)[0, 0]) / (z @ z), rel=1e-10)


def test_max_t_of_one_column_has_the_normal_tail_as_p_value():
    z, e = _hand_case(3)
    res = _max_t(z[:, None], e + 0.004 * z, lags=3, level=0.05, seed=4, leverage=np.zeros(len(z)))
    tail = stats.norm.sf(res.t[0])
    assert 0.001 < tail < 0.2  # a p-value the simulation resolves
    assert res.p_value <= tail
    assert res.p_value == pytest.approx(tail, abs=4 * np.sqrt(tail * (1 - tail) / 20_000) + 1e-4)
    assert res.critical == pytest.approx(stats.norm.ppf(0.95), abs=0.03)


def test_max_t_does_not_penalise_a_duplicated_column():
    z, e = _hand_case(3)
    e = e + 0.004 * z
    one = _max_t(z[:, None], e, lags=3, level=0.05, seed=4, leverage=np.zeros(len(z)))
    two = _max_t(np.column_stack([z, z]), e, lags=3, level=0.05, seed=4, leverage=np.zeros(len(z)))
    tail = stats.norm.sf(one.t[0])
    assert two.t[0] == pytest.approx(two.t[1]) and two.t[0] == pytest.approx(one.t[0])
    assert two.p_value == pytest.approx(tail, abs=4 * np.sqrt(tail * (1 - tail) / 20_000) + 1e-4)
    assert two.p_value < 1.5 * tail  # far below the Bonferroni bound 2 * tail


def test_max_t_of_independent_columns_has_the_sidak_p_value():
    rng = np.random.default_rng(5)
    n, k, block = 300, 10, 30
    candidates = np.zeros((n, k))
    for j in range(k):  # disjoint supports: uncorrelated scores
        candidates[j * block:(j + 1) * block, j] = rng.standard_normal(block)
    resid = rng.standard_normal(n) + candidates[:, 3] * 0.5
    res = _max_t(candidates, resid, lags=0, level=0.05, seed=6, leverage=np.zeros(n))
    t = res.t[res.best]
    sidak = 1 - stats.norm.cdf(t) ** k
    assert 0.05 < sidak < 0.3  # where Sidak and Bonferroni differ by several simulation errors
    assert res.p_value == pytest.approx(sidak, abs=4 * np.sqrt(sidak * (1 - sidak) / 20_000))
    assert res.p_value < 0.95 * k * stats.norm.sf(t)
    assert res.critical == pytest.approx(stats.norm.ppf(0.95 ** (1 / k)), abs=0.03)


def _smooth_candidates(rng: np.random.Generator, n: int) -> np.ndarray:
    """20 kernel columns of one bursty series: delays 0-4, half-lives 0.5-3 (strongly correlated)."""
    x = _bursty(rng, n + 40)
    columns = [_convolve(x, d, h, 30)[40:] for h in (0.5, 1.0, 2.0, 3.0) for d in range(5)]
    c = np.column_stack(columns)
    return c - c.mean(axis=0)


def test_max_t_rejects_about_five_percent_of_true_nulls():
    n = 500
    lags = newey_west_maxlags(n)
    p = []
    for rep in range(200):
        rng = np.random.default_rng(1_000 + rep)
        candidates = _smooth_candidates(rng, n)
        resid = rng.standard_normal(n)
        p.append(_max_t(candidates, resid - resid.mean(), lags=lags, level=0.05, seed=rep,
                        leverage=np.full(n, 1 / n)).p_value)
    share = np.mean(np.array(p) < 0.05)
    assert 0.02 <= share <= 0.09, share


def test_max_t_p_value_is_deterministic_for_a_seed():
    rng = np.random.default_rng(8)
    candidates = _smooth_candidates(rng, 400)
    resid = rng.standard_normal(400) + 0.01 * candidates[:, 7]
    a = _max_t(candidates, resid, lags=4, level=0.05, seed=11, leverage=np.zeros(400))
    b = _max_t(candidates, resid, lags=4, level=0.05, seed=11, leverage=np.zeros(400))
    assert a.p_value == b.p_value and a.critical == b.critical
    np.testing.assert_array_equal(a.t, b.t)


# --------------------------------------------------------------------------- a planted carryover driver


def test_planted_carryover_driver_leads_at_its_delay_and_its_interval_covers_the_effect():
    metrics, kpi = _carryover_world(0)
    model = lead_model(metrics, kpi)
    row = _row(model, "driver")
    assert row["selected"] and row["q_value"] < 0.05
    assert abs(row["delay"] - 3) <= 1
    assert row["ci_low"] <= 0.5 <= row["ci_high"]
    assert row["ci_high"] - row["ci_low"] < 0.5  # an interval that says something


def test_metric_moving_with_the_driver_on_the_same_day_is_not_a_lead():
    metrics, kpi = _carryover_world(0)
    model = lead_model(metrics, kpi)
    assert model.correlations.loc["driver", "noise"] > 0.7
    row = _row(model, "noise")
    assert not row["selected"]
    assert row["q_value"] >= 0.05
    assert (model.tests["kind"] == "metric").all()  # the two are separable: no group
    assert _leads(model) == ["driver"]


def test_interval_and_profile_follow_from_the_effect_and_its_error():
    metrics, kpi = _carryover_world(0)
    model = lead_model(metrics, kpi)
    z = stats.norm.ppf(0.975)
    tested = model.tests.dropna(subset=["p_value"])
    np.testing.assert_allclose(tested["ci_low"], tested["effect"] - z * tested["std_error"], rtol=1e-12)
    np.testing.assert_allclose(tested["ci_high"], tested["effect"] + z * tested["std_error"], rtol=1e-12)
    for row in tested.itertuples():
        profile = model.profiles.loc[model.profiles["metric"] == row.metric]
        assert profile["effect"].sum() == pytest.approx(row.effect, rel=1e-10)
        assert profile["lag"].min() == row.delay
        expected = row.effect * _kernel(row.delay, row.half_life, WINDOW + 1)
        np.testing.assert_allclose(profile.set_index("lag")["effect"], expected[expected > 0], rtol=1e-10)


# --------------------------------------------------------------------------- the effects against weighted least squares


def _linear_world(seed: int, beta: float) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    days = 400
    dates = pd.date_range("2024-01-01", periods=days, freq="D")
    x = _bursty(rng, days)
    u = rng.poisson(30, days).astype(float)
    mean = (20 + 0.03 * np.arange(days)) * WEEKLY[dates.day_of_week] + beta * _convolve(x, 2, 1.0)
    kpi = pd.Series(rng.poisson(mean).astype(float), index=dates, name="signups")
    return pd.DataFrame({"x": x, "u": u}, index=dates), kpi


def _controls_and_weights(y: np.ndarray, dates: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """The documented controls of a linear trend (constant, trend, weekday, weekday x trend level) and the
    inverse-sd weights of a variance a * level + b * level**2 fitted to the squared residuals."""
    n = len(y)
    base = np.column_stack([np.ones(n), np.linspace(-0.5, 0.5, n)])
    week = np.column_stack([(dates.day_of_week == d).astype(float) for d in range(1, 7)])
    coef, *_ = np.linalg.lstsq(np.hstack([base, week]), y, rcond=None)
    level = base @ coef[:2]
    controls = np.hstack([base, week, week * (level / abs(level.mean()) - 1)[:, None]])
    resid = y - controls @ np.linalg.lstsq(controls, y, rcond=None)[0]
    design = np.column_stack([level, level**2])
    a_b = np.clip(np.linalg.lstsq(design, resid**2, rcond=None)[0], 0, None)
    w = 1 / np.sqrt(design @ a_b)
    return controls, w / w.mean()


def _hc3_hac_se_of_sum(design: np.ndarray, y: np.ndarray, w: np.ndarray, k: int, lags: int) -> float:
    """Newey-West error (HC3-type residuals) of the sum of the last ``k`` coefficients of the WLS fit, by hand."""
    xw, yw = design * w[:, None], y * w
    u, s, _ = np.linalg.svd(xw, full_matrices=False)
    hat = (u[:, s > 1e-10 * s[0]] ** 2).sum(axis=1)
    fit = sm.WLS(y, design, weights=w**2).fit()
    resid = (yw - xw @ fit.params) / (1 - hat)
    controls = _orthonormal_basis(xw[:, :-k])
    x = xw[:, -k:] - controls @ (controls.T @ xw[:, -k:])  # the kernel columns given the controls (FWL)
    bread = np.linalg.pinv(x.T @ x, rcond=1e-10)
    meat = S_hac_simple(x * resid[:, None], nlags=lags)
    ones = np.ones(k)
    return float(np.sqrt(ones @ bread @ meat @ bread @ ones))


def _orthonormal_basis(a: np.ndarray) -> np.ndarray:
    u, s, _ = np.linalg.svd(a, full_matrices=False)
    return u[:, s > 1e-10 * s[0]]


def test_effect_at_the_kernel_of_the_test_is_the_weighted_least_squares_coefficient():
    metrics, kpi = _linear_world(0, beta=0.0)
    model = lead_model(metrics, kpi)
    assert model.trend == "linear"
    assert not model.tests["selected"].any()  # nothing chosen: each test is given the controls only
    ok = np.arange(len(kpi)) >= WINDOW
    y, dates = kpi.to_numpy()[ok], kpi.index[ok]
    controls, w = _controls_and_weights(y, dates)
    lags = newey_west_maxlags(len(y))
    for name in ("x", "u"):
        row = _row(model, name)
        column = _convolve(metrics[name].to_numpy(), row["delay"], row["half_life"])[ok]
        design = np.column_stack([controls, column])
        fit = sm.WLS(y, design, weights=w**2).fit()
        assert row["effect"] == pytest.approx(fit.params[-1], rel=1e-8), name
        assert row["std_error"] == pytest.approx(_hc3_hac_se_of_sum(design, y, w, 1, lags), rel=1e-8), name
        assert row["t_stat"] == pytest.approx(row["effect"] / row["std_error"], rel=1e-10)


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.SingularMatrixWarning")
def test_total_effect_of_a_lead_is_the_sum_of_its_neighbouring_kernels_coefficients():
    metrics, kpi = _linear_world(1, beta=0.3)
    model = lead_model(metrics, kpi)
    assert model.trend == "linear"
    assert _leads(model) == ["x"]
    row = _row(model, "x")
    ok = np.arange(len(kpi)) >= WINDOW
    y, dates = kpi.to_numpy()[ok], kpi.index[ok]
    controls, w = _controls_and_weights(y, dates)
    step = HALF_LIVES.index(row["half_life"])
    near = [(d, h) for d in range(row["delay"] - 1, row["delay"] + 2) if 0 <= d <= MAX_LAG
            for h in HALF_LIVES[max(0, step - 1):step + 2]]
    kernels = np.column_stack([_convolve(metrics["x"].to_numpy(), d, h)[ok] for d, h in near])
    design = np.column_stack([controls, kernels])
    fit = sm.WLS(y, design, weights=w**2).fit()  # minimum-norm: the neighbours are collinear, their sum is not
    assert row["effect"] == pytest.approx(fit.params[-len(near):].sum(), rel=1e-6)
    lags = newey_west_maxlags(len(y))
    se = _hc3_hac_se_of_sum(design, y, w, len(near), lags)
    # and the spread of the effect over every kernel, each weighted by its likelihood against the best
    coef, t = [], []
    for d in range(MAX_LAG + 1):
        for h in HALF_LIVES:
            one = np.column_stack([controls, _convolve(metrics["x"].to_numpy(), d, h)[ok]])
            c = sm.WLS(y, one, weights=w**2).fit().params[-1]
            coef.append(c)
            t.append(c / _hc3_hac_se_of_sum(one, y, w, 1, lags))
    coef, t = np.array(coef), np.array(t)
    weight = np.where(t > 0, np.exp(0.5 * (t**2 - t.max() ** 2)), 0.0)
    weight /= weight.sum()
    spread = np.sqrt((weight * (coef - (weight * coef).sum()) ** 2).sum())
    assert row["std_error"] == pytest.approx(np.hypot(se, spread), rel=1e-6)
    assert row["ci_low"] <= 0.3 <= row["ci_high"]


# --------------------------------------------------------------------------- worlds of the independent generator


def test_study_worlds_without_drivers_give_at_most_one_false_lead():
    false_leads = []
    for seed in range(6):
        world = random_world(seed, drivers=0, trend="flat-then-5x")
        model = lead_model(world.daily[list(DRIVER_METRICS)], world.kpi)
        false_leads += [(seed, m) for m in _leads(model) if _row(model, m)["kind"] == "metric"]
    assert len(false_leads) <= 1, false_leads


@pytest.mark.parametrize("seed", [0, 3, 5])  # the first seeds whose single driver causes at least 30%
def test_strong_study_world_driver_is_found_at_its_delay_with_its_effect_covered(seed):
    world = random_world(seed, drivers=1)
    (driver,) = world.truth.drivers
    assert driver.share_caused >= 0.3
    model = lead_model(world.daily[list(DRIVER_METRICS)], world.kpi)
    row = _row(model, driver.metric)
    assert row["selected"] and row["q_value"] < 0.05
    assert abs(row["delay"] - driver.delay_days) <= 1
    assert row["ci_low"] <= driver.effect_per_unit <= row["ci_high"]


# --------------------------------------------------------------------------- metrics the data cannot separate


def _twins_world(seed: int, beta: float = 0.25) -> tuple[pd.DataFrame, pd.Series]:
    """Two near-identical metrics a and b; the KPI follows beta x (a + b) convolved (delay 2, half-life 1)."""
    rng = np.random.default_rng(seed)
    warm, total = 40, 540
    dates = pd.date_range("2024-01-01", periods=total, freq="D")
    x = _bursty(rng, total)
    a, b = x + rng.normal(0, 0.5, total), x + rng.normal(0, 0.5, total)
    u = rng.poisson(30, total).astype(float)
    kpi = rng.poisson(30 + 0.02 * np.arange(total) + beta * _convolve(a + b, 2, 1.0, 40)).astype(float)
    metrics = pd.DataFrame({"a": a, "b": b, "u": u}, index=dates).iloc[warm:]
    return metrics, pd.Series(kpi, index=dates, name="orders").iloc[warm:]


def test_inseparable_metrics_are_reported_as_one_group():
    metrics, kpi = _twins_world(0)
    model = lead_model(metrics, kpi)
    assert model.correlations.loc["a", "b"] > 0.95
    t = model.tests
    chosen = t.loc[(t["kind"] == "metric") & t["selected"], "metric"].tolist()
    assert len(chosen) == 1 and chosen[0] in ("a", "b")  # one twin enters; the other adds nothing
    lead = chosen[0]
    other = "b" if lead == "a" else "a"
    groups = t.loc[t["kind"] == "group"]
    assert len(groups) == 1
    group = groups.iloc[0]
    assert group["metric"] == f"{lead} + {other}"
    assert group["members"] == f"{lead}, {other}"
    assert group["selected"] and group["q_value"] < 0.05
    assert group["together_r"] == pytest.approx(model.correlations.loc[lead, other])
    assert group["per_unit"] == f"{lead} (with the {other} that moves with it)"
    assert "u" not in _leads(model)


def test_no_metric_is_grouped_with_itself():
    for seed in range(3):
        metrics, kpi = _twins_world(seed)
        model = lead_model(metrics, kpi)
        for row in model.tests.loc[model.tests["kind"] == "group"].itertuples():
            members = row.members.split(", ")
            assert len(members) == 2 and members[0] != members[1], row.metric
            assert row.metric == " + ".join(members)
            assert row.metric not in model.tests.loc[model.tests["kind"] == "metric", "metric"].tolist()
            assert set(members) <= set(metrics.columns)


def test_group_effect_interval_covers_the_effect_of_one_unit_with_its_partner():
    beta = 0.25
    metrics, kpi = _twins_world(0, beta=beta)
    model = lead_model(metrics, kpi)
    group = model.tests.loc[model.tests["kind"] == "group"].iloc[0]
    lead, other = group["members"].split(", ")
    # one unit of the lead comes with r * sd(other) / sd(lead) units of the other; each unit drives beta
    truth = beta * (1 + model.correlations.loc[lead, other] * model.spread[other] / model.spread[lead])
    assert truth == pytest.approx(2 * beta, rel=0.01)
    assert group["ci_low"] <= truth <= group["ci_high"], (group["effect"], group["ci_low"], group["ci_high"], truth)


# --------------------------------------------------------------------------- what the model refuses


def test_too_few_days_gives_every_row_the_reason_and_no_test():
    metrics, kpi = _carryover_world(0, days=60)
    model = lead_model(metrics, kpi)
    t = model.tests
    assert list(t.columns) == TEST_COLUMNS
    assert t["metric"].tolist() == ["driver", "noise"]
    assert (t["reason"] == "the engagement and signups data cover 60 days together, and at least "
            f"{56 + WINDOW} are needed: 56 days with signups, each with the {WINDOW} days of engagement before it").all()
    assert t["p_value"].isna().all() and not t["selected"].any()
    assert model.n == 60 - WINDOW


def test_constant_metric_is_reported_and_not_tested():
    metrics, kpi = _carryover_world(0)
    metrics = metrics.assign(flat=7.0)
    model = lead_model(metrics, kpi)
    flat = _row(model, "flat")
    assert flat["reason"] == f"constant series: flat does not vary on the {model.n} days used"
    assert np.isnan(flat["p_value"]) and np.isnan(flat["q_value"]) and not flat["selected"]
    assert _leads(model) == ["driver"]
    assert _row(model, "driver")["reason"] == ""


def test_constant_kpi_is_reported_for_every_metric():
    metrics, kpi = _carryover_world(0)
    model = lead_model(metrics, pd.Series(4.0, index=kpi.index, name="signups"))
    t = model.tests
    assert (t["reason"] == "constant series: signups does not vary").all()
    assert t["p_value"].isna().all() and not t["selected"].any()


def test_same_inputs_and_seed_give_identical_tests():
    metrics, kpi = _twins_world(1)
    first = lead_model(metrics, kpi, seed=3)
    second = lead_model(metrics.copy(), kpi.copy(), seed=3)
    pd.testing.assert_frame_equal(first.tests, second.tests)
    pd.testing.assert_frame_equal(first.profiles, second.profiles)
    assert first.trend == second.trend


# --------------------------------------------------------------------------- further controls


def _confounded(seed: int) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Spend (a smooth AR(1) series) moves both the metric and the KPI on the same day; the metric drives nothing."""
    rng = np.random.default_rng(seed)
    days = 450
    dates = pd.date_range("2024-01-01", periods=days, freq="D")
    s = np.zeros(days)
    shocks = rng.standard_normal(days)
    for t in range(1, days):
        s[t] = 0.7 * s[t - 1] + shocks[t]
    spend = 100 + 10 * s
    metrics = pd.DataFrame({"x": spend + rng.normal(0, 5, days)}, index=dates)
    kpi = pd.Series(rng.poisson(20 + 0.3 * spend).astype(float), index=dates, name="signups")
    return metrics, kpi, pd.DataFrame({"spend": spend}, index=dates)


def test_a_confounder_given_as_control_removes_the_lead_it_fakes():
    metrics, kpi, spend = _confounded(0)
    assert _leads(lead_model(metrics, kpi)) == ["x"]  # without the control, the metric looks like a lead
    controlled = lead_model(metrics, kpi, controls=spend)
    assert _leads(controlled) == []
    assert _row(controlled, "x")["q_value"] >= 0.05


def test_days_without_a_control_are_left_out_and_a_foreign_index_is_refused():
    metrics, kpi, spend = _confounded(1)
    spend.iloc[100:110] = np.nan
    assert lead_model(metrics, kpi, controls=spend).n == len(kpi) - WINDOW - 10
    with pytest.raises(ValueError, match="controls must share the daily index"):
        lead_model(metrics, kpi, controls=spend.iloc[1:])

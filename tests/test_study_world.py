"""Tests for the recovery study's second world generator (:mod:`engagekit.teaching.study_world`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import pathlib
import warnings
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
import yaml

import engagekit as ek
from engagekit.cli import main
from engagekit.teaching.recovery import planted_truth
from engagekit.teaching.study_world import DRIVER_METRICS, diff_correlations, random_world, write_world

#: Small worlds that between them cover the KPI files and time formats: a CRM list in local
#: time with one driver, a CRM list with UTC offsets and two drivers, a Shopify export with one driver.
GENERIC_LOCAL, GENERIC_OFFSET, SHOPIFY = 2, 30, 6
#: A world without driver whose KPI shares the audience's flat-then-5x trend.
FLAT_THEN_5X = 5


def _hashes(folder: pathlib.Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _load(folder: pathlib.Path, kpi: str) -> tuple[ek.Dataset, pd.DataFrame, pd.Series]:
    """The client as notebook 03 opens it: its dataset, daily engagement by publish day, and the KPI series."""
    analysis = ek.open_analysis(folder, kpi=kpi)
    goal = analysis.goal
    engagement = ek.daily_engagement(analysis.dataset.posts, tz=analysis.tz, start=goal.start, end=goal.end)
    return analysis.dataset, engagement, ek.kpi_series(analysis.dataset, goal)


@pytest.fixture(scope="module")
def worlds(tmp_path_factory):
    """seed -> (world, folder, dataset, daily engagement, KPI series) for the test worlds."""
    out = {}
    specs = {GENERIC_LOCAL: {}, GENERIC_OFFSET: {}, SHOPIFY: {},
             FLAT_THEN_5X: {"drivers": 0, "trend": "flat-then-5x"}}
    for seed, options in specs.items():
        world = random_world(seed, **options)
        folder = write_world(world, tmp_path_factory.mktemp(f"world{seed}"))
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # loading a world warns of nothing
            out[seed] = (world, folder, *_load(folder, world.truth.kpi))
    return out


def test_the_test_worlds_cover_both_kpi_files_and_both_time_formats(worlds):
    truths = {seed: w[0].truth for seed, w in worlds.items()}
    assert (truths[GENERIC_LOCAL].kpi_source, truths[GENERIC_LOCAL].kpi_time_format) == ("generic", "local")
    assert (truths[GENERIC_OFFSET].kpi_source, truths[GENERIC_OFFSET].kpi_time_format) == ("generic", "offset")
    assert truths[SHOPIFY].kpi_source == "shopify" and truths[SHOPIFY].kpi == "order"
    assert [len(truths[s].drivers) for s in (GENERIC_LOCAL, GENERIC_OFFSET, SHOPIFY)] == [1, 2, 1]


def test_the_same_seed_writes_byte_identical_files(tmp_path):
    first = write_world(random_world(GENERIC_LOCAL), tmp_path / "a")
    second = write_world(random_world(GENERIC_LOCAL), tmp_path / "b")
    assert _hashes(first) == _hashes(second)
    assert len(_hashes(first)) > 10


def test_different_seeds_write_different_files(tmp_path):
    first = _hashes(write_world(random_world(GENERIC_LOCAL), tmp_path / "a"))
    second = _hashes(write_world(random_world(GENERIC_LOCAL + 1), tmp_path / "b"))
    assert first["truth.yml"] != second["truth.yml"]
    assert set(first.values()).isdisjoint(second.values())


@pytest.mark.parametrize("seed", [GENERIC_LOCAL, GENERIC_OFFSET, SHOPIFY, FLAT_THEN_5X])
def test_a_written_world_loads_with_no_row_dropped(worlds, seed):
    world, _, dataset, _, _ = worlds[seed]
    assert dataset.reports
    assert {r.format for r in dataset.reports} >= {"x_tweet_activity", "facebook_post_level"}
    for report in dataset.reports:
        assert report.rows_dropped == {}, report.summary()
    assert len(dataset.posts) == len(world.posts)
    assert len(dataset.outcomes) == int(world.kpi.sum())


@pytest.mark.parametrize("seed", [GENERIC_LOCAL, GENERIC_OFFSET, SHOPIFY, FLAT_THEN_5X])
def test_daily_engagement_of_the_loaded_posts_is_the_worlds_daily_series(worlds, seed):
    world, _, _, engagement, _ = worlds[seed]
    pd.testing.assert_frame_equal(engagement[list(DRIVER_METRICS)], world.daily, check_freq=False)
    assert engagement.index[0] == pd.Timestamp(world.truth.start)
    assert len(engagement) == world.truth.n_days
    assert engagement[list(DRIVER_METRICS)].notna().all().all()


@pytest.mark.parametrize("seed", [GENERIC_LOCAL, GENERIC_OFFSET, SHOPIFY, FLAT_THEN_5X])
def test_the_kpi_series_of_the_loaded_outcomes_is_the_worlds_kpi(worlds, seed):
    world, _, _, _, kpi = worlds[seed]
    pd.testing.assert_series_equal(kpi, world.kpi, check_freq=False)
    assert kpi.notna().all()


def test_the_loaded_posts_keep_each_posts_publish_time_and_engagement(worlds):
    world, _, dataset, _, _ = worlds[GENERIC_OFFSET]
    loaded = dataset.posts.set_index(["platform", "post_id"]).sort_index()
    mine = world.posts.set_index(["platform", "post_id"]).sort_index()
    assert loaded.index.equals(mine.index)
    x = mine.index.get_level_values("platform") == "x"
    # X writes minutes, Facebook seconds: both are the drawn time exactly.
    assert (loaded["published_at"] == mine["published_at"]).all()
    assert (loaded["published_at"][x].dt.second == 0).all()
    for metric in DRIVER_METRICS:
        assert (loaded[metric].astype("int64") == mine[metric]).all(), metric


def test_each_drivers_realised_share_of_the_expected_kpi_is_the_planted_share(worlds):
    for seed in (GENERIC_LOCAL, GENERIC_OFFSET, SHOPIFY):
        world = worlds[seed][0]
        total = world.expected.to_numpy().sum()
        for driver in world.truth.drivers:
            assert world.expected[driver.metric].sum() / total == pytest.approx(driver.share_caused, rel=1e-9)
        assert 0.05 <= sum(d.share_caused for d in world.truth.drivers) <= 0.6


def test_the_kpi_drawn_totals_the_expected_kpi(worlds):
    for seed, (world, *_) in worlds.items():
        expected = world.expected.to_numpy().sum()
        sd = math.sqrt(expected + (world.expected.sum(axis=1) ** 2).sum() / world.truth.kpi_dispersion)
        assert abs(world.kpi.sum() - expected) < 4 * sd, seed


def test_the_kpi_rises_with_the_planted_driver_part():
    """Regressing the KPI on its expected baseline and driver part (weighted by the negative binomial's
    variance) gives each a weight of 1 within its standard error."""
    world = random_world(22)  # one driver causing 55% of the orders
    assert [d.share_caused for d in world.truth.drivers] == [0.555]
    design = world.expected.to_numpy()
    mean = design.sum(axis=1)
    scale = 1 / np.sqrt(mean + mean**2 / world.truth.kpi_dispersion)
    weights, *_ = np.linalg.lstsq(design * scale[:, None], world.kpi.to_numpy(dtype=float) * scale, rcond=None)
    errors = np.sqrt(np.diag(np.linalg.inv((design * scale[:, None]).T @ (design * scale[:, None]))))
    assert (errors < 0.1).all()
    assert (np.abs(weights - 1) < 3 * errors).all(), (weights, errors)


def _reference_carryover(world, driver) -> np.ndarray:
    """The driver's expected KPI per local day, integrated post by post with zoneinfo's local midnights."""
    truth = world.truth
    tz = ZoneInfo(truth.timezone)
    midnights = [dt.datetime.combine(truth.start + dt.timedelta(days=d), dt.time(), tzinfo=tz).timestamp()
                 for d in range(truth.n_days + 1)]
    lam = math.log(2) / driver.half_life_days
    out = np.zeros(truth.n_days)
    for post in world.posts.itertuples():
        value = getattr(post, driver.metric)
        if not value:
            continue
        begins = post.published_at.timestamp() + driver.delay_days * 86_400
        first = (post.local_day.date() - truth.start).days
        for day in range(first, truth.n_days):
            lo, hi = max(midnights[day], begins), midnights[day + 1]
            if hi <= lo:
                continue
            mass = math.exp(-lam * (lo - begins) / 86_400) - math.exp(-lam * (hi - begins) / 86_400)
            out[day] += driver.effect_per_unit * value * mass
            if mass < 1e-12 and lo > begins:
                break
    return out


def test_a_drivers_effect_starts_after_its_delay_and_decays_over_local_days(worlds):
    world = worlds[GENERIC_OFFSET][0]
    for driver in world.truth.drivers:
        np.testing.assert_allclose(world.expected[driver.metric].to_numpy(), _reference_carryover(world, driver),
                                   rtol=1e-6, atol=1e-9)


def test_a_world_without_driver_has_no_leads_and_four_noise_metrics(worlds):
    world, folder = worlds[FLAT_THEN_5X][:2]
    assert world.truth.drivers == () and world.truth.leads() == []
    assert world.truth.noise == list(DRIVER_METRICS)
    assert list(world.expected.columns) == ["baseline"]
    truth = yaml.safe_load((folder / "truth.yml").read_text(encoding="utf-8"))
    assert planted_truth(truth, outcome=world.truth.kpi) == ({}, list(DRIVER_METRICS))


def test_flat_then_5x_without_driver_bends_kpi_and_engagement_alike(worlds):
    world = worlds[FLAT_THEN_5X][0]
    truth = world.truth
    assert truth.trend == "flat-then-5x" and truth.trend_shared and truth.kpi_trend == truth.audience_trend
    trend = truth.audience_trend.values(truth.start, truth.n_days)
    at = truth.audience_trend.param("at")
    assert trend[0] == 1.0 and trend[int(at * (truth.n_days - 1)) - 1] == 1.0 and trend[-1] == pytest.approx(5.0)
    # both series grow several fold between the flat start and the last quarter
    first, last = slice(0, int(at * truth.n_days) - 7), slice(int(0.85 * truth.n_days), None)
    kpi_growth = world.kpi.iloc[last].mean() / world.kpi.iloc[first].mean()
    reach = world.posts.groupby("local_day")["reach"].sum().reindex(world.daily.index, fill_value=0)
    reach_growth = reach.iloc[last].mean() / reach.iloc[first].mean()
    assert kpi_growth > 3 and reach_growth > 2.5


def test_truth_yml_gives_the_leads_as_planted_truth_reads_them(worlds):
    world, folder = worlds[GENERIC_OFFSET][:2]
    truth = yaml.safe_load((folder / "truth.yml").read_text(encoding="utf-8"))
    assert truth["leads"] == world.truth.leads()
    leads, noise = planted_truth(truth, outcome=world.truth.kpi)
    assert leads == {d.metric: d.delay_days for d in world.truth.drivers}
    assert sorted(noise + list(leads)) == sorted(DRIVER_METRICS)
    assert truth["timezone"] == world.truth.timezone and truth["n_days"] == world.truth.n_days
    assert truth["trend"] == world.truth.trend and truth["seed"] == GENERIC_OFFSET
    assert {"half_life_days", "share_caused", "effect_per_unit"} <= set(truth["leads"][0])


def test_the_metrics_daily_first_differences_correlate_between_0_5_and_0_9_on_most_worlds():
    inside = []
    for seed in range(100, 112):
        r = diff_correlations(random_world(seed).daily)["r"]
        assert (r > 0.2).all()  # the metrics always move together
        inside.append(((r >= 0.5) & (r <= 0.9)).mean())
    assert np.mean(inside) >= 0.8


def test_drawn_parameters_keep_to_their_ranges():
    for seed in range(200, 208):
        truth = random_world(seed).truth
        assert 400 <= truth.n_days <= 600
        assert dt.date(2022, 1, 1) <= truth.start <= dt.date(2025, 12, 31)
        assert 2 <= truth.kpi_base <= 40 and 5 <= truth.kpi_dispersion <= 40
        assert len({d.metric for d in truth.drivers}) == len(truth.drivers) <= 2
        for driver in truth.drivers:
            assert 0 <= driver.delay_days <= 7 and 0.3 <= driver.half_life_days <= 3
            assert driver.effect_per_unit > 0
        for platform in truth.platforms:
            assert 0.4 <= platform.posts_per_day <= 3 and 0.5 <= platform.link_share <= 0.7
        for pause in truth.breaks:
            assert 7 <= pause.days <= 14


def test_a_posting_break_leaves_its_days_without_posts():
    world = next(w for w in map(random_world, range(300, 330)) if w.truth.breaks)
    pause = world.truth.breaks[0]
    days = pd.date_range(pd.Timestamp(pause.start), periods=pause.days, freq="D")
    mine = world.posts.loc[world.posts["platform"].isin(pause.platforms)]
    assert not mine["local_day"].isin(days).any()


def test_forcing_the_drawn_driver_count_gives_the_same_world():
    drawn = random_world(GENERIC_LOCAL)
    forced = random_world(GENERIC_LOCAL, drivers=len(drawn.truth.drivers))
    assert forced.truth == drawn.truth
    pd.testing.assert_series_equal(forced.kpi, drawn.kpi)


@pytest.mark.parametrize("options", [{"drivers": 3}, {"trend": "sideways"}, {"trend": "november-bump+november-bump"}])
def test_random_world_refuses_unknown_options(options):
    with pytest.raises(ValueError):
        random_world(1, **options)


def test_write_world_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "world").mkdir()
    (tmp_path / "world" / "old.csv").write_text("x\n")
    with pytest.raises(FileExistsError):
        write_world(random_world(GENERIC_LOCAL), tmp_path)


def test_engagekit_check_passes_on_a_written_world(worlds, capsys):
    for seed in (GENERIC_OFFSET, SHOPIFY):
        folder = worlds[seed][1]
        assert main(["check", str(folder), "--strict"]) == 0
        out = capsys.readouterr().out
        assert " 0 dropped" in out and "error" not in out

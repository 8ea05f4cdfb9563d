"""What the sample generator plants: which engagement metrics drive registrations, after how long, by how much.

The default sample (:data:`DEFAULT_TRUTH`) plants one driver: link clicks,
two days later, 0.05 registrations per click; reactions, comments and shares
are noise. :func:`random_truth` draws other truths (no driver, one or two,
any lag, effect sizes given as the share of registrations they cause, a
different baseline) for studies of whether the statistics recover them.

Beyond the drivers a truth can plant the audience's trend (``trend_slope``),
a content mix that moves towards self-promotion (``self_promotion``),
followers who leave after self-promotional weeks and take sign-ups with them
(:class:`Fatigue`) and a dated step change in sign-ups (:class:`Launch`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

__all__ = ["DEFAULT_TRUTH", "DRIVER_METRICS", "Driver", "Fatigue", "Launch", "SampleTruth", "random_truth"]

#: Engagement metrics the generator can plant as drivers, in the order of the canonical posts table.
DRIVER_METRICS = ("reactions", "comments", "shares", "link_clicks")

#: Daily means of each driver metric over the default sample's year (by publish day, both platforms,
#: organic values): the scale :func:`random_truth` turns a share of registrations into an effect per unit.
TYPICAL_DAILY = {"reactions": 73.0, "comments": 9.0, "shares": 7.2, "link_clicks": 164.0}


@dataclass(frozen=True)
class Driver:
    """One planted lead: ``effect`` registrations per unit of ``metric``, ``lag_days`` after the publish day."""

    metric: str
    lag_days: int
    effect: float

    def __post_init__(self) -> None:
        if self.metric not in DRIVER_METRICS:
            raise ValueError(f"driver metric {self.metric!r} is not one of {', '.join(DRIVER_METRICS)}")
        if self.lag_days < 0 or self.effect < 0:
            raise ValueError(f"driver {self.metric}: lag_days and effect must be >= 0, got {self.lag_days}, {self.effect}")


@dataclass(frozen=True)
class Fatigue:
    """Promotion fatigue: Page followers leave faster after self-promotional days, and sign-ups follow them.

    On local day t the Page loses ``Poisson(followers(t-1) * (base_loss_rate + loss_per_share * s(t)))``
    followers, ``s(t)`` being the self-promotional share of the Page's posts of the ``window`` days
    before t (0 when it posted nothing); the registration baseline is multiplied by the audience the
    Page kept, ``audience(t) = followers(t-1) / (followers at the start * g(t))``.
    """

    loss_per_share: float
    window: int = 14

    def __post_init__(self) -> None:
        if self.loss_per_share < 0 or self.window < 1:
            raise ValueError(f"fatigue: loss_per_share must be >= 0 and window >= 1 day, got "
                             f"{self.loss_per_share}, {self.window}")


@dataclass(frozen=True)
class Launch:
    """A dated step change: from local day ``date`` (YYYY-MM-DD) on, the registration baseline is x (1 + lift)."""

    date: str
    lift: float

    def __post_init__(self) -> None:
        try:
            dt.date.fromisoformat(self.date)
        except (TypeError, ValueError):
            raise ValueError(f"launch date must be YYYY-MM-DD, got {self.date!r}") from None
        if self.lift <= -1:
            raise ValueError(f"launch lift must be above -1 (a fall of 100 %), got {self.lift}")

    @property
    def day(self) -> dt.date:
        """The launch day as a date."""
        return dt.date.fromisoformat(self.date)


@dataclass(frozen=True)
class SampleTruth:
    """The registration model of a sample client.

    Registrations on local day t are
    ``Poisson(base * g(t) * w(t) * audience(t) * launch(t) + sum(effect * metric(t - lag)))``
    with ``g(t) = 1 + trend_slope * t / 364`` the shared trend, ``w`` the weekday pattern,
    ``audience`` the followers kept (1 without :class:`Fatigue`), ``launch`` the step change
    (1 without :class:`Launch`) and one term per driver.

    Parameters
    ----------
    drivers
        The planted leads; the metrics of :data:`DRIVER_METRICS` not among them are noise.
    registration_base
        Registrations a day at trend 1 that no post causes.
    trend_slope
        The shared trend's rise over the year: posting rate, post impressions and engagement,
        and every outcome's baseline follow ``g(t)``.
    self_promotion
        The share of self-promotional posts (offer, product, company news) on the year's first
        and last day, moving linearly in between; None: the fixed content mix of the default sample.
    fatigue
        Followers lost to self-promotion, and sign-ups lost with them; None: no fatigue.
    launch
        A dated step change in the registration baseline; None: no change.
    """

    drivers: tuple[Driver, ...] = (Driver("link_clicks", 2, 0.05),)
    registration_base: float = 4.0
    trend_slope: float = 0.8
    self_promotion: tuple[float, float] | None = None
    fatigue: Fatigue | None = None
    launch: Launch | None = None

    def __post_init__(self) -> None:
        metrics = [d.metric for d in self.drivers]
        if len(set(metrics)) != len(metrics):
            raise ValueError(f"a metric is planted twice: {', '.join(metrics)}")
        if self.trend_slope <= -1:
            raise ValueError(f"trend_slope must be above -1 (the trend stays positive), got {self.trend_slope}")
        if self.self_promotion is not None and (
            len(self.self_promotion) != 2 or not all(0 <= s <= 1 for s in self.self_promotion)
        ):
            raise ValueError(f"self_promotion must be two shares from 0 to 1 (start, end), got {self.self_promotion}")

    @property
    def mean_trend(self) -> float:
        """The mean of the shared trend ``g(t) = 1 + trend_slope * t / 364`` over the year (t = 0..364)."""
        return 1.0 + self.trend_slope / 2

    @property
    def noise(self) -> list[str]:
        """The metrics that do not drive registrations."""
        planted = {d.metric for d in self.drivers}
        return [m for m in DRIVER_METRICS if m not in planted]

    def model(self) -> str:
        """The registration model in one line, as truth.yml writes it."""
        base = f"{self.registration_base:g}*g(t)*weekday(t)"
        if self.fatigue is not None:
            base += "*audience(t)"
        if self.launch is not None:
            base += f"*(1 + {self.launch.lift:g}*[t >= {self.launch.date}])"
        terms = [base]
        terms += [f"{d.effect:g}*{d.metric}(t-{d.lag_days})" for d in self.drivers]
        return f"Poisson({' + '.join(terms)})"

    def leads(self, outcome: str = "registration") -> list[dict]:
        """The drivers as truth.yml lists them."""
        return [{"metric": d.metric, "outcome": outcome, "lag_days": int(d.lag_days), "effect_per_unit": float(d.effect)}
                for d in self.drivers]


DEFAULT_TRUTH = SampleTruth()


def random_truth(
    seed: int,
    *,
    max_lag: int = 7,
    driver_counts: tuple[float, float, float] = (0.2, 0.5, 0.3),
    share_range: tuple[float, float] = (0.15, 0.6),
    base_range: tuple[float, float] = (2.0, 8.0),
) -> SampleTruth:
    """Draw a registration model at random.

    Parameters
    ----------
    seed
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same truth.
    max_lag
        Lags are drawn uniformly from 0 to ``max_lag`` days.
    driver_counts
        Probabilities of planting 0, 1 or 2 drivers (metrics drawn without replacement).
    share_range
        Each driver causes a share of the year's registrations drawn uniformly from this range
        (split between drivers when there are two); the effect per unit follows from the
        metric's typical daily level (:data:`TYPICAL_DAILY`).
    base_range
        The registrations a day that no post causes, drawn uniformly (at trend 1).
    """
    rng = np.random.default_rng(seed)
    count = int(rng.choice(3, p=np.asarray(driver_counts)))
    metrics = rng.choice(len(DRIVER_METRICS), size=count, replace=False)
    base = float(rng.uniform(*base_range))
    share = float(rng.uniform(*share_range))
    caused_daily = share / (1 - share) * base * DEFAULT_TRUTH.mean_trend  # registrations a day the drivers cause together
    drivers = tuple(
        Driver(DRIVER_METRICS[int(m)], int(rng.integers(0, max_lag + 1)),
               round(caused_daily / max(count, 1) / TYPICAL_DAILY[DRIVER_METRICS[int(m)]], 4))
        for m in sorted(metrics)
    )
    return SampleTruth(drivers=drivers, registration_base=round(base, 2))

"""What every audit measure shares: the column check and posts joined to their classes on local days."""

from __future__ import annotations

import warnings

import pandas as pd

from engagekit.tables.series import local_day

__all__ = []


def _check(frame: pd.DataFrame | None, name: str, columns: list[str]) -> None:
    if frame is None:
        return
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks the columns {missing} (it has {list(frame.columns)}); "
                         f"pass the canonical {name} table")


_KEY = ["platform", "post_id"]


def _classified(posts: pd.DataFrame, classes: pd.DataFrame, *, tz: str, measure: str) -> pd.DataFrame:
    """Posts joined to their class with the local publishing day; warns when there are no posts."""
    _check(posts, "posts", ["platform", "post_id", "published_at"])
    _check(classes, "classes", ["platform", "post_id", "category", "self_promotional"])
    cols = [c for c in ("category", "self_promotional", "first_person", "second_person") if c in classes.columns]
    frame = posts.reset_index(drop=True).merge(classes[_KEY + cols], on=_KEY, how="inner")
    frame["day"] = local_day(frame["published_at"], tz)
    if frame.empty:
        warnings.warn(f"{measure}: no posts in the period; the result is empty", UserWarning, stacklevel=3)
    return frame


def _period(day: pd.Series, freq: str) -> pd.Series:
    return day.dt.to_period(freq.rstrip("S")).dt.start_time.astype("datetime64[us]")

"""The campaign-impact chart's date labels never overlap, from one month of days to two years."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from engagekit.report import plots  # noqa: E402
from engagekit.analyses.impact import DAILY_COLUMNS  # noqa: E402


def _daily(days: int, *, start: str = "2024-03-01") -> pd.DataFrame:
    """A campaign_impact daily table: ``days`` days, the last third after the change."""
    dates = pd.date_range(start, periods=days, freq="D")
    post = np.arange(days) >= days * 2 // 3
    predicted = np.where(post, 100.0, np.nan)
    frame = pd.DataFrame({
        "date": dates, "period": np.where(post, "post", "pre"),
        "actual": 100 + np.random.default_rng(0).normal(0, 5, days),
        "predicted": predicted, "predicted_low": predicted - 10, "predicted_high": predicted + 10,
    })
    return frame.reindex(columns=DAILY_COLUMNS)


def _label_boxes(ax):
    """The window extents of the shown x tick labels (left to right) and of the axis's offset text."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    low, high = ax.get_xlim()
    shown = [label for loc, label in zip(ax.get_xticks(), ax.get_xticklabels(), strict=True)
             if low <= loc <= high and label.get_visible() and label.get_text()]
    boxes = sorted((label.get_window_extent(renderer) for label in shown), key=lambda box: box.x0)
    offset = ax.xaxis.get_offset_text()
    return boxes, offset.get_window_extent(renderer) if offset.get_text() else None


@pytest.mark.parametrize("days", [31, 45, 92, 182, 365, 540, 730])
@pytest.mark.parametrize("start", ["2024-03-01", "2025-01-17"])
def test_campaign_impact_date_labels_do_not_overlap(days, start):
    ax = plots.campaign_impact(_daily(days, start=start), label="registration")
    try:
        boxes, offset = _label_boxes(ax)
        assert len(boxes) >= 3, "too few dates to read the axis"
        for left, right in zip(boxes, boxes[1:]):
            assert left.x1 < right.x0, f"{days} days: tick labels overlap"
        if offset is not None:
            assert not any(box.overlaps(offset) for box in boxes), f"{days} days: the offset text overlaps a label"
    finally:
        plt.close(ax.figure)

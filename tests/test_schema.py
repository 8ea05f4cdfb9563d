"""The canonical tables of the design, and their dtypes."""

import pandas as pd
import pytest

from engagekit.core import schema


@pytest.mark.parametrize("table", list(schema.TABLES))
def test_empty_frame_is_valid_and_typed(table):
    frame = schema.empty_frame(table)
    schema.validate(frame, table)
    assert len(frame) == 0


def test_posts_columns_follow_the_design():
    assert schema.column_order("posts")[:4] == ["platform", "account", "post_id", "published_at"]
    assert schema.TABLES["posts"]["impressions"] == "Int64"
    assert schema.TABLES["outcomes"]["occurred_at"] == "datetime64[us, UTC]"
    assert schema.TABLES["traffic"]["date"] == "datetime64[us]"


def test_conform_adds_missing_columns_as_na_and_casts():
    frame = schema.conform(pd.DataFrame({"post_id": ["1"], "impressions": [3.0]}), "posts")
    schema.validate(frame, "posts")
    assert frame.loc[0, "impressions"] == 3
    assert pd.isna(frame.loc[0, "reach"])


def test_conform_refuses_unknown_columns():
    with pytest.raises(ValueError, match="not in the posts table"):
        schema.conform(pd.DataFrame({"likes": [1]}), "posts")


def test_validate_names_wrong_dtypes():
    frame = schema.empty_frame("traffic").astype({"sessions": "float64"})
    with pytest.raises(ValueError, match="sessions"):
        schema.validate(frame, "traffic")

"""Detection and the errors a user sees for files engagekit cannot read."""

import pytest

from engagekit import formats, read_export
from engagekit.errors import ExportError, UnknownFormatError


def test_unknown_file_names_the_file_and_lists_the_formats(tmp_path):
    path = tmp_path / "mystery.csv"
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(UnknownFormatError) as err:
        read_export(path)
    message = str(err.value)
    assert str(path) in message
    for name in ("x_tweet_activity", "facebook_post_level", "ga4_report_csv", "shopify_orders"):
        assert name in message


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ExportError, match="no such file"):
        read_export(tmp_path / "nope.csv")


def test_unknown_format_name_is_refused(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("x\n1\n")
    with pytest.raises(UnknownFormatError, match="unknown format 'tiktok_magic'"):
        read_export(path, format="tiktok_magic")


def test_formats_lists_every_registered_format():
    table = formats()
    assert {"x_tweet_activity", "facebook_post_level", "ga4_report_csv", "shopify_orders", "generic"} <= set(table["format"])
    assert set(table.columns) == {"format", "table", "export", "example"}

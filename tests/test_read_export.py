"""Detection and the errors a user sees for files engagekit cannot read."""

import pytest

from engagekit import formats, read_export
from engagekit.core.errors import ExportError, UnknownFormatError


def test_unknown_file_gives_the_fix_first_with_a_guessed_mapping(tmp_path):
    path = tmp_path / "newsletter.csv"
    path.write_text("Signed up at,Email,utm_source,utm_campaign\n2025-01-01 09:00,a@b.c,x,spring\n")
    with pytest.raises(UnknownFormatError) as err:
        read_export(path)
    message = str(err.value)
    assert message.startswith(f"{path}: not an export engagekit recognises. Fix: add to client.yml under files: "
                              "- {path: newsletter.csv, format: generic, table: outcomes, columns: {occurred_at: "
                              "Signed up at, customer_key: Email, source: utm_source, campaign: utm_campaign}")
    assert "\n" not in message and len(message) < 600


def test_unknown_file_names_at_most_three_closest_formats_with_the_columns_that_matched(tmp_path):
    path = tmp_path / "renamed.csv"
    path.write_text('"Tweet id","Tweet permalink","impressions","likes","my own column"\n1,u,10,2,x\n')
    with pytest.raises(UnknownFormatError) as err:
        read_export(path)
    closest = str(err.value).split("Closest formats: ")[1]
    assert closest.startswith("x_tweet_activity (matches Tweet id, Tweet permalink, impressions, likes)")
    assert closest.count("(matches") <= 3


def test_unknown_file_sharing_no_column_lists_its_columns(tmp_path):
    path = tmp_path / "mystery.csv"
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(UnknownFormatError) as err:
        read_export(path)
    assert "Its columns: a, b, c." in str(err.value) and "Closest formats" not in str(err.value)


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

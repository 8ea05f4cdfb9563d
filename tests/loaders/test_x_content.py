"""x_content: the 2024+ X content export (both header variants) into posts."""

import pandas as pd
import pytest

from engagekit.core import schema
from engagekit.core.errors import MissingColumnError
from engagekit.loaders import detect_format, read_export
from paths import FIXTURES

FOLDER = FIXTURES / "x_content"
CONTENT = FOLDER / "account_analytics_content_2025-01-01_2025-01-31.csv"
LATER = FOLDER / "PawTest_BR_account_analytics_content_2026-07-01_2026-07-31.csv"
TZ = "America/Sao_Paulo"  # UTC-3 all year


@pytest.fixture(scope="module")
def content():
    return read_export(CONTENT, tz=TZ)


@pytest.fixture(scope="module")
def later():
    return read_export(LATER, tz=TZ)


def _post(result, post_id):
    return result.frame.set_index("post_id").loc[post_id]


@pytest.mark.parametrize("path", [CONTENT, LATER], ids=["Link-Share", "PostLink-Shares"])
def test_both_header_variants_are_detected(path):
    assert detect_format(path).name == "x_content"


@pytest.mark.parametrize("path", [CONTENT, LATER], ids=["Link-Share", "PostLink-Shares"])
def test_fixtures_are_crlf_utf8_without_bom(path):
    raw = path.read_bytes()
    assert raw.endswith(b"\r\n")
    assert raw.count(b"\r\n") == raw.count(b"\n")
    assert not raw.startswith(b"\xef\xbb\xbf")


def test_frame_is_canonical_posts(content, later):
    assert content.table == later.table == "posts"
    schema.validate(content.frame, "posts")
    schema.validate(later.frame, "posts")


def test_report_balances(content):
    report = content.report
    assert report.rows_read == 5
    assert report.rows_loaded == 4
    assert dict(report.rows_dropped) == {"not a valid date/time (expected Ddd Mon DD YYYY)": 1}
    assert report.is_balanced()


def test_malformed_date_drops_row_with_line_and_column(content):
    (dropped,) = content.report.dropped
    assert (dropped.line, dropped.column, dropped.value) == (5, "Date", "Jan 10 2025")
    assert "1884500000000000002" not in content.frame["post_id"].tolist()


def test_column_mapping(content):
    post = _post(content, "1884500000000000005")
    assert post["platform"] == "x"
    assert post["url"] == "https://x.com/PawTest_BR/status/1884500000000000005"
    assert post["impressions"] == 1250
    assert post["reactions"] == 31  # Likes
    assert post["engagements"] == 88
    assert post["saves"] == 4  # Bookmarks
    assert post["shares"] == 7 + 3  # Reposts + Share
    assert post["follows"] == 2  # New follows
    assert post["comments"] == 5  # Replies
    assert post["profile_visits"] == 6
    assert post["link_clicks"] == 25  # Url clicks
    assert content.report.columns["shares"] == "Reposts + Share"


def test_post_ids_are_text_newest_first(content):
    assert content.frame["post_id"].tolist() == [
        "1884500000000000005", "1884500000000000004", "1884500000000000003", "1884500000000000001",
    ]


def test_day_only_date_is_local_midnight_in_utc(content):
    assert _post(content, "1884500000000000005")["published_at"] == pd.Timestamp("2025-01-30 03:00", tz="UTC")
    assert _post(content, "1884500000000000001")["published_at"] == pd.Timestamp("2025-01-03 03:00", tz="UTC")
    assert content.report.warnings == []


def test_without_tz_midnight_utc_and_a_warning():
    result = read_export(CONTENT)
    assert _post(result, "1884500000000000003")["published_at"] == pd.Timestamp("2025-01-15", tz="UTC")
    assert any("no tz=" in w for w in result.report.warnings)


def test_reported_zeros_stay_zero_and_unreported_are_na(content):
    quiet = _post(content, "1884500000000000004")
    for column in ("impressions", "engagements", "reactions", "shares", "saves", "link_clicks"):
        assert quiet[column] == 0 and not pd.isna(quiet[column]), column
    for column in ("reach", "video_views", "paid", "media_type"):
        assert content.frame[column].isna().all(), column


def test_empty_metric_cell_is_na(tmp_path):
    variant = tmp_path / CONTENT.name
    variant.write_bytes(
        CONTENT.read_bytes().replace(b"/1884500000000000003,412,9,", b"/1884500000000000003,412,,")
    )
    post = _post(read_export(variant, tz=TZ), "1884500000000000003")
    assert pd.isna(post["reactions"])
    assert post["impressions"] == 412


def test_portuguese_text_is_kept(content):
    assert _post(content, "1884500000000000003")["text"] == "Atenção: não há entrega no feriado."
    assert _post(content, "1884500000000000001")["text"] == "#GM \U0001f43e Olá, pessoal!"


def test_utm_tags_from_the_link_in_the_text(content):
    tagged = _post(content, "1884500000000000005")
    assert tagged["link_url"].startswith("https://pawtest.example/loja?")
    assert tagged["utm_campaign"] == "inverno"
    assert tagged["utm_content"] == "post-05"
    short = _post(content, "1884500000000000004")
    assert short["link_url"] == "https://t.co/AbCdE12345"
    assert pd.isna(short["utm_campaign"])
    assert pd.isna(_post(content, "1884500000000000003")["link_url"])


def test_account_is_the_handle_in_the_link(content):
    assert content.frame["account"].unique().tolist() == ["PawTest_BR"]
    assert content.frame["source_file"].unique().tolist() == [CONTENT.name]


# --- later header variant -------------------------------------------------------------------


def test_later_variant_mapping(later):
    post = _post(later, "2044000000000000003")
    assert post["url"] == "https://x.com/PawTest_BR/status/2044000000000000003"  # Post Link
    assert post["impressions"] == 1234  # "1,234"
    assert post["shares"] == 8 + 2  # Reposts + Shares
    assert post["link_clicks"] == 19  # URL Clicks
    assert post["utm_campaign"] == "julho"
    assert later.report.columns["url"] == "Post Link"


def test_later_variant_comma_dates_unpadded_day(later):
    assert later.frame["published_at"].tolist() == [
        pd.Timestamp(t, tz="UTC") for t in ("2026-07-14 03:00", "2026-07-02 03:00", "2026-07-01 03:00")
    ]
    assert later.report.rows_read == later.report.rows_loaded == 3


# --- account fallbacks, duplicates, missing columns -----------------------------------------


def _without_links(path, target):
    lines = path.read_bytes().split(b"\r\n")
    cleared = [lines[0]] + [
        line.replace(b"https://x.com/PawTest_BR/status/", b"").replace(b"," + line[:19] + b",", b",,", 1)
        if line else line
        for line in lines[1:]
    ]
    target.write_bytes(b"\r\n".join(cleared))
    return target


def test_account_from_file_name_prefix_when_links_are_empty(tmp_path):
    variant = _without_links(LATER, tmp_path / LATER.name)
    result = read_export(variant, tz=TZ)
    assert result.frame["url"].isna().all()
    assert result.frame["account"].unique().tolist() == ["PawTest_BR"]


def test_account_option_then_warning_when_nothing_names_it(tmp_path):
    variant = _without_links(CONTENT, tmp_path / CONTENT.name)
    named = read_export(variant, tz=TZ, account="PawTest_BR")
    assert named.frame["account"].unique().tolist() == ["PawTest_BR"]
    unnamed = read_export(variant, tz=TZ)
    assert unnamed.frame["account"].isna().all()
    assert any("account is NA" in w for w in unnamed.report.warnings)


def test_duplicate_post_id_is_dropped_with_its_line(tmp_path):
    variant = tmp_path / CONTENT.name
    lines = CONTENT.read_bytes().split(b"\r\n")
    variant.write_bytes(b"\r\n".join([*lines[:-1], lines[1], b""]))
    result = read_export(variant, tz=TZ)
    assert result.report.rows_dropped["duplicate Post id in this file"] == 1
    assert [d.line for d in result.report.dropped if d.reason.startswith("duplicate")] == [7]
    assert result.frame["post_id"].is_unique
    assert result.report.is_balanced()


def test_missing_required_column_names_file(tmp_path):
    broken = tmp_path / CONTENT.name
    broken.write_bytes(CONTENT.read_bytes().replace(b",Engagements,", b",Interactions,", 1))
    with pytest.raises(MissingColumnError) as err:
        read_export(broken)
    assert err.value.missing == ["Engagements"]
    assert str(broken) in str(err.value)

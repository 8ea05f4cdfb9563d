"""meta_chart: Meta Business Suite per-metric chart exports into account_daily."""

import pandas as pd
import pytest

from engagekit.core import schema
from engagekit.core.errors import ExportError, MissingColumnError
from engagekit.loaders import FORMATS, detect_format, read_export
from engagekit.loaders._decode import head_text
from paths import FIXTURES as ALL_FIXTURES

FIXTURES = ALL_FIXTURES / "meta_chart"
FOLLOWS = FIXTURES / "Facebook follows.csv"
VIEWS = FIXTURES / "Views.csv"
IG_FOLLOWERS = FIXTURES / "Instagram followers.csv"
IG_REACH = FIXTURES / "Instagram reach.csv"
UNFOLLOWS = FIXTURES / "Facebook unfollows.csv"
NO_PRIMARY = FIXTURES / "no_primary.csv"
PAGE_DAILY = (
    ALL_FIXTURES / "facebook_page_daily"
    / "Facebook Insights Data Export - Northside Florist - 2021-05-01 - 2021-05-05.csv"
)
ACCOUNT = "Harbour Lane Bakery"


def _write_chart(path, metric, rows):
    lines = ["sep=,", f'"{metric}"', '"Date","Primary"'] + [f'"{d}","{v}"' for d, v in rows]
    path.write_bytes(b"\xff\xfe" + ("\n".join(lines) + "\n").encode("utf-16-le"))
    return path


@pytest.fixture(scope="module")
def follows():
    return read_export(FOLLOWS, account=ACCOUNT)


@pytest.fixture(scope="module")
def views():
    return read_export(VIEWS, account=ACCOUNT)


def _days(*days):
    return [pd.Timestamp(f"2025-08-{day:02d}") for day in days]


def test_fixtures_are_utf16le_with_bom():
    raw = FOLLOWS.read_bytes()
    assert raw.startswith(b"\xff\xfe")
    assert raw[2:].decode("utf-16-le").startswith('sep=,\r\n"Facebook follows"\r\n"Date","Primary"\r\n')
    assert VIEWS.read_bytes()[2:].decode("utf-16-le").startswith('sep=,\n"Views"\n')


@pytest.mark.parametrize("path", [FOLLOWS, VIEWS, IG_FOLLOWERS, IG_REACH, UNFOLLOWS])
def test_detected(path):
    assert detect_format(path).name == "meta_chart"


def test_other_exports_are_not_taken():
    assert not FORMATS["meta_chart"].sniff(head_text(PAGE_DAILY), PAGE_DAILY.name)
    assert not FORMATS["facebook_page_daily"].sniff(head_text(VIEWS), VIEWS.name)


@pytest.mark.parametrize("name", ["follows", "views"])
def test_frame_is_canonical_account_daily(name, request):
    result = request.getfixturevalue(name)
    assert result.table == "account_daily"
    schema.validate(result.frame, "account_daily")


def test_follows_are_new_followers(follows):
    assert follows.frame["date"].tolist() == _days(1, 2, 5, 6)
    assert follows.frame["new_followers"].tolist() == [20, 3, 1, 12]
    other = [c for c in schema.METRIC_DTYPES["account_daily"] if c != "new_followers"]
    assert follows.frame[other].isna().all().all()
    assert follows.report.columns["new_followers"] == "Primary (Facebook follows)"


def test_platform_and_account(follows):
    assert set(follows.frame["platform"]) == {"facebook"}
    assert set(follows.frame["account"]) == {ACCOUNT}


def test_missing_days_are_not_invented_but_named(follows):
    assert len(follows.frame) == 4
    assert any(
        "2 days between 2025-08-01 and 2025-08-06 not listed" in w and "0" in w
        for w in follows.report.warnings
    )


def test_repeated_date_dropped_with_line(follows):
    report = follows.report
    assert (report.rows_read, report.rows_loaded, report.n_dropped) == (5, 4, 1)
    assert [(d.line, d.reason) for d in report.dropped] == [(8, "date listed twice (the first row is kept)")]
    assert report.is_balanced()


def test_views_are_impressions_with_thousands(views):
    assert views.frame["date"].tolist() == _days(1, 2, 3, 5)
    assert views.frame["impressions"].iloc[[0, 1, 3]].tolist() == [1204, 980, 0]


def test_empty_value_is_na_and_zero_is_zero(views):
    assert views.frame["impressions"].isna().tolist() == [False, False, True, False]
    assert views.frame["impressions"].iloc[3] == 0


def test_malformed_date_dropped_with_line_and_column(views):
    [dropped] = views.report.dropped
    assert (dropped.line, dropped.column, dropped.value) == (7, "Date", "2025-08-4xT00:00:00")
    assert dropped.reason.startswith("not a valid date")
    assert views.report.is_balanced()


def test_instagram_followers_are_the_follower_count():
    result = read_export(IG_FOLLOWERS, account=ACCOUNT)
    assert result.frame["followers"].tolist() == [1500, 1502, 1501]
    assert result.frame["new_followers"].isna().all()
    assert set(result.frame["platform"]) == {"instagram"}
    assert not result.report.warnings


def test_sparse_followers_series_warns_it_looks_like_follows(tmp_path):
    path = _write_chart(tmp_path / "Followers.csv", "Instagram followers",
                        [("2025-08-01T00:00:00", "4"), ("2025-08-09T00:00:00", "2")])
    result = read_export(path, account=ACCOUNT)
    assert any("metric='new_followers'" in w for w in result.report.warnings)


def test_platform_from_file_name():
    result = read_export(IG_REACH, account=ACCOUNT)
    assert result.frame["reach"].tolist() == [640, 512]
    assert set(result.frame["platform"]) == {"instagram"}


def test_platform_option_wins(views):
    result = read_export(VIEWS, account=ACCOUNT, platform="instagram")
    assert set(result.frame["platform"]) == {"instagram"}


def test_bad_platform_option_raises():
    with pytest.raises(ExportError, match="platform='threads'"):
        read_export(VIEWS, platform="threads")


def test_unknown_metric_raises_listing_known_names():
    with pytest.raises(ExportError) as info:
        read_export(UNFOLLOWS, account=ACCOUNT)
    message = str(info.value)
    assert str(UNFOLLOWS) in message and info.value.line == 2
    assert "'Facebook unfollows'" in message
    assert "'Views'" in message and "'Follows'" in message and "metric=" in message


def test_metric_option_names_the_column():
    result = read_export(UNFOLLOWS, account=ACCOUNT, metric="lost_followers")
    assert result.frame["lost_followers"].tolist() == [2, 0]
    assert set(result.frame["platform"]) == {"facebook"}


def test_bad_metric_option_raises():
    with pytest.raises(ExportError, match="metric='clicks'"):
        read_export(UNFOLLOWS, metric="clicks")


def test_account_na_with_warning_without_option():
    result = read_export(IG_REACH)
    assert result.frame["account"].isna().all()
    assert any("account=" in w for w in result.report.warnings)


def test_metric_from_file_name_without_metric_line(tmp_path):
    path = tmp_path / "Views (1).csv"
    text = 'sep=,\n"Date","Primary"\n"2025-08-01T00:00:00","7"\n'
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    result = read_export(path, account=ACCOUNT)
    assert result.format == "meta_chart"
    assert result.frame["impressions"].tolist() == [7]


def test_missing_primary_column_raises():
    with pytest.raises(MissingColumnError) as info:
        read_export(NO_PRIMARY, format="meta_chart")
    assert info.value.missing == ["Primary"]
    assert str(NO_PRIMARY) in str(info.value)

"""meta_suite_posts: the Meta Business Suite post export (Facebook Page and Instagram) into posts."""

import pandas as pd
import pytest

from engagekit.core import schema
from engagekit.core.errors import ExportError, MissingColumnError
from engagekit.loaders import FORMATS, detect_format, read_export
from engagekit.loaders.meta_suite import media_types, paid_from_status, post_texts
from paths import FIXTURES as ALL_FIXTURES

FIXTURES = ALL_FIXTURES / "meta_suite_posts"
FACEBOOK = FIXTURES / "Mar-01-2026_Mar-31-2026_4471029384756102.csv"
FACEBOOK_OLDER = FIXTURES / "Jan-01-2024_Jan-31-2024_4471029384756102.csv"
INSTAGRAM = FIXTURES / "Mar-01-2026_Mar-31-2026_17840000000000001.csv"
NO_PUBLISH_TIME = FIXTURES / "no_publish_time.csv"
TZ = "Europe/Stockholm"
FORMAT = "meta_suite_posts"

IG_HEADER = (
    "Post ID,Account ID,Account username,Account name,Description,Duration (sec),Publish time,"
    "Permalink,Post type,Data comment,Date,Views,Reach,Likes,Shares,Follows,Comments,Saves\n"
)


@pytest.fixture(scope="module")
def facebook():
    return read_export(FACEBOOK, tz=TZ)


@pytest.fixture(scope="module")
def older():
    return read_export(FACEBOOK_OLDER, tz=TZ)


@pytest.fixture(scope="module")
def instagram():
    return read_export(INSTAGRAM, tz=TZ)


def _utc(text):
    return pd.Timestamp(text, tz="UTC")


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return path


# --- detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [FACEBOOK, FACEBOOK_OLDER, INSTAGRAM, NO_PUBLISH_TIME])
def test_detected(path):
    assert detect_format(path).name == FORMAT


def test_classic_post_level_export_not_taken():
    sniff = FORMATS[FORMAT].sniff
    classic = [p for p in (ALL_FIXTURES / "facebook_post_level").glob("*.csv") if "Insights" in p.name]
    assert classic
    for path in classic:
        assert detect_format(path).name == "facebook_post_level"
        assert not sniff(path.read_text(encoding="utf-8-sig"), path.name)


def test_no_other_fixture_taken():
    sniff = FORMATS[FORMAT].sniff
    others = [p for p in ALL_FIXTURES.rglob("*") if p.is_file() and p.parent.name != "meta_suite_posts"]
    assert others
    for path in others:
        head = path.read_bytes()[:65536].decode("utf-8", errors="replace").lstrip("\ufeff")
        assert not sniff(head, path.name), path


def test_fixtures_have_bom_and_line_endings():
    assert FACEBOOK.read_bytes().startswith(b"\xef\xbb\xbf")
    assert INSTAGRAM.read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in FACEBOOK_OLDER.read_bytes()
    assert b"\r\n" not in FACEBOOK.read_bytes()


# --- Facebook ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["facebook", "older", "instagram"])
def test_frames_are_canonical_posts(name, request):
    result = request.getfixturevalue(name)
    assert result.table == "posts"
    schema.validate(result.frame, "posts")


def test_report_balances(facebook):
    report = facebook.report
    assert (report.rows_read, report.rows_loaded, report.n_dropped) == (5, 4, 1)
    assert report.is_balanced()


def test_malformed_publish_time_dropped_with_line_and_column(facebook):
    # The first record spans lines 2-5 (multi-line caption): the bad row is on line 8.
    [bad] = facebook.report.dropped
    assert (bad.line, bad.column, bad.value) == (8, "Publish time", "20/03/2026 18:00")
    assert bad.reason.startswith("not a valid date/time")
    assert "1090000000000104" not in facebook.frame["post_id"].tolist()


def test_ids_platform_account_and_urls(facebook):
    frame = facebook.frame
    assert frame["post_id"].tolist() == [
        "1090000000000101", "1090000000000102", "1090000000000103", "1090000000000105",
    ]
    assert set(frame["platform"]) == {"facebook"}
    assert set(frame["account"]) == {"Juniper Street Ceramics"}
    assert frame["url"].iloc[1] == "https://www.facebook.com/reel/1090000000000102"
    assert set(frame["source_file"]) == {FACEBOOK.name}


def test_publish_time_read_in_tz_across_dst(facebook):
    # Stockholm is UTC+1 until 2026-03-29, UTC+2 after.
    assert facebook.frame["published_at"].tolist() == [
        _utc("2026-03-02 08:15"), _utc("2026-03-05 16:40"), _utc("2026-03-09 11:00"), _utc("2026-03-30 08:00"),
    ]
    assert facebook.report.warnings == []


def test_publish_time_utc_with_warning_without_tz():
    result = read_export(FACEBOOK)
    assert result.frame["published_at"].iloc[0] == _utc("2026-03-02 09:15")
    assert any("time zone" in w for w in result.report.warnings)


def test_multiline_caption_kept_whole(facebook):
    assert facebook.frame["text"].iloc[0] == (
        "Spring glaze drop is live! \U0001F33F\n"
        "Shop the new colours: https://juniperstreet.example/shop?utm_campaign=spring_glaze&utm_content=photo1\n\n"
        "#ceramics #handmade"
    )


def test_text_from_title_and_description(facebook):
    texts = facebook.frame["text"].tolist()
    # The title is contained in the description: the description alone.
    assert texts[1].startswith('Throwing a mug in 30 seconds. Watch the full "wheel" class')
    # Two different texts: title, blank line, description.
    assert texts[2] == (
        "Our studio is featured in the Harbourside makers guide\n\nRead it here: https://harbourside.example/makers"
    )


def test_media_types(facebook):
    assert facebook.frame["media_type"].tolist() == ["photo", "reel", "link", "video"]


def test_metrics(facebook):
    frame = facebook.frame
    assert frame["impressions"].iloc[:3].tolist() == [1204, 5310, 96]
    assert frame["reach"].tolist() == [880, 3975, 74, 410]
    assert frame["engagements"].tolist() == [57, 205, 3, 22]
    assert frame["reactions"].tolist() == [41, 180, 3, 18]
    assert frame["link_clicks"].iloc[:3].tolist() == [13, 5, 4]


def test_suppressed_cells_are_na_and_zero_is_zero(facebook):
    frame = facebook.frame
    assert frame["comments"].isna().tolist() == [False, False, True, False]
    assert frame["shares"].isna().tolist() == [False, False, True, False]
    assert frame["shares"].iloc[[1, 3]].tolist() == [0, 0]
    assert pd.isna(frame["impressions"].iloc[3])
    assert pd.isna(frame["link_clicks"].iloc[3])


def test_comma_column_is_engagements(facebook):
    assert facebook.report.columns["engagements"] == "Reactions, Comments and Shares"
    assert facebook.report.columns["reactions"] == "Reactions"


def test_metrics_not_in_export_are_na(facebook):
    for column in ("saves", "follows", "profile_visits", "video_views"):
        assert facebook.frame[column].isna().all()


def test_paid_na_without_funded_status_or_boosted_reach(facebook):
    assert facebook.frame["paid"].isna().all()


def test_links_skip_facebook_and_instagram_hosts(facebook):
    frame = facebook.frame
    assert frame["link_url"].tolist()[:3] == [
        "https://juniperstreet.example/shop?utm_campaign=spring_glaze&utm_content=photo1",
        "https://juniperstreet.example/classes?utm_campaign=wheel_classes",
        "https://harbourside.example/makers",
    ]
    assert pd.isna(frame["link_url"].iloc[3])  # only an instagram.com link
    assert frame["utm_campaign"].iloc[:2].tolist() == ["spring_glaze", "wheel_classes"]
    assert frame["utm_content"].iloc[0] == "photo1"
    assert frame["utm_content"].iloc[1:].isna().all()


# --- older Facebook header ---------------------------------------------------------------------


def test_older_header_impressions_and_lower_case_comma_column(older):
    assert older.report.rows_read == older.report.rows_loaded == 4
    assert older.frame["impressions"].tolist() == [2400, 520, 390, 60]
    assert older.frame["engagements"].tolist() == [88, 14, 9, 2]
    assert older.report.columns["engagements"] == "Reactions, comments and shares"


def test_older_reach_is_organic_plus_boosted(older):
    reach = older.frame["reach"]
    assert reach.iloc[:3].tolist() == [1750, 300, 150]
    assert pd.isna(reach.iloc[3])  # both parts empty


def test_older_paid_from_boosted_reach(older):
    assert older.frame["paid"].tolist()[:2] == [True, False]
    assert older.frame["paid"].iloc[2:].isna().all()  # boosted reach empty: not reported


def test_older_link_clicks_na_without_column(older):
    assert older.frame["link_clicks"].isna().all()
    assert older.frame["utm_campaign"].iloc[0] == "january_sale"


# --- Instagram ---------------------------------------------------------------------------------


def test_instagram_platform_account_and_media_type(instagram):
    frame = instagram.frame
    assert set(frame["platform"]) == {"instagram"}
    assert set(frame["account"]) == {"juniperstreetceramics"}
    assert frame["media_type"].tolist() == ["reel", "image", "carousel"]
    assert instagram.report.columns["account"] == "Account username, else Account name"


def test_instagram_quoted_thousands(instagram):
    assert instagram.frame["impressions"].tolist() == [12400, 860, 1520]
    assert instagram.frame["reach"].tolist() == [9100, 700, 1210]


def test_instagram_metrics(instagram):
    frame = instagram.frame
    assert frame["reactions"].tolist() == [312, 45, 98]
    assert frame["comments"].tolist() == [18, 3, 7]
    assert frame["saves"].tolist() == [57, 2, 30]
    assert frame["follows"].tolist() == [6, 0, 2]
    assert frame["shares"].isna().tolist() == [False, True, False]


def test_instagram_engagements_sum_na_where_a_part_is_suppressed(instagram):
    engagements = instagram.frame["engagements"]
    assert engagements.iloc[[0, 2]].tolist() == [312 + 18 + 41 + 57, 98 + 7 + 12 + 30]
    assert pd.isna(engagements.iloc[1])


def test_instagram_published_and_links(instagram):
    frame = instagram.frame
    assert frame["published_at"].tolist() == [
        _utc("2026-03-03 07:31"), _utc("2026-03-10 18:05"), _utc("2026-03-21 11:00"),
    ]
    assert frame["link_url"].iloc[0] == (
        "https://juniperstreet.example/classes?utm_campaign=ig_reels&utm_content=glazing"
    )
    assert (frame["utm_campaign"].iloc[0], frame["utm_content"].iloc[0]) == ("ig_reels", "glazing")
    assert frame["text"].iloc[0].count("\n") == 2


def test_instagram_account_name_only_as_fallback(tmp_path):
    text = IG_HEADER + (
        "1,2,,Juniper Street Ceramics,Hi,0,03/03/2026 08:31,https://www.instagram.com/p/A/,IG image,,Lifetime,5,4,1,0,0,0,0\n"
        "3,2,juniper,Juniper Street Ceramics,Hi,0,03/03/2026 08:32,https://www.instagram.com/p/B/,IG image,,Lifetime,5,4,1,0,0,0,0\n"
    )
    result = read_export(_write(tmp_path, "ig.csv", text), tz=TZ)
    assert result.frame["account"].tolist() == ["Juniper Street Ceramics", "juniper"]


# --- errors, warnings, options -----------------------------------------------------------------


def test_missing_publish_time_raises():
    with pytest.raises(MissingColumnError) as info:
        read_export(NO_PUBLISH_TIME, tz=TZ)
    assert info.value.missing == ["Publish time"]
    assert str(NO_PUBLISH_TIME) in str(info.value)


def test_per_period_export_warns(tmp_path):
    text = IG_HEADER + (
        "1,2,juniper,,Hi,0,03/03/2026 08:31,https://www.instagram.com/p/A/,IG image,,03/15/2026,5,4,1,0,0,0,0\n"
        "3,2,juniper,,Hi,0,03/03/2026 08:32,https://www.instagram.com/p/B/,IG image,,Lifetime,5,4,1,0,0,0,0\n"
    )
    result = read_export(_write(tmp_path, "period.csv", text), tz=TZ)
    assert result.report.rows_loaded == 2
    [warning] = result.report.warnings
    assert "'Date' is not 'Lifetime' on 1 row(s) ('03/15/2026')" in warning
    assert "that period only" in warning


def test_data_comment_warns(tmp_path):
    text = IG_HEADER + (
        "1,2,juniper,,Hi,0,03/03/2026 08:31,https://www.instagram.com/p/A/,IG image,Some data is not available,Lifetime,5,4,1,0,0,0,0\n"
    )
    result = read_export(_write(tmp_path, "comment.csv", text), tz=TZ)
    assert any("Data comment" in w and "1 row(s)" in w for w in result.report.warnings)


def test_duplicate_post_id_dropped_with_line(tmp_path):
    text = IG_HEADER + (
        "1,2,juniper,,Hi,0,03/03/2026 08:31,https://www.instagram.com/p/A/,IG image,,Lifetime,5,4,1,0,0,0,0\n"
        "1,2,juniper,,Hi,0,03/03/2026 08:31,https://www.instagram.com/p/A/,IG image,,Lifetime,9,8,1,0,0,0,0\n"
    )
    result = read_export(_write(tmp_path, "dup.csv", text), tz=TZ)
    assert result.frame["impressions"].tolist() == [5]
    [dropped] = result.report.dropped
    assert dropped.line == 3 and dropped.reason.startswith("duplicate Post ID")
    assert result.report.is_balanced()


def test_swedish_header(tmp_path):
    text = (
        '"Publicerings-id","Sid-id","Sidnamn",Titel,Beskrivning,"Publiceringstid",Permalänk,"Inläggstyp",'
        'Datum,Visningar,Räckvidd,"Reaktioner, kommentarer och delningar",Reaktioner,Kommentarer,Delningar,'
        '"Totalt antal klick",Länkklick\n'
        '1090000000000301,4471029384756102,"Juniper Street Ceramics","Ny glasyr",,"03/02/2026 09:15",'
        "https://www.facebook.com/juniperstreetceramics/posts/pfbid03,Photos,Livstid,1204,880,57,41,9,7,63,13\n"
    )
    path = _write(tmp_path, "sv.csv", text)
    assert detect_format(path).name == FORMAT
    result = read_export(path, tz=TZ)
    row = result.frame.iloc[0]
    assert (row["platform"], row["account"], row["post_id"]) == ("facebook", "Juniper Street Ceramics", "1090000000000301")
    assert row["published_at"] == _utc("2026-03-02 08:15")
    assert (row["impressions"], row["reach"], row["engagements"], row["link_clicks"]) == (1204, 880, 57, 13)
    assert (row["reactions"], row["comments"], row["shares"]) == (41, 9, 7)
    assert result.report.warnings == []


def test_platform_needed_when_header_names_neither(tmp_path):
    text = "Post ID,Description,Publish time,Post type,Date,Views\n1,Hi,03/03/2026 08:31,Photos,Lifetime,5\n"
    path = _write(tmp_path, "anon.csv", text)
    with pytest.raises(ExportError, match="platform="):
        read_export(path, format=FORMAT, tz=TZ)
    result = read_export(path, format=FORMAT, tz=TZ, platform="facebook", account="Juniper")
    assert (result.frame["platform"].iloc[0], result.frame["account"].iloc[0]) == ("facebook", "Juniper")


def test_ig_post_type_is_instagram_in_a_page_header(tmp_path):
    text = (
        '"Post ID","Page ID","Page name",Title,"Publish time",Permalink,"Post type",Date,Views\n'
        '1,44,"Juniper",Hi,"03/03/2026 08:31",https://www.instagram.com/p/A/,IG reel,Lifetime,5\n'
        '2,44,"Juniper",Hi,"03/03/2026 08:32",https://www.facebook.com/p/B/,Photos,Lifetime,5\n'
    )
    result = read_export(_write(tmp_path, "mixed.csv", text), tz=TZ)
    assert result.frame["platform"].tolist() == ["instagram", "facebook"]


# --- helpers -----------------------------------------------------------------------------------


def test_media_types_helper():
    values = pd.Series(["Photos", "Videos", "Links", "Reels", "IG reel", "IG image", "IG carousel", "Live", None], dtype="str")
    assert media_types(values).tolist()[:8] == ["photo", "video", "link", "reel", "reel", "image", "carousel", "live"]
    assert pd.isna(media_types(values).iloc[8])


def test_paid_from_status_helper():
    values = pd.Series(["Boosted", "Not boosted", "Organic", "N/A", "Something else", None], dtype="str")
    paid, unknown = paid_from_status(values)
    assert paid.iloc[:3].tolist() == [True, False, False]
    assert paid.iloc[3:].isna().all()
    assert unknown == ["Something else"]


def test_post_texts_helper():
    titles = pd.Series(["A", None, "Long title", None], dtype="str")
    descriptions = pd.Series(["B", "Only description", "title", None], dtype="str")
    texts = post_texts(titles, descriptions)
    assert texts.tolist()[:3] == ["A\n\nB", "Only description", "Long title"]
    assert pd.isna(texts.iloc[3])

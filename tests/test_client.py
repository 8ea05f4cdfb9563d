"""Client folders: client.yml validation and loading every file without loss."""

import shutil

import pandas as pd
import pytest
import yaml

from engagekit import load_client, read_config, schema
from engagekit.errors import ConfigError

from paths import FIXTURES, SAMPLE


@pytest.fixture(scope="module")
def sample():
    return load_client(SAMPLE)


def test_sample_loads_every_table_typed(sample):
    for table in schema.TABLES:
        schema.validate(sample.table(table), table)
    assert set(sample.posts["platform"]) == {"x", "facebook"}
    assert set(sample.outcomes["outcome"]) == {"order", "registration"}
    assert set(sample.events["event"]) == {"session_start", "page_view", "form_start", "sign_up"}


def test_every_row_of_every_file_is_accounted_for(sample):
    summary = sample.load_summary()
    assert len(summary) == 18  # 12 X months, 2 Facebook halves, GA4 traffic, GA4 events, Shopify, sign-ups
    balance = summary["rows_loaded"] + summary["rows_merged"] + summary["rows_totals"] + summary["rows_dropped"]
    assert (balance == summary["rows_read"]).all()
    assert all(report.is_balanced() for report in sample.reports)


def test_no_personal_data_enters_the_tables(sample):
    keys = sample.outcomes["customer_key"].dropna()
    assert keys.str.fullmatch(r"[0-9a-f]{64}").all()
    for table in schema.TABLES:
        frame = sample.table(table)
        for column in frame.select_dtypes("str"):
            assert not frame[column].str.contains("@example.com", regex=False).any(), (table, column)


def test_timezone_is_validated(tmp_path):
    (tmp_path / "client.yml").write_text("client: a\ntimezone: Mars/Olympus\n")
    with pytest.raises(ConfigError) as err:
        read_config(tmp_path)
    assert "timezone" in str(err.value) and "client.yml" in str(err.value)


def test_unknown_field_is_named(tmp_path):
    (tmp_path / "client.yml").write_text("client: a\ncolour: red\n")
    with pytest.raises(ConfigError, match="'colour'"):
        read_config(tmp_path)


def test_mapping_to_unknown_column_is_named(tmp_path):
    spec = {"client": "a", "files": [{"path": "x.csv", "table": "outcomes", "columns": {"amount": "Total"}}]}
    (tmp_path / "client.yml").write_text(yaml.safe_dump(spec))
    with pytest.raises(ConfigError, match=r"files\[0\]\.columns"):
        read_config(tmp_path)


def test_paths_cannot_leave_the_client_folder(tmp_path):
    spec = {"client": "a", "files": [{"path": "../secrets.csv"}]}
    (tmp_path / "client.yml").write_text(yaml.safe_dump(spec))
    with pytest.raises(ConfigError, match="inside the client's folder"):
        read_config(tmp_path)


def test_overlapping_exports_keep_one_copy_of_a_post(tmp_path):
    client = tmp_path / "c"
    shutil.copytree(SAMPLE, client)
    month = next(client.glob("tweet_activity_metrics_*_20250101_*"))
    shutil.copy(month, client / ("copy_of_" + month.name))
    data = load_client(client)
    assert not data.posts.duplicated(["platform", "post_id"]).any()
    copy = next(r for r in data.reports if r.file.endswith("copy_of_" + month.name))
    original = next(r for r in data.reports if r.file.endswith(month.name) and r is not copy)
    # "copy_of_..." sorts before "tweet_...": the original is the later file and wins
    assert copy.replaced == copy.rows_loaded and original.replaced == 0
    assert data.load_summary().set_index("file").loc["copy_of_" + month.name, "rows_replaced"] == copy.rows_loaded


def _daily_client(folder, files):
    """A client whose files are generic account_daily CSVs: name -> CSV text."""
    folder.mkdir()
    spec = {"client": "d", "timezone": "UTC", "files": []}
    for name, text in files.items():
        (folder / name).write_text(text)
        header = text.splitlines()[0].split(",")
        spec["files"].append({
            "path": name, "format": "generic", "table": "account_daily",
            "columns": {column: column for column in header},
            "constants": {"platform": "facebook"},
        })
    (folder / "client.yml").write_text(yaml.safe_dump(spec))
    return load_client(folder)


def test_overlapping_daily_exports_merge_column_by_column(tmp_path):
    # the files name no account (NA), as Meta's per-metric chart exports do: one account all the same
    data = _daily_client(tmp_path / "c", {
        "a_views.csv": "date,impressions,reach\n2025-01-01,100,\n2025-01-02,120,80\n",
        "b_reach.csv": "date,reach\n2025-01-02,90\n2025-01-03,70\n",
    })
    daily = data.account_daily.set_index("date")
    assert len(daily) == 3
    # the later file reports reach on 2 January: its value wins; impressions it does not report stay
    assert daily.loc["2025-01-02", "reach"] == 90
    assert daily.loc["2025-01-02", "impressions"] == 120
    assert pd.isna(daily.loc["2025-01-01", "reach"]) and pd.isna(daily.loc["2025-01-03", "impressions"])
    schema.validate(data.account_daily, "account_daily")
    summary = data.load_summary().set_index("file")
    assert summary.loc["a_views.csv", "rows_replaced"] == 1
    assert summary.loc["b_reach.csv", "rows_replaced"] == 0


def test_a_folder_of_exports_without_client_yml_loads(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    months = sorted(SAMPLE.glob("tweet_activity_metrics_*.csv"))[:2]
    for month in months:
        shutil.copy(month, folder / month.name)
    data = load_client(folder)
    assert data.config.client == "exports" and data.config.timezone == "UTC"
    assert len(data.reports) == 2
    assert len(data.posts) == sum(r.rows_loaded for r in data.reports) - sum(r.replaced for r in data.reports)
    assert len(data.posts) > 0


def test_a_workbook_listed_twice_feeds_two_tables(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    workbook = FIXTURES / "linkedin" / "brightpaw_content_1735689600000.xlsx"
    shutil.copy(workbook, folder / workbook.name)
    spec = {"client": "c", "files": [
        {"path": workbook.name, "format": "linkedin_posts"},
        {"path": workbook.name, "format": "linkedin_metrics"},
    ]}
    (folder / "client.yml").write_text(yaml.safe_dump(spec))
    data = load_client(folder)
    assert [r.format for r in data.reports] == ["linkedin_posts", "linkedin_metrics"]
    assert len(data.posts) == data.reports[0].rows_loaded > 0
    assert len(data.account_daily) == data.reports[1].rows_loaded > 0


def test_complementary_exports_of_a_post_merge_column_by_column(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    source = FIXTURES / "facebook_post_level"
    for name in ("(Post Level) - Harbour Lane Bakery - 2021-03-01", "(Video Posts) - Harbour Lane Bakery - 2021-03-01"):
        path = next(source.glob(f"*{name}*"))
        shutil.copy(path, folder / path.name)
    data = load_client(folder)
    video = data.posts.set_index("post_id").loc["900000000000001_900000000000102"]
    # the video-posts file (later by name) reports impressions and views; link clicks only the post-level file
    assert (video["impressions"], video["video_views"], video["link_clicks"]) == (500, 140, 0)
    assert len(data.posts) == 3
    post_level = next(r for r in data.reports if "(Post Level)" in r.file)
    assert post_level.replaced == 1


def _labelled_client(folder, labels_csv, labels_entry="labels.csv"):
    """A client with a generic posts export (ids 1-3 on X) and a labels file."""
    folder.mkdir()
    (folder / "posts.csv").write_text(
        "Post ID,Published,Text,Category\n1,2025-03-01 10:00,20% off today,\n"
        "2,2025-03-02 10:00,How to brush a cat,educational\n3,2025-03-03 10:00,Nap time,entertaining\n"
    )
    if labels_csv is not None:
        (folder / "labels.csv").write_text(labels_csv)
    spec = {"client": "l", "labels": labels_entry, "files": [{
        "path": "posts.csv", "format": "generic", "table": "posts",
        "columns": {"post_id": "Post ID", "published_at": "Published", "text": "Text"},
        "constants": {"platform": "x"},
    }]}
    (folder / "client.yml").write_text(yaml.safe_dump(spec))
    return folder


def test_labels_file_becomes_dataset_labels(tmp_path):
    data = load_client(_labelled_client(tmp_path / "c", "Post ID,Category\n1,Community\n3,\n"))
    assert data.labels[["post_id", "category"]].values.tolist() == [["1", "community"]]
    assert data.labels["platform"].isna().all()
    assert data.labels.dtypes.astype(str).tolist() == ["str"] * 3
    assert [r.file for r in data.reports] == [str((tmp_path / "c" / "posts.csv").resolve())]


def test_a_client_without_labels_has_an_empty_labels_frame(sample):
    assert sample.labels.empty and list(sample.labels.columns) == ["platform", "post_id", "category"]


def test_labels_can_come_from_the_generic_export_through_a_column_mapping(tmp_path):
    folder = _labelled_client(tmp_path / "c", None, {"path": "posts.csv", "columns": {"post_id": "Post ID", "category": "Category"}})
    data = load_client(folder)
    assert data.labels[["post_id", "category"]].values.tolist() == [["2", "educational"], ["3", "entertaining"]]


def test_labels_of_unknown_post_ids_are_dropped_with_a_warning_listing_them(tmp_path):
    folder = _labelled_client(tmp_path / "c", "post_id,category\n1,offer\n98,offer\n99,product\n")
    with pytest.warns(UserWarning, match=r"labels.csv: 2 labelled post ids .* ignored: 98, 99"):
        data = load_client(folder)
    assert data.labels["post_id"].tolist() == ["1"]


def test_labels_with_unknown_categories_name_the_file_and_the_allowed_ones(tmp_path):
    folder = _labelled_client(tmp_path / "c", "post_id,category\n1,memes\n2,offer\n3,promo\n")
    with pytest.raises(ConfigError, match=r"labels\.csv.*unknown categories \['memes', 'promo'\]; allowed: \['offer', 'product'"):
        load_client(folder)


def test_labels_file_without_a_category_column_is_named(tmp_path):
    folder = _labelled_client(tmp_path / "c", "post_id,kind\n1,offer\n")
    with pytest.raises(ConfigError, match=r"labels\.csv: field 'category': column not found; the header has: \['post_id', 'kind'\]"):
        load_client(folder)

"""Client folders: client.yml validation and loading every file without loss."""

import shutil

import pandas as pd
import pytest
import yaml

from engagekit import Goal, client_template_yaml, load_client, read_config, write_client_template
from engagekit.core import schema
from engagekit.tables.client import Branding
from engagekit.core.errors import ConfigError

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
    assert len(summary) == 19  # 12 X months, 2 Facebook halves, the Facebook Page, GA4 traffic, GA4 events, Shopify, sign-ups
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


PNG = b"\x89PNG\r\n\x1a\n" + bytes(16)


def _config(folder, text):
    """Write ``text`` as folder/client.yml and read it."""
    folder.mkdir(exist_ok=True)
    (folder / "client.yml").write_text(text)
    return read_config(folder)


def test_branding_reads_logo_and_colour(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "logo.png").write_bytes(PNG)
    config = _config(tmp_path / "c", 'client: a\nbranding: {logo: logo.png, primary_colour: "#0B6E4F"}\n')
    assert config.branding == Branding(logo=(tmp_path / "c" / "logo.png").resolve(), primary_colour="#0b6e4f")
    assert config.branding.logo_media_type == "image/png"


def test_branding_defaults_to_no_logo_and_the_house_colour(tmp_path):
    assert _config(tmp_path, "client: a\n").branding == Branding(logo=None, primary_colour="#1f4e79")


def test_branding_accepts_primary_color_spelling(tmp_path):
    assert _config(tmp_path, 'client: a\nbranding: {primary_color: "#abc"}\n').branding.primary_colour == "#abc"


def test_branding_refuses_a_colour_that_is_not_css_hex(tmp_path):
    with pytest.raises(ConfigError, match=r"field 'branding.primary_colour': 'navy' is not a CSS hex colour"):
        _config(tmp_path, "client: a\nbranding: {primary_colour: navy}\n")


def test_branding_unquoted_colour_is_explained(tmp_path):
    # YAML reads "#1f4e79" after a space as a comment: the value is empty
    with pytest.raises(ConfigError, match=r"'branding.primary_colour': is empty; quote a colour"):
        _config(tmp_path, "client: a\nbranding:\n  primary_colour: #1f4e79\n")


def test_branding_refuses_a_missing_logo(tmp_path):
    with pytest.raises(ConfigError, match=r"field 'branding.logo': 'logo.png': no such file"):
        _config(tmp_path, "client: a\nbranding: {logo: logo.png}\n")


def test_branding_refuses_a_logo_outside_the_client_folder(tmp_path):
    (tmp_path / "logo.png").write_bytes(PNG)
    with pytest.raises(ConfigError, match=r"field 'branding.logo': '\.\./logo.png' resolves to .*outside the client's folder"):
        _config(tmp_path / "c", "client: a\nbranding: {logo: ../logo.png}\n")


def test_branding_refuses_a_logo_that_is_not_an_image_type(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "logo.bmp").write_bytes(b"BM" + bytes(16))
    with pytest.raises(ConfigError, match=r"'branding.logo': logo.bmp is not a logo file; allowed: .png, .jpg"):
        _config(tmp_path / "c", "client: a\nbranding: {logo: logo.bmp}\n")


def test_branding_refuses_a_logo_whose_content_is_not_its_type(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "logo.png").write_text("not an image")
    with pytest.raises(ConfigError, match=r"'branding.logo': logo.png is not a PNG file"):
        _config(tmp_path / "c", "client: a\nbranding: {logo: logo.png}\n")


def test_branding_refuses_an_unknown_key_listing_the_allowed_ones(tmp_path):
    with pytest.raises(ConfigError, match=r"'branding.font': unknown field; allowed: \['logo', 'primary_color', 'primary_colour'\]"):
        _config(tmp_path, "client: a\nbranding: {font: Arial}\n")


def _tweets(folder, count=1):
    """Copy ``count`` of the sample's monthly X exports into ``folder``; their names."""
    folder.mkdir(parents=True, exist_ok=True)
    months = sorted(SAMPLE.glob("tweet_activity_metrics_*.csv"))[:count]
    for month in months:
        shutil.copy(month, folder / month.name)
    return [month.name for month in months]


def test_data_folder_holds_the_exports_beside_client_yml(tmp_path):
    client = tmp_path / "c"
    names = _tweets(client / "exports", 2)
    _tweets(client, 1)  # a stray copy beside client.yml is not read: the data folder is exports/
    (client / "client.yml").write_text("client: c\ndata: exports\n")
    data = load_client(client)
    assert data.config.data_folder == (client / "exports").resolve()
    assert [r.file for r in data.reports] == [str((client / "exports" / n).resolve()) for n in names]


def test_data_folder_must_exist(tmp_path):
    with pytest.raises(ConfigError, match=r"field 'data': 'exports': no such folder"):
        _config(tmp_path, "client: a\ndata: exports\n")


def test_data_folder_outside_the_client_folder_is_refused(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(ConfigError, match=r"field 'data': '\.\./elsewhere' resolves to .*outside the client's folder"):
        _config(tmp_path / "c", "client: a\ndata: ../elsewhere\n")


def test_a_dot_dot_file_path_is_refused_naming_its_entry_and_path(tmp_path):
    spec = {"client": "a", "files": ["a.csv", "b.csv", {"path": "../other/orders.csv"}]}
    with pytest.raises(ConfigError, match=r"field 'files\[2\]\.path': '\.\./other/orders\.csv' resolves to"):
        _config(tmp_path / "c", yaml.safe_dump(spec))


def test_an_absolute_path_elsewhere_is_refused(tmp_path):
    outside = tmp_path / "secrets.csv"
    outside.write_text("a\n1\n")
    spec = {"client": "a", "files": [{"path": str(outside)}]}
    with pytest.raises(ConfigError, match=r"field 'files\[0\]\.path': '.*secrets\.csv' resolves to .*outside"):
        _config(tmp_path / "c", yaml.safe_dump(spec))


def test_an_absolute_path_inside_the_client_folder_is_allowed(tmp_path):
    client = tmp_path / "c"
    spec = {"client": "a", "files": [{"path": str(client / "a.csv")}]}
    assert _config(client, yaml.safe_dump(spec)).files[0].path == (client / "a.csv").resolve()


def test_a_named_symlink_pointing_out_is_refused(tmp_path):
    (tmp_path / "other.csv").write_text("a\n1\n")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "orders.csv").symlink_to(tmp_path / "other.csv")
    with pytest.raises(ConfigError, match=r"field 'files\[0\]\.path': 'orders\.csv' resolves to .*other\.csv, outside"):
        _config(tmp_path / "c", "client: a\nfiles: [orders.csv]\n")


def test_a_labels_path_outside_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"field 'labels\.path': '\.\./labels\.csv' resolves to"):
        _config(tmp_path / "c", "client: a\nlabels: ../labels.csv\n")


def test_a_scanned_symlink_pointing_out_is_refused(tmp_path):
    name = _tweets(tmp_path / "elsewhere")[0]
    client = tmp_path / "c"
    _tweets(client)
    (client / "linked.csv").symlink_to(tmp_path / "elsewhere" / name)
    with pytest.raises(ConfigError, match=r"field 'data': linked\.csv links to .*elsewhere.*outside the client's folder"):
        load_client(client)


def test_a_scanned_symlink_inside_the_client_folder_is_read(tmp_path):
    client = tmp_path / "c"
    name = _tweets(client / "archive")[0]
    (client / "current.csv").symlink_to(client / "archive" / name)
    data = load_client(client)
    assert [r.file for r in data.reports] == [str((client / "archive" / name).resolve())]


def test_the_logo_is_not_read_as_an_export(tmp_path):
    client = tmp_path / "c"
    _tweets(client)
    (client / "logo.png").write_bytes(PNG)
    (client / "client.yml").write_text("client: c\nbranding: {logo: logo.png}\n")
    assert [r.format for r in load_client(client).reports] == ["x_tweet_activity"]


def test_currency_must_be_a_three_letter_code(tmp_path):
    with pytest.raises(ConfigError, match=r"field 'currency': 'euro' is not a three-letter currency code"):
        _config(tmp_path, "client: a\ncurrency: euro\n")


def test_client_template_loads_as_written(tmp_path):
    (tmp_path / "client.yml").write_text(client_template_yaml("acme", timezone="Europe/Berlin"))
    config = read_config(tmp_path)
    assert (config.client, config.display_name, config.timezone) == ("acme", "acme", "Europe/Berlin")
    assert config.files == () and config.labels is None and config.data is None
    assert config.branding == Branding()


def test_client_template_goal_is_the_objectives_template(tmp_path):
    (tmp_path / "client.yml").write_text(client_template_yaml("acme", objective="sales"))
    assert Goal.for_client(read_config(tmp_path)) == Goal.template("sales", client="acme")


def test_client_template_names_every_field(tmp_path):
    text = client_template_yaml("acme")
    written = {line.lstrip("# ").split(":")[0] for line in text.splitlines() if not line.startswith(("#  ", "  "))}
    assert {"client", "display_name", "timezone", "currency", "salt", "period", "data", "files", "labels",
            "goal", "branding"} <= written
    assert "  # logo: logo.png" in text and '  primary_colour: "#1f4e79"' in text


def test_client_template_refuses_an_unknown_time_zone():
    with pytest.raises(ConfigError, match=r"field 'timezone': 'Mars/Olympus' is not an IANA time zone"):
        client_template_yaml("acme", timezone="Mars/Olympus")


def test_write_client_template_names_the_client_after_the_folder(tmp_path):
    path = write_client_template(tmp_path / "harbour_lane")
    assert path == tmp_path / "harbour_lane" / "client.yml"
    assert read_config(path).client == "harbour_lane"


def test_write_client_template_refuses_to_overwrite(tmp_path):
    (tmp_path / "client.yml").write_text("client: mine\n")
    with pytest.raises(FileExistsError, match="exists already"):
        write_client_template(tmp_path)
    assert (tmp_path / "client.yml").read_text() == "client: mine\n"

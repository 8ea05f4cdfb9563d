"""ga4_bigquery_events: the GA4 BigQuery event export (NDJSON, gzip, parquet) into the events table."""

import gzip
import hashlib
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from engagekit.core import schema
from engagekit.core.errors import ExportError, MissingColumnError
from engagekit.loaders import detect_format, read_export
from engagekit.loaders import ga4_bigquery
from engagekit.core.privacy import hash_identifiers
from paths import FIXTURES as ALL_FIXTURES

FIXTURES = ALL_FIXTURES / "ga4_bigquery"
NDJSON = FIXTURES / "events_20240301-000000000000.json"
GZIP = FIXTURES / "events_20240301-000000000000.json.gz"
PARQUET = FIXTURES / "events_20240301-000000000000.parquet"
SALT = "s3cret"
# user_pseudo_id values: hashed as opaque ids (only trimmed, the dot kept)
USER_A = "1187654321.1709251200"
USER_B = "2034567890.1709300000"


def sha(text: str) -> str:
    return hashlib.sha256((SALT + text).encode("utf-8")).hexdigest()


@pytest.fixture(scope="module")
def events():
    return read_export(NDJSON, salt=SALT)


def test_ndjson_gzip_and_parquet_detected():
    for path in (NDJSON, GZIP, PARQUET):
        assert detect_format(path).name == "ga4_bigquery_events"


def test_sibling_ga4_report_csv_not_taken():
    assert detect_format(ALL_FIXTURES / "ga4_report" / "traffic_acquisition.csv").name == "ga4_report_csv"


def test_json_without_user_pseudo_id_not_sniffed():
    assert not ga4_bigquery._sniff('{"event_timestamp":"1","event_name":"x"}\n', "other.json")
    assert not ga4_bigquery._sniff("\x1f\ufffd\x08", "orders.csv.gz")


def test_frame_is_canonical_events(events):
    assert events.table == "events"
    schema.validate(events.frame, "events")


def test_gzip_and_parquet_give_the_same_frame(events):
    for path in (GZIP, PARQUET):
        pd.testing.assert_frame_equal(read_export(path, salt=SALT).frame, events.frame)


def test_timestamp_microseconds_utc_and_event_name(events):
    assert events.frame["occurred_at"].tolist() == [
        pd.Timestamp("2024-03-01 08:00:00.123456", tz="UTC"),
        pd.Timestamp("2024-03-01 08:00:12.5", tz="UTC"),
        pd.Timestamp("2024-03-01 08:05:45", tz="UTC"),
        pd.Timestamp("2024-03-01 13:53:54.000001", tz="UTC"),
        pd.Timestamp("2024-03-01 13:54:50", tz="UTC"),
        pd.Timestamp("2024-03-01 17:00:00", tz="UTC"),
    ]
    assert events.frame["event"].tolist() == [
        "page_view", "scroll", "purchase", "page_view", "add_to_cart", "session_start",
    ]


def test_user_key_is_salted_hash_of_user_pseudo_id(events):
    keys = events.frame["user_key"]
    assert keys.iloc[:3].tolist() == [sha(USER_A)] * 3
    assert keys.iloc[3:5].tolist() == [sha(USER_B)] * 2
    assert keys.iloc[0] == hash_identifiers(pd.Series(["1187654321.1709251200"]), salt=SALT, kind="opaque").iloc[0]


def test_session_key_is_hash_of_pseudo_id_and_ga_session_id(events):
    keys = events.frame["session_key"]
    assert keys.iloc[:3].tolist() == [sha(USER_A + ".1709280000")] * 3
    assert keys.iloc[4] == sha(USER_B + ".1709301230")
    assert keys.iloc[0] == hash_identifiers(
        pd.Series(["1187654321.1709251200.1709280000"]), salt=SALT, kind="opaque"
    ).iloc[0]


def test_session_key_na_without_ga_session_id(events):
    assert pd.isna(events.frame["session_key"].iloc[3])
    assert pd.notna(events.frame["user_key"].iloc[3])


def test_keys_na_without_user_pseudo_id(events):
    row = events.frame.iloc[5]
    assert pd.isna(row["user_key"]) and pd.isna(row["session_key"])


def test_event_level_utms_else_session_last_click(events):
    frame = events.frame
    assert frame.loc[0, ["source", "medium", "campaign", "content"]].tolist() == [
        "facebook", "paid_social", "spring_sale", "carousel_1",
    ]
    # scroll and purchase carry no collected_traffic_source: the session's last click
    assert frame.loc[2, ["source", "medium", "campaign"]].tolist() == ["facebook", "paid_social", "spring_sale"]
    assert frame.loc[4, ["source", "medium", "campaign"]].tolist() == ["news.example.test", "referral", "(referral)"]
    assert frame.loc[5, ["source", "medium", "campaign"]].tolist() == ["newsletter", "email", "newsletter_march"]
    assert pd.isna(frame.loc[5, "content"])


def test_all_null_utms_without_session_are_na(events):
    assert events.frame.loc[3, ["source", "medium", "campaign", "content"]].isna().all()


def test_first_user_traffic_source_never_used(events):
    assert not events.frame["source"].isin(["google", "(direct)"]).any()
    assert not events.frame["medium"].isin(["organic"]).any()


def test_session_source_false_keeps_event_level_utms_only():
    frame = read_export(NDJSON, salt=SALT, session_source=False).frame
    assert frame["source"].iloc[0] == "facebook"
    assert frame["source"].iloc[1:5].isna().all()
    assert frame["source"].iloc[5] == "newsletter"


def test_value_purchase_revenue_else_usd_and_zero_kept(events):
    values = events.frame["value"]
    assert values.iloc[2] == 42.5  # purchase_revenue, not event_value_in_usd 53.71
    assert values.iloc[4] == 0.0  # event_value_in_usd 0.0: a reported zero
    assert values.iloc[[0, 1, 3, 5]].isna().all()


def test_no_raw_identifiers_geo_or_device(events):
    text = events.frame.astype("str").to_csv()
    for secret in ("1187654321", "crm-4411", "Bristol", "Leeds", "United Kingdom", "Safari", "iPhone", "HLB-10231"):
        assert secret not in text


def test_malformed_line_and_missing_timestamp_dropped_with_line(events):
    report = events.report
    assert (report.rows_read, report.rows_loaded) == (8, 6)
    assert [(d.line, d.reason, d.column) for d in report.dropped] == [
        (4, "malformed JSON line", None),
        (7, "missing event_timestamp", "event_timestamp"),
    ]
    assert report.is_balanced()


def test_parquet_drop_names_row_number():
    report = read_export(PARQUET, salt=SALT).report
    assert (report.rows_read, report.rows_loaded) == (7, 6)
    assert [(d.line, d.reason) for d in report.dropped] == [(6, "missing event_timestamp")]


def _event(ts, name="page_view", **more):
    return {"event_timestamp": ts, "event_name": name, "user_pseudo_id": "555.1700000000", **more}


def _write(path, events, sep="\n"):
    path.write_text(sep.join(e if isinstance(e, str) else json.dumps(e) for e in events) + "\n")
    return path


def test_bare_number_and_mixed_timestamps_read(tmp_path):
    session = [{"key": "ga_session_id", "value": {"int_value": 1700000000}}]
    quoted = [{"key": "ga_session_id", "value": {"int_value": "1700000000"}}]
    path = _write(tmp_path / "mixed.jsonl", [
        _event("1709280000000000", event_params=quoted), _event(1709280001000000, event_params=session),
    ])
    result = read_export(path, salt=SALT)
    assert result.frame["occurred_at"].tolist() == [
        pd.Timestamp("2024-03-01 08:00:00", tz="UTC"), pd.Timestamp("2024-03-01 08:00:01", tz="UTC"),
    ]
    assert result.frame["session_key"].tolist() == [sha("555.1700000000" + ".1700000000")] * 2


def test_blank_lines_count_in_line_numbers(tmp_path):
    path = _write(tmp_path / "blank.ndjson", [_event("1709280000000000"), "", _event(None), "  "])
    report = read_export(path).report
    assert (report.rows_read, report.rows_loaded) == (2, 1)
    assert [d.line for d in report.dropped] == [3]


def test_wrong_json_type_and_bad_timestamp_dropped(tmp_path):
    path = _write(tmp_path / "types.json", [
        _event("1709280000000000"), _event("1709280000000001", name={"nested": 1}),
        _event("2024-03-01T08:00:00"), "[1, 2]", _event("1709280000000002", name=""),
    ])
    report = read_export(path).report
    assert [(d.line, d.reason, d.column) for d in report.dropped] == [
        (2, "unexpected JSON value type", "event_name"),
        (3, "not a timestamp (microseconds since 1970 UTC)", "event_timestamp"),
        (4, "malformed JSON line", None),
        (5, "missing event_name", "event_name"),
    ]
    assert report.dropped[1].value == "2024-03-01T08:00:00"
    assert report.rows_loaded == 1 and report.is_balanced()


def test_small_blocks_give_the_same_result(monkeypatch, events):
    monkeypatch.setattr(ga4_bigquery, "_CHUNK_BYTES", 700)
    result = read_export(NDJSON, salt=SALT)
    pd.testing.assert_frame_equal(result.frame, events.frame)
    assert [d.line for d in result.report.dropped] == [4, 7]


def test_missing_event_name_raises_naming_file(tmp_path):
    path = _write(tmp_path / "events.json", [{"event_timestamp": "1", "user_pseudo_id": "1.2"}])
    with pytest.raises(MissingColumnError) as err:
        read_export(path, format="ga4_bigquery_events")
    assert "event_name" in str(err.value) and "events.json" in str(err.value)


def test_parquet_without_event_timestamp_raises(tmp_path):
    path = tmp_path / "other.parquet"
    pq.write_table(pa.table({"event_name": ["x"]}), path)
    with pytest.raises(MissingColumnError) as err:
        read_export(path)
    assert "event_timestamp" in str(err.value) and "other.parquet" in str(err.value)


def test_json_array_raises_with_advice(tmp_path):
    path = tmp_path / "events.json"
    path.write_text(json.dumps([_event("1709280000000000")]))
    with pytest.raises(ExportError, match="NEWLINE_DELIMITED_JSON"):
        read_export(path)


def test_corrupt_gzip_raises_naming_file(tmp_path):
    path = tmp_path / "events.json.gz"
    path.write_bytes(gzip.compress(NDJSON.read_bytes())[:700])
    with pytest.raises(ExportError, match="gzip"):
        read_export(path)


def test_user_key_option_prefers_user_id():
    frame = read_export(NDJSON, salt=SALT, user_key="user_id").frame
    assert frame["user_key"].iloc[0] == sha("crm-4411")
    assert frame["user_key"].iloc[3] == sha(USER_B)  # no user_id: user_pseudo_id


def test_salted_sha256_matches_hash_identifiers():
    values = [
        "1187654321.1709251200", "a3f9c2e1b7d84f06a1c2d3e4f5a6b7c8", "ABC", "Ada@Example.com",
        " 12345 ", "", "Zoë.123", "+44 7700 900123", None, "ABC", "a\x1cb", "\x0b123456",
    ]
    expected = hash_identifiers(pd.Series(values, dtype="str"), salt=SALT)
    got = ga4_bigquery.salted_sha256(pa.array(values, pa.string()), SALT).to_pylist()
    assert got == [None if pd.isna(v) else v for v in expected]


@pytest.mark.parametrize("written", [False, 0, "false", "No"])
def test_session_source_off_in_any_spelling(written):
    result = read_export(NDJSON, salt="s", session_source=written)
    assert result.report.columns["source"] == "collected_traffic_source.manual_source"


def test_session_source_must_be_true_or_false():
    with pytest.raises(ExportError, match="session_source= must be true or false"):
        read_export(NDJSON, salt="s", session_source="maybe")

"""shopify_orders: the Shopify orders export into the outcomes table."""

import hashlib

import pandas as pd
import pytest

from engagekit import schema
from engagekit.loaders import detect_format, read_export
from paths import FIXTURES as ALL_FIXTURES

FIXTURES = ALL_FIXTURES / "shopify_orders"
CRLF = FIXTURES / "orders_export_crlf.csv"
LF = FIXTURES / "orders_export_lf_no_final_newline.csv"


@pytest.fixture(scope="module")
def result():
    return read_export(CRLF, salt="s3cret")


def test_fixture_line_endings():
    assert b"\r\n" in CRLF.read_bytes()
    assert b"\r\n" not in LF.read_bytes()
    assert not LF.read_bytes().endswith(b"\n")


@pytest.mark.parametrize("path", [CRLF, LF])
def test_detected(path):
    assert detect_format(path).name == "shopify_orders"


def test_frame_is_canonical_outcomes(result):
    assert result.table == "outcomes"
    schema.validate(result.frame, "outcomes")


def test_one_outcome_per_order(result):
    assert result.frame["record_id"].tolist() == ["#1001", "#1003"]
    assert result.frame["outcome"].tolist() == ["order", "order"]


def test_created_at_converted_to_utc(result):
    assert result.frame["occurred_at"].tolist() == [
        pd.Timestamp("2026-01-06 01:52:39", tz="UTC"),
        pd.Timestamp("2026-01-07 11:00:00", tz="UTC"),
    ]


def test_value_and_currency(result):
    assert result.frame["value"].tolist() == [37.74, 0.0]
    assert result.frame["currency"].tolist() == ["USD", "GBP"]


def test_customer_key_is_salted_hash_of_email(result):
    expected = hashlib.sha256(b"s3cretann.buyer@example.com").hexdigest()
    assert result.frame["customer_key"].iloc[0] == expected
    assert pd.isna(result.frame["customer_key"].iloc[1])


def test_no_personal_data_in_frame(result):
    text = result.frame.astype("str").to_csv()
    for personal in ("Example.com", "example.com", "Ann Buyer", "555", "Leave at door"):
        assert personal not in text


def test_utm_from_note_attributes(result):
    first = result.frame.iloc[0]
    assert (first["source"], first["medium"], first["campaign"]) == ("facebook", "paid", "1234")
    assert pd.isna(first["content"])
    assert result.frame.iloc[1][["source", "medium", "campaign", "content"]].isna().all()


def test_report_counts(result):
    report = result.report
    assert report.rows_read == 7
    assert report.rows_merged == 1
    assert report.rows_loaded == 2
    assert report.rows_totals == 0
    assert dict(report.rows_dropped) == {
        "cancelled or voided order": 2,
        "duplicate order": 1,
        "not a valid date/time (expected YYYY-MM-DD HH:MM:SS +HHMM)": 1,
    }
    assert report.is_balanced()


def test_dropped_lines_count_multiline_quoted_fields(result):
    lines = {d.reason: [] for d in result.report.dropped}
    for d in result.report.dropped:
        lines[d.reason].append(d.line)
    assert sorted(lines["cancelled or voided order"]) == [6, 11]
    assert lines["duplicate order"] == [10]
    assert lines["not a valid date/time (expected YYYY-MM-DD HH:MM:SS +HHMM)"] == [9]


def test_lf_without_final_newline_reads_the_same(result):
    other = read_export(LF, salt="s3cret")
    pd.testing.assert_frame_equal(other.frame, result.frame)
    assert other.report.rows_dropped == result.report.rows_dropped


def test_include_cancelled_keeps_voided_and_cancelled():
    result = read_export(CRLF, include_cancelled=True)
    assert result.frame["record_id"].tolist() == ["#1001", "#1002", "#1003", "#1005"]
    assert "cancelled or voided order" not in result.report.rows_dropped
    assert result.report.is_balanced()

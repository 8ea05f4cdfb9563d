"""shopify_orders: the Shopify orders export into the outcomes table."""

import hashlib

import pandas as pd
import pytest

from engagekit.core import schema
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


# Reading in blocks (option block_bytes): a small file whose first block ends inside order #1002's line items.
BLOCK_HEADER = "Name,Email,Financial Status,Paid at,Currency,Total,Created at,Lineitem name,Note Attributes,Cancelled at\n"
BLOCK_ROWS = [
    "#1001,ann@example.com,paid,,EUR,10.00,2026-01-05 10:00:00 +0100,Paw Balm,utm_source: facebook,\n",  # line 2
    "#1002,bob@example.com,paid,,EUR,20.00,2026-01-05 11:00:00 +0100,Paw Balm,,\n",  # line 3
    "#1002,bob@example.com,,,,,2026-01-05 11:00:00 +0100,Brush,,\n",  # line 4: #1002's 2nd line item
    "#1003,cy@example.com,paid,,EUR,5.00,2026-01-06 09:00:00 +0000,Paw Balm,,\n",  # line 5
    "#1001,ann@example.com,paid,,EUR,10.00,2026-01-05 10:00:00 +0100,Paw Balm,,\n",  # line 6: #1001 again
    "#1004,dee@example.com,paid,,EUR,7.50,2026-02-30 09:00:00 +0000,Paw Balm,,\n",  # line 7: no 30 February
]
#: The first block holds lines 2-3 (the data rows are read from the end of the header).
FIRST_BLOCK_BYTES = len("".join(BLOCK_ROWS[:2]).encode())


@pytest.fixture(scope="module")
def blocks_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("shopify_blocks") / "orders_export.csv"
    path.write_bytes((BLOCK_HEADER + "".join(BLOCK_ROWS)).encode())
    return path


@pytest.fixture(scope="module")
def in_blocks(blocks_file):
    return read_export(blocks_file, salt="s3cret", block_bytes=FIRST_BLOCK_BYTES)


def test_blocks_hold_whole_rows_of_about_block_bytes(blocks_file):
    from engagekit.loaders._base import LoadReport
    from engagekit.loaders._blocks import read_blocks

    def sizes(header, skipped, blocks):
        return [len(rows) for rows in blocks]

    report = LoadReport(file=str(blocks_file), format="shopify_orders", table="outcomes")
    found = read_blocks(blocks_file, report, sizes, format="shopify_orders", block_bytes=FIRST_BLOCK_BYTES)
    assert found[0] == 2 and sum(found) == 6 and len(found) > 1
    assert report.rows_read == 6


def test_line_items_merged_across_a_block_boundary(in_blocks):
    assert in_blocks.frame["record_id"].tolist() == ["#1001", "#1002", "#1003"]
    assert in_blocks.frame["value"].tolist() == [10.0, 20.0, 5.0]
    assert in_blocks.report.rows_merged == 1


def test_duplicate_order_in_a_later_block_dropped(in_blocks):
    duplicates = [d for d in in_blocks.report.dropped if d.reason == "duplicate order"]
    assert [(d.line, d.column, d.value) for d in duplicates] == [(6, "Name", "#1001")]


def test_dropped_row_in_a_later_block_keeps_its_line(in_blocks):
    bad_dates = [d for d in in_blocks.report.dropped if d.reason.startswith("not a valid date/time")]
    assert [(d.line, d.column, d.value) for d in bad_dates] == [(7, "Created at", "2026-02-30 09:00:00 +0000")]


def test_customer_keys_and_tags_across_blocks(in_blocks):
    keys = in_blocks.frame["customer_key"].tolist()
    assert keys == [hashlib.sha256(f"s3cret{who}@example.com".encode()).hexdigest() for who in ("ann", "bob", "cy")]
    assert in_blocks.frame["source"].tolist()[0] == "facebook"
    assert in_blocks.frame["source"].iloc[1:].isna().all()


def test_blocks_report_balances(in_blocks):
    report = in_blocks.report
    assert (report.rows_read, report.rows_loaded, report.rows_merged) == (6, 3, 1)
    assert report.is_balanced()


@pytest.mark.parametrize("block_bytes", [1, 64, FIRST_BLOCK_BYTES, 1 << 20])
@pytest.mark.parametrize("path", [CRLF, LF, "blocks"])
def test_result_does_not_depend_on_block_size(path, block_bytes, blocks_file):
    path = blocks_file if path == "blocks" else path
    whole = read_export(path, salt="s3cret")
    blocks = read_export(path, salt="s3cret", block_bytes=block_bytes)
    pd.testing.assert_frame_equal(blocks.frame, whole.frame)
    assert blocks.report.dropped == whole.report.dropped
    assert (blocks.report.rows_read, blocks.report.rows_merged) == (whole.report.rows_read, whole.report.rows_merged)

"""stripe_charges: the Stripe unified payments export into the outcomes table."""

import hashlib

import pandas as pd
import pytest

from engagekit.core import schema
from engagekit.core.errors import MissingColumnError
from engagekit.loaders import detect_format, read_export
from paths import FIXTURES as ALL_FIXTURES

FIXTURES = ALL_FIXTURES / "stripe"
PAYMENTS = FIXTURES / "unified_payments.csv"


@pytest.fixture(scope="module")
def result():
    return read_export(PAYMENTS, salt="s3cret")


def test_detected():
    assert detect_format(PAYMENTS).name == "stripe_charges"


def test_frame_is_canonical_outcomes(result):
    assert result.table == "outcomes"
    schema.validate(result.frame, "outcomes")


def test_only_paid_live_charges_loaded(result):
    assert result.frame["record_id"].tolist() == ["ch_001", "ch_002", "ch_005"]
    assert result.frame["outcome"].tolist() == ["charge"] * 3


def test_created_read_in_both_formats(result):
    assert result.frame["occurred_at"].tolist() == [
        pd.Timestamp("2024-03-12 09:14", tz="UTC"),
        pd.Timestamp("2024-03-13 18:30", tz="UTC"),
        pd.Timestamp("2024-03-14 10:00", tz="UTC"),
    ]


def test_value_is_amount_minus_refunded(result):
    # 49.00 - 0.00; "1,200.00" - 200.00; 20.00 - (empty refund = 0)
    assert result.frame["value"].tolist() == [49.0, 1000.0, 20.0]


def test_currency_upper_case(result):
    assert result.frame["currency"].tolist() == ["GBP", "EUR", "USD"]


def test_customer_key_from_email_else_customer_id(result):
    keys = result.frame["customer_key"].tolist()
    assert keys[0] == hashlib.sha256(b"s3cretada.fictional@example.com").hexdigest()
    assert keys[1] == hashlib.sha256(b"s3cretcus_bbb222").hexdigest()


def test_no_personal_or_card_data_in_frame(result):
    text = result.frame.astype("str").to_csv()
    for secret in ("example.com", "Ada", "4242", "Visa", "fpFAKE", "Example Street", "EX1", "cus_"):
        assert secret not in text


def test_report_counts_and_drop_reasons(result):
    report = result.report
    assert (report.rows_read, report.rows_loaded) == (6, 3)
    assert dict(report.rows_dropped) == {
        "status 'Failed': not a successful payment": 1,
        "test mode charge": 1,
        "not a valid date/time (expected YYYY-MM-DD HH:MM:SS or DD/MM/YYYY HH:MM)": 1,
    }
    assert [d.line for d in report.dropped] == [4, 5, 7]
    assert report.is_balanced()


def test_include_test_option_keeps_test_charges():
    frame = read_export(PAYMENTS, include_test=True).frame
    assert "ch_004" in frame["record_id"].tolist()


def test_missing_status_column_raises(tmp_path):
    path = tmp_path / "no_status.csv"
    path.write_text("id,Created (UTC),Amount,Amount Refunded,Currency\nch_1,2024-01-01 10:00:00,1.00,0,usd\n")
    with pytest.raises(MissingColumnError) as err:
        read_export(path, format="stripe_charges")
    assert "Status" in str(err.value)
    assert "no_status.csv" in str(err.value)

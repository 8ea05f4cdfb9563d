"""hubspot_contacts and hubspot_deals: HubSpot CRM exports into the outcomes table."""

import hashlib

import pandas as pd
import pytest

from engagekit.core import schema
from engagekit.core.errors import MissingColumnError
from engagekit.loaders import detect_format, read_export
from paths import FIXTURES as ALL_FIXTURES

FIXTURES = ALL_FIXTURES / "hubspot"
CONTACTS = FIXTURES / "contacts.csv"
DEALS = FIXTURES / "deals.csv"


@pytest.fixture(scope="module")
def contacts():
    return read_export(CONTACTS, salt="s3cret", tz="Europe/London")


@pytest.fixture(scope="module")
def deals():
    return read_export(DEALS, tz="Europe/London")


def test_contacts_detected():
    assert detect_format(CONTACTS).name == "hubspot_contacts"


def test_deals_detected():
    assert detect_format(DEALS).name == "hubspot_deals"


@pytest.mark.parametrize("name", ["contacts", "deals"])
def test_frames_are_canonical_outcomes(name, request):
    result = request.getfixturevalue(name)
    assert result.table == "outcomes"
    schema.validate(result.frame, "outcomes")


def test_contact_outcome_is_lifecycle_stage_else_lead(contacts):
    assert contacts.frame["outcome"].tolist() == ["marketing_qualified_lead", "lead", "customer"]
    assert contacts.frame["record_id"].tolist() == ["101", "102", "104"]


def test_contact_create_date_read_in_tz(contacts):
    # March 2024 before the clocks change: London is UTC+0
    assert contacts.frame["occurred_at"].tolist() == [
        pd.Timestamp("2024-03-12 09:14", tz="UTC"),
        pd.Timestamp("2024-03-13 17:45", tz="UTC"),
        pd.Timestamp("2024-03-14 08:00:30", tz="UTC"),
    ]


def test_contact_customer_key_is_salted_hash_of_email(contacts):
    assert contacts.frame["customer_key"].iloc[0] == hashlib.sha256(b"s3cretada.fictional@example.com").hexdigest()


def test_original_source_mapped(contacts):
    assert contacts.frame["medium"].tolist()[:2] == ["social", "(none)"]
    assert contacts.frame["source"].tolist()[:2] == [None, "(direct)"] or (
        pd.isna(contacts.frame["source"].iloc[0]) and contacts.frame["source"].iloc[1] == "(direct)"
    )
    assert pd.isna(contacts.frame["medium"].iloc[2])  # OFFLINE does not map


def test_no_personal_data_in_contacts(contacts):
    text = contacts.frame.astype("str").to_csv()
    for secret in ("example.com", "Ada", "Fictional", "7946", "555-0100", "Example Ltd", "Sam Owner"):
        assert secret not in text


def test_contact_bad_date_dropped_with_line(contacts):
    report = contacts.report
    assert (report.rows_read, report.rows_loaded) == (4, 3)
    assert [(d.line, d.column, d.value) for d in report.dropped] == [(4, "Create Date", "not a date")]
    assert report.is_balanced()


def test_only_closed_won_deals_loaded(deals):
    assert deals.frame["record_id"].tolist() == ["9001", "9002", "9005"]
    assert deals.frame["outcome"].tolist() == ["deal"] * 3
    assert dict(deals.report.rows_dropped) == {"deal not closed won": 2}
    assert [d.line for d in deals.report.dropped] == [4, 5]
    assert deals.report.is_balanced()


def test_deal_value_amount_with_empty_as_na(deals):
    values = deals.frame["value"]
    assert values.iloc[0] == 1500.0
    assert values.iloc[1] == 0.0
    assert pd.isna(values.iloc[2])


def test_deal_close_date_else_create_date(deals):
    assert deals.frame["occurred_at"].tolist() == [
        pd.Timestamp("2024-04-02 09:00", tz="UTC"),  # 10:00 BST
        pd.Timestamp("2024-03-20 12:00", tz="UTC"),  # no Close Date: Create Date (GMT)
        pd.Timestamp("2024-04-06 14:30", tz="UTC"),
    ]


def test_deal_original_source_display_label_mapped(deals):
    assert deals.frame["medium"].tolist()[:2] == ["cpc", "email"]


def test_all_deals_option_loads_every_deal():
    result = read_export(DEALS, all_deals=True)
    assert len(result.frame) == 5
    assert result.report.n_dropped == 0


def test_won_stages_option():
    result = read_export(DEALS, won_stages=["Appointment Scheduled"])
    assert result.frame["record_id"].tolist() == ["9003"]


def test_contacts_without_create_date_raise(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("Record ID,Email,Created\n1,a@example.com,2024-01-01 10:00\n")
    with pytest.raises(MissingColumnError) as err:
        read_export(path, format="hubspot_contacts")
    assert "Create Date" in str(err.value)
    assert "contacts.csv" in str(err.value)

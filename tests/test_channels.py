"""GA4 default channel grouping: one test per rule, with hand-picked examples."""

import pandas as pd
import pytest

from engagekit.core.channels import default_channel_group


def _group(source, medium, campaign=None):
    camp = None if campaign is None else pd.Series([campaign], dtype="str")
    out = default_channel_group(pd.Series([source], dtype="str"), pd.Series([medium], dtype="str"), camp)
    return out.iloc[0]


@pytest.mark.parametrize(
    ("source", "medium", "expected"),
    [
        ("(direct)", "(none)", "Direct"),
        ("(direct)", "(not set)", "Direct"),
        ("google", "organic", "Organic Search"),
        ("duckduckgo", "referral", "Organic Search"),
        ("www.bing.com", "referral", "Organic Search"),
        ("newsletter-site", "organic", "Organic Search"),
        ("facebook", "social", "Organic Social"),
        ("l.instagram.com", "referral", "Organic Social"),
        ("t.co", "referral", "Organic Social"),
        ("lnkd.in", "referral", "Organic Social"),
        ("partner-blog", "social-media", "Organic Social"),
        ("facebook", "paid", "Paid Social"),
        ("IG", "CPC", "Paid Social"),
        ("linkedin", "ppc", "Paid Social"),
        ("google", "cpc", "Paid Search"),
        ("some-network", "paidsearch", "Paid Search"),
        ("mailchimp", "email", "Email"),
        ("e-mail", "newsletter", "Email"),
        ("partner.example.com", "referral", "Referral"),
        ("partner-app", "app", "Referral"),
        ("adnetwork", "display", "Display"),
        ("adnetwork", "cpm", "Display"),
        ("youtube", "referral", "Organic Video"),
        ("vendor", "video", "Organic Video"),
        ("youtube", "cpc", "Paid Video"),
        ("awin", "affiliate", "Affiliates"),
        ("twilio", "sms", "SMS"),
        ("sms", "text", "SMS"),
        ("spotify", "audio", "Audio"),
        ("mystery", "weird", "Unassigned"),
    ],
)
def test_default_channel_group_rules(source, medium, expected):
    assert _group(source, medium) == expected


def test_matching_is_case_insensitive():
    assert _group("Facebook.COM", "Referral") == "Organic Social"
    assert _group("GOOGLE", "ORGANIC") == "Organic Search"


def test_site_names_do_not_match_inside_other_words():
    assert _group("xample.com", "referral") == "Referral"
    assert _group("foxnews.com", "referral") == "Referral"


def test_missing_source_and_medium_are_unassigned():
    out = default_channel_group(pd.Series([pd.NA], dtype="str"), pd.Series([pd.NA], dtype="str"))
    assert out.tolist() == ["Unassigned"]


def test_cross_network_campaign():
    assert _group("google", "cpc", "Cross-network Spring") == "Cross-network"


def test_keeps_index_and_dtype():
    source = pd.Series(["google", "(direct)"], index=[10, 11], dtype="str")
    medium = pd.Series(["organic", "(none)"], index=[10, 11], dtype="str")
    out = default_channel_group(source, medium)
    assert list(out.index) == [10, 11]
    assert str(out.dtype) == "str"
    assert out.tolist() == ["Organic Search", "Direct"]


def test_empty_input():
    out = default_channel_group(pd.Series([], dtype="str"), pd.Series([], dtype="str"))
    assert len(out) == 0

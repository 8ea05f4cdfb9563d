"""The content mix and per-category results on the sample (the classification: test_classify.py)."""

import pytest

from engagekit import category_performance, classify_posts, content_mix, load_client, self_promotional_summary

from paths import SAMPLE


@pytest.fixture(scope="module")
def sample():
    data = load_client(SAMPLE)
    return data, classify_posts(data.posts)


def test_mix_shares_sum_to_one_per_month(sample):
    data, classes = sample
    mix = content_mix(data.posts, classes, tz="Europe/Berlin")
    assert mix.groupby("period")["share"].sum().round(10).eq(1).all()
    assert mix["period"].nunique() == 12


def test_category_performance_counts_outcomes_through_utm_content(sample):
    data, classes = sample
    perf = category_performance(data.posts, classes, data.outcomes, outcome="registration")
    assert perf["posts"].sum() == len(data.posts)
    tagged = data.posts.dropna(subset=["utm_content"])
    hits = data.outcomes.query("outcome == 'registration'")["content"].isin(tagged["utm_content"]).sum()
    assert perf["outcomes"].sum() == hits
    summary = self_promotional_summary(classes, perf)
    assert 0 < summary["self_promotional_share_of_posts"] < 1
    # entertaining posts collect likes but no outcomes: the lesson of the audit
    fun = perf.set_index("category").loc["entertaining"]
    assert fun["share_of_reactions"] > 0.3
    assert fun["share_of_outcomes"] < 0.05

"""Classify posts: is a post about the audience, or about "me me me"?

Every post gets one category, decided in this order (the first that applies wins):

1. **The user's label** (``decided_by = "user label"``): a ``labels`` frame
   (``post_id, category``, optional ``platform``; a client's labels CSV named
   under ``labels:`` in client.yml reaches :func:`classify_posts` as
   ``dataset.labels``), or a ``category`` column on the posts frame itself.
2. **No text**: the media type decides (``decided_by = "media type"``): a
   photo, video or carousel without words is ``entertaining``, anything else
   ``unclassified``; the rule reads ``no text (video)`` etc.
3. **Transparent rules** (``decided_by = "rule"``): keyword lexicons, discount
   codes, links to shop/product pages, checked in the order of :data:`RULES`;
   each post carries the name of the rule that decided it. Rules read the text
   with its links taken out; links are judged by their own rule. Last come the
   pronoun rules: more "we/our/us" than "you/your" is ``company_news``, more
   "you/your" is ``educational``.
4. **A small text classifier** (``decided_by = "classifier"``), trained on the
   user's labels when there are at least ``min_labels`` (50) of them: TF-IDF of
   words and word pairs, then a logistic regression (fixed ``random_state``).
   By default it labels only the posts neither a label nor a rule decided
   (``classifier_for="undecided"``); ``classifier_for="unlabelled"`` lets it
   label every post without a user label, overruling the rules. Its
   cross-validated accuracy on the labelled posts is reported in
   ``frame.attrs["classifier"]`` (see :func:`describe_classifier`).

Categories. Self-promotional: ``offer`` (coupons, discounts), ``product``
(product ads), ``company_news`` (the company about itself). Audience-centred:
``educational`` (how-to, tips), ``entertaining``, ``inspirational``,
``community`` (user content, thanks, shout-outs, and questions to the
audience: a question is the commonest way of inviting the community in, so it
is part of ``community``, decided by its own rule, ``question to the
audience``). ``unclassified`` is what no label, rule or classifier decided.

Media type: ``posts.media_type`` normalised to ``photo``, ``video``,
``carousel``, ``link``, ``text`` or ``unknown`` (not reported, e.g. X's tweet
activity exports); see :data:`MEDIA_TYPES`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engagekit.core._arrow import as_arrow
from engagekit.tables.labels import LABEL_COLUMNS, check_labels, empty_labels
from engagekit.core.schema import AUDIENCE_CENTRED, CATEGORIES, MEDIA_TYPES, SELF_PROMOTIONAL, UNCLASSIFIED, normalise_media_type
from engagekit.core.utm import URL_PATTERN

__all__ = [
    "SELF_PROMOTIONAL",
    "AUDIENCE_CENTRED",
    "CATEGORIES",
    "UNCLASSIFIED",
    "DECIDED_BY",
    "MEDIA_TYPES",
    "RULES",
    "MIN_LABELS",
    "LABEL_COLUMNS",
    "classify_posts",
    "normalise_media_type",
    "empty_labels",
    "check_labels",
    "fit_text_classifier",
    "describe_classifier",
]

DECIDED_BY: tuple[str, ...] = ("user label", "media type", "rule", "classifier")
#: Fewest user labels a text classifier is trained on.
MIN_LABELS = 50
#: Media types whose post without words is still something to look at.
_VISUAL = ("photo", "video", "carousel")

_I = re.IGNORECASE
#: The rules, in the order they are checked: (category, rule name, pattern, flags). Each pattern
#: reads the text with its links taken out, except ``links to a product page``, which reads the links
#: (those in the text and ``link_url``).
#: Patterns are RE2-compatible (no look-arounds) so that pandas runs them on the whole column at once.
RULES: tuple[tuple[str, str, str, int], ...] = (
    ("offer", "discount code",
     r"\b(?:[Cc]ode|CODE|[Cc]oupon|COUPON|[Pp]romo)\s*:?\s*[A-Z0-9]{4,}\b|\b[A-Z]{3,}\d{1,3}\b", 0),
    ("offer", "discount words",
     r"\b\d{1,2}\s?% off\b|\bdiscount|\bsale\b|\bfree shipping\b|\bdeals?\b|\bsave \d|\bcoupon|\bvoucher"
     r"|\bpromo\b|\bbogo\b|\bbuy one,? get one\b|\bhalf price\b|\blimited time\b", _I),
    ("educational", "how-to words",
     r"\bhow[ -]to\b|\btips?\b|\bguide\b|\blearn\b|\bdid you know\b|\bwhy your\b|\bsigns\b|\bchecklist\b"
     r"|\bmistakes?\b|\bexplained\b|\b\d+ steps\b|\bhere(?:'s| is) how\b|\bhow you can\b|\btraining your\b"
     r"|\bstep[- ]by[- ]step\b|\btutorial\b|\bwhat to do\b|\bfaq\b", _I),
    ("entertaining", "fun words",
     r"\bmood\b|\bfeeling\b|\bcaturday\b|\bcute\b|\bfunny\b|\blol\b|\bmeme\b|\bzoomies\b|\bvibes\b"
     r"|\bphoto of the day\b|\bjust look at\b|\bthis face when\b|\basking for a friend\b|\bnap time\b"
     r"|\bsnow day\b|\bsays hi\b|\bwhen the\b|\bhaha|\bbehind the scenes\b|😂|😍|🐶|🐱|🤣", _I),
    ("inspirational", "inspiration words",
     r"\binspir|\bmotivat|\bquote of the\b|\bnever give up\b|\bbelieve in\b|\bdreams?\b|\bgrateful\b"
     r"|\bevery (?:dog|cat|pet) deserves\b|\brescue story\b|\bjourney\b|\bhope\b", _I),
    ("community", "question to the audience",
     r"\b(?:share|show|tell) us\b|\blet us know\b|\bpoll\b|\bcomment below\b|\bideas\?|\bwhich one\b"
     r"|\bwhat do you think\b|\b(?:you|your)\b[^.!?]*\?", _I),
    ("community", "community words",
     r"\bthanks? (?:to|you all)\b|\bshout-?out\b|\bcommunity\b|\byour (?:stories|photos|pet photos)\b"
     r"|\bfan of the\b|\bfeatured follower\b|\bcustomer of the\b|\bregram\b|\brepost\b|\bur?gc\b", _I),
    ("product", "links to a product page", r"https?://\S*/(?:products?|shop|collections|store|p|item|dp)/", _I),
    ("product", "product words",
     r"\bnew in\b|\bshop now\b|\bbuy now\b|\bback in stock\b|\bin stock\b|\bavailable now\b"
     r"|\bnow in our (?:store|shop)\b|\bin our (?:store|shop)\b|\bbestsell|\bbest sellers?\b|\bcollection\b"
     r"|\blaunch|\bpre-?order\b|\bour new (?:range|product|line|flavou?r|model)", _I),
    ("company_news", "company about itself",
     r"\bwe(?:'re| are) (?:hiring|proud|excited|thrilled|closed|open)\b|\bour (?:team|warehouse|founder|anniversary"
     r"|award|office|packaging|support|prices|deliveries)\b|\bannounc|\bwe (?:just )?(?:opened|won|moved|turned"
     r"|now ship|joined|hired|celebrate)\b|\bmeet the team\b|\bcolleagues\b|\bpress release\b|\bjob opening", _I),
)
_LINK_RULE = "links to a product page"
_FIRST_PERSON = r"\b(?:we|our|us|ours|we're|we've|we'll)\b"
_SECOND_PERSON = r"\b(?:you|your|yours|you're|you've|you'll)\b"
RULE_MORE_WE = "more 'we/our' than 'you/your'"
RULE_MORE_YOU = "more 'you/your' than 'we/our'"
RULE_NONE = "no rule matched"
RULE_LABEL = "user label"
RULE_CLASSIFIER = "text classifier"

_OUTPUT = {
    "platform": "str", "post_id": "str", "category": "str", "self_promotional": "bool", "rule": "str",
    "first_person": "int64", "second_person": "int64", "media_type": "str", "decided_by": "str",
    "classifier_probability": "Float64",
}


def _lookup(posts: pd.DataFrame, tidy: pd.DataFrame) -> pd.Series:
    """Each post's category in a tidy labels frame (NA where none); a label without platform matches the id on any platform."""
    with_platform = tidy.dropna(subset=["platform"])
    any_platform = tidy.loc[tidy["platform"].isna()].drop_duplicates("post_id", keep="last")
    key = posts["platform"].astype("str") + "\x1f" + posts["post_id"].astype("str")
    by_key = pd.Series(with_platform["category"].to_numpy(),
                       index=with_platform["platform"] + "\x1f" + with_platform["post_id"])
    by_id = pd.Series(any_platform["category"].to_numpy(), index=any_platform["post_id"])
    found = key.map(by_key).astype("str")
    return found.fillna(posts["post_id"].astype("str").map(by_id).astype("str")).astype("str")


def _labels_per_post(posts: pd.DataFrame, labels: pd.DataFrame | None) -> pd.Series:
    """The user's category for each post (NA where none): ``labels`` first, then a ``category`` column on the posts."""
    found = pd.Series(pd.NA, index=posts.index, dtype="str")
    if labels is not None and not labels.empty:
        found = _lookup(posts, check_labels(labels))
    if "category" in posts.columns:
        own = check_labels(posts[["platform", "post_id", "category"]], source="the posts' category column")
        found = found.fillna(_lookup(posts, own))
    return found.astype("str")


def _inline(pattern: str, flags: int) -> str:
    """``pattern`` with its case-insensitivity written inline, for RE2."""
    return "(?i)" + pattern if flags & re.IGNORECASE else pattern


# The rules run in Arrow's RE2 over the whole column at once (pandas' ``str`` methods fall back to Python's
# ``re``, post by post, as soon as a pattern holds ``\s`` or the text holds a non-ASCII character). RE2's
# ``\b``, ``\w`` and ``\s`` are ASCII: the lexicons' words are ASCII, so this only matters where a keyword
# touches a non-ASCII letter ("überdeal" still has no word boundary before "deal"; "ádeal" has one).
def _contains(text: pa.ChunkedArray, pattern: str, flags: int) -> np.ndarray:
    hit = pc.match_substring_regex(text, _inline(pattern, flags))
    return pc.fill_null(hit, False).to_numpy(zero_copy_only=False)


def _count(text: pa.ChunkedArray, pattern: str, flags: int) -> np.ndarray:
    counts = pc.count_substring_regex(text, _inline(pattern, flags))
    return pc.fill_null(counts, 0).to_numpy(zero_copy_only=False).astype("int64")


def _strip_links(text: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.replace_substring_regex(text, _inline(URL_PATTERN.pattern, re.IGNORECASE), " ")


def _rule_decisions(
    text: pa.ChunkedArray, links: pa.ChunkedArray, first: np.ndarray, second: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Category and rule name of each post with text, by the first matching rule (whole columns at once)."""
    conditions = [_contains(links if name == _LINK_RULE else text, pattern, flags)
                  for _category, name, pattern, flags in RULES]
    conditions += [first > second, second > first]
    categories = [c for c, *_ in RULES] + ["company_news", "educational"]
    names = [n for _, n, *_ in RULES] + [RULE_MORE_WE, RULE_MORE_YOU]
    category = np.select(conditions, np.array(categories, dtype=object), default=UNCLASSIFIED)
    rule = np.select(conditions, np.array(names, dtype=object), default=RULE_NONE)
    return category, rule


def classify_posts(
    posts: pd.DataFrame,
    *,
    labels: pd.DataFrame | None = None,
    classifier: bool = True,
    classifier_for: Literal["undecided", "unlabelled"] = "undecided",
    min_labels: int = MIN_LABELS,
    random_state: int = 0,
) -> pd.DataFrame:
    """Category of each post, what decided it and by which rule.

    Parameters
    ----------
    posts
        The canonical posts table (at least ``platform, post_id, text``;
        ``media_type`` and ``link_url`` are used where present). A ``category``
        column, e.g. from a generic export, is read as the user's labels.
    labels
        The user's labels (``post_id, category``, optional ``platform``), e.g.
        ``dataset.labels``; they win over the rules and over a ``category`` column.
        Labels of posts not in ``posts`` are ignored.
    classifier
        Train a text classifier on the labels when there are at least ``min_labels``.
    classifier_for
        ``"undecided"``: the classifier labels only the posts no label or rule
        decided; ``"unlabelled"``: every post without a user label.
    min_labels
        Fewest labelled posts to train the classifier on.
    random_state
        Seed of the classifier and of its cross-validation folds.

    Returns
    -------
    pandas.DataFrame
        One row per post: ``platform, post_id, category, self_promotional, rule,
        first_person, second_person, media_type, decided_by,
        classifier_probability`` (the classifier's probability of the category it
        chose; NA where it did not decide). ``attrs["classifier"]`` holds the
        classifier's report (see :func:`describe_classifier`).

    Raises
    ------
    ValueError
        A required column is missing, or the labels name unknown categories.
    """
    missing = [c for c in ("platform", "post_id", "text") if c not in posts.columns]
    if missing:
        raise ValueError(f"posts: missing column(s) {missing}; it has {list(posts.columns)}")
    if classifier_for not in ("undecided", "unlabelled"):
        raise ValueError(f"classifier_for={classifier_for!r}; allowed: 'undecided', 'unlabelled'")
    n = len(posts)
    text = posts["text"].astype("str")
    has_text = text.str.strip().fillna("").ne("").to_numpy()
    media = normalise_media_type(posts["media_type"] if "media_type" in posts else pd.Series(pd.NA, index=posts.index))
    arrow_text = as_arrow(text)
    words = _strip_links(arrow_text)
    # the product-link rule matches whole URLs, so it can read the text with its links in place
    links = arrow_text
    if "link_url" in posts.columns:
        links = as_arrow(text.fillna("") + " " + posts["link_url"].astype("str").fillna(""))
    first = _count(words, _FIRST_PERSON, _I)
    second = _count(words, _SECOND_PERSON, _I)
    category, rule = _rule_decisions(words, links, first, second)
    decided_by = np.full(n, "rule", dtype=object)

    media_np = media.to_numpy(dtype=object)
    category = np.where(has_text, category, np.where(np.isin(media_np, _VISUAL), "entertaining", UNCLASSIFIED))
    rule = np.where(has_text, rule, "no text (" + media.to_numpy(dtype=str).astype(object) + ")")
    decided_by = np.where(has_text, decided_by, "media type")

    label = _labels_per_post(posts, labels)
    labelled = label.notna().to_numpy()
    category = np.where(labelled, label.fillna("").to_numpy(dtype=object), category)
    rule = np.where(labelled, RULE_LABEL, rule)
    decided_by = np.where(labelled, "user label", decided_by)

    probability = pd.array([pd.NA] * n, dtype="Float64")
    report = _no_classifier(int(labelled.sum()), min_labels, classifier_for)
    if classifier and labelled.sum() >= min_labels:
        model, report = fit_text_classifier(
            text[labelled], label[labelled], random_state=random_state, classifier_for=classifier_for,
        )
        if report["trained"]:
            target = ~labelled & has_text
            if classifier_for == "undecided":
                target &= category == UNCLASSIFIED
            if target.any():
                proba = model.predict_proba(text[target].fillna("").to_list())
                best = proba.argmax(axis=1)
                category[target] = model.classes_[best]
                rule[target] = RULE_CLASSIFIER
                decided_by[target] = "classifier"
                probability[target] = proba[np.arange(len(best)), best]
            report["posts_classified"] = int(target.sum())

    out = pd.DataFrame({
        "platform": posts["platform"].to_numpy(),
        "post_id": posts["post_id"].to_numpy(),
        "category": category,
        "self_promotional": np.isin(category, SELF_PROMOTIONAL),
        "rule": rule,
        "first_person": first,
        "second_person": second,
        "media_type": media.to_numpy(),
        "decided_by": decided_by,
        "classifier_probability": probability,
    }).astype(_OUTPUT)
    out.attrs["classifier"] = report
    return out


def _no_classifier(n_labels: int, min_labels: int, classifier_for: str) -> dict[str, Any]:
    note = (f"no classifier: {n_labels} labelled posts, fewer than the {min_labels} it needs"
            if n_labels < min_labels else "no classifier: turned off")
    return {
        "trained": False, "n_labels": n_labels, "classifier_for": classifier_for, "folds": 0,
        "cv_accuracy_mean": float("nan"), "cv_accuracy_std": float("nan"), "classes": (),
        "posts_classified": 0, "note": note,
    }


def fit_text_classifier(
    texts: Iterable[str | None],
    categories: Iterable[str],
    *,
    random_state: int = 0,
    max_folds: int = 5,
    classifier_for: str = "undecided",
) -> tuple[Any, dict[str, Any]]:
    """Train TF-IDF + logistic regression on labelled texts and cross-validate it.

    The cross-validation is stratified, with ``k = min(max_folds, size of the
    smallest category)`` folds (shuffled with ``random_state``); with a
    category of a single post, or a single category, there is no
    cross-validation (NaN accuracy, said in ``note``).

    Returns
    -------
    (model, report)
        The fitted scikit-learn pipeline (None when it could not be trained) and
        a dict: ``trained, n_labels, classifier_for, folds, cv_accuracy_mean,
        cv_accuracy_std, classes, posts_classified, note``.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    x = pd.Series(list(texts), dtype="str").fillna("").to_list()
    y = pd.Series(list(categories), dtype="str").to_numpy(dtype=object)
    report = _no_classifier(len(y), 0, classifier_for)
    counts = pd.Series(y).value_counts()
    if len(counts) < 2:
        report["note"] = f"no classifier: the labels hold {len(counts)} category, it needs two or more"
        return None, report
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True),
        LogisticRegression(max_iter=2000, C=10.0, random_state=random_state),
    )
    folds = int(min(max_folds, counts.min()))
    report.update(trained=True, classes=tuple(sorted(counts.index)), folds=folds if folds >= 2 else 0)
    if folds >= 2:
        cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
        scores = cross_val_score(model, x, y, cv=cv, scoring="accuracy")
        report.update(cv_accuracy_mean=float(scores.mean()), cv_accuracy_std=float(scores.std(ddof=1)))
        report["note"] = (f"text classifier trained on {len(y)} labelled posts; {folds}-fold cross-validated "
                          f"accuracy {scores.mean():.0%} (sd {scores.std(ddof=1):.0%})")
    else:
        smallest = counts.idxmin()
        report["note"] = (f"text classifier trained on {len(y)} labelled posts; no cross-validation: "
                          f"category {smallest!r} has a single post")
        warnings.warn(report["note"], UserWarning, stacklevel=3)
    model.fit(x, y)
    return model, report


def describe_classifier(classes: pd.DataFrame) -> str:
    """One sentence on the text classifier behind a :func:`classify_posts` result (or why there is none)."""
    report = classes.attrs.get("classifier")
    if not report:
        return "no classifier report"
    if not report["trained"]:
        return report["note"] + "."
    return f"{report['note']}; it labelled {report['posts_classified']} posts."

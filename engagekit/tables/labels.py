"""The user's own post categories (labels): one tidy, checked frame."""

from __future__ import annotations

import pandas as pd

from engagekit.core.schema import CATEGORIES

__all__ = ["LABEL_COLUMNS", "check_labels", "empty_labels"]

#: Columns of a labels frame (``platform`` may be NA: the label then applies to the post id on any platform).
LABEL_COLUMNS: tuple[str, ...] = ("platform", "post_id", "category")



def empty_labels() -> pd.DataFrame:
    """A labels frame without rows: ``platform, post_id, category`` (all ``str``)."""
    return pd.DataFrame({col: pd.Series(dtype="str") for col in LABEL_COLUMNS})


def check_labels(labels: pd.DataFrame, *, source: str = "labels") -> pd.DataFrame:
    """Validate and tidy a labels frame: ``platform, post_id, category`` as ``str``, one row per post.

    Category names are matched case-insensitively (``Offer`` is ``offer``);
    blank categories are dropped (a post the user has not labelled yet).

    Raises
    ------
    ValueError
        Naming ``source`` when a column is missing, a category is unknown (listing
        them with the allowed ones) or a post has two different labels.
    """
    missing = [c for c in ("post_id", "category") if c not in labels.columns]
    if missing:
        raise ValueError(f"{source}: missing column(s) {missing}; it has {list(labels.columns)}")
    out = pd.DataFrame({
        "platform": labels["platform"].astype("str").str.strip().str.lower() if "platform" in labels
        else pd.Series(pd.NA, index=labels.index, dtype="str"),
        "post_id": labels["post_id"].astype("str").str.strip(),
        "category": labels["category"].astype("str").str.strip().str.lower().str.replace(" ", "_"),
    })
    out["platform"] = out["platform"].where(out["platform"].fillna("") != "")
    out = out.loc[out["category"].fillna("") != ""]
    out = out.loc[out["post_id"].fillna("") != ""]
    unknown = sorted(set(out["category"]) - set(CATEGORIES))
    if unknown:
        raise ValueError(f"{source}: unknown categories {unknown}; allowed: {list(CATEGORIES)}")
    out = out.drop_duplicates().reset_index(drop=True)
    clash = out.loc[out.duplicated(["platform", "post_id"], keep=False)]
    if not clash.empty:
        raise ValueError(
            f"{source}: posts labelled with two different categories: {sorted(set(clash['post_id']))[:20]}"
        )
    return out.astype("str")

"""Post classification speed: the vectorised rules against the per-post loop, in one run.

    python bench/bench_audit.py [--posts 100000] [--repeat 5] [--seed 20250101]

Generates ``--posts`` posts with a fixed seed: the sample client's kinds of
texts (its distinct texts, links taken out), each followed by 0-12 random words
(some non-ASCII: accented words and emoji)
and, for most, a link (a random t.co link, a shop product page, a blog page or a
sale page with UTM tags); 3% have no text. Then times
``engagekit.analyses.classify.classify_posts`` (rules only, no labels): the median of
``--repeat`` runs, against the goal "under 5 s on this 2-core machine"; and, as
the baseline of the ratio, once, a per-post loop over the same rules with
Python's ``re`` (the first rule that matches, no link rule, labels or pronoun
count); the share of posts on which the two differ is printed.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import string
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engagekit import load_client  # noqa: E402
from engagekit.analyses.classify import RULES, classify_posts  # noqa: E402

GOAL_SECONDS = 5.0
WORDS = ("dog cat walk treat bowl leash park morning evening rain sun happy tired friend vet food "
         "water toy ball garden sofa weekend city family puppy kitten brush coat bed nap "
         "café Grüße naïve 🐶 😂 ❤️").split()
MEDIA = np.array(["photo", "video", "link", "status", None, "carousel_album"], dtype=object)


def _links(rng: np.random.Generator, n: int) -> list[str]:
    kinds = rng.choice(4, size=n, p=[0.5, 0.15, 0.2, 0.15])
    slugs = rng.choice(list(string.ascii_letters + string.digits), size=(n, 10))
    out = []
    for kind, slug in zip(kinds, slugs):
        s = "".join(slug)
        if kind == 0:
            out.append(f"https://t.co/{s}")
        elif kind == 1:
            out.append(f"https://brightpaw.example/products/{s.lower()}?utm_source=x&utm_campaign=new")
        elif kind == 2:
            out.append(f"https://brightpaw.example/blog/{s.lower()}?utm_source=facebook&utm_medium=social")
        else:
            out.append(f"https://brightpaw.example/sale/{s.lower()}?utm_campaign=sale")
    return out


def make_posts(n: int, seed: int) -> pd.DataFrame:
    """``n`` posts in the canonical columns the classifier reads, from the sample's kinds of texts."""
    rng = np.random.default_rng(seed)
    sample = load_client(ROOT / "data" / "sample" / "brightpaw").posts
    kinds = (sample["text"].str.replace(r"https?://\S+", "", regex=True).str.strip().dropna()
             .drop_duplicates().sort_values().to_numpy(dtype=object))
    base = kinds[rng.integers(0, len(kinds), n)]
    n_words = rng.integers(0, 13, n)
    words = rng.choice(WORDS, size=(n, 12))
    links = _links(rng, n)
    with_link = rng.random(n) < 0.8
    texts = [
        " ".join([b, *w[:k]] + ([link] if has else []))
        for b, w, k, link, has in zip(base, words, n_words, links, with_link)
    ]
    text = pd.array(texts, dtype="str")
    text[rng.random(n) < 0.03] = pd.NA
    return pd.DataFrame({
        "platform": pd.array(rng.choice(["x", "facebook", "instagram"], n), dtype="str"),
        "post_id": pd.array([f"p{i}" for i in range(n)], dtype="str"),
        "text": text,
        "media_type": pd.array(MEDIA[rng.integers(0, len(MEDIA), n)], dtype="str"),
    })


def per_post_loop(posts: pd.DataFrame) -> list[str]:
    """The baseline: the same rules, one post and one rule at a time with Python's ``re``."""
    compiled = [(category, re.compile(pattern, flags)) for category, _, pattern, flags in RULES]
    return [
        next((category for category, rule in compiled if rule.search(text)), "unclassified")
        for text in (t if isinstance(t, str) else "" for t in posts["text"])
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20250101)
    args = parser.parse_args()

    posts = make_posts(args.posts, args.seed)
    print(f"{len(posts):,} posts, {posts['text'].str.len().mean():.0f} characters on average; "
          f"{os.cpu_count()} cores")

    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        fast = classify_posts(posts)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    verdict = "met" if median < GOAL_SECONDS else "NOT met"
    print(f"classify_posts (vectorised rules): median {median:.2f} s of {args.repeat} "
          f"(min {min(times):.2f}, max {max(times):.2f}); goal under {GOAL_SECONDS:.0f} s: {verdict}")

    start = time.perf_counter()
    loop = per_post_loop(posts)
    baseline = time.perf_counter() - start
    print(f"per-post loop over the same rules (Python re), 1 run: {baseline:.2f} s; "
          f"vectorised is {baseline / median:.1f}x faster")
    differ = (fast["category"].to_numpy() != np.asarray(loop)).mean()
    print(f"posts the two classify differently (the loop skips links, labels and pronouns): {differ:.1%}")
    print(fast["rule"].value_counts().to_string())


if __name__ == "__main__":
    main()

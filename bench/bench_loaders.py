"""Loader speed and memory against pandas.read_csv(engine="pyarrow") on the same files, in one run.

    python bench/bench_loaders.py [--repeat 5] [--tweets 1000000] [--orders-rows 200000]

Writes a per-tweet activity export (x_tweet_activity) and a Shopify orders
export (shopify_orders) of the given sizes into a temporary folder, then, for
each, times ``engagekit.read_export`` and the baseline
``pandas.read_csv(path, engine="pyarrow")`` (parsing only: no validation, no
NA/0 rules, no accounting), each the median of ``--repeat`` runs taken in
turns, and measures peak memory of one load in a fresh process, the median of
``--repeat`` processes (peak resident memory growth over the size of the
loaded frame). Goals: time ratio within 2x, memory within 3x. The generated texts hold no quoted newline, which the baseline cannot parse.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from _timing import median_seconds, run_probe

X_HEADER = [
    "Tweet id", "Tweet permalink", "Tweet text", "time", "impressions", "engagements", "engagement rate",
    "retweets", "replies", "likes", "user profile clicks", "url clicks", "hashtag clicks", "detail expands",
    "permalink clicks", "app opens", "app installs", "follows", "email tweet", "dial phone", "media views",
    "media engagements",
]
X_HEADER += ["promoted " + name for name in X_HEADER[4:]]
SHOPIFY_HEADER = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,"
    "Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,"
    "Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,"
    "Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,"
    "Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,"
    "Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,"
    "Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,"
    "Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,"
    "Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,"
    "Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,"
    "Payment ID,Payment Terms Name,Next Payment Due At,Payment References"
).split(",")


def write_tweets(path: Path, n: int, seed: int = 1) -> None:
    """A per-tweet activity export of ``n`` tweets (every field quoted, some texts with newlines)."""
    rng = np.random.default_rng(seed)
    ids = (1_500_000_000_000_000_000 + np.arange(n)[::-1] * 7_919).astype(str)
    times = pd.Timestamp("2025-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 365 * 86400, n))[::-1], unit="s")
    impressions = rng.integers(100, 20000, n)
    engagements = rng.binomial(impressions, 0.02)
    # no newline inside a text: the pyarrow baseline cannot parse quoted newlines (engagekit can)
    texts = np.where(rng.random(n) < 0.3, "Tips for muddy paws &amp; clean floors https://t.co/AbCdEf123",
                     "New in the shop https://t.co/XyZ987")
    data = {
        X_HEADER[0]: ids,
        X_HEADER[1]: np.char.add("https://twitter.com/Bench/status/", ids),
        X_HEADER[2]: texts,
        X_HEADER[3]: times.strftime("%Y-%m-%d %H:%M +0000"),
        X_HEADER[4]: impressions.astype(float).astype(str),
        X_HEADER[5]: engagements.astype(float).astype(str),
        X_HEADER[6]: (engagements / impressions).astype(str),
    }
    for name in X_HEADER[7:15]:
        data[name] = rng.binomial(engagements, 0.1).astype(float).astype(str)
    for name in X_HEADER[15:22]:
        data[name] = rng.integers(0, 3, n).astype(str)
    for name in X_HEADER[22:]:
        data[name] = np.full(n, "-")
    pd.DataFrame(data).to_csv(path, index=False, quoting=1, lineterminator="\n")


def write_orders(path: Path, rows: int, seed: int = 2) -> None:
    """A Shopify orders export of about ``rows`` rows, a fifth of them line-item continuation rows."""
    rng = np.random.default_rng(seed)
    first = rng.random(rows) >= 0.2
    first[0] = True
    order = np.cumsum(first)
    frame = pd.DataFrame("", index=range(rows), columns=SHOPIFY_HEADER)
    frame["Name"] = np.char.add("#", (1000 + order).astype(str))
    frame["Email"] = np.char.add(np.char.add("customer", (order % 50000).astype(str)), "@example.com")
    created = (pd.Timestamp("2025-01-01") + pd.to_timedelta(order * 60, unit="s")).strftime("%Y-%m-%d %H:%M:%S +0100")
    frame["Created at"] = created
    total = np.round(rng.uniform(5, 200, rows), 2).astype(str)
    for column, values in (("Financial Status", "paid"), ("Currency", "EUR"), ("Total", total), ("Subtotal", total)):
        frame[column] = np.where(first, values, "")
    frame["Note Attributes"] = np.where(first & (rng.random(rows) < 0.3), "utm_source: facebook", "")
    frame["Lineitem name"] = "Paw Balm 50ml"
    frame["Lineitem quantity"] = "1"
    frame.to_csv(path, index=False, lineterminator="\n")



# Peak resident memory growth of one load (peak() comes from _timing.PEAK_SOURCE).
_MEMORY_PROBE = """
import json, sys
import pandas as pd
import engagekit

path, how = sys.argv[1], sys.argv[2]
before = peak()
frame = engagekit.read_export(path).frame if how == "engagekit" else pd.read_csv(path, engine="pyarrow")
print(json.dumps({"peak_growth": peak() - before, "frame": int(frame.memory_usage(deep=True).sum())}))
"""


def memory(path: Path, how: str, repeat: int) -> dict[str, int]:
    """Peak memory growth of one load and the loaded frame's size, the median over ``repeat`` fresh processes."""
    runs = [
run_probe(_MEMORY_PROBE, str(path), how) for _ in range(repeat)
    ]
    return {key: int(statistics.median(run[key] for run in runs)) for key in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tweets", type=int, default=1_000_000)
    parser.add_argument("--orders-rows", type=int, default=200_000)
    args = parser.parse_args()
    import engagekit

    with tempfile.TemporaryDirectory() as folder:
        cases = [
            ("x_tweet_activity", Path(folder) / "tweet_activity_metrics_Bench_20250101_20260101_en.csv", write_tweets, args.tweets),
            ("shopify_orders", Path(folder) / "orders_export_1.csv", write_orders, args.orders_rows),
        ]
        print(f"{'format':<18}{'rows':>9}{'engagekit s':>13}{'pyarrow s':>11}{'ratio':>7}{'peak MB':>9}{'frame MB':>10}{'mem ratio':>10}")
        for name, path, write, size in cases:
            write(path, size)
            result = engagekit.read_export(path)
            assert result.format == name and result.report.is_balanced()
            ours, base = median_seconds(
                [lambda path=path: engagekit.read_export(path), lambda path=path: pd.read_csv(path, engine="pyarrow")],
                args.repeat,
            )
            mem = memory(path, "engagekit", args.repeat)
            print(
                f"{name:<18}{result.report.rows_read:>9}{ours:>13.3f}{base:>11.3f}{ours / base:>7.2f}"
                f"{mem['peak_growth'] / 1e6:>9.0f}{mem['frame'] / 1e6:>10.0f}{mem['peak_growth'] / mem['frame']:>10.2f}"
            )


if __name__ == "__main__":
    main()

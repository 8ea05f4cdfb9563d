"""Moving text columns between pandas and Arrow without a Python object per value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from collections.abc import Callable

__all__ = ["STR_DTYPE", "arrow_chunks", "as_arrow", "constant_str", "map_distinct", "missing_str", "release_unused_memory", "to_str_series"]

STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)


def to_str_series(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    """An Arrow string array as a pandas ``str`` Series (no copy)."""
    return pd.Series(values.to_pandas(types_mapper={pa.string(): STR_DTYPE, pa.large_string(): STR_DTYPE}.get))


def as_arrow(values: pd.Series) -> pa.ChunkedArray:
    """A pandas text Series as an Arrow string array (no copy when it is already Arrow-backed)."""
    result = _held_arrow(values)
    if result is not None:
        return result.cast(pa.string()) if result.type != pa.string() else result
    return pa.chunked_array([pa.array(values.astype("str").to_numpy(na_value=None), type=pa.string())])


def _held_arrow(values: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow array an Arrow-backed ``str`` Series holds, as it is (no cast, no copy); None for another Series."""
    array = values.array
    if not (isinstance(values.dtype, pd.StringDtype) and hasattr(array, "__arrow_array__")):
        return None
    result = pa.array(array)
    return result if isinstance(result, pa.ChunkedArray) else pa.chunked_array([result])


def arrow_chunks(values: pd.Series) -> list[pa.Array]:
    """The Arrow chunks holding an Arrow-backed ``str`` Series, as they are (no cast, no copy), to join
    Series without copying (:func:`to_str_series` of their chunks)."""
    held = _held_arrow(values)
    return (held if held is not None else as_arrow(values)).chunks


def constant_str(value: str | None, n: int) -> pd.Series:
    """``value`` repeated ``n`` times as a ``str`` Series (built from its buffers: one copy of the bytes);
    ``n`` missing values when ``value`` is None."""
    if value is None:
        return missing_str(n)
    data = value.encode("utf-8")
    size = len(data) * n
    kind, width = (pa.string(), np.int32) if size < 2**31 else (pa.large_string(), np.int64)
    offsets = np.arange(0, size + 1, max(len(data), 1), dtype=width)[: n + 1] if data else np.zeros(n + 1, width)
    array = pa.Array.from_buffers(kind, n, [None, pa.py_buffer(offsets), pa.py_buffer(data * n)])
    return to_str_series(array)


def missing_str(n: int) -> pd.Series:
    """``n`` missing values as a ``str`` Series."""
    return to_str_series(pa.nulls(n, pa.string()))


def map_distinct(values: pa.Array | pa.ChunkedArray, fn: Callable[[str], str | None]) -> pa.Array:
    """``fn`` applied once per distinct value (in Python), spread back over every row; nulls stay null."""
    encoded = pc.dictionary_encode(values)  # each distinct value once; nulls are null indices
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks() if encoded.num_chunks else pa.array([], pa.dictionary(pa.int32(), values.type))
    mapped = pa.array([fn(v) for v in encoded.dictionary.to_pylist()], type=pa.string())
    return pc.take(mapped, encoded.indices)


def release_unused_memory() -> None:
    """Give back to the system the memory Arrow's allocator holds free (after a step whose temporary arrays
    are let go).

    Arrow's default allocator (mimalloc) keeps the pages it freed, in a part of its own for each thread,
    for later arrays: a read that works block by block would otherwise hold the garbage of every block at
    its peak. Call it from the thread that did the work.
    """
    pa.default_memory_pool().release_unused()

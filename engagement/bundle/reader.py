"""Read a bundle's CSV files, refusing bytes that are not a well-formed table.

The small files are read whole into string DataFrames. responses.csv can hold millions of rows, so it is
streamed: `ResponseChunks` yields frames of at most `chunk_rows` rows whose columns are categoricals (one
small array of distinct strings plus integer codes), so memory stays flat however large the file is.
"""

from __future__ import annotations

import codecs
import csv
import io
import queue
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import pandas as pd

from engagement.bundle.checks import ROW
from engagement.bundle.spec import BY_NAME, FILES, FileSpec
from engagement.errors import Report

STREAMED = "responses.csv"
CHUNK_ROWS = 200_000
BLOCK = 1 << 20

T = TypeVar("T")
Progress = Callable[[str, int, int], None]  # (stage, done, total), e.g. ("responses", bytes read, bytes)


@dataclass
class BundleSource:
    """A folder or a .zip; files may sit at the top or inside one folder of the zip."""

    path: Path
    _zip_names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.path.is_file() and zipfile.is_zipfile(self.path):
            with zipfile.ZipFile(self.path) as zf:
                for name in zf.namelist():
                    self._zip_names.setdefault(Path(name).name, name)

    @property
    def readable(self) -> bool:
        return self.path.is_dir() or bool(self._zip_names) or (
            self.path.is_file() and zipfile.is_zipfile(self.path))

    def has(self, name: str) -> bool:
        return (self.path / name).is_file() if self.path.is_dir() else name in self._zip_names

    def size(self, name: str) -> int:
        if self.path.is_dir():
            return (self.path / name).stat().st_size
        with zipfile.ZipFile(self.path) as zf:
            return zf.getinfo(self._zip_names[name]).file_size

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        if self.path.is_dir():
            with (self.path / name).open("rb") as f:
                yield f
        else:
            with zipfile.ZipFile(self.path) as zf, zf.open(self._zip_names[name]) as f:
                yield f

    def read_bytes(self, name: str) -> bytes | None:
        if not self.has(name):
            return None
        with self.open(name) as f:
            return f.read()


def decode(name: str, data: bytes, report: Report) -> str | None:
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        report.error("B102", f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8",
                     file=name, row=row)
        return None
    if not text.strip():
        report.error("B101", "the file has no header row", file=name)
        return None
    return text


def check_header(name: str, header: list[str], spec: FileSpec, report: Report) -> bool:
    missing = [c for c in spec.columns if c not in header]
    for column in missing:
        report.error("B103", f"the header has {', '.join(header)}", file=name, row=1, column=column)
    unknown = [c for c in header if c not in spec.columns]
    for column in unknown:
        report.error("B104", f"expected only {', '.join(spec.columns)}", file=name, row=1, column=column)
    dupes = sorted({c for c in header if header.count(c) > 1})
    for column in dupes:
        report.error("B110", "the column appears more than once in the header", file=name, row=1,
                     column=column)
    return not (missing or unknown or dupes)


def read_table(name: str, text: str, spec: FileSpec, report: Report) -> pd.DataFrame | None:
    header = next(csv.reader(io.StringIO(text)))
    if not check_header(name, header, spec, report):
        return None
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False,
                            engine="c")
    except (pd.errors.ParserError, csv.Error) as exc:
        report.error("B120", f"the CSV cannot be parsed: {exc}", file=name)
        return None
    frame = frame[list(spec.columns)]
    frame.insert(0, ROW, range(2, len(frame) + 2))
    return frame


def read_bundle(path: Path, report: Report, *, skip: tuple[str, ...] = ()) -> dict[str, pd.DataFrame]:
    """The bundle's files (all but `skip`) as string frames; problems go to the report (nothing raised)."""
    source = BundleSource(Path(path))
    if not source.readable:
        report.error("B120", "not a folder or a .zip file", file=str(path))
        return {}
    frames: dict[str, pd.DataFrame] = {}
    for spec in FILES:
        if spec.name in skip:
            continue
        data = source.read_bytes(spec.name)
        if data is None:
            report.error("B100", f"{spec.name} is not in {path}", file=spec.name)
            continue
        text = decode(spec.name, data, report)
        if text is None:
            continue
        frame = read_table(spec.name, text, spec, report)
        if frame is not None:
            frames[spec.name] = frame
    return frames


# ------------------------------------------------------------------------------------- streaming


class _Counting(io.RawIOBase):
    """A read-only stream that counts the bytes read through it (for progress bars)."""

    def __init__(self, inner: IO[bytes], owner: ResponseChunks) -> None:
        self.inner, self.owner = inner, owner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        self.owner.bytes_read += len(data)
        return len(data)


def prefetched(items: Iterable[T]) -> Iterator[T]:
    """Yield items while a background thread already produces the next one. Parsing CSV (pyarrow) and
    writing (sqlite3, psycopg) both release the GIL, so reading chunk k+1 overlaps writing chunk k."""
    slot: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(kind: str, value: Any) -> bool:
        while not stop.is_set():
            try:
                slot.put((kind, value), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not put("item", item):
                    return
            put("done", None)
        except BaseException as exc:
            put("error", exc)

    thread = threading.Thread(target=work, name="bundle-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = slot.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join(timeout=5)


def _first_bad_utf8(stream: IO[bytes]) -> tuple[int, int, int] | None:
    """(byte offset, byte, line) of the first byte that is not UTF-8; streams, never holds the file."""
    carry, offset, lines = b"", 0, 1
    while True:
        block = stream.read(BLOCK)
        data = carry + block
        try:
            data.decode("utf-8")
            carry = b""
        except UnicodeDecodeError as exc:
            if block and exc.reason == "unexpected end of data":  # a character split by the block edge
                carry = data[exc.start:]
                data = data[:exc.start]
            else:
                return offset + exc.start, data[exc.start], lines + data[:exc.start].count(b"\n")
        if not block:
            return None
        lines += data.count(b"\n")
        offset += len(data)


@dataclass
class ResponseChunks:
    """responses.csv of a bundle as a stream of categorical frames with a `_row` column, each of about
    `chunk_rows` rows (whole parser blocks, so a chunk may hold a few thousand rows more)."""

    source: BundleSource
    report: Report
    chunk_rows: int = CHUNK_ROWS
    spec: FileSpec = field(default_factory=lambda: BY_NAME[STREAMED])
    bytes_read: int = 0

    @property
    def total_bytes(self) -> int:
        return self.source.size(self.spec.name)

    def header_ok(self) -> bool:
        """Check presence, encoding of the header line and the header itself; report problems."""
        name = self.spec.name
        if not self.source.has(name):
            self.report.error("B100", f"{name} is not in {self.source.path}", file=name)
            return False
        with self.source.open(name) as raw:
            first = raw.readline()
        if first.startswith(codecs.BOM_UTF8):
            first = first[3:]
        try:
            line = first.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.report.error("B102", f"byte 0x{first[exc.start]:02x} at offset {exc.start} is not UTF-8",
                              file=name, row=1)
            return False
        if not line.strip():
            self.report.error("B101", "the file has no header row", file=name)
            return False
        return check_header(name, next(csv.reader([line])), self.spec, self.report)

    def __iter__(self) -> Iterator[pd.DataFrame]:
        name = self.spec.name
        next_row, self.bytes_read = 2, 0
        with self.source.open(name) as raw:
            stream = _Counting(raw, self)
            try:
                for parsed in _read_chunks(io.BufferedReader(stream, BLOCK), self.chunk_rows):
                    frame = parsed[list(self.spec.columns)]
                    frame.insert(0, ROW, range(next_row, next_row + len(frame)))
                    next_row += len(frame)
                    yield frame
            except UnicodeDecodeError:
                self._report_encoding()
            except Exception as exc:  # the parser's own error types differ between pyarrow and pandas
                if "utf8" in str(exc).lower() or "utf-8" in str(exc).lower():
                    self._report_encoding()
                else:
                    self.report.error("B120", f"the CSV cannot be parsed after row {next_row - 1}: {exc}",
                                      file=name)

    def _report_encoding(self) -> None:
        with self.source.open(self.spec.name) as raw:
            found = _first_bad_utf8(raw)
        offset, byte, line = found or (0, 0, None)
        self.report.error("B102", f"byte 0x{byte:02x} at offset {offset} is not UTF-8", file=self.spec.name,
                          row=line)


def _read_chunks(stream: IO[bytes], chunk_rows: int) -> Iterator[pd.DataFrame]:
    try:
        import pyarrow as pa
        import pyarrow.csv as pcsv
    except ImportError:  # pragma: no cover - pandas' own chunked reader, slower but the same frames
        yield from pd.read_csv(stream, dtype="category", keep_default_na=False, na_filter=False,
                               chunksize=chunk_rows, encoding="utf-8-sig")
        return
    block = min(4 * BLOCK, max(1 << 14, chunk_rows * 64))  # about 100 bytes a row: blocks <= a chunk
    reader = pcsv.open_csv(stream, read_options=pcsv.ReadOptions(block_size=block),
                           parse_options=pcsv.ParseOptions(newlines_in_values=True),
                           convert_options=_arrow_options(pa, pcsv))
    pending: list = []
    size = 0
    for batch in reader:
        pending.append(batch)
        size += batch.num_rows
        if size >= chunk_rows:  # whole batches only: a slice would keep values of rows it cut off
            yield _to_frame(pa.Table.from_batches(pending))
            pending, size = [], 0
    if pending:
        yield _to_frame(pa.Table.from_batches(pending))


def _arrow_options(pa, pcsv):  # type: ignore[no-untyped-def]
    columns = BY_NAME[STREAMED].columns
    return pcsv.ConvertOptions(column_types={c: pa.dictionary(pa.int32(), pa.string()) for c in columns},
                               strings_can_be_null=False, quoted_strings_can_be_null=False)


def _to_frame(table) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    # unify_dictionaries: batches carry their own dictionaries; one per column makes one categorical
    return table.unify_dictionaries().combine_chunks().to_pandas()

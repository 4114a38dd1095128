"""Spreadsheet formula injection is neutralised in every CSV the dashboard and CLI write."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from engagement.csv_safe import frame_to_csv, safe_cell


@pytest.mark.parametrize(("raw", "written"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"),
    ("Site A", "Site A"), ("a=b", "a=b"), ("", ""),
])
def test_text_cells(raw: str, written: str) -> None:
    assert safe_cell(raw) == written


def test_numbers_stay_numbers_and_blanks_stay_blank() -> None:
    assert safe_cell(-3.5) == -3.5
    assert safe_cell(np.float64(-1.0)) == -1.0
    assert safe_cell(float("nan")) == ""
    assert safe_cell(None) == ""
    assert safe_cell(True) == "true"


def test_frame_round_trip_reads_back_quoted_text() -> None:
    frame = pd.DataFrame({"site": ["=cmd|' /C calc'!A0", "B"], "change": [-4.25, np.nan],
                          "n": [np.int64(12), np.int64(7)]})
    rows = list(csv.reader(io.StringIO(frame_to_csv(frame))))
    assert rows == [["site", "change", "n"], ["'=cmd|' /C calc'!A0", "-4.25", "12"], ["B", "", "7"]]

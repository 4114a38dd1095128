"""The real third-party files under ../shared/fixtures, each with the instrument and mapping to read it.

None of these files matches a built-in instrument, so each gets one made from its own definition (the
REDCap dictionary or the FHIR Questionnaire beside it, through engagement.converters), or, when there
is none or it does not convert, a draft read off the data (engagement.readers.inferred). Used by
tests/readers/test_fixtures.py and benchmarks/fixture_import_table.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engagement.errors import EngagementError
from engagement.instruments.model import Instrument
from engagement.readers import ReadResult, read, suggest_mapping
from engagement.readers.inferred import infer
from engagement.readers.mapping import Mapping

# REDCap records exports carry no submission time unless the form is a survey: the person importing
# says when the data were collected (the import page asks for this date).
COLLECTED = "2020-01-01T00:00:00Z"
STUDY = "FIXTURES"


@dataclass
class Case:
    path: Path
    fmt: str
    definition: str          # where the instrument came from
    instrument: Instrument | None
    mapping: Mapping | None
    note: str = ""

    @property
    def name(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"

    def read(self) -> ReadResult:
        assert self.mapping is not None
        return read(self.path, self.fmt, self.mapping, self.instrument, study_id=STUDY)


def fixtures_root(start: Path) -> Path:
    return start / ".." / "shared" / "fixtures"


def cases(root: Path) -> list[Case]:
    out = [_redcap(d) for d in sorted((root / "redcap").glob("*/")) if (d / "data.csv").exists()]
    out += [_qualtrics(p) for p in sorted((root / "qualtrics").glob("**/*.csv"))]
    out += [_fhir(p) for p in sorted((root / "fhir").glob("**/*questionnaireresponse*.json"))]
    return out


def _redcap(folder: Path) -> Case:
    from engagement.converters import convert
    from engagement.instruments.loading import load

    data = folder / "data.csv"
    instrument = load(convert(folder / "dictionary.csv", "redcap").mapping)
    mapping = suggest_mapping(data, "redcap", instrument).model_copy(
        update={"submitted_at_default": COLLECTED})
    return Case(data, "redcap", "dictionary.csv (converters.redcap)", instrument, mapping)


def _qualtrics(path: Path) -> Case:
    instrument, mapping = infer(path, "qualtrics", instrument_id=f"qualtrics-{path.stem}")
    return Case(path, "qualtrics", "draft from the export (no QSF)", instrument, mapping)


def _fhir(path: Path) -> Case:
    from engagement.converters import convert
    from engagement.instruments.loading import load

    qname = path.name.replace("adaptive-", "").replace("questionnaireresponse", "questionnaire")
    questionnaire = path.with_name(qname)
    note = ""
    if questionnaire.exists():
        try:
            instrument = load(convert(questionnaire, "fhir").mapping)
            return Case(path, "fhir", f"{qname} (converters.fhir)", instrument,
                        suggest_mapping(path, "fhir", instrument))
        except EngagementError as exc:
            note = f"{qname} refused by the converter ({', '.join(sorted(set(exc.codes)))})"
    else:
        note = "no Questionnaire in the fixtures"
    instrument, mapping = infer(path, "fhir", instrument_id=f"fhir-{path.stem}")
    return Case(path, "fhir", "draft from the response", instrument, mapping, note)

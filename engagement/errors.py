"""One catalogue of coded errors, and the one shape every problem takes.

A Problem names where it happened (file, row, column, item, value), what is wrong and how to fix it.
Tests assert on codes, never on wording. Fatal problems are raised as EngagementError (which carries
one or more Problems); soft ones are collected as warnings and returned.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

# code -> (summary, how to fix). Messages are built from these plus the location of the problem.
CATALOGUE: dict[str, tuple[str, str]] = {
    # --- generic / service
    "E000": ("unexpected internal error", "report this with the command you ran"),
    "E001": ("permission denied", "ask an admin for a membership that grants this action"),
    "E002": ("not found", "check the identifier; list what exists first"),
    "E003": ("invalid argument", "see --help for the accepted values"),
    "E004": ("conflict with existing data", "change the identifier or edit the existing record"),
    "E005": ("login failed", "check the user name and password"),
    "E006": ("no default credentials outside demo mode", "create an account with `python -m engagement users add`"),
    "E007": ("database schema is not current", "run `python -m engagement db upgrade --db URL` first"),
    # --- bundle / file reading
    "B100": ("file missing from bundle", "add the file with its header row (see docs/bundle.md)"),
    "B101": ("file is empty", "write at least the header row"),
    "B102": ("file is not UTF-8", "re-save the file as UTF-8 (without changing its content)"),
    "B103": ("required column missing", "add the column to the header row"),
    "B104": ("unknown column", "remove the column or rename it to one of the documented columns"),
    "B105": ("required value is blank", "fill in the value"),
    "B106": ("bad date", "write the date as ISO 8601, e.g. 2026-03-31"),
    "B107": ("bad date-time", "write an ISO 8601 date-time with a UTC offset, e.g. 2026-03-31T09:15:00Z"),
    "B108": ("bad number", "write a plain number with a dot as decimal separator"),
    "B109": ("value not allowed", "use one of the allowed values listed in the message"),
    "B110": ("duplicate key", "each key may appear once; remove or renumber the duplicate"),
    "B111": ("unknown study", "add the study to studies.csv or fix the study_id"),
    "B112": ("unknown site", "add the site to sites.csv or fix the site_id"),
    "B113": ("unknown participant", "add the participant to participants.csv or fix the participant_id"),
    "B114": ("unknown timepoint", "add the timepoint to schedule.csv or fix the timepoint_id"),
    "B115": ("unknown instrument or version", "register the instrument (python -m engagement instrument register) or fix the id/version"),
    "B116": ("unknown stage", "add the stage to stages.csv or fix the stage name"),
    "B117": ("unknown item", "use an item id defined by the instrument version"),
    "B118": ("inconsistent submission", "all rows of one submission_id must agree on study, participant, timepoint, instrument and time"),
    "B119": ("comment without answer row", "comments.csv rows must refer to a submission_id and text item in responses.csv"),
    "B120": ("bundle cannot be read", "give a folder or a .zip holding the bundle CSV files"),
    "B121": ("value conflicts with the database", "the bundle disagrees with data already stored; fix the bundle or edit the record"),
    "B122": ("bad boolean", "write true or false"),
    "B123": ("date order", "an end date must not be before its start date"),
    # --- audit
    "A200": ("audit row altered", "restore the row from a backup; the chain hash no longer matches its content"),
    "A201": ("audit row missing or reordered", "restore the removed rows from a backup"),
    "A202": ("audit trail is append-only", "record a correcting event instead of changing history"),
    # --- instruments and scoring (I3xx)
    "I300": ("instrument file cannot be read", "fix the YAML syntax at the line named; the file must hold one mapping"),
    "I301": ("required key missing", "add the key (see docs/instruments.md)"),
    "I302": ("unknown key", "remove the key or fix its spelling (see docs/instruments.md for every key)"),
    "I303": ("value has the wrong type", "write the value as the type docs/instruments.md gives for this key"),
    "I304": ("duplicate item id", "give every item its own id; ids must stay stable across versions"),
    "I305": ("subscale names an unknown item", "add the item to items or remove it from the subscale"),
    "I306": ("reverse item outside its subscale", "list the item under the subscale's items too, or drop it from reverse"),
    "I307": ("scale has duplicate values", "give every choice (and missing code) of the scale its own value"),
    "I308": ("min_answered outside 0..1", "write min_answered as a fraction between 0 and 1, e.g. 0.5"),
    "I309": ("missing code is also a valid value", "use a code outside the scale's answers for missing, e.g. -99"),
    "I310": ("unknown scale", "define the scale under scales or fix the item's scale name"),
    "I311": ("unknown indicator", "use one of: burden, trust, engagement, experience, other"),
    "I312": ("unknown method", "use one of: mean, sum, top_box"),
    "I313": ("unknown higher_is", "use one of: better, worse, neutral"),
    "I314": ("item id reused with a different meaning", "keep the item's type and answer values, or give the changed item a new id"),
    "I315": ("content changed under the same version", "bump the version (e.g. 1.0.0 -> 1.1.0) and register again"),
    "I316": ("duplicate subscale id", "give every subscale its own id"),
    "I317": ("subscale item cannot be scored", "subscales may only list choice or number items that have a scale"),
    "I318": ("bad identifier", "use 1-100 letters, digits, '_', '.' or '-' (ids must start with a letter or digit)"),
    "I319": ("choice item without a scale", "name a scale for the item, or set type: text"),
    "I320": ("translation names something unknown", "translate only items, scales and values the instrument defines"),
    "I321": ("bad rescale", "write rescale as [low, high] with low < high, or null to keep raw scores"),
    "I322": ("unknown item type", "use one of: choice, text, number"),
    "I323": ("scale has no answers", "give the scale a list of choices or a range {min, max, step}, not both"),
    "I324": ("item listed twice in a subscale", "list each item once per subscale"),
    "I325": ("top_values not on the scale", "top_values must be answer values of the subscale's items' scale"),
    "I326": ("bad version", "write the version as e.g. 1.0.0 (letters, digits, '.', '_', '+', '-')"),
    "I327": ("subscale mixes scales with different ranges", "put items with the same answer range in one subscale, or split it"),
    "I328": ("answers table lacks a column", "give submission_id, item_id and value_num columns"),
    "I329": ("unknown audience", "use roles from: patient, caregiver, advocate, site_staff, other"),
    "I330": ("responses file cannot be used", "give a CSV with one row per respondent and one column per item id"),
    "I331": ("subscale has no items", "list at least one item under the subscale's items"),
    "I332": ("top_values given for a method other than top_box", "remove top_values or set method: top_box"),
    "I333": ("no instrument files found", "give a .yaml file or a folder holding instrument .yaml files"),
    # --- instrument converters (I350-I399): REDCap, XLSForm, FHIR Questionnaire in; FHIR Questionnaire out
    "I350": ("source file cannot be read", "give an existing REDCap dictionary (.csv/.json), XLSForm (.xlsx/.xls/.csv/.md) or FHIR Questionnaire (.json)"),
    "I351": ("unknown source format", "use --from redcap, xlsform or fhir"),
    "I352": ("not a REDCap data dictionary", "export the Data Dictionary (UI) or the metadata (API, CSV or JSON); it needs the columns field_name, form_name, field_type and field_label"),
    "I353": ("form not found in the REDCap dictionary", "use one of the form names listed in the message, or leave the form out to convert all forms"),
    "I354": ("nothing to convert", "the source has no question that can hold an answer; add a question or pick another form"),
    "I355": ("field skipped: it holds no answer to a question", "nothing to do; descriptive, calculated, file, identifier and record-id fields are not instrument items"),
    "I356": ("choices cannot be read", "write the choices as 'code, label | code, label'"),
    "I357": ("duplicate choice code", "give every choice in a list its own code"),
    "I358": ("non-numeric choice codes mapped to positions 1..n", "nothing to do if the order of the choices is the order of the scale; otherwise recode the choices with numbers"),
    "I359": ("question type not supported; question skipped", "nothing to do unless the question matters for scoring; then change its type"),
    "I360": ("XLSForm has no survey sheet", "add a sheet named survey with the columns type, name and label"),
    "I361": ("duplicate column header", "keep one column per header; delete or rename the copy"),
    "I362": ("construct not supported by instruments", "remove the repeat, loop, include or external choice list, or convert a form without it"),
    "I363": ("choice list not found", "add the list to the choices sheet or fix the list name in the type column"),
    "I364": ("question without a name", "give the question a name (the stable item id)"),
    "I365": ("groups do not balance", "close every begin group with an end group"),
    "I366": ("not a FHIR Questionnaire", "give a Questionnaire resource, or a QuestionnaireResponse that contains its Questionnaire"),
    "I367": ("answer value set cannot be resolved", "include the ValueSet in Questionnaire.contained with its concepts listed, or list the answers as answerOption"),
    "I368": ("choice question without answers", "add answerOption entries or an answerValueSet"),
    "I369": ("repeating group not supported by instruments", "remove repeats from the group or split it into its own instrument"),
    "I370": ("conditional display not converted", "nothing to do; items shown only under a condition may be legitimately unanswered"),
    "I371": ("item or scale id changed to a safe, unique id", "nothing to do, or rename the question in the source to a letters, digits and underscores name"),
    "I372": ("question text missing; a fallback was used", "write the question text in the source"),
    "I373": ("'other, specify' answer kept as a separate text item", "nothing to do"),
    "I374": ("multiple-choice question split into one 0/1 item per choice", "nothing to do; item ids are <question>___<code> like REDCap checkbox columns"),
    "I375": ("choice label missing; the code was used as label", "write a label for the choice"),
    "I376": ("repeated choice row dropped", "delete the repeated row from the choice list"),
    "I377": ("ordinal values incomplete or repeated; positions used as scores", "give every answer its own ordinalValue, or none"),
    "I378": ("language name mapped to a language code", "write the header as label::Name (code), e.g. label::English (en)"),
    "I379": ("exported Questionnaire does not validate", "report this with the instrument file; the exporter wrote an invalid resource"),
    "I380": ("source file is not UTF-8; read as Windows-1252", "re-save the file as UTF-8 and check accented letters"),
    # --- ingestion: readers, form, invitations (G4xx)
    "G450": ("this link is not valid", "check that the whole link was copied, or ask the study team for a new one"),
    "G451": ("this link has expired", "ask the study team for a new link"),
    "G452": ("this link was withdrawn", "ask the study team for a new link"),
    "G453": ("this link was already used", "nothing to do: your answers were received"),
    "G454": ("required question not answered", "answer the question marked as required"),
    "G455": ("answer not allowed", "choose one of the offered answers"),
    "G456": ("the study has no public link", "an admin can enable one on the Invitations page"),
    "G457": ("mapping file cannot be read", "give a JSON mapping as written by the Import page"),
    "G460": ("'you said, we did' part is empty", "write both what people said and what the team did"),
    "G461": ("'you said, we did' part is too long", "shorten it: respondents read it on a phone after the form"),
    "G462": ("'you said, we did' names someone", "remove names, participant codes, contacts, dates and places: every respondent reads it"),
    # third-party readers use G400-G449 (engagement/readers); the write path uses G450+
    "G400": ("file cannot be read in this format", "check --format; export the file again from the source system without editing it"),
    "G401": ("file has no data rows", "export the records again; the file holds at most a header"),
    "G402": ("mapped column missing from the file", "export the column or remove it from the mapping"),
    "G403": ("unknown import format", "use one of redcap, qualtrics, fhir, table"),
    "G404": ("mapping is not valid", "fix the mapping named in the message (see docs/importing.md)"),
    "G405": ("value is not a choice of the item's scale", "add a recode for this source code to the mapping or correct the value"),
    "G406": ("value is not a number", "write a plain number (dot or comma as decimal separator)"),
    "G407": ("submission time cannot be read", "give an ISO 8601 date-time, 'YYYY-MM-DD HH:MM:SS' or 'M/D/YYYY H:MM'"),
    "G408": ("submission time missing", "fill the time column or set submitted_at_default in the mapping"),
    "G409": ("event or timepoint not in the mapping", "map this event to a timepoint in the mapping (events)"),
    "G410": ("participant not in the mapping's lookup", "add the record id to participant_lookup or clear the lookup"),
    "G411": ("record id is blank", "every row needs the record id in its first column (or participant_column)"),
    "G412": ("submission marked incomplete", "imported as a partial submission; set incomplete='skip' or 'error' in the mapping to change this"),
    "G413": ("source field not mapped; ignored", "map the field to an item id if it should be imported"),
    "G414": ("mapping names an item the instrument does not have", "use an item id of this instrument version"),
    "G415": ("item answered more than once in one submission", "keep one answer per item, or map the repeats to separate items"),
    "G416": ("same submission appears twice in the file", "remove the duplicate row; each source record/response may appear once"),
    "G417": ("answer type cannot be stored for this item", "map the field to an item of a matching type, or leave it unmapped"),
    "G418": ("submission has no answers; skipped", "nothing to fix unless answers were expected"),
    "G419": ("header rows not recognised", "export as CSV with the standard header rows (choice values, not labels)"),
    "G420": ("not a QuestionnaireResponse", "give a QuestionnaireResponse, a Bundle of them, or NDJSON with one per line"),
    "G421": ("submission time has no time of day", "midnight in the mapping's time zone was assumed; export the full date-time to be exact"),
    "G422": ("submission skipped by the mapping's incomplete rule", "set incomplete='warn' in the mapping to import partial submissions"),
    "G423": ("unknown time zone in the mapping", "use an IANA name such as Europe/Berlin or UTC"),
    "G424": ("sheet not found in the workbook", "name an existing sheet in the mapping (sheet) or leave it empty for the first"),
    "G425": ("more problems of this kind not listed", "fix the listed ones first; the rest are alike"),
    "G426": ("number outside the item's range", "correct the value, or widen the item's range in a new instrument version"),
    "G427": ("preview, test or spam response skipped", "nothing to fix; filter these out in Qualtrics if they should not be exported"),
    "G428": ("no response id column", "export with ResponseId so re-imports match rows exactly; ids were derived from row content"),
    "G429": ("response marked entered-in-error; skipped", "nothing to fix; the source system withdrew this response"),
    # --- privacy: scrubbing and suppression (S5xx)
    "S501": ("bad minimum cell size", "set ENGAGEMENT_MIN_CELL (or settings.min_cell_size) to a whole number of 2 or more, e.g. 5"),
    "S502": ("column missing from the table to suppress", "pass the names of columns the table has as by, n_col and separate_by"),
    "S503": ("bad count in the table to suppress", "counts must be whole numbers of 0 or more; fix the aggregation that built n"),
    "S504": ("cell appears twice in the table to suppress", "aggregate to one row per cell before suppressing"),
    "S505": ("view asks for a dimension the table was not protected over", "protect the table over every dimension the viewer can filter or group by"),
    "S506": ("bad roster entry", "give names, participant codes and contacts as text (None and blanks are skipped)"),
    # --- disengagement risk (R6xx)
    "R600": ("study has no participants to assess", "import participants and their schedule first (python -m engagement import ...)"),
    "R601": ("date outside the study's data", "choose a date between the first enrolment and the last recorded submission or status"),
    "R602": ("saved risk model cannot be loaded", "retrain with `python -m engagement risk train`; the stored model holds types this version does not trust"),
    "R603": ("participant not in this study", "check the participant code; list flagged participants on the risk monitor"),
    "R604": ("outreach action or outcome not recognised", "use one of the allowed values listed in the message"),
    "R605": ("horizon must be a positive number of days", "pass --horizon-days with a whole number from 1 to 365"),
    "R606": ("not enough data on one side of the cutoff", "move the cutoff so that both the training and the evaluation side have participants with outcomes"),
    # --- lay summaries (L7xx)
    "L700": ("no lay summary for this study", "create one on the Lay summary page or with create_draft()"),
    "L701": ("Annex V element missing or empty", "write the named section; all ten Annex V elements are required before approval"),
    "L702": ("unknown lay summary section", "use one of the section keys listed in docs/lay-summaries.md"),
    "L703": ("section order must name every section exactly once", "give each section key once, in the order wanted"),
    "L704": ("an open draft or review already exists", "edit the open version instead of creating another"),
    "L705": ("step not allowed in this status", "drafts are submitted, versions in review are approved or sent back; approved versions are copied to a new draft when edited"),
    "L706": ("adverse reactions table is invalid", "give each arm a unique name and a participant count above 0, and each row a term and counts between 0 and the arm's count"),
    "L707": ("no approved lay summary to export", "submit the summary for review and have an admin approve it"),
    "L708": ("unknown export format", "use one of md, html, docx, pdf"),
    "L709": ("lay summary content is malformed", "content needs a list of sections with key, heading and text"),
    "L710": ("plain-language gate failed", "fix the listed problems, or give a written reason to override the gate"),
    "L711": ("override reason is blank", "write why the summary should go ahead despite the listed problems (at least 10 characters)"),
    "L712": ("no Unicode TrueType font for PDF export", "install Debian's fonts-dejavu-core (apt-get install fonts-dejavu-core) or matplotlib, or set ENGAGEMENT_PDF_FONT to a .ttf file"),
    "L713": ("language not supported by the plain-language gate", "write the summary in English (language 'en'); other languages are not checked yet"),
    "L714": ("gate target is invalid", "targets are positive numbers: max_grade, max_sentence_words, and optional min_reading_ease, max_avg_sentence_words"),
    "L715": ("export file cannot be written", "check that the folder exists and is writable"),
    "L720": ("CMU dictionary could not be set up for offline readability", "make data/nltk_data or ~/.cache writable, or set NLTK_DATA to a folder holding corpora/cmudict/cmudict"),
    "L750": ("reading grade above target", "use shorter sentences and everyday words"),
    "L751": ("sentence longer than the word limit", "split the sentence into two or more"),
    "L752": ("technical term not explained at first use", "explain the term in brackets the first time, or use the plain alternative"),
    "L753": ("percentage without a natural frequency", "add the same number as 'x out of 100' beside the percentage"),
    "L754": ("relative risk without absolute numbers", "say how many people out of how many in each group, not only how much lower or higher"),
    "L755": ("promotional word", "describe the results neutrally; remove the word"),
    "L756": ("reading ease below target", "use shorter sentences and words with fewer syllables"),
    "L757": ("average sentence length above target", "aim for about 15 words per sentence"),
    # --- demo (D8xx)
    "D800": ("instrument needed by the demo is missing",
             "restore the file under surveys/ (see docs/instruments.md) or pass the folder that holds it"),
    "D801": ("instrument needed by the demo cannot be read",
             "run `python -m engagement instrument check FILE` and fix what it reports"),
    "D802": ("demo size out of range",
             "use --participants between 6 and 200000 (advocates 0-5000, anonymous 0-100000)"),
    "D803": ("demo output path is not a folder", "give a new or existing folder, or a path ending in .zip"),
    # --- indicators and dashboard (X9xx)
    "X901": ("unknown grouping", "use --by with a comma-separated subset of: study, stage, timepoint, site, role, period"),
    "X902": ("study not found", "check the study id; `python -m engagement export` lists what is stored"),
    "X903": ("bad filter", "give known stage/site/role codes and a date range whose start is not after its end"),
    "X904": ("cannot write the output file", "choose a path in a folder that exists and that you may write to"),
    "X905": ("unknown viewer", "give the user name of an existing account (python -m engagement users add)"),
}


@dataclass(frozen=True)
class Problem:
    code: str
    detail: str = ""
    file: str | None = None
    row: int | None = None
    column: str | None = None
    item: str | None = None
    value: str | None = None
    fix: str | None = None

    @property
    def summary(self) -> str:
        return CATALOGUE.get(self.code, ("unknown error", ""))[0]

    @property
    def how_to_fix(self) -> str:
        return self.fix or CATALOGUE.get(self.code, ("", ""))[1]

    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        if self.item:
            parts.append(f"item {self.item}")
        return ", ".join(parts)

    def message(self) -> str:
        where = self.where()
        text = f"{self.code} {self.summary}"
        if where:
            text += f" ({where})"
        if self.value is not None:
            text += f": value {self.value!r}"
        if self.detail:
            text += f": {self.detail}"
        return f"{text}. Fix: {self.how_to_fix}."

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["summary"] = self.summary
        d["fix"] = self.how_to_fix
        d["message"] = self.message()
        return d


class EngagementError(Exception):
    """A user-facing error carrying one or more coded problems."""

    def __init__(self, problems: Problem | Iterable[Problem]):
        self.problems: list[Problem] = [problems] if isinstance(problems, Problem) else list(problems)
        if not self.problems:
            raise ValueError("EngagementError needs at least one problem")
        super().__init__(self.problems[0].message() if len(self.problems) == 1
                         else f"{len(self.problems)} problems; first: {self.problems[0].message()}")

    @property
    def code(self) -> str:
        return self.problems[0].code

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    def as_dict(self) -> dict[str, object]:
        """The one machine-facing error shape (datasette-style: ok, error, errors)."""
        return {"ok": False, "error": self.problems[0].message(),
                "errors": [p.as_dict() for p in self.problems]}


def fail(code: str, detail: str = "", **where: object) -> EngagementError:
    """Build an error for one problem: `raise fail("E002", "no study S1", item="S1")`."""
    return EngagementError(Problem(code, detail, **where))  # type: ignore[arg-type]


REPORT_COLUMNS = ["code", "summary", "file", "row", "column", "item", "value", "detail", "fix"]


@dataclass
class Report:
    """Problems collected while reading a file: errors block the write, warnings do not."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, code: str, detail: str = "", **where: object) -> None:
        self.errors.append(Problem(code, detail, **where))  # type: ignore[arg-type]

    def warn(self, code: str, detail: str = "", **where: object) -> None:
        self.warnings.append(Problem(code, detail, **where))  # type: ignore[arg-type]

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_if_errors(self) -> None:
        if self.errors:
            raise EngagementError(self.errors)

    def to_csv(self) -> str:
        return problems_to_csv([*self.errors, *self.warnings])


def problems_to_csv(problems: Iterable[Problem]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=REPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for p in problems:
        d = p.as_dict()
        writer.writerow({k: ("" if d.get(k) is None else d.get(k)) for k in REPORT_COLUMNS})
    return buf.getvalue()


def catalogue_markdown() -> str:
    """docs/errors.md: every code with what it means and how to fix it (a test keeps the file current)."""
    lines = ["# Error codes", "",
             "Every user-facing problem carries one of these codes, with the file, row, column or item it",
             "concerns. Generated from engagement/errors.py by `python -m engagement.errors > docs/errors.md`.",
             "", "| code | meaning | how to fix |", "|---|---|---|"]
    for code, (summary, fix) in sorted(CATALOGUE.items()):
        lines.append(f"| {code} | {summary} | {fix.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(catalogue_markdown(), end="")

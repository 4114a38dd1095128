"""Export the latest approved lay summary to Markdown, HTML, DOCX or PDF, offline and byte-for-byte
reproducible: file dates come from `now` (default: the version's approval time), never the clock."""

from __future__ import annotations

import datetime as dt
import html
import importlib.util
import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from engagement.errors import fail
from engagement.lay_summary import annex
from engagement.lay_summary.service import latest_approved
from engagement.models import LaySummary, Study
from engagement.permissions import Viewer

FORMATS = ("md", "html", "docx", "pdf")
MEDIA_TYPES = {"md": "text/markdown", "html": "text/html",
               "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               "pdf": "application/pdf"}
DEBIAN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@dataclass(frozen=True)
class Doc:
    """What every format renders: plain strings, already validated."""

    title: str
    subtitle: str
    registry_ids: list[str]
    sections: list[dict[str, str]]
    table: list[list[str]]  # header row first; empty when no arms were entered
    language: str
    sponsor: str


def build_doc(summary: LaySummary, study: Study) -> Doc:
    content = summary.content
    approved = summary.reviewed_at.date().isoformat() if summary.reviewed_at else "not yet approved"
    return Doc(
        title=content.get("title") or study.title,
        subtitle=f"A summary of the study results in plain language. Version {summary.version_no}, "
                 f"approved on {approved}.",
        registry_ids=list(content.get("registry_ids") or []),
        sections=annex.sections(content),
        table=annex.table_lines(annex.adverse_reactions(content)),
        language=summary.language,
        sponsor=study.sponsor,
    )


def blocks(text: str) -> list[tuple[str, str]]:
    """("p", paragraph) and ("li", list item) blocks; single line breaks inside a paragraph are spaces."""
    out: list[tuple[str, str]] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            out.append(("p", " ".join(para)))
            para.clear()

    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if not stripped:
            flush()
        elif re.match(r"^[-*•]\s+", stripped):
            flush()
            out.append(("li", re.sub(r"^[-*•]\s+", "", stripped)))
        else:
            para.append(stripped)
    flush()
    return out


def _ids_line(doc: Doc) -> str:
    return f"Registry identifiers: {', '.join(doc.registry_ids)}" if doc.registry_ids else ""


# ------------------------------------------------------------------------------------- md and html


def _md_escape(text: str) -> str:
    text = re.sub(r"([\\`*_\[\]<>|])", r"\\\1", text)
    return re.sub(r"^([#+]|\d+\.)", r"\\\1", text)


def to_markdown(doc: Doc) -> bytes:
    lines = [f"# {_md_escape(doc.title)}", "", _md_escape(doc.subtitle), ""]
    if doc.registry_ids:
        lines += [_md_escape(_ids_line(doc)), ""]
    for s in doc.sections:
        lines += [f"## {_md_escape(s['heading'])}", ""]
        for kind, text in blocks(s["text"]):
            lines += [("- " if kind == "li" else "") + _md_escape(text)]
            lines += [] if kind == "li" else [""]
        if s["key"] == "adverse_reactions" and doc.table:
            lines += ([""] if lines[-1] else []) + [*_md_table(doc.table), ""]
        if lines[-1]:
            lines.append("")
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")


def _md_table(rows: list[list[str]]) -> list[str]:
    cells = [[_md_escape(c) for c in r] for r in rows]
    return ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(cells[0]),
            *["| " + " | ".join(r) + " |" for r in cells[1:]]]


_CSS = ("body{font-family:sans-serif;max-width:42em;margin:2em auto;line-height:1.5;padding:0 1em}"
        "table{border-collapse:collapse}th,td{border:1px solid #999;padding:.3em .6em;text-align:left}")


def to_html(doc: Doc) -> bytes:
    e = html.escape
    out = [f'<!DOCTYPE html>\n<html lang="{e(doc.language)}">\n<head>\n<meta charset="utf-8">',
           f"<title>{e(doc.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>",
           f"<h1>{e(doc.title)}</h1>", f"<p>{e(doc.subtitle)}</p>"]
    if doc.registry_ids:
        out.append(f"<p>{e(_ids_line(doc))}</p>")
    for s in doc.sections:
        out.append(f'<section id="{e(s["key"])}">\n<h2>{e(s["heading"])}</h2>')
        items: list[str] = []
        for kind, text in [*blocks(s["text"]), ("end", "")]:
            if kind != "li" and items:
                out.append("<ul>" + "".join(items) + "</ul>")
                items = []
            if kind == "li":
                items.append(f"<li>{e(text)}</li>")
            elif kind == "p":
                out.append(f"<p>{e(text)}</p>")
        if s["key"] == "adverse_reactions" and doc.table:
            out.append(_html_table(doc.table))
        out.append("</section>")
    out.append("</body>\n</html>\n")
    return "\n".join(out).encode("utf-8")


def _html_table(rows: list[list[str]]) -> str:
    e = html.escape
    head = "".join(f'<th scope="col">{e(c)}</th>' for c in rows[0])
    body = "".join("<tr>" + f'<th scope="row">{e(r[0])}</th>' + "".join(f"<td>{e(c)}</td>" for c in r[1:])
                   + "</tr>" for r in rows[1:])
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody>\n</table>"


# -------------------------------------------------------------------------------------------- docx


def to_docx(doc: Doc, now: dt.datetime) -> bytes:
    import docx

    d = docx.Document()
    props = d.core_properties
    props.title, props.author, props.last_modified_by = doc.title, doc.sponsor, doc.sponsor
    props.language, props.revision = doc.language, 1
    naive = now.astimezone(dt.UTC).replace(tzinfo=None)
    props.created = props.modified = props.last_printed = naive
    d.add_heading(doc.title, level=1)
    d.add_paragraph(doc.subtitle)
    if doc.registry_ids:
        d.add_paragraph(_ids_line(doc))
    for s in doc.sections:
        d.add_heading(s["heading"], level=2)
        for kind, text in blocks(s["text"]):
            d.add_paragraph(text, style="List Bullet" if kind == "li" else None)
        if s["key"] == "adverse_reactions" and doc.table:
            _docx_table(d, doc.table)
    buf = io.BytesIO()
    d.save(buf)
    return _fixed_zip(buf.getvalue(), now)


def _docx_table(d: Any, rows: list[list[str]]) -> None:
    table = d.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value


def _fixed_zip(data: bytes, now: dt.datetime) -> bytes:
    """Rewrite the archive with one fixed timestamp per member (zipfile stamps the wall clock)."""
    stamp = now.astimezone(dt.UTC).timetuple()[:6]
    stamp = max(stamp, (1980, 1, 1, 0, 0, 0))  # the zip format cannot hold earlier dates
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type, fixed.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------------------------- pdf


def find_font() -> tuple[Path, Path | None]:
    """A Unicode TrueType font (regular, bold if there): ENGAGEMENT_PDF_FONT, Debian's DejaVu, or
    the DejaVu that matplotlib bundles. L712 when none is found."""
    candidates: list[Path] = []
    if os.environ.get("ENGAGEMENT_PDF_FONT"):
        candidates.append(Path(os.environ["ENGAGEMENT_PDF_FONT"]))
    candidates.append(DEBIAN_FONT)
    spec = importlib.util.find_spec("matplotlib")  # found without importing matplotlib (slow)
    if spec and spec.submodule_search_locations:
        candidates.append(Path(spec.submodule_search_locations[0]) / "mpl-data/fonts/ttf/DejaVuSans.ttf")
    for regular in candidates:
        if regular.is_file():
            bold = regular.with_name(regular.stem + "-Bold.ttf")
            return regular, bold if bold.is_file() else None
    raise fail("L712", "looked in " + ", ".join(str(c) for c in candidates), file=str(DEBIAN_FONT))


def to_pdf(doc: Doc, now: dt.datetime) -> bytes:
    from fpdf import FPDF

    regular, bold = find_font()
    pdf = FPDF(format="A4")
    pdf.set_creation_date(now.astimezone(dt.UTC))
    pdf.set_title(doc.title)
    pdf.set_author(doc.sponsor)
    pdf.set_lang(doc.language)
    pdf.set_producer("engagement lay summary export")
    pdf.add_font("Body", "", str(regular))
    pdf.add_font("Body", "B", str(bold or regular))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    _pdf_text(pdf, doc.title, 18, bold=True)
    _pdf_text(pdf, doc.subtitle, 11)
    if doc.registry_ids:
        _pdf_text(pdf, _ids_line(doc), 11)
    for s in doc.sections:
        pdf.ln(3)
        _pdf_text(pdf, s["heading"], 14, bold=True)
        for kind, text in blocks(s["text"]):
            _pdf_text(pdf, ("• " if kind == "li" else "") + text, 11)
        if s["key"] == "adverse_reactions" and doc.table:
            _pdf_table(pdf, doc.table)
    return bytes(pdf.output())


def _pdf_text(pdf: Any, text: str, size: int, bold: bool = False) -> None:
    pdf.set_font("Body", "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.55, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)


def _pdf_table(pdf: Any, rows: list[list[str]]) -> None:
    pdf.set_font("Body", "", 10)
    with pdf.table(first_row_as_headings=True) as table:
        for row in rows:
            line = table.row()
            for value in row:
                line.cell(value)
    pdf.ln(2)


# ------------------------------------------------------------------------------------------- entry


def render(summary: LaySummary, study: Study, fmt: str, now: dt.datetime | None = None) -> bytes:
    if fmt not in FORMATS:
        raise fail("L708", f"format {fmt!r}", value=fmt)
    doc = build_doc(summary, study)
    when = now or summary.reviewed_at or summary.created_at
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    if fmt == "md":
        return to_markdown(doc)
    if fmt == "html":
        return to_html(doc)
    return to_docx(doc, when) if fmt == "docx" else to_pdf(doc, when)


def export(session: Session, viewer: Viewer, study_id: str, fmt: str, *,
           now: dt.datetime | None = None) -> bytes:
    """The latest approved version of the study's summary as `fmt` bytes (L707 when none, L708 format)."""
    if fmt not in FORMATS:
        raise fail("L708", f"format {fmt!r}; use one of {', '.join(FORMATS)}", value=fmt)
    summary = latest_approved(session, viewer, study_id)
    study = session.get(Study, study_id)
    assert study is not None  # a summary's study_id is a foreign key
    return render(summary, study, fmt, now)


def filename(study_id: str, version_no: int, fmt: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", study_id).strip("-") or "study"
    return f"lay-summary-{safe}-v{version_no}.{fmt}"


def export_to_file(study_id: str, fmt: str, out: str | Path, *, db: str | None = None,
                   viewer: Viewer | None = None, now: dt.datetime | None = None) -> Path:
    """`python -m engagement lay-summary export --study ID --format FMT --out FILE [--db URL]`."""
    from engagement.db import make_engine, read_session

    engine = make_engine(db)
    try:
        with read_session(engine) as session:
            data = export(session, viewer or Viewer.system_actor("cli"), study_id, fmt, now=now)
    finally:
        engine.dispose()
    path = Path(out)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise fail("L715", str(exc.strerror or exc), file=str(path)) from exc
    return path

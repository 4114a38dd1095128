"""Exports: all ten elements, the table and registry ids, same bytes twice, and text read back from
DOCX and PDF passes the same plain-language checks."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import docx
import pypdf
import pytest
from sqlalchemy.orm import Session

from engagement.errors import EngagementError
from engagement.lay_summary import annex, demo, export, gate, service
from engagement.lay_summary.annex import ELEMENTS
from engagement.models import Study
from tests.lay_summary.lay_factories import STUDY_ID, admin, make_study, manager, sponsor

NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def approved(session: Session):
    make_study(session)
    return demo.load_example(session, admin(), STUDY_ID)


def sections_from_lines(lines: list[str], headings: list[str], skip: set[str]) -> list[tuple[str, str, str]]:
    """Rebuild (key, heading, text) sections from extracted lines, cutting at the known headings."""
    keys = {e.heading: e.key for e in ELEMENTS}
    out: list[tuple[str, str, str]] = []
    for raw in lines:
        line = re.sub(r"\s+", " ", raw).strip()
        if line in headings:
            out.append((keys[line], line, ""))
        elif out and line and line not in skip:
            key, heading, text = out[-1]
            out[-1] = (key, heading, f"{text}\n{line}".strip())
    return out


def table_line_texts(summary) -> set[str]:
    rows = annex.table_lines(annex.adverse_reactions(summary.content))
    return {" ".join(r) for r in rows}


def test_docx_text_passes_the_gate_and_holds_all_elements(session: Session, approved) -> None:
    data = export.export(session, manager(), STUDY_ID, "docx", now=NOW)
    d = docx.Document(io.BytesIO(data))
    headings = [p.text for p in d.paragraphs if p.style.name == "Heading 2"]
    assert headings == [e.heading for e in ELEMENTS]
    body = [p.text for p in d.paragraphs if p.style.name != "Heading 1"]
    sections = sections_from_lines(body, headings, set())
    assert [k for k, _, _ in sections] == [e.key for e in ELEMENTS]
    assert all(text for _, _, text in sections)
    report = gate.check_sections(sections)
    assert report.passed, report.findings
    original = gate.check(approved.content)
    assert report.overall.n_words == original.overall.n_words
    assert report.overall.fk_grade == pytest.approx(original.overall.fk_grade)
    (table,) = d.tables
    assert [c.text for c in table.rows[1].cells] == ["Tiredness", "102 out of 300", "54 out of 300"]
    assert "NCT06543210" in "\n".join(p.text for p in d.paragraphs[:4])
    assert d.core_properties.created == NOW


def test_pdf_text_passes_the_gate_and_holds_all_elements(session: Session, approved) -> None:
    data = export.export(session, manager(), STUDY_ID, "pdf", now=NOW)
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    headings = [e.heading for e in ELEMENTS]
    table = table_line_texts(approved)
    sections = sections_from_lines(text.splitlines(), headings, table)
    assert [k for k, _, _ in sections] == [e.key for e in ELEMENTS]
    report = gate.check_sections(sections)
    assert report.passed, report.findings
    assert report.overall.n_words == gate.check(approved.content).overall.n_words
    assert table <= {re.sub(r"\s+", " ", line).strip() for line in text.splitlines()}
    assert "EU CT 2024-512345-12-00, NCT06543210" in text
    assert reader.metadata.creation_date == NOW


def test_same_bytes_twice_for_every_format(session: Session, approved) -> None:
    for fmt in export.FORMATS:
        first = export.export(session, manager(), STUDY_ID, fmt, now=NOW)
        assert export.export(session, manager(), STUDY_ID, fmt, now=NOW) == first, fmt
    # without `now`, the approval time is used, so repeated downloads match too
    assert (export.export(session, manager(), STUDY_ID, "docx")
            == export.export(session, manager(), STUDY_ID, "docx"))


def test_docx_zip_members_carry_the_fixed_time(session: Session, approved) -> None:
    data = export.export(session, manager(), STUDY_ID, "docx", now=NOW)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {(2026, 11, 21, 12, 0, 0)}


def test_markdown_and_html(session: Session, approved) -> None:
    md = export.export(session, sponsor(), STUDY_ID, "md").decode()
    for e in ELEMENTS:
        assert f"\n## {e.heading}\n" in md
    assert "| Tiredness | 102 out of 300 | 54 out of 300 |" in md
    assert "Registry identifiers: EU CT 2024-512345-12-00, NCT06543210" in md
    page = export.export(session, sponsor(), STUDY_ID, "html").decode()
    assert page.count("<h2>") == 10
    assert '<th scope="row">Tiredness</th>' in page


def test_html_escapes_and_unicode_survives_every_format(session: Session) -> None:
    make_study(session)
    study = session.get_one(Study, STUDY_ID)
    content = demo.example_content(session, study)
    content["sections"][0]["text"] += " <script>alert(1)</script> Žofia ≥ 2."
    draft = service.create_draft(session, admin(), STUDY_ID, content=content)
    service.submit(session, admin(), draft.id, override_reason="testing unusual characters in export")
    service.approve(session, admin(), draft.id, override_reason="testing unusual characters in export")
    page = export.export(session, admin(), STUDY_ID, "html", now=NOW).decode()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Žofia ≥ 2" in page
    assert "\\<script\\>" in export.export(session, admin(), STUDY_ID, "md").decode()
    d = docx.Document(io.BytesIO(export.export(session, admin(), STUDY_ID, "docx", now=NOW)))
    assert any("Žofia ≥ 2" in p.text for p in d.paragraphs)
    pdf = pypdf.PdfReader(io.BytesIO(export.export(session, admin(), STUDY_ID, "pdf", now=NOW)))
    assert "Žofia ≥ 2" in pdf.pages[0].extract_text()


def test_no_approved_version_and_unknown_format(session: Session) -> None:
    make_study(session)
    service.create_draft(session, manager(), STUDY_ID)
    with pytest.raises(EngagementError) as e:
        export.export(session, manager(), STUDY_ID, "pdf")
    assert e.value.code == "L707"
    with pytest.raises(EngagementError) as e:
        export.export(session, manager(), STUDY_ID, "rtf")
    assert e.value.code == "L708"


def test_missing_font_is_a_coded_error(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(export, "DEBIAN_FONT", tmp_path / "none.ttf")
    monkeypatch.setattr(export.importlib.util, "find_spec", lambda name: None)
    monkeypatch.delenv("ENGAGEMENT_PDF_FONT", raising=False)
    with pytest.raises(EngagementError) as e:
        export.find_font()
    assert e.value.code == "L712"


def test_font_override_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    regular, _ = export.find_font()
    monkeypatch.setenv("ENGAGEMENT_PDF_FONT", str(regular))
    assert export.find_font()[0] == regular


def test_export_to_file_for_the_cli(tmp_path) -> None:
    from engagement.db import make_engine, write_session
    from engagement.migrate import upgrade
    from engagement.permissions import Viewer

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with write_session(engine) as session:
        make_study(session)
        demo.load_example(session, Viewer.system_actor(), STUDY_ID)
    engine.dispose()
    out = export.export_to_file(STUDY_ID, "md", tmp_path / "s.md", db=url)
    assert out.read_text(encoding="utf-8").startswith("# A new tablet for bowel cancer\n")
    with pytest.raises(EngagementError) as e:
        export.export_to_file(STUDY_ID, "md", tmp_path / "missing" / "s.md", db=url)
    assert e.value.code == "L715"
    with pytest.raises(EngagementError) as e:
        export.export_to_file("NOPE", "md", tmp_path / "n.md", db=url)
    assert e.value.code == "L707"

"""Commands of the instrument, scoring, indicators, risk and lay-summary services.

Each handler parses its arguments, opens one unit of work, calls one service and prints the result.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from engagement.cli import _engine, _system, _viewer


def _print_problems(problems) -> None:  # type: ignore[no-untyped-def]
    for p in problems:
        print(p.message(), file=sys.stderr)


# ------------------------------------------------------------------------------------ instruments


def cmd_instrument_check(args: argparse.Namespace) -> int:
    from engagement.instruments.commands import instrument_check

    return instrument_check(Path(args.file))


def cmd_instrument_register(args: argparse.Namespace) -> int:
    from engagement.instruments.commands import instrument_register

    return instrument_register(Path(args.file), db=args.db, actor=_system().username)


def cmd_instrument_convert(args: argparse.Namespace) -> int:
    from engagement.converters.commands import convert_to_yaml

    options = {k: v for k, v in (("form", args.form), ("instrument_id", args.id), ("version", args.version),
                                 ("include_identifiers", args.include_identifiers or None)) if v}
    if args.missing:
        options["missing"] = [float(x) for x in args.missing.split(",")]
    text, result = convert_to_yaml(Path(args.src), args.source_format, Path(args.out) if args.out else None,
                                   **options)
    _print_problems(result.warnings)
    if args.out:
        print(f"wrote {args.out}: {len(result.mapping.get('items', []))} items, "
              f"{len(result.warnings)} warnings")
    else:
        print(text)
    return 0


def cmd_instrument_export_fhir(args: argparse.Namespace) -> int:
    from engagement.converters.commands import export_fhir_file, export_fhir_registered

    if Path(args.source).exists():
        resource = export_fhir_file(Path(args.source), Path(args.out) if args.out else None)
    else:  # a registered instrument id
        from engagement.db import read_session

        with read_session(_engine(args)) as session:
            resource = export_fhir_registered(session, _system(), args.source,
                                              out=Path(args.out) if args.out else None)
    if not args.out:
        print(json.dumps(resource, indent=2, ensure_ascii=False))
    return 0


def cmd_rescore(args: argparse.Namespace) -> int:
    from engagement.instruments.commands import rescore_command

    return rescore_command(study=args.study, db=args.db, actor=_system().username)


def cmd_psychometrics(args: argparse.Namespace) -> int:
    from engagement.instruments.commands import psychometrics_command

    return psychometrics_command(args.instrument, args.responses)


def cmd_themes(args: argparse.Namespace) -> int:
    from engagement.db import write_session
    from engagement.theme_store import refit

    with write_session(_engine(args)) as session:
        counts = refit(session, _system(), args.study)
    for label, n in counts.items():
        print(f"{n:7d}  {label}")
    print(f"themes refitted for study {args.study}: {sum(counts.values())} comments labelled")
    return 0


# ------------------------------------------------------------------------------------- indicators


def cmd_indicators(args: argparse.Namespace) -> int:
    from engagement.db import read_session
    from engagement.indicators import write_indicator_csv

    by = [b.strip() for b in args.by.split(",") if b.strip()]
    with read_session(_engine(args)) as session:
        viewer = _viewer(session, args.viewer) if args.viewer else None
        path = write_indicator_csv(session, viewer, args.study, by, args.out)
    print(f"wrote {path}")
    return 0


# ------------------------------------------------------------------------------------------- risk


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def cmd_risk_evaluate(args: argparse.Namespace) -> int:
    from engagement.db import read_session
    from engagement.risk.cli import evaluate_json

    with read_session(_engine(args)) as session:
        print(evaluate_json(session, _system(), args.study, _date(args.cutoff), args.horizon_days))
    return 0


def cmd_risk_train(args: argparse.Namespace) -> int:
    from engagement.db import write_session
    from engagement.risk.cli import train_command

    with write_session(_engine(args)) as session:
        print(train_command(session, _system(), args.study, _date(args.as_of)))
    return 0


def cmd_risk_score(args: argparse.Namespace) -> int:
    from engagement.db import write_session
    from engagement.risk.cli import score_command

    with write_session(_engine(args)) as session:
        print(score_command(session, _system(), args.study, _date(args.as_of), Path(args.out)))
    return 0


# ------------------------------------------------------------------------------------ lay summary


def cmd_lay_summary_export(args: argparse.Namespace) -> int:
    from engagement.db import read_session
    from engagement.lay_summary.service import export

    with read_session(_engine(args)) as session:
        data = export(session, _system(), args.study, args.format)
    Path(args.out).write_bytes(data)
    print(f"wrote {args.out} ({len(data)} bytes)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # noqa: PLR0915 - one flat table of commands reads best
    ins = sub.add_parser("instrument", help="instrument definitions").add_subparsers(
        dest="instrument_command", required=True)
    p = ins.add_parser("check", help="validate a YAML instrument (or a folder of them); exit 2 with coded problems")
    p.add_argument("file")
    p.set_defaults(func=cmd_instrument_check)
    p = ins.add_parser("register", help="store a version (same content: same version)")
    p.add_argument("file")
    p.set_defaults(func=cmd_instrument_register)
    p = ins.add_parser("convert", help="convert a REDCap dictionary, XLSForm or FHIR Questionnaire to YAML")
    p.add_argument("src")
    p.add_argument("--from", dest="source_format", required=True, choices=["redcap", "xlsform", "fhir"])
    p.add_argument("--out")
    p.add_argument("--form", help="REDCap: convert only this form")
    p.add_argument("--id", help="instrument id (default: from the source)")
    p.add_argument("--version", help="instrument version (default 1.0.0)")
    p.add_argument("--missing", help="comma-separated missing codes, e.g. -99,-98")
    p.add_argument("--include-identifiers", action="store_true", help="REDCap: keep identifier fields")
    p.set_defaults(func=cmd_instrument_convert)
    p = ins.add_parser("export-fhir", help="an instrument (YAML file or registered id) as a FHIR R4 Questionnaire")
    p.add_argument("source")
    p.add_argument("--out")
    p.set_defaults(func=cmd_instrument_export_fhir)

    p = sub.add_parser("rescore", help="rebuild scores from answers, each with its pinned version")
    p.add_argument("--study")
    p.set_defaults(func=cmd_rescore)

    p = sub.add_parser("themes", help="refit a study's free-text themes now and relabel all its comments")
    p.add_argument("--study", required=True)
    p.set_defaults(func=cmd_themes)

    p = sub.add_parser("psychometrics", help="Cronbach's alpha and item statistics from a wide CSV")
    p.add_argument("--instrument", required=True)
    p.add_argument("--responses", required=True)
    p.set_defaults(func=cmd_psychometrics)

    p = sub.add_parser("indicators", help="aggregated indicators as CSV (sponsor view unless --viewer)")
    p.add_argument("--study", required=True)
    p.add_argument("--by", required=True, help="comma-separated: site,stage,role,timepoint,period")
    p.add_argument("--viewer", help="act with this user's permissions")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_indicators)

    risk = sub.add_parser("risk", help="disengagement risk").add_subparsers(dest="risk_command", required=True)
    p = risk.add_parser("evaluate", help="temporal evaluation against baselines (JSON)")
    p.add_argument("--cutoff", required=True)
    p.add_argument("--horizon-days", type=int, default=42)
    p.add_argument("--study")
    p.set_defaults(func=cmd_risk_evaluate)
    p = risk.add_parser("train", help="train on what was known at --as-of and save the model with its card")
    p.add_argument("--as-of")
    p.add_argument("--study")
    p.set_defaults(func=cmd_risk_train)
    p = risk.add_parser("score", help="flags as of a date, with reasons, to CSV")
    p.add_argument("--as-of", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--study")
    p.set_defaults(func=cmd_risk_score)

    lay = sub.add_parser("lay-summary", help="plain-language summaries").add_subparsers(
        dest="lay_command", required=True)
    p = lay.add_parser("export", help="export the latest approved summary")
    p.add_argument("--study", required=True)
    p.add_argument("--format", required=True, choices=["docx", "pdf", "html", "md"])
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_lay_summary_export)

"""The report as JSON (schemas/report.schema.json): the frozen figures, field for field."""
from __future__ import annotations

import dataclasses
import json
from typing import Any

from engine.report.build import Report

VERSION = 1


def report_dict(report: Report) -> dict[str, Any]:
    """The report as plain data, keys in the dataclasses' order."""
    return {"version": VERSION, **dataclasses.asdict(report)}


def render_json(report: Report) -> str:
    return json.dumps(report_dict(report), ensure_ascii=False, indent=1, allow_nan=False) + "\n"

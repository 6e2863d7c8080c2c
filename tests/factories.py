"""Builders for test data: small valid questionnaires, written as JSON a QA lead would write."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from audit_app.models import Service, Team

YES_PARTLY_NO = [
    {"value": "yes", "label": "Yes, evidenced", "score": 2},
    {"value": "partly", "label": "Partly", "score": 1},
    {"value": "no", "label": "No", "score": 0},
    {"value": "not-applicable", "label": "Not applicable"},
]

FOUR_BANDS = [
    {"grade": "Outstanding", "min": 85},
    {"grade": "Good", "min": 65},
    {"grade": "Requires improvement", "min": 40},
    {"grade": "Inadequate", "min": 0},
]


def questionnaire_dict(**overrides: Any) -> dict[str, Any]:
    """A small, valid monthly questionnaire; keyword arguments replace top-level keys."""
    data: dict[str, Any] = {
        "format": "case-audit/1",
        "id": "test-audit",
        "version": 1,
        "title": "Test audit",
        "kind": "monthly",
        "grading": {"bands": copy.deepcopy(FOUR_BANDS), "overall": "mean"},
        "themes": [
            {
                "id": "voice",
                "title": "The child's voice",
                "questions": [
                    {
                        "id": "seen-alone",
                        "text": "Was the child seen alone?",
                        "help": "Look for a visit record that says so.",
                        "type": "choice",
                        "options": copy.deepcopy(YES_PARTLY_NO),
                        "compliance": "Child seen alone",
                    },
                    {"id": "voice-comment", "text": "Comment", "type": "text"},
                ],
            },
            {
                "id": "planning",
                "title": "Planning",
                "questions": [
                    {
                        "id": "plan-smart",
                        "text": "Is the plan SMART?",
                        "type": "choice",
                        "weight": 2,
                        "options": copy.deepcopy(YES_PARTLY_NO),
                    }
                ],
            },
        ],
    }
    data.update(overrides)
    return data


def write_questionnaire(folder: Path, name: str, data: dict[str, Any] | str) -> Path:
    """Write a questionnaire file (a dict as JSON, or raw text as it is)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), "utf-8")
    return path


def ensure_team(session: Session, name: str, *, service: str) -> Team:
    """The team called ``name`` in ``service``, created (with the service) when missing."""
    team = session.exec(select(Team).where(Team.name == name)).first()
    if team is not None:
        return team
    service_row = session.exec(select(Service).where(Service.name == service)).first()
    if service_row is None:
        service_row = Service(name=service)
        session.add(service_row)
        session.flush()
    team = Team(name=name, service_id=service_row.id)
    session.add(team)
    session.flush()
    return team

"""Questionnaires for the workbook tests: one using every format 2 feature the loader accepts."""

from __future__ import annotations

import copy
from typing import Any

YES_NO = [
    {"value": "yes", "label": "Yes", "score": 2},
    {"value": "no", "label": "No", "score": 0},
    {"value": "not-applicable", "label": "Not applicable"},
]


def every_feature() -> dict[str, Any]:
    """Headings, guidance, sections with conditions, multi and number questions, conditions of
    every kind, themes graded by judgement and by score, descriptors and a capped overall rule."""
    return copy.deepcopy(
        {
            "format": "case-audit/2",
            "id": "every-feature",
            "version": 3,
            "title": "Every feature",
            "kind": "deep_dive",
            "description": "A questionnaire using everything format 2 has.",
            "grading": {
                "bands": [
                    {"grade": "Good", "min": 70, "descriptor": "Practice is good."},
                    {"grade": "Requires improvement", "min": 40.5, "descriptor": "Not yet good."},
                    {"grade": "Inadequate", "min": 0, "descriptor": "Children are at risk."},
                ],
                "overall": {"rule": "lowest", "capped_by_worst_band": True, "graded_by": "both"},
            },
            "themes": [
                {
                    "id": "context",
                    "title": "Context",
                    "description": "The child's situation.",
                    "weight": 1,
                    "limiting": False,
                    "graded_by": "score",
                    "evidence": ["strengths", "areas_for_development"],
                    "show_if": {"not": {"service": ["Youth justice"]}},
                    "items": [
                        {"heading": "About the child"},
                        {"guidance": "Read the last assessment first.\n\nThen the plan."},
                        {
                            "id": "in-care",
                            "text": "Is the child in care?",
                            "help": "From the case record.",
                            "type": "choice",
                            "required": True,
                            "weight": 2.5,
                            "compliance": "Status recorded",
                            "comment": "optional",
                            "options": YES_NO,
                        },
                        {
                            "id": "concerns",
                            "text": "Which concerns are recorded?",
                            "type": "multi",
                            "scoring": "each",
                            "options": [
                                {"value": "neglect", "label": "Neglect", "score": 1},
                                {"value": "exploitation", "label": "Exploitation", "score": 2},
                            ],
                        },
                        {
                            "id": "checks",
                            "text": "Which checks were made?",
                            "type": "multi",
                            "scoring": "all",
                            "options": [
                                {"value": "police", "label": "Police"},
                                {"value": "health", "label": "Health"},
                            ],
                        },
                        {
                            "id": "visits",
                            "text": "How many visits in three months?",
                            "type": "number",
                            "min": 0,
                            "max": 90,
                            "integer": True,
                            "unit": "visits",
                            "bands": [
                                {"min": 6, "score": 3},
                                {"min": 2.5, "score": 1},
                                {"min": 0, "score": 0},
                            ],
                        },
                        {"id": "last-seen", "text": "Last seen", "type": "date", "required": False},
                        {"id": "notes", "text": "Notes", "type": "text"},
                        {"id": "plan-date", "text": "Plan date", "type": "date"},
                        {"id": "review-date", "text": "Review date", "type": "date"},
                    ],
                    "timeliness": [
                        {
                            "id": "review-in-time",
                            "measure": "Review within 20 working days",
                            "source": "Local policy",
                            "rule": {
                                "within_working_days": 20,
                                "from": "plan-date",
                                "to": "review-date",
                            },
                        },
                        {
                            "id": "review-in-days",
                            "measure": "Review within 28 days",
                            "rule": {"within_days": 28, "from": "plan-date", "to": "review-date"},
                        },
                        {
                            "id": "seen-recently",
                            "measure": "Seen in the last 6 weeks",
                            "rule": {"at_most_weeks_before_audit": 6, "date": "last-seen"},
                        },
                        {
                            "id": "plan-current-at-audit",
                            "measure": "Review date not passed",
                            "rule": {"not_expired_at_audit": True, "date": "review-date"},
                        },
                    ],
                },
                {
                    "id": "care",
                    "title": "Care planning",
                    "weight": 2,
                    "limiting": True,
                    "graded_by": "judgement",
                    "show_if": {"question": "in-care", "in": ["yes"]},
                    "items": [
                        {
                            "section": {
                                "title": "The plan",
                                "description": "The care plan itself.",
                                "show_if": {
                                    "any": [
                                        {"question": "concerns", "any_of": ["neglect"]},
                                        {"question": "checks", "all_of": ["police", "health"]},
                                        {
                                            "question": "concerns",
                                            "any_of": ["neglect", "exploitation"],
                                        },
                                    ]
                                },
                                "items": [
                                    {"heading": "Plan"},
                                    {
                                        "id": "plan-current",
                                        "text": "Is the plan current?",
                                        "type": "choice",
                                        "options": YES_NO,
                                        "show_if": {
                                            "all": [
                                                {"question": "visits", "at_least": 2},
                                                {"question": "visits", "at_most": 10.5},
                                                {
                                                    "not": {
                                                        "question": "last-seen",
                                                        "before": "2024-01-01",
                                                    }
                                                },
                                                {"question": "last-seen", "after": "2023-02-28"},
                                            ]
                                        },
                                    },
                                ],
                            }
                        },
                        {"guidance": "Outside the section."},
                        {
                            "section": {
                                "title": "Reviews",
                                "items": [
                                    {
                                        "id": "review-on-time",
                                        "text": "Was the review on time?",
                                        "type": "choice",
                                        "options": [
                                            {"value": "yes", "label": "Yes, on time", "score": 1},
                                            {"value": "no", "label": "No", "score": 0},
                                        ],
                                        "show_if": {"question": "in-care", "in": ["yes", "no"]},
                                    }
                                ],
                            }
                        },
                        {
                            "section": {
                                "title": "Straight after",
                                "items": [
                                    {"guidance": "x"},
                                    {"id": "after", "text": "After?", "type": "text"},
                                ],
                            }
                        },
                    ],
                },
            ],
        }
    )

"""The longest text the database keeps for each name a questionnaire gives: one definition.

``audit_app/models.py`` sizes its columns with these numbers and the questionnaire validator
(``audit_app/core/questionnaire.py``) refuses longer text with a plain message, so that a file the
validator accepts is never refused by PostgreSQL later (when it is loaded, or when an audit that
uses it is submitted). The numbers are those the migrations created: changing one needs a
migration as well.
"""

from __future__ import annotations

from typing import Final

ID_MAX_LENGTH: Final = 64
"""Slugs: a questionnaire's id (``questionnaire_version``, ``allocation``,
``report_allocation_month``), theme ids (``theme_judgement``, ``theme_result``,
``moderation_grade``, ``compliance_result``, ``pending_save``, ``report_theme_month``), question
ids (``answer``, ``compliance_result``) and option values (``compliance_result.value``)."""

TITLE_MAX_LENGTH: Final = 200
"""A questionnaire's title (``questionnaire_version.title``). Theme titles are held to the same
length, so that every title fits the same places on pages, charts and exports."""

GRADE_MAX_LENGTH: Final = 64
"""A grade band's name, stored with every audit's and theme's computed, judged and moderated
grades (``audit``, ``audit_result``, ``theme_result``, ``theme_judgement``, ``moderation``,
``moderation_grade``, ``report_audit``, ``report_theme_month``)."""

MEASURE_MAX_LENGTH: Final = 200
"""A recording-compliance measure (``compliance_result.measure``,
``report_compliance_month.measure``)."""

KIND_MAX_LENGTH: Final = 16
"""A kind of audit's name as questionnaires give it (``audit_kind.name``,
``questionnaire_version.kind``), such as ``supervision``."""

KIND_NAME_MAX_LENGTH: Final = 80
"""A kind of audit's name as people read it (``audit_kind.display_name``), such as "Supervision
audit"."""

UNIT_MAX_LENGTH: Final = 32
"""A number question's unit, such as "visits" (shown on pages and in the data dictionary, not
stored in a column of its own)."""

SERVICE_MAX_LENGTH: Final = 120
"""A service's name (``service.name``), as a condition on the audited case's service names it."""

LEARNING_THEME_MAX_LENGTH: Final = 80
"""A learning theme's name (``learning_theme.name``), such as "Voice of the child"."""

QUOTATION_MAX_LENGTH: Final = 300
"""A finding's quotation (``finding.quotation``): a sentence or two of the tagger's own words in
the audit, short enough for a board paper."""

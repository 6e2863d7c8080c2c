"""Subjects of audit: ``case_file.subject`` beside ``case_ref``, unique together

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-16 09:00:00

A format 2 questionnaire names what each audit is of, its subject: a child's case (the
default), a worker's supervision file, a carer household or a meeting. The reference audited is
kept in ``case_file`` as a case's is, so that audits, allocations and the access rules keep
reading ``audit.case_id``; ``subject`` says which kind of reference it is, and a reference is
unique within its subject (a worker and a case may share a reference). Every existing row is a
case. A file of cases may hold references of every subject, so what an unfinished import keeps
for an undo (``case_import_change``) names each reference's subject too.

Downgrading is refused, changing nothing, while ``case_file`` holds a reference of a subject
other than case: the release before would count it as a case reference (mixing it into the
case figures), could not hold a reference that is both a case's and another subject's, and the
subject would be lost on the way back up.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUBJECTS = ("case", "worker", "household", "meeting")
LISTED = 5
"""A refusal names this many references at most."""


@contextmanager
def _triggers_set_aside() -> Iterator[None]:
    """On SQLite, altering ``case_file`` copies it, which drops its triggers (the report
    summaries' ``report_stale_case_team``), and the copy's renaming checks every trigger: each
    is set aside while the table is copied and made again, unchanged, after."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    triggers = list(
        bind.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
    )
    for name, _sql in triggers:
        op.execute(f'DROP TRIGGER "{name}"')
    yield
    for _name, statement in triggers:
        op.execute(statement)


def upgrade() -> None:
    with _triggers_set_aside(), op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "subject",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                server_default="case",
                nullable=False,
            )
        )
        batch_op.drop_constraint(op.f("uq_case_file_case_ref"), type_="unique")
        batch_op.create_unique_constraint("uq_case_file_case_ref_subject", ["case_ref", "subject"])
        batch_op.create_check_constraint(
            op.f("ck_case_file_subject"),
            "subject IN (" + ", ".join(f"'{s}'" for s in SUBJECTS) + ")",
        )
    with op.batch_alter_table("case_import_change", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "subject",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                server_default="case",
                nullable=False,
            )
        )


def downgrade() -> None:
    _refuse_other_subjects()
    with op.batch_alter_table("case_import_change", schema=None) as batch_op:
        batch_op.drop_column("subject")
    with _triggers_set_aside(), op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_case_file_subject"), type_="check")
        batch_op.drop_constraint("uq_case_file_case_ref_subject", type_="unique")
        batch_op.create_unique_constraint(op.f("uq_case_file_case_ref"), ["case_ref"])
        batch_op.drop_column("subject")


def _refuse_other_subjects() -> None:
    """RuntimeError, before anything changes, while a reference is of another subject."""
    bind = op.get_bind()
    counts = bind.execute(
        sa.text(
            "SELECT subject, count(*) FROM case_file WHERE subject <> 'case' "
            "GROUP BY subject ORDER BY subject"
        )
    ).all()
    if not counts:
        return
    shared = (
        bind.execute(
            sa.text(
                "SELECT DISTINCT other.case_ref FROM case_file other JOIN case_file c "
                "ON c.case_ref = other.case_ref AND c.subject = 'case' "
                "WHERE other.subject <> 'case' ORDER BY other.case_ref"
            )
        )
        .scalars()
        .all()
    )
    held = ", ".join(f"{subject}: {count}" for subject, count in counts)
    message = (
        f"Downgrade refused: case_file holds references of subjects other than case ({held}), "
        "which a release before subjects would count as case references."
    )
    if shared:
        listed = ", ".join(shared[:LISTED]) + (" and more" if len(shared) > LISTED else "")
        message += f" These are also case references, which it cannot hold twice: {listed}."
    raise RuntimeError(message + " Nothing was changed.")

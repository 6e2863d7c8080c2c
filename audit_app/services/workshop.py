"""The QA leads' workshop: questionnaires listed, uploaded, previewed, compared and rescored,
and versions published, retired, reinstated or discarded.

Uploads are checked by the same code as ``flask questionnaires load`` (:func:`parse_file` and
:func:`load`), after a first look at the bytes that names files which are not questionnaires at
all, and loaded as drafts: only admins see a draft until one of them publishes it. Publishing,
retiring, reinstating and discarding are confirmed on a page that says what will happen; the
confirmation carries the questionnaire's state as that page saw it, and is refused as stale
when another admin changed it meanwhile. Previews, comparisons and rescoring read only:
nothing they compute is stored here (a large rescoring what-if is worked out in the
background and kept: ``services/what_if.py``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from audit_app import clock
from audit_app.clock import LOCAL_TIMEZONE
from audit_app.core.answers import (
    drop_hidden,
    is_blank,
    missing_required,
    shown_questions,
    shown_themes,
)
from audit_app.core.compare import Comparison, Summary, compare, summarise
from audit_app.core.lifecycle import DRAFT, OPEN, STANDING
from audit_app.core.questionnaire import (
    Questionnaire,
    Theme,
    conditions_of,
    name_key,
    named_services,
)
from audit_app.core.repeats import (
    apply_action,
    page_fields,
    read_action,
    repeat_counts,
    repeat_label,
    split_key,
)
from audit_app.core.rescore import Impact, SubmittedAudit, rescore
from audit_app.core.scoring import AuditScore, score_audit
from audit_app.models import (
    Answer,
    Audit,
    Case,
    QuestionnaireVersion,
    Service,
    Team,
    ThemeJudgement,
    WhatIf,
)
from audit_app.services import questionnaires as questionnaire_service
from audit_app.services.actor import Actor
from audit_app.services.answer_keys import key_column
from audit_app.services.audits import (
    joined_to_service,
    normalise_answer,
    refused_value_message,
)
from audit_app.services.errors import NotFound, Refused, Stale
from audit_app.services.kinds import declared_kinds
from audit_app.services.questionnaires import FileProblem, LoadOutcome, LoadRefused

# SQLite allows a limited number of parameters in one statement: read answers in batches.
_BATCH = 500


class VersionNotFound(NotFound):
    """No questionnaire with that id, or no such version of it."""


class UploadChanged(Stale, ValueError):
    """The file sent for confirmation is not the file that was checked."""


# --------------------------------------------------------------------------------------
# Listing
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionEntry:
    """One loaded version with how many audits used it and whether new audits use it."""

    row: QuestionnaireVersion
    audits: int
    current: bool

    @property
    def version(self) -> int:
        return self.row.version

    @property
    def retired(self) -> bool:
        return self.row.retired_at is not None

    @property
    def draft(self) -> bool:
        return self.row.is_draft

    @property
    def status(self) -> str:
        """Draft (admins only), Current (new audits use it), Retired, or Not in use (a later
        version is current)."""
        if self.draft:
            return "Draft"
        if self.current:
            return "Current"
        return "Retired" if self.retired else "Not in use"


@dataclass(frozen=True)
class QuestionnaireEntry:
    """Every loaded version of one questionnaire id, newest first."""

    questionnaire_id: str
    title: str
    versions: tuple[VersionEntry, ...]

    @property
    def current(self) -> VersionEntry | None:
        return next((v for v in self.versions if v.current), None)

    @property
    def audits(self) -> int:
        return sum(v.audits for v in self.versions)


def list_questionnaires(*, session: Session) -> list[QuestionnaireEntry]:
    """Every questionnaire id with its versions and audit counts, by title."""
    counts = questionnaire_service.audit_counts(session=session)
    current_ids = {row.id for row in questionnaire_service.current_versions(session=session)}
    grouped: dict[str, list[QuestionnaireVersion]] = {}
    for row in questionnaire_service.all_versions(session=session):
        grouped.setdefault(row.questionnaire_id, []).append(row)
    entries = [
        QuestionnaireEntry(
            questionnaire_id=questionnaire_id,
            title=rows[-1].title,
            versions=tuple(
                VersionEntry(row, counts.get(row.id or 0, 0), row.id in current_ids)
                for row in reversed(rows)
            ),
        )
        for questionnaire_id, rows in grouped.items()
    ]
    return sorted(entries, key=lambda e: (e.title.lower(), e.questionnaire_id))


def versions_of(
    questionnaire_id: str, *, session: Session, lock: bool = False
) -> list[QuestionnaireVersion]:
    """Every loaded version of one id, oldest first; VersionNotFound when there is none.

    ``lock``: the rows are locked until the transaction ends (PostgreSQL; SQLite's writers
    take turns from the start of theirs), so that two admins' changes never cross.
    """
    query = (
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
        .order_by(col(QuestionnaireVersion.version))
    )
    rows = list(session.exec(query.with_for_update() if lock else query))
    if not rows:
        raise VersionNotFound(questionnaire_id)
    return rows


def get_version(questionnaire_id: str, version: int, *, session: Session) -> QuestionnaireVersion:
    """One loaded version; VersionNotFound when it is not loaded."""
    row = session.exec(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == questionnaire_id,
            QuestionnaireVersion.version == version,
        )
    ).first()
    if row is None:
        raise VersionNotFound(f"{questionnaire_id} version {version}")
    return row


def current_version(questionnaire_id: str, *, session: Session) -> QuestionnaireVersion | None:
    """The version new audits of this id use, if any."""
    return next(
        (
            row
            for row in questionnaire_service.current_versions(session=session)
            if row.questionnaire_id == questionnaire_id
        ),
        None,
    )


# --------------------------------------------------------------------------------------
# Publishing, retiring, reinstating and discarding, each confirmed
# --------------------------------------------------------------------------------------

PUBLISH, RETIRE, REINSTATE, DISCARD = "publish", "retire", "reinstate", "discard"
ACTIONS = (PUBLISH, RETIRE, REINSTATE, DISCARD)


class NotApplicable(Refused):
    """The version is not in a state the change applies to (already published, a draft...)."""


class ChangedMeanwhile(Stale):
    """Another admin changed the questionnaire's versions after the confirmation page was
    opened; ``change`` is what confirming would do now."""

    def __init__(self, change: VersionChange) -> None:
        self.change = change
        super().__init__(
            "Someone else published, retired, reinstated, replaced or discarded a version of "
            "this questionnaire after you opened this page, so nothing was changed. Check what "
            "will happen now, then confirm again."
        )


def state_of(rows: Sequence[QuestionnaireVersion]) -> str:
    """The versions of a questionnaire as a confirmation page saw them, in one hash."""
    parts = [
        [row.version, row.content_sha256, _instant(row.published_at), _instant(row.retired_at)]
        for row in sorted(rows, key=lambda r: r.version)
    ]
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=None).isoformat()


def _offered(rows: Iterable[QuestionnaireVersion]) -> QuestionnaireVersion | None:
    """The version new audits use among these: the highest published and not retired."""
    offered = [row for row in rows if not row.is_draft and row.retired_at is None]
    return max(offered, key=lambda row: row.version, default=None)


@dataclass(frozen=True)
class VersionChange:
    """What publishing, retiring, reinstating or discarding one version would do."""

    action: str
    row: QuestionnaireVersion
    current_now: QuestionnaireVersion | None
    current_after: QuestionnaireVersion | None
    in_progress: dict[int, int]  # version number -> audits in progress on it
    state: str

    @property
    def name(self) -> str:
        return f"{self.row.title} version {self.row.version}"

    def statement(self) -> list[str]:
        """What will happen, in sentences, for the confirmation page."""
        if self.action == DISCARD:
            return [
                f"Draft version {self.row.version} will be deleted. No audit uses it, and "
                "auditors have never seen it.",
                "You can upload the file again later.",
            ]
        return [self._new_audits(), *self._audits_in_progress()]

    def _new_audits(self) -> str:
        after, version = self.current_after, self.row.version
        if after is None:
            return "No version of this questionnaire will be offered for new audits."
        if after is self.row:
            return f"New audits will use version {version}."
        if after is self.current_now:
            return (
                f"New audits will still use version {after.version}: version {version} is "
                f"offered only while no higher version is in use."
                if self.action != RETIRE
                else f"New audits will still use version {after.version}."
            )
        return f"New audits will use version {after.version} instead of version {version}."

    def _audits_in_progress(self) -> list[str]:
        if not self.in_progress:
            return ["No audits of this questionnaire are in progress."]
        return [
            f"Audits in progress keep version {number}: {count} "
            f"audit{'' if count == 1 else 's'} in progress use{'s' if count == 1 else ''} it."
            for number, count in sorted(self.in_progress.items())
        ]

    def done(self) -> str:
        """A sentence for the admin saying what was done and what new audits use now."""
        verbs = {PUBLISH: "published", RETIRE: "retired", REINSTATE: "reinstated"}
        if self.action == DISCARD:
            return f"Draft version {self.row.version} of {self.row.title} is discarded."
        after = self.current_after
        offered = (
            f"New audits use version {after.version}."
            if after is not None
            else "No version of this questionnaire is offered for new audits."
        )
        return f"{self.name} is {verbs[self.action]}. {offered}"


def _not_applicable(action: str, row: QuestionnaireVersion) -> str | None:
    """Why the change does not apply to the version as it is now, or None."""
    name = f"{row.title} version {row.version}"
    if action == PUBLISH and not row.is_draft:
        return f"{name} is already published (by {row.published_by or 'the command line'})."
    if action in (RETIRE, REINSTATE) and row.is_draft:
        return f"{name} is a draft: auditors do not see it. Publish it, or discard it."
    if action == RETIRE and row.retired_at is not None:
        return f"{name} is already retired."
    if action == REINSTATE and row.retired_at is None:
        return f"{name} is not retired: it was already offered for new audits."
    if action == DISCARD and not row.is_draft:
        return f"{name} is published: a published version is never deleted. Retire it instead."
    return None


def _after(
    action: str, rows: Sequence[QuestionnaireVersion], row: QuestionnaireVersion
) -> QuestionnaireVersion | None:
    """The version new audits would use once the change is made."""

    def offered(r: QuestionnaireVersion) -> bool:
        if r is row:
            return action == REINSTATE or (action == PUBLISH and r.retired_at is None)
        return not r.is_draft and r.retired_at is None

    return max((r for r in rows if offered(r)), key=lambda r: r.version, default=None)


def plan_change(
    action: str, questionnaire_id: str, version: int, *, session: Session, lock: bool = False
) -> VersionChange:
    """What a change to one version would do; VersionNotFound when there is no such version,
    NotApplicable when the change does not apply to it as it is."""
    rows = versions_of(questionnaire_id, session=session, lock=lock)
    row = next((r for r in rows if r.version == version), None)
    if row is None:
        raise VersionNotFound(f"{questionnaire_id} version {version}")
    reason = _not_applicable(action, row)
    if reason is not None:
        raise NotApplicable(reason)
    return VersionChange(
        action=action,
        row=row,
        current_now=_offered(rows),
        current_after=_after(action, rows, row),
        in_progress=_in_progress(rows, session=session),
        state=state_of(rows),
    )


def _in_progress(rows: Sequence[QuestionnaireVersion], *, session: Session) -> dict[int, int]:
    """How many audits are in progress on each version (by number), those with any."""
    numbers = {row.id: row.version for row in rows}
    counted = session.exec(
        select(Audit.questionnaire_version_id, func.count())
        .where(col(Audit.questionnaire_version_id).in_(list(numbers)), col(Audit.status).in_(OPEN))
        .group_by(col(Audit.questionnaire_version_id))
    )
    return {numbers[version_id]: count for version_id, count in counted}


def make_change(
    action: str,
    questionnaire_id: str,
    version: int,
    expected_state: str,
    *,
    session: Session,
    actor: Actor,
) -> VersionChange:
    """Make a confirmed change, recorded in the trail by the questionnaire service.

    ChangedMeanwhile when the questionnaire's versions are not as the confirmation page saw
    them; NotApplicable (saying so, when another admin made it) when the change no longer
    applies.
    """
    try:
        change = plan_change(action, questionnaire_id, version, session=session, lock=True)
    except VersionNotFound:
        if not expected_state:
            raise
        raise NotApplicable(
            f"Nothing was changed: {questionnaire_id} version {version} is no longer loaded "
            "(someone else discarded it)."
        ) from None
    except NotApplicable as refused:
        rows = versions_of(questionnaire_id, session=session)
        if state_of(rows) != expected_state:
            raise NotApplicable(
                f"Nothing was changed: someone else got there first. {refused}"
            ) from None
        raise
    if change.state != expected_state:
        raise ChangedMeanwhile(change)
    if action == PUBLISH:
        questionnaire_service.publish_version(change.row, session=session, actor=actor)
    elif action == DISCARD:
        questionnaire_service.discard_draft(change.row, session=session, actor=actor)
        _forget_what_ifs(change.row, session=session)
    else:
        questionnaire_service.set_retired(
            questionnaire_id, action == RETIRE, session=session, actor=actor, version=version
        )
    return change


def _forget_what_ifs(row: QuestionnaireVersion, *, session: Session) -> None:
    """Remove the kept what-ifs of a discarded draft: a new upload under its number differs."""
    either = (col(WhatIf.before_version) == row.version) | (
        col(WhatIf.after_version) == row.version
    )
    for kept in session.exec(
        select(WhatIf).where(WhatIf.questionnaire_id == row.questionnaire_id, either)
    ):
        session.delete(kept)
    session.flush()


# --------------------------------------------------------------------------------------
# Uploading
# --------------------------------------------------------------------------------------

# The first bytes of files that people pick by mistake, and what to call them.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a Word, Excel or other zipped file"),
    (b"\xd0\xcf\x11\xe0", "an older Word or Excel file"),
    (b"{\\rtf", "a rich text (RTF) document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
)
_UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


def _size(count: int) -> str:
    """A file size in words: "512 bytes", "37 KB", "1.5 MB"."""
    if count < 1024:
        return f"{count} bytes"
    if count < 1024 * 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count / (1024 * 1024):.1f} MB"


def content_problem(raw: bytes, *, max_bytes: int) -> str | None:
    """Why these bytes cannot be a questionnaire file at all, judged by content, or None."""
    if len(raw) > max_bytes:
        return (
            f"the file is {_size(len(raw))}; a questionnaire file can be at most {_size(max_bytes)}"
        )
    if not raw.strip():
        return "the file is empty: choose the questionnaire's JSON file"
    for signature, kind in _SIGNATURES:
        if raw.startswith(signature):
            return (
                f"this is {kind}, not a questionnaire: choose the questionnaire's JSON file, "
                "a text file that starts with {"
            )
    if raw.startswith(_UTF16_MARKS):
        return "the file is saved as UTF-16: save it with UTF-8 encoding and upload it again"
    if b"\x00" in raw[:8192]:
        return (
            "this is not a text file, so it cannot be a questionnaire: choose the "
            "questionnaire's JSON file, a text file that starts with {"
        )
    return None


def read_upload(
    source: str, raw: bytes, *, max_bytes: int
) -> questionnaire_service.QuestionnaireFile:
    """Check an uploaded file as the command line does; LoadRefused lists every problem."""
    problem = content_problem(raw, max_bytes=max_bytes)
    if problem is not None:
        raise LoadRefused([FileProblem(source, "$", problem)])
    return questionnaire_service.parse_file(source, raw)


def bytes_sha256(raw: bytes) -> str:
    """The hash of a file's exact bytes, carried from the check to the confirmation."""
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class UploadCheck:
    """A valid upload, summarised and compared with what is loaded, before it is confirmed."""

    file: questionnaire_service.QuestionnaireFile
    raw: bytes
    summary: Summary
    baseline: QuestionnaireVersion | None
    baseline_is_current: bool
    comparison: Comparison | None
    already_loaded: bool
    latest_version: int
    # The stored version under the file's id and number: the draft it replaces (changed
    # content), or the version already loaded (the same content).
    stored: QuestionnaireVersion | None = None
    unknown_services: tuple[str, ...] = ()  # named by conditions, but no service is so called

    @property
    def questionnaire(self) -> Questionnaire:
        return self.file.questionnaire

    @property
    def raw_sha256(self) -> str:
        return bytes_sha256(self.raw)

    @property
    def baseline_id(self) -> int | None:
        return self.baseline.id if self.baseline is not None else None

    @property
    def not_latest(self) -> bool:
        """Whether a later version is published, so this one would not be offered."""
        return not self.already_loaded and self.questionnaire.version < self.latest_version

    @property
    def replaces_draft(self) -> bool:
        """Whether loading the file replaces a draft's content under the same id and version."""
        return self.stored is not None and not self.already_loaded


def check_upload(source: str, raw: bytes, *, session: Session, max_bytes: int) -> UploadCheck:
    """Validate an upload and compare it with the current version; store nothing.

    The same id and version as a published version with different content is refused with
    the command line's message; as a draft's, it replaces the draft. The same content again
    is reported as already loaded.
    """
    file = read_upload(source, raw, max_bytes=max_bytes)
    undeclared = questionnaire_service.undeclared_kinds([file], session=session)
    if undeclared:
        raise LoadRefused(undeclared)
    questionnaire = file.questionnaire
    # The loader's check refuses a published version's changed content; its message says
    # what to do.
    [planned] = questionnaire_service.check_load([file], session=session, replace_drafts=True)
    others = [
        row
        for row in questionnaire_service.all_versions(session=session)
        if row.questionnaire_id == questionnaire.id and row.version != questionnaire.version
    ]
    published = [row for row in others if not row.is_draft]
    current = current_version(questionnaire.id, session=session)
    baseline = current or max(published or others, key=lambda r: r.version, default=None)
    kind_names = declared_kinds(session=session)
    comparison = None
    if baseline is not None:
        comparison = compare(
            questionnaire_service.questionnaire_of(baseline), questionnaire, kind_names
        )
    return UploadCheck(
        file=file,
        raw=raw,
        summary=summarise(questionnaire, kind_names),
        baseline=baseline,
        baseline_is_current=baseline is not None and baseline is current,
        comparison=comparison,
        already_loaded=planned.stored is not None and not planned.replaces_draft,
        latest_version=max((row.version for row in published), default=0),
        stored=planned.stored,
        unknown_services=unknown_services(questionnaire, session=session),
    )


def unknown_services(questionnaire: Questionnaire, *, session: Session) -> tuple[str, ...]:
    """The services that the questionnaire's conditions name and that no service in the tool
    is called (capital letters and spaces aside), each once in file order. The file is valid
    all the same: services are the council's data and may be added later."""
    known = {name_key(name) for name in session.exec(select(Service.name))}
    unknown: dict[str, str] = {}
    for condition in conditions_of(questionnaire):
        for name in named_services(condition):
            if name_key(name) not in known:
                unknown.setdefault(name_key(name), name)
    return tuple(unknown.values())


def confirm_upload(
    source: str,
    raw: bytes,
    expected_sha256: str,
    *,
    session: Session,
    max_bytes: int,
    actor: Actor,
) -> LoadOutcome:
    """Load a checked upload as a draft (or in place of a draft of the same id and version):
    the same bytes, checked again, loaded as the command line does.

    The loader records the load in the audit trail. LoadRefused when anything is wrong, and
    UploadChanged when these are not the bytes that were checked.
    """
    if bytes_sha256(raw) != expected_sha256:
        raise UploadChanged(
            "The file could not be confirmed because it changed after it was checked. "
            "Upload it again."
        )
    file = read_upload(source, raw, max_bytes=max_bytes)
    [outcome] = questionnaire_service.load(
        [file], session=session, loaded_by=actor, publish=False, replace_drafts=True
    )
    return outcome


def loaded_message(outcome: LoadOutcome, *, session: Session) -> str:
    """A sentence for the admin saying what loading did and what new audits use."""
    current = current_version(outcome.questionnaire_id, session=session)
    name = f"{outcome.title} version {outcome.version}"
    if outcome.status == "unchanged":
        return f"{name} was already loaded with exactly this content: nothing has changed."
    done = (
        f"Draft {name} is replaced by the file you uploaded."
        if outcome.status == "replaced"
        else f"{name} is loaded as a draft."
    )
    offered = (
        f"New audits still use version {current.version}."
        if current is not None
        else "No version of this questionnaire is offered for new audits yet."
    )
    return f"{done} Auditors do not see it until it is published. {offered}"


# --------------------------------------------------------------------------------------
# Preview and scoring sandbox
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PreviewAudit:
    id: int | None = None
    status: str = DRAFT
    version: int = 0
    overall_grade_judged: str | None = None
    overall_analysis: str | None = None


@dataclass(frozen=True)
class _PreviewCase:
    case_ref: str = "000000"


@dataclass(frozen=True)
class _PreviewTeam:
    name: str = "Example team"


@dataclass(frozen=True)
class _PreviewPerson:
    username: str = "auditor"
    display_name: str = "An auditor"


@dataclass(frozen=True)
class Preview:
    """A questionnaire version with sandbox answers, shaped like an audit for its pages.

    The auditor's task list and theme pages render it as they render an audit; nothing of it
    is stored.
    """

    version_row: QuestionnaireVersion
    questionnaire: Questionnaire
    answers: dict[str, str]
    score: AuditScore
    errors: dict[str, str]
    typed: dict[str, str]
    audit: _PreviewAudit = field(default_factory=_PreviewAudit)
    case: _PreviewCase = field(default_factory=_PreviewCase)
    team: _PreviewTeam = field(default_factory=_PreviewTeam)
    auditor: _PreviewPerson = field(default_factory=_PreviewPerson)
    judgements: dict[str, object] = field(default_factory=dict)
    concerns: tuple[object, ...] = ()
    # The service of the example case: one the conditions name, chosen on the preview (the
    # ``as-service`` parameter), or None, a service no condition names.
    service: str | None = None
    services: tuple[str, ...] = ()
    """The services the questionnaire's conditions name, to preview it as a case of each."""

    @property
    def shown_themes(self) -> list[Theme]:
        """The themes that apply, given the sandbox answers."""
        shown = shown_themes(self.questionnaire, self.answers, service=self.service)
        return [theme for theme in self.questionnaire.themes if theme.id in shown]

    def theme_status(self, theme: Theme) -> str:
        """Not started, In progress or Completed: every required question shown is answered.

        The sandbox has no judgements, so unlike an audit a theme needs none to be completed.
        """
        ids = {q.id for q in theme.questions}
        if not ids & {split_key(key)[0] for key in self.answers}:
            return "Not started"
        missing = [
            key
            for key in missing_required(self.questionnaire, self.answers, service=self.service)
            if split_key(key)[0] in ids
        ]
        return "In progress" if missing else "Completed"

    @property
    def shown(self) -> set[str]:
        """The questions the sandbox answers show (the others' answers are dropped)."""
        return shown_questions(self.questionnaire, self.answers, service=self.service)

    def carried(self, theme: Theme | None = None) -> list[tuple[str, str]]:
        """The sandbox answers outside a theme (all when None) and the example case's service,
        to carry from page to page."""
        inside: set[str] = set()
        if theme is not None:
            inside = {key for key, _ in page_fields(theme, {}, every=True)}
            inside |= {group.id for group in theme.repeats}
        carried = [(qid, value) for qid, value in self.answers.items() if qid not in inside]
        return carried + ([(AS_SERVICE, self.service)] if self.service else [])


AS_SERVICE = "as-service"
"""The preview's parameter naming the example case's service."""


def _named_services(questionnaire: Questionnaire) -> tuple[str, ...]:
    """The services the questionnaire's conditions name, each once, in file order."""
    names: dict[str, str] = {}
    for condition in conditions_of(questionnaire):
        for name in named_services(condition):
            names.setdefault(name_key(name), name)
    return tuple(names.values())


def preview(row: QuestionnaireVersion, raw_answers: Mapping[str, str]) -> Preview:
    """Score sandbox answers with a version's rules, as an audit with those answers would be.

    ``raw_answers`` may hold other keys (a page's query string): only question ids are read.

    Values are tidied and checked as the auditor's theme page does; a value it would refuse is
    left out of the score and reported. Answers to questions the others hide are dropped.
    """
    questionnaire = questionnaire_service.questionnaire_of(row)
    given = _sandbox_values(questionnaire, raw_answers)
    typed: dict[str, str] = {}
    valid: dict[str, str] = {}
    errors: dict[str, str] = {}
    for theme in questionnaire.themes:
        counts = repeat_counts(theme, given)
        typed.update(counts)
        valid.update(counts)
        for key, question in page_fields(theme, given):
            value = normalise_answer(question, given.get(key, ""))
            if is_blank(value):
                continue
            typed[key] = value
            problem = refused_value_message(question, value)
            if problem:
                errors[key] = repeat_label(questionnaire, key) + problem
            else:
                valid[key] = value
    services = _named_services(questionnaire)
    chosen = raw_answers.get(AS_SERVICE)
    service = next((name for name in services if name == chosen), None)
    answers = drop_hidden(questionnaire, valid, service=service)
    shown = shown_questions(questionnaire, answers, service=service)
    return Preview(
        version_row=row,
        questionnaire=questionnaire,
        answers=answers,
        score=score_audit(questionnaire, answers, day=clock.audit_day(None), service=service),
        errors={key: message for key, message in errors.items() if split_key(key)[0] in shown},
        typed=typed,
        service=service,
        services=services,
    )


def _sandbox_values(questionnaire: Questionnaire, raw: Mapping[str, str]) -> dict[str, str]:
    """The sandbox's values by key (a multi question's options ticked as one text), with a
    repeat added or removed when the page's button asked for it."""
    values: dict[str, str] = {}
    for theme in questionnaire.themes:
        for group in theme.repeats:
            if raw.get(group.id) is not None:
                values[group.id] = raw[group.id]
        for key, question in page_fields(theme, raw, every=True):
            found = raw.get(key)
            if question.type == "multi" and hasattr(raw, "getlist"):
                # A multi question's options ticked come as the parameter given once for each.
                found = " ".join(raw.getlist(key)) or None
            if found is not None:
                values[key] = found
        action = read_action(theme, raw.get("repeat_action") or "")
        if action is not None:
            values = apply_action(action, values)
    return values


# --------------------------------------------------------------------------------------
# Comparing and rescoring
# --------------------------------------------------------------------------------------


def compare_versions(
    questionnaire_id: str, before: int, after: int, *, session: Session
) -> Comparison:
    """Every difference between two loaded versions of one questionnaire."""
    old = get_version(questionnaire_id, before, session=session)
    new = get_version(questionnaire_id, after, session=session)
    return compare(
        questionnaire_service.questionnaire_of(old),
        questionnaire_service.questionnaire_of(new),
        declared_kinds(session=session),
    )


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The instants (UTC) at which a period of days in England begins and ends (exclusive)."""
    first = datetime.combine(start, time.min, tzinfo=LOCAL_TIMEZONE)
    after_last = datetime.combine(end + timedelta(days=1), time.min, tzinfo=LOCAL_TIMEZONE)
    return first.astimezone(UTC), after_last.astimezone(UTC)


AuditRow = tuple[int, datetime | None, str, str, str]
"""A submitted audit's id, submission time, case reference, team and service."""


def _in_period(version_row: QuestionnaireVersion, start: date, end: date) -> list[Any]:
    """The conditions for a version's audits whose submission stands, submitted in a period."""
    first, after_last = period_bounds(start, end)
    return [
        Audit.questionnaire_version_id == version_row.id,
        col(Audit.status).in_(STANDING),
        col(Audit.submitted_at) >= first,
        col(Audit.submitted_at) < after_last,
    ]


def count_submitted(
    version_row: QuestionnaireVersion, start: date, end: date, *, session: Session
) -> int:
    """How many audits of a version were submitted in a period (as :func:`submitted_audits`)."""
    conditions = _in_period(version_row, start, end)
    return session.exec(select(func.count(col(Audit.id))).where(*conditions)).one()


def submitted_rows(
    version_row: QuestionnaireVersion, start: date, end: date, *, session: Session
) -> list[AuditRow]:
    """Where each audit of :func:`submitted_audits` sits, without its answers, in order."""
    return list(
        session.exec(
            joined_to_service(
                select(  # type: ignore[call-overload]
                    Audit.id, Audit.submitted_at, Case.case_ref, Team.name, Service.name
                )
            )
            .where(*_in_period(version_row, start, end))
            .order_by(col(Audit.submitted_at), col(Audit.id))
        )
    )


def with_answers(rows: Sequence[AuditRow], *, session: Session) -> list[SubmittedAudit]:
    """The audits of ``rows`` with their answers, as the rescoring reads them."""
    ids = [audit_id for audit_id, *_ in rows]
    answers = _answers_of(ids, session=session)
    judged = judged_grades_of(ids, session=session)
    overall = overall_judgements_of(ids, session=session)
    return [
        SubmittedAudit(
            audit_id=audit_id,
            case_ref=case_ref,
            team=team,
            service=service,
            submitted_at=submitted_at,
            answers=answers.get(audit_id, {}),
            judged=judged.get(audit_id, {}),
            overall_judged=overall.get(audit_id),
        )
        for audit_id, submitted_at, case_ref, team, service in rows
    ]


def submitted_audits(
    version_row: QuestionnaireVersion, start: date, end: date, *, session: Session
) -> list[SubmittedAudit]:
    """The audits of a version submitted in a period (days in England, both included)."""
    return with_answers(submitted_rows(version_row, start, end, session=session), session=session)


def _answers_of(audit_ids: Sequence[int], *, session: Session) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    for batch in _batches(audit_ids, _BATCH):
        for audit_id, key, value in session.exec(
            select(Answer.audit_id, key_column(), Answer.value).where(
                col(Answer.audit_id).in_(batch), col(Answer.value) != ""
            )
        ):
            found.setdefault(audit_id, {})[key] = value
    return found


def judged_grades_of(audit_ids: Sequence[int], *, session: Session) -> dict[int, dict[str, str]]:
    """Each audit's theme grades as its auditor judged them, by audit id and theme id (what
    a theme graded by judgement is graded)."""
    found: dict[int, dict[str, str]] = {}
    for batch in _batches(audit_ids, _BATCH):
        for audit_id, theme_id, grade in session.exec(
            select(ThemeJudgement.audit_id, ThemeJudgement.theme_id, ThemeJudgement.grade).where(
                col(ThemeJudgement.audit_id).in_(batch), col(ThemeJudgement.grade).is_not(None)
            )
        ):
            found.setdefault(audit_id, {})[theme_id] = grade
    return found


def overall_judgements_of(audit_ids: Sequence[int], *, session: Session) -> dict[int, str]:
    """Each audit's overall grade as its auditor judged it, by audit id (what an overall
    grade graded by judgement is)."""
    found: dict[int, str] = {}
    for batch in _batches(audit_ids, _BATCH):
        rows = session.exec(
            select(Audit.id, Audit.overall_grade_judged).where(
                col(Audit.id).in_(batch), col(Audit.overall_grade_judged).is_not(None)
            )
        )
        found.update((audit_id, grade) for audit_id, grade in rows if audit_id and grade)
    return found


def _batches(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rescoring_impact(
    questionnaire_id: str,
    before: int,
    after: int,
    start: date,
    end: date,
    *,
    session: Session,
) -> Impact:
    """What the rules of version ``after`` would do to the grades of version ``before``'s audits.

    A what-if: the audits' stored results are read, never changed.
    """
    old = get_version(questionnaire_id, before, session=session)
    new = get_version(questionnaire_id, after, session=session)
    return rescore(
        questionnaire_service.questionnaire_of(old),
        questionnaire_service.questionnaire_of(new),
        submitted_audits(old, start, end, session=session),
    )

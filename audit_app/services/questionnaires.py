"""Loading, listing, publishing and retiring questionnaire versions.

A published ``(id, version)`` is immutable: loading the same content again is a no-op,
different content under the same version is refused. A version loaded as a draft (the
workshop's uploads, ``questionnaires load --draft``) is seen by admins only until it is
published; the workshop may replace a draft with a changed file under the same id and version,
or discard it. Every file is validated before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from audit_app.core.questionnaire import (
    Questionnaire,
    QuestionnaireInvalid,
    as_format_1,
    parse_questionnaire,
)
from audit_app.core.upgrade import AlreadyFormat2, upgrade_text
from audit_app.models import Audit, QuestionnaireVersion, utcnow
from audit_app.services.actor import Actor
from audit_app.services.errors import Refused
from audit_app.services.kinds import declared_kinds, undeclared_kind_message
from audit_app.services.trail import record_event

SCHEMA_FILE_NAME = "schema.json"


@dataclass(frozen=True)
class FileProblem:
    """One thing wrong with one file, at one JSON path."""

    source: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.path}: {self.message}"


class LoadRefused(Refused, ValueError):
    """Nothing was loaded; ``problems`` lists every reason (a file with very many ends with a
    line counting those not listed); ``total`` counts them all."""

    def __init__(self, problems: Sequence[FileProblem], *, total: int | None = None) -> None:
        self.problems = tuple(problems)
        self.total = len(self.problems) if total is None else total
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class QuestionnaireFile:
    """A questionnaire as read and validated, with the exact text it came from."""

    source: str
    text: str
    questionnaire: Questionnaire

    @property
    def sha256(self) -> str:
        return content_sha256(self.questionnaire)


@dataclass(frozen=True)
class LoadOutcome:
    questionnaire_id: str
    version: int
    title: str
    # "loaded", "unchanged", "replaced" (a draft's content) or "published" (a draft loaded
    # again to be published, with the same content).
    status: str
    source: str
    draft: bool = False


def content_sha256(questionnaire: Questionnaire) -> str:
    """A hash of the questionnaire's content, indifferent to layout and key order, and to the
    format it is written in: content that format 1 can say is hashed as format 1, so that a
    version loaded from a format 1 file keeps its hash, and its upgrade loads as unchanged."""
    content = as_format_1(questionnaire) or questionnaire.model_dump(
        mode="json", by_alias=True, exclude_unset=True
    )
    canonical = json.dumps(
        content,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def default_paths(directory: str | Path) -> list[Path]:
    """Every questionnaire file in a folder: ``*.json`` except the schema, in name order."""
    return sorted(p for p in Path(directory).glob("*.json") if p.name != SCHEMA_FILE_NAME)


def read_files(paths: Iterable[str | Path]) -> list[QuestionnaireFile]:
    """Read and validate files; raise LoadRefused with every problem in every file."""
    files: list[QuestionnaireFile] = []
    problems: list[FileProblem] = []
    total = 0
    for path in paths:
        source = Path(path).name
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            problems.append(FileProblem(source, "$", f"cannot be read: {exc.strerror or exc}"))
            total += 1
            continue
        try:
            files.append(parse_file(source, raw))
        except LoadRefused as refused:
            problems.extend(refused.problems)
            total += refused.total
    if problems:
        raise LoadRefused(problems, total=total)
    return files


def parse_file(source: str, raw: str | bytes) -> QuestionnaireFile:
    """Validate one questionnaire's text; raise LoadRefused naming ``source`` in each problem."""
    try:
        questionnaire = parse_questionnaire(raw)
    except QuestionnaireInvalid as invalid:
        raise LoadRefused(
            [FileProblem(source, p.path, p.message) for p in invalid.problems],
            total=invalid.total,
        ) from None
    text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    return QuestionnaireFile(source, text, questionnaire)


NothingToUpgrade = AlreadyFormat2


def upgrade_file(path: Path) -> str:
    """The text of a valid format 1 file written in format 2, its layout kept; LoadRefused
    with every problem when it is not a valid questionnaire, NothingToUpgrade when it is
    already format 2."""
    source = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problem = FileProblem(source, "$", f"cannot be read: {exc.strerror or exc}")
        raise LoadRefused([problem]) from None
    file = parse_file(source, raw)
    try:
        return upgrade_text(file.text)
    except QuestionnaireInvalid as invalid:
        raise LoadRefused(
            [FileProblem(source, p.path, p.message) for p in invalid.problems],
            total=invalid.total,
        ) from None


def write_atomically(target: Path, text: str) -> None:
    """Write UTF-8 text to a file that appears whole or not at all (the folder must exist)."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class PlannedLoad:
    """One distinct version among the files, and the version stored under its id and number."""

    file: QuestionnaireFile
    stored: QuestionnaireVersion | None

    @property
    def new(self) -> bool:
        return self.stored is None

    @property
    def replaces_draft(self) -> bool:
        """Whether the file is a changed draft under the id and version of a stored draft."""
        return self.stored is not None and self.stored.content_sha256 != self.file.sha256


def load(
    files: Sequence[QuestionnaireFile],
    *,
    session: Session,
    loaded_by: Actor,
    publish: bool = True,
    replace_drafts: bool = False,
) -> list[LoadOutcome]:
    """Store new versions, published at once or as drafts; refuse (storing nothing) when any
    version's content has changed (a draft's may, with ``replace_drafts``).

    Loading to publish the same content as a stored draft publishes the draft.
    """
    plan = check_load(files, session=session, replace_drafts=replace_drafts)
    outcomes = [
        _store_version(entry, session=session, loaded_by=loaded_by, publish=publish)
        for entry in plan
    ]
    session.flush()
    return outcomes


def check_load(
    files: Sequence[QuestionnaireFile], *, session: Session, replace_drafts: bool = False
) -> list[PlannedLoad]:
    """What loading the files would do, one entry per distinct version in the order first met,
    writing nothing. LoadRefused lists every version given two contents: by two of the files,
    or by a file and what is already loaded (unless that is a draft, with ``replace_drafts``)."""
    distinct, problems = distinct_versions(files)
    problems += undeclared_kinds(distinct, session=session)
    plan: list[PlannedLoad] = []
    for file in distinct:
        stored = stored_version(file.questionnaire.id, file.questionnaire.version, session=session)
        changed = stored is not None and stored.content_sha256 != file.sha256
        if changed and not (replace_drafts and stored is not None and stored.is_draft):
            problems.append(_changed_version_problem(file, plan, stored, session=session))
            continue
        plan.append(PlannedLoad(file, stored))
    if problems:
        raise LoadRefused(problems)
    return plan


def undeclared_kinds(files: Sequence[QuestionnaireFile], *, session: Session) -> list[FileProblem]:
    """A problem for each file whose kind the council has not declared (Admin > Kinds of
    audit)."""
    declared = declared_kinds(session=session)
    return [
        FileProblem(
            file.source, "$.kind", undeclared_kind_message(file.questionnaire.kind, declared)
        )
        for file in files
        if file.questionnaire.kind not in declared
    ]


def distinct_versions(
    files: Sequence[QuestionnaireFile],
) -> tuple[list[QuestionnaireFile], list[FileProblem]]:
    """The first file of each id and version, and a problem for each later file that gives the
    same version other content."""
    problems: list[FileProblem] = []
    seen: dict[tuple[str, int], QuestionnaireFile] = {}
    for file in files:
        key = (file.questionnaire.id, file.questionnaire.version)
        earlier = seen.get(key)
        if earlier is not None and earlier.sha256 != file.sha256:
            problems.append(
                FileProblem(
                    file.source,
                    "$.version",
                    f"{key[0]} version {key[1]} is also in {earlier.source} with different "
                    "content; give one of them a new version number",
                )
            )
        seen.setdefault(key, file)
    return list(seen.values()), problems


def stored_version(
    questionnaire_id: str, version: int, *, session: Session
) -> QuestionnaireVersion | None:
    """The stored version of an id and number, draft or published, if any."""
    return session.exec(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == questionnaire_id,
            QuestionnaireVersion.version == version,
        )
    ).first()


def _changed_version_problem(
    file: QuestionnaireFile,
    planned: Sequence[PlannedLoad],
    stored: QuestionnaireVersion | None,
    *,
    session: Session,
) -> FileProblem:
    """A loaded version never changes: the problem says which number to give the file instead,
    one past the highest loaded or planned before it (or, for a draft, where to replace it)."""
    questionnaire_id, version = file.questionnaire.id, file.questionnaire.version
    highest = max(
        [latest_version_number(questionnaire_id, session=session)]
        + [
            entry.file.questionnaire.version
            for entry in planned
            if entry.new and entry.file.questionnaire.id == questionnaire_id
        ]
    )
    if stored is not None and stored.is_draft:
        return FileProblem(
            file.source,
            "$.version",
            f"{questionnaire_id} version {version} is already loaded as a draft with different "
            "content; upload the file in the questionnaires workshop to replace the draft, or "
            f'set "version" to {highest + 1} to load this as a new version',
        )
    return FileProblem(
        file.source,
        "$.version",
        f"{questionnaire_id} version {version} is already loaded with different "
        f'content; a loaded version never changes, so set "version" to '
        f"{highest + 1} to load this as a new version",
    )


def _store_version(
    entry: PlannedLoad, *, session: Session, loaded_by: Actor, publish: bool
) -> LoadOutcome:
    """Store a planned version that is new, or a draft's changed content, recorded in the
    trail; one already stored with the same content is left as it is (a draft of it is
    published when ``publish``)."""
    file, q, stored = entry.file, entry.file.questionnaire, entry.stored
    if stored is not None and entry.replaces_draft:
        return _replace_draft(stored, file, session=session, loaded_by=loaded_by)
    if stored is not None:
        if publish and stored.is_draft:
            publish_version(stored, session=session, actor=loaded_by)
            return LoadOutcome(q.id, q.version, stored.title, "published", file.source)
        return LoadOutcome(
            q.id, q.version, stored.title, "unchanged", file.source, draft=stored.is_draft
        )
    now = utcnow()
    session.add(
        QuestionnaireVersion(
            questionnaire_id=q.id,
            version=q.version,
            title=q.title,
            kind=q.kind,
            content=file.text,
            content_sha256=file.sha256,
            loaded_at=now,
            loaded_by=loaded_by.username,
            published_at=now if publish else None,
            published_by=loaded_by.username if publish else "",
        )
    )
    record_event(
        "questionnaire.loaded",
        session=session,
        actor=loaded_by,
        questionnaire_id=q.id,
        version=q.version,
        sha256=file.sha256,
        source=file.source,
        draft=not publish,
    )
    return LoadOutcome(q.id, q.version, q.title, "loaded", file.source, draft=not publish)


def _replace_draft(
    row: QuestionnaireVersion, file: QuestionnaireFile, *, session: Session, loaded_by: Actor
) -> LoadOutcome:
    """Put a changed file's content in place of a draft's, recorded in the trail."""
    q = file.questionnaire
    previous = row.content_sha256
    row.title, row.kind, row.content = q.title, q.kind, file.text
    row.content_sha256 = file.sha256
    row.loaded_at, row.loaded_by = utcnow(), loaded_by.username
    session.add(row)
    record_event(
        "questionnaire.draft_replaced",
        session=session,
        actor=loaded_by,
        questionnaire_id=q.id,
        version=q.version,
        sha256=file.sha256,
        previous_sha256=previous,
        source=file.source,
    )
    return LoadOutcome(q.id, q.version, q.title, "replaced", file.source, draft=True)


def publish_version(row: QuestionnaireVersion, *, session: Session, actor: Actor) -> None:
    """Publish a draft: new audits may use it from now on; recorded in the trail."""
    row.published_at = utcnow()
    row.published_by = actor.username
    session.add(row)
    record_event(
        "questionnaire.published",
        session=session,
        actor=actor,
        questionnaire_id=row.questionnaire_id,
        version=row.version,
        sha256=row.content_sha256,
    )
    session.flush()


def discard_draft(row: QuestionnaireVersion, *, session: Session, actor: Actor) -> None:
    """Delete a draft no audit uses, recorded in the trail (with its content's hash)."""
    if not row.is_draft or audit_counts(session=session).get(row.id or 0):
        raise Refused(f"{row.title} version {row.version} is in use and cannot be discarded")
    record_event(
        "questionnaire.draft_discarded",
        session=session,
        actor=actor,
        questionnaire_id=row.questionnaire_id,
        version=row.version,
        sha256=row.content_sha256,
        loaded_by=row.loaded_by,
    )
    session.delete(row)
    session.flush()


def latest_version_number(questionnaire_id: str, *, session: Session) -> int:
    """The highest version loaded for an id, retired or not (0 when none)."""
    number = session.exec(
        select(func.max(QuestionnaireVersion.version)).where(
            QuestionnaireVersion.questionnaire_id == questionnaire_id
        )
    ).one()
    return int(number or 0)


def all_versions(*, session: Session) -> list[QuestionnaireVersion]:
    """Every loaded version, by id then version."""
    return list(
        session.exec(
            select(QuestionnaireVersion).order_by(
                col(QuestionnaireVersion.questionnaire_id), col(QuestionnaireVersion.version)
            )
        )
    )


def current_versions(*, session: Session) -> list[QuestionnaireVersion]:
    """For each id not retired, the highest published version that is not retired: what new
    audits use (never a draft)."""
    current: dict[str, QuestionnaireVersion] = {}
    for row in all_versions(session=session):
        if row.retired_at is None and not row.is_draft:
            current[row.questionnaire_id] = row
    return sorted(current.values(), key=lambda row: row.title.lower())


def audit_counts(*, session: Session) -> dict[int, int]:
    """How many audits used each questionnaire version."""
    rows = session.exec(
        select(Audit.questionnaire_version_id, func.count()).group_by(
            col(Audit.questionnaire_version_id)
        )
    )
    return {version_id: count for version_id, count in rows}


def set_retired(
    questionnaire_id: str,
    retired: bool,
    *,
    session: Session,
    actor: Actor,
    version: int | None = None,
) -> list[QuestionnaireVersion]:
    """Retire (hide from new audits) or reinstate an id's published versions, or one of them.

    A draft is never offered for new audits, so it is neither retired nor reinstated.
    """
    query = select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == questionnaire_id,
        col(QuestionnaireVersion.published_at).is_not(None),
    )
    if version is not None:
        query = query.where(QuestionnaireVersion.version == version)
    rows = list(session.exec(query))
    if not rows:
        what = f"{questionnaire_id} version {version}" if version else questionnaire_id
        if stored_version(questionnaire_id, version or 0, session=session) is not None:
            raise LookupError(f"{what} is a draft: publish it first (a draft is never offered)")
        raise LookupError(f"no questionnaire {what} is loaded")
    now = utcnow()
    for row in rows:
        row.retired_at = now if retired else None
        session.add(row)
    record_event(
        "questionnaire.retired" if retired else "questionnaire.reinstated",
        session=session,
        actor=actor,
        questionnaire_id=questionnaire_id,
        versions=[row.version for row in rows],
    )
    session.flush()
    return rows


def questionnaire_of(row: QuestionnaireVersion) -> Questionnaire:
    """The parsed questionnaire of a stored version (parsed once per content)."""
    return _parse_stored(row.content_sha256, row.content)


@lru_cache(maxsize=64)
def _parse_stored(_sha256: str, content: str) -> Questionnaire:
    return parse_questionnaire(content)

"""The auditor's pages, step by step: loading the audit, reading a theme page's request, saving
it (again when another save landed meanwhile), and drawing the pages of views/audits.py.

What a page shows after a save is decided in services/theme_page.py; this module reads the
request, holds the changes (``with changes()``), and renders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from audit_app.auth import current_actor, expired_user_id, login_manager, this_browser_session
from audit_app.core.questionnaire import Theme
from audit_app.core.repeats import apply_action, page_fields, read_action, repeat_count
from audit_app.db import changes, get_session
from audit_app.forms.audits import (
    JudgementForm,
    SubmitForm,
    VoiceForm,
    field_text,
    theme_form_class,
)
from audit_app.services import audits as audit_service
from audit_app.services import pending_saves, theme_page
from audit_app.services.audits import (
    ANALYSIS,
    JUDGEMENT,
    AuditFile,
    EditConflict,
    FieldErrors,
    SaveOutcome,
    StaleAudit,
)
from audit_app.services.evidence import evidence_names
from audit_app.services.theme_page import PageAfterSave

# Where a page may send the auditor back to after saving (?return_to=...): names, never URLs.
RETURN_TO = {"check": "audits.check"}
# What a theme page's buttons ask for after saving.
AFTER_SAVE = ("continue", "update", "later")
# "Add another visit" and "Remove visit 2" save the page as "later" does, then show it again.
REPEAT_ACTION = "repeat_action"
RACE_RETRIES = 3
T = TypeVar("T")


def return_to() -> str | None:
    """The page to go back to after saving, when it is one of RETURN_TO's; else None."""
    value = request.values.get("return_to", "")
    return value if value in RETURN_TO else None


def after_save() -> str:
    """What the theme page's button asked for after saving: one of AFTER_SAVE."""
    if request.form.get(REPEAT_ACTION):
        return "repeat"
    value = request.form.get("after_save", "continue")
    return value if value in AFTER_SAVE else "continue"


# --- loading the audit ---------------------------------------------------------------------


def load(audit_id: int) -> AuditFile:
    """The audit, if the person signed in may see it (else the 404 page)."""
    return audit_service.load_audit(audit_id, current_actor(), session=get_session())


def reload(audit_file: AuditFile) -> AuditFile:
    """The audit read again: as it is now, after this page's save or someone else's."""
    assert audit_file.audit.id is not None
    return load(audit_file.audit.id)


def load_own(audit_id: int) -> AuditFile:
    """The audit, for its own auditor; 404 for anyone else."""
    audit_file = load(audit_id)
    if audit_file.audit.auditor_id != current_user.id:
        abort(404)
    return audit_file


def load_editable(audit_id: int) -> AuditFile | Response:
    """The audit for its own auditor to change; a submitted one sends them to its summary."""
    audit_file = load_own(audit_id)
    if not audit_file.editable:
        flash("This audit has been submitted, so its answers can no longer change.", "info")
        return redirect(url_for("audits.show", audit_id=audit_id))
    return audit_file


def load_for_voice(audit_id: int) -> AuditFile | Response:
    """The audit for its own auditor to record the discussion; a closed one sends them back."""
    audit_file = load_own(audit_id)
    if audit_file.audit.status not in audit_service.VOICE_STATUSES:
        flash("This audit is closed, so the discussion can no longer be recorded.", "info")
        return redirect(url_for("audits.show", audit_id=audit_id))
    return audit_file


def theme_of(audit_file: AuditFile, theme_id: str) -> Theme:
    """The audit's theme with this id; 404 when its questionnaire has none."""
    found = next((t for t in audit_file.questionnaire.themes if t.id == theme_id), None)
    if found is None:
        abort(404)
    return found


class Retrying:
    """Saves from one page, each in a change of its own, tried again when another save landed
    between reading the audit and writing it: RACE_RETRIES attempts in all, and only for a page
    that says what it showed (``may_retry``), since only then can the save be checked again.

    ``audit_file`` is the audit as the last attempt read it.
    """

    def __init__(self, audit_file: AuditFile, *, may_retry: bool) -> None:
        self.audit_file = audit_file
        self.may_retry = may_retry

    def save(self, save: Callable[[AuditFile], T]) -> T:
        """``save(view)`` in ``with changes()``; its refusal is raised once there is no retry."""
        attempt = 1
        while True:
            try:
                with changes():
                    return save(self.audit_file)
            except EditConflict:
                raise
            except StaleAudit:
                if not self.may_retry or attempt >= RACE_RETRIES:
                    raise
            attempt += 1
            self.audit_file = reload(self.audit_file)


# --- a theme page --------------------------------------------------------------------------


@dataclass
class ThemeEntry:
    """What a theme page's request brings: its form, and the values to save (None: the page is
    being opened). ``restored``: kept when the session ended. ``errors``: the form's own
    problems, when nothing is to be saved."""

    form: JudgementForm
    posted: dict[str, str] | None = None
    restored: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    def save(self, audit_file: AuditFile, theme: Theme) -> SaveOutcome:
        """Save the page's answers and judgement of the theme: one attempt, in the open change."""
        posted = self.posted or {}
        names = [key for key, _ in page_fields(theme, posted)]
        names += [group.id for group in theme.repeats] + evidence_names(theme)
        return audit_service.save_theme(
            audit_file,
            theme.id,
            {name: posted.get(name, "") for name in names},
            self.form.expected_version(),
            current_actor(),
            session=get_session(),
            judgement=theme_page.judgement_typed(posted, theme),
            loaded=self.loaded(),
            complete=after_save() == "continue",
        )

    def loaded(self) -> dict[str, str] | None:
        """What the page showed when it was opened, when it says (audit_service.page_state)."""
        return audit_service.read_page_state(self.form.loaded_state.data)


def theme_entry(audit_file: AuditFile, theme: Theme) -> ThemeEntry:
    """Read a theme page's request: answers kept when the session ended (taken once signed in
    again), answers posted, or nothing to save."""
    form_class = theme_form_class(audit_file.questionnaire, theme.id)
    kept = restore_pending(audit_file, theme.id)
    if kept is not None:
        form = form_class(formdata=None)
        form.version.data = str(kept.version)
        form.loaded_state.data = kept.state
        return ThemeEntry(form, kept.posted, restored=True)
    form = form_class()
    if request.method != "POST":
        return ThemeEntry(form)
    errors: dict[str, str] = {}
    if not form.validate_on_submit():
        # The fields have no rules of their own (the service checks the values); say what is
        # wrong and keep what was typed rather than give a bare error page.
        errors = {name: str(messages[0]) for name, messages in form.errors.items()}
    return ThemeEntry(form, posted_values(form, theme), errors=errors)


def posted_values(form: JudgementForm, theme: Theme) -> dict[str, str]:
    """What a theme page sent, by field name: each question, the grade and the analysis."""
    fields = page_fields(theme, {}, every=True)
    posted = {key: field_text(form[key].data) for key, _ in fields}
    posted.update({group.id: str(form[group.id].data or "") for group in theme.repeats})
    posted.update({name: str(form[name].data or "") for name in evidence_names(theme)})
    posted["judgement"] = str(form.judgement.data or "")
    posted["analysis"] = str(form.analysis.data or "")
    action = read_action(theme, request.form.get(REPEAT_ACTION, ""))
    return apply_action(action, posted) if action is not None else posted


def save_theme_entry(
    audit_file: AuditFile, theme: Theme, entry: ThemeEntry
) -> Response | tuple[AuditFile, PageAfterSave]:
    """Save what a theme page sent; then where to go, or the audit and what the page shows."""
    typed = theme_page.typed_values(entry.posted or {}, theme)
    attempts = Retrying(audit_file, may_retry=entry.loaded() is not None)
    try:
        outcome = attempts.save(lambda current: entry.save(current, theme))
    except EditConflict as conflict:
        audit_file = reload(audit_file)
        return audit_file, theme_page.after_conflict(audit_file, theme, typed, conflict)
    except StaleAudit as refused:
        audit_file = reload(audit_file)
        return audit_file, theme_page.after_stale(audit_file, theme, typed, refused)
    except FieldErrors as problems:
        form = entry.form
        page = theme_page.after_field_errors(
            theme, typed, problems.errors, version=form.version.data, state=form.loaded_state.data
        )
        return attempts.audit_file, page
    return _after_theme_saved(attempts.audit_file, theme, entry, outcome)


def _after_theme_saved(
    audit_file: AuditFile, theme: Theme, entry: ThemeEntry, outcome: SaveOutcome
) -> Response | tuple[AuditFile, PageAfterSave]:
    """Saved: on to the next page, or the page again when it has something to say."""
    if entry.restored:
        flash("Your session had ended, but your answers have been saved.", "success")
    audit_file = reload(audit_file)
    audit_id = audit_file.audit.id
    choice = after_save()
    if choice == "repeat":
        return redirect(after_repeat_action(audit_file, theme))
    if choice == "later" and not entry.restored:
        flash(
            f"Your answers to “{theme.title}” are saved. You can come back to them later.",
            "success",
        )
        return redirect(url_for("audits.show", audit_id=audit_id))
    notice = theme_page.saved_notice(audit_file, theme.id, outcome, choice)
    if notice is None and not entry.restored:
        target = return_to()
        if target is not None:
            return redirect(url_for(RETURN_TO[target], audit_id=audit_id))
        return redirect(next_after(audit_file, theme.id))
    return audit_file, PageAfterSave(notice=notice)


def after_repeat_action(audit_file: AuditFile, theme: Theme) -> str:
    """Saved after "Add another visit" or "Remove visit 2": say so, and where the page goes
    (to the new repeat, or to the group)."""
    action = read_action(theme, request.form.get(REPEAT_ACTION, ""))
    page = url_for(
        "audits.theme", audit_id=audit_file.audit.id, theme_id=theme.id, return_to=return_to()
    )
    if action is None:
        return page
    group = action.group
    count = repeat_count(group, audit_file.answers)
    if action.adds:
        flash(f"Your answers are saved. {group.title} {count} is added below.", "success")
        return f"{page}#{group.id}-{count}"
    flash(
        f"Your answers are saved. {group.title} {action.number} is removed; the others are "
        "kept as they were.",
        "success",
    )
    return f"{page}#{group.id}"


def next_after(audit_file: AuditFile, theme_id: str) -> str:
    """The next theme's page, or after the last theme the overall judgement's."""
    ids = [t.id for t in audit_file.questionnaire.themes]
    shown = {t.id for t in audit_file.shown_themes}
    later = [tid for tid in ids[ids.index(theme_id) + 1 :] if tid in shown]
    if later:
        return url_for("audits.theme", audit_id=audit_file.audit.id, theme_id=later[0])
    if audit_file.questionnaire.grading.graded_by == "score":
        return url_for("audits.check", audit_id=audit_file.audit.id)  # no judgement is asked
    return url_for("audits.judgement", audit_id=audit_file.audit.id)


def render_theme(
    audit_file: AuditFile, theme: Theme, form: JudgementForm, page: PageAfterSave
) -> tuple[str, int]:
    """The theme page, and its status."""
    return render_template(
        "audits/theme.html",
        audit_file=audit_file,
        theme=theme,
        form=form,
        return_to=return_to(),
        **theme_page.theme_page_context(audit_file, theme, page),
    ), page.status


# --- answers kept when the session ended ---------------------------------------------------


def keep_answers_until_signed_in(audit_id: int, theme_id: str) -> Response:
    """A save that arrives after the session ended: keep the answers, then ask to sign in."""
    user_id = expired_user_id()
    if request.method != "POST" or user_id is None:
        return login_manager.unauthorized()
    try:
        session["pending_save"] = _keep(user_id, audit_id, theme_id)
    except pending_saves.NotKept as refused:
        flash(str(refused), "info")
    else:
        flash(
            "Your session ended because you were inactive. Your answers are kept: sign in again "
            "to save them.",
            "info",
        )
    target = url_for("audits.theme", audit_id=audit_id, theme_id=theme_id, return_to=return_to())
    return redirect(url_for("auth.sign_in", next=target))


def _keep(user_id: int, audit_id: int, theme_id: str) -> str:
    """Keep the page's answers in a change of their own, once more when another late save of
    the same audit was kept meanwhile (this one replaces it); return the token."""

    def attempt() -> str:
        with changes() as db:
            ended = pending_saves.EndedSession(user_id, this_browser_session(db))
            return pending_saves.keep(ended, audit_id, theme_id, request.form, session=db)

    try:
        return attempt()
    except IntegrityError:
        return attempt()


def restore_pending(audit_file: AuditFile, theme_id: str) -> pending_saves.KeptAnswers | None:
    """Answers kept when the session ended, for this person, audit and theme (used once, and
    not after ``pending_saves.KEEP_FOR``)."""
    token = session.get("pending_save")
    if not token:
        return None
    db = get_session()
    pending = pending_saves.find(token, audit_file.audit.id, theme_id, session=db)
    if pending is None:
        return None
    session.pop("pending_save", None)
    # Used once, whatever becomes of the save it restores: gone before that save is tried.
    with changes():
        pending_saves.forget(pending, session=db)
    if pending.user_id != current_user.id:
        return None
    if pending_saves.too_old(pending):
        flash(pending_saves.TOO_OLD, "info")
        return None
    return pending_saves.kept_answers(pending)


# --- the overall judgement, the check and the discussion with the worker -------------------


def save_overall(
    audit_file: AuditFile, form: JudgementForm
) -> Response | tuple[AuditFile, PageAfterSave]:
    """Save the overall judgement; then on to the check, or the audit and what the page shows."""
    typed = {JUDGEMENT: form.judgement.data or "", ANALYSIS: form.analysis.data or ""}
    state = audit_service.read_page_state(form.loaded_state.data)
    attempts = Retrying(audit_file, may_retry=state is not None)
    try:
        attempts.save(
            lambda current: audit_service.save_overall_judgement(
                current,
                typed[JUDGEMENT],
                typed[ANALYSIS],
                form.expected_version(),
                current_actor(),
                session=get_session(),
                loaded=state,
            )
        )
    except EditConflict as conflict:
        audit_file = reload(audit_file)
        return audit_file, theme_page.overall_after_conflict(audit_file, typed, conflict)
    except StaleAudit as refused:
        return reload(audit_file), PageAfterSave(notice=str(refused), status=409)
    except FieldErrors as problems:
        page = PageAfterSave(
            errors=problems.errors,
            status=400,
            page_version=form.version.data,
            page_state=form.loaded_state.data,
        )
        return attempts.audit_file, page
    return redirect(url_for("audits.check", audit_id=audit_file.audit.id))


def render_judgement(
    audit_file: AuditFile, form: JudgementForm, page: PageAfterSave
) -> tuple[str, int]:
    """The overall judgement page, its fields showing ``page.shown_back`` when it has them."""
    if page.shown_back is not None:
        form.judgement.data = page.shown_back[JUDGEMENT]
        form.analysis.data = page.shown_back[ANALYSIS]
    return render_template(
        "audits/judgement.html",
        audit_file=audit_file,
        form=form,
        return_to=return_to(),
        **theme_page.overall_page_context(audit_file, page),
    ), page.status


def render_check(
    audit_file: AuditFile,
    form: SubmitForm,
    *,
    problems: dict[str, tuple[str, str]] | None = None,
    notice: str | None = None,
) -> tuple[str, int]:
    """The check-your-answers page: 400 when it lists what stops submission."""
    problems = problems or {}
    return render_template(
        "audits/check.html",
        audit_file=audit_file,
        form=form,
        problems=problems,
        notice=notice,
        analysis_fields={
            t.id: audit_service.analysis_field(t) for t in audit_file.questionnaire.themes
        },
    ), (400 if problems else 200)


def discussed_typed() -> tuple[str, str, str]:
    """The discussion's date as typed on the voice page: day, month and year."""
    return (
        request.form.get("discussed-day", ""),
        request.form.get("discussed-month", ""),
        request.form.get("discussed-year", ""),
    )


def voice_shown(audit_file: AuditFile, form: VoiceForm) -> tuple[str, str, str]:
    """The discussion's date the voice page shows: as typed, or on opening the page what is
    stored (the form's reflection then shows the stored one too)."""
    if request.method != "GET":
        return discussed_typed()
    form.reflection.data = audit_file.audit.worker_reflection or ""
    on = audit_file.audit.discussed_with_worker_on
    return (str(on.day), str(on.month), str(on.year)) if on else ("", "", "")


def render_voice(
    audit_file: AuditFile,
    form: VoiceForm,
    discussed: tuple[str, str, str],
    *,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
) -> tuple[str, int]:
    """The page of the discussion with the worker: 400 with problems to put right, 409 with a
    notice that the audit changed since the page was opened."""
    errors = errors or {}
    return render_template(
        "audits/voice.html",
        audit_file=audit_file,
        form=form,
        discussed=discussed,
        errors=errors,
        notice=notice,
    ), (400 if errors else 409 if notice else 200)

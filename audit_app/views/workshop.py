"""The QA leads' workshop: questionnaires listed, uploaded, previewed, compared and rescored,
and versions published, retired, reinstated or discarded.

Every page is for admins only. Uploads are checked by the same code as the command line and
confirmed in a second step that sends the checked bytes back (base64, with their hash) and
checks them again, so nothing is kept on the server between the two steps; they are loaded as
drafts. Publishing, retiring, reinstating and discarding each have a page saying what will
happen, whose form confirms it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from audit_app import clock, jobs, workbook_template
from audit_app.auth import current_actor, home_organisation_only, role_required
from audit_app.core.questionnaire import QuestionnaireInvalid
from audit_app.core.repeats import page_fields, repeat_counts
from audit_app.core.rescore import CHANGES, DIRECTIONS
from audit_app.core.workbook import REPEAT_REFUSED
from audit_app.db import changes, get_session
from audit_app.forms.workshop import (
    CompareForm,
    ConfirmChangeForm,
    ConfirmUploadForm,
    ImpactForm,
    UploadForm,
)
from audit_app.models import QuestionnaireVersion
from audit_app.services import questionnaire_workbooks as workbooks
from audit_app.services import what_if as what_if_service
from audit_app.services import workshop as workshop_service
from audit_app.services.questionnaires import FileProblem, LoadRefused
from audit_app.services.theme_page import shown_sections
from audit_app.services.what_if import DEFAULT_INLINE_AUDITS, LISTED, Summary, WhatIfOutcome
from audit_app.services.workshop import (
    ChangedMeanwhile,
    NotApplicable,
    Preview,
    UploadChanged,
    VersionChange,
)

bp = Blueprint("workshop", __name__, url_prefix="/questionnaires")

# Far larger than any real questionnaire (the shipped ones are under 40 KB).
DEFAULT_MAX_UPLOAD = 5 * 1024 * 1024
# A file with thousands of problems would make an unusable page: show the first ones.
MAX_PROBLEMS_SHOWN = 200
DIRECTION_NAMES = {
    "better": "Better",
    "worse": "Worse",
    "now graded": "Graded only under the new rules",
    "no longer graded": "No longer graded",
    "renamed": "A grade of another name",
    "unchanged": "Unchanged",
}
IMPACT_WORDS = {
    "directions": DIRECTIONS,
    "changes": CHANGES,
    "direction_names": DIRECTION_NAMES,
    # While a what-if is worked out, the page looks again after this many seconds.
    "refresh_seconds": 10,
    "listed_at_most": LISTED,
}


# --- helpers -------------------------------------------------------------------------------


def _max_upload_bytes() -> int:
    """The largest questionnaire file whose confirmation (base64 in a form field) still fits."""
    config = current_app.config
    # The confirmation's other fields and multipart framing need room beside the file.
    limits = [DEFAULT_MAX_UPLOAD * 4 // 3]
    if config.get("MAX_CONTENT_LENGTH"):
        limits.append(int(config["MAX_CONTENT_LENGTH"]) - 64 * 1024)
    if config.get("MAX_FORM_MEMORY_SIZE"):
        limits.append(int(config["MAX_FORM_MEMORY_SIZE"]))
    return max(1024, min(limits) * 3 // 4)


def _source_name(filename: str | None) -> str:
    """The uploaded file's name without any folders, for messages and the audit trail."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:200] or "uploaded file"


def _problem_items(problems: tuple[FileProblem, ...], href: str) -> list[dict[str, str]]:
    items = [
        {"text": f"{p.path}: {p.message}", "href": href} for p in problems[:MAX_PROBLEMS_SHOWN]
    ]
    hidden = len(problems) - MAX_PROBLEMS_SHOWN
    if hidden > 0:
        items.append({"text": f"And {hidden} more problems later in the file", "href": href})
    return items


def _upload_page(
    form: UploadForm, problems: tuple[FileProblem, ...] = (), source: str = ""
) -> tuple[str, int]:
    error_list: list[dict[str, str]] = []
    if problems:
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        form.questionnaire_file.errors = [
            f"{source or 'The file'} has {count} {noun}. Nothing was loaded: correct the file "
            "and upload it again"
        ]
        error_list = _problem_items(problems, f"#{form.questionnaire_file.id}")
    elif form.errors:
        error_list = [
            {"text": errors[0], "href": f"#{getattr(form, name).id}"}
            for name, errors in form.errors.items()
            if errors and hasattr(form, name)
        ]
    page = render_template(
        "workshop/upload.html",
        form=form,
        error_list=error_list,
        problems=problems[:MAX_PROBLEMS_SHOWN],
        more_problems=max(0, len(problems) - MAX_PROBLEMS_SHOWN),
        source=source,
        max_bytes=_max_upload_bytes(),
    )
    return page, (400 if error_list else 200)


def _check_page(check: workshop_service.UploadCheck, source: str, notice: str | None = None) -> str:
    form = ConfirmUploadForm(formdata=None)
    form.content.data = base64.b64encode(check.raw).decode("ascii")
    form.sha256.data = check.raw_sha256
    form.source.data = source
    form.compared_with.data = str(check.baseline_id or "")
    return render_template(
        "workshop/upload_check.html", check=check, form=form, source=source, notice=notice
    )


def _query(parameters: list[tuple[str, str]]) -> str:
    """Sandbox answers (and the example case's service) as a query string ("" when none)."""
    return ("?" + urlencode(parameters)) if parameters else ""


def _preview_urls(row: QuestionnaireVersion, audit_file: Preview) -> dict[str, Any]:
    """Links between the preview pages that carry the sandbox answers."""
    base = {"questionnaire_id": row.questionnaire_id, "version": row.version}
    query = _query(audit_file.carried())

    def theme_href(theme: Any) -> str:
        return url_for("workshop.preview_theme", theme_id=theme.id, **base) + query

    return {
        "theme_href": theme_href,
        "task_list_href": url_for("workshop.preview", **base) + query,
        "clear_href": url_for("workshop.preview", **base),
    }


def _version_choices(rows: list[QuestionnaireVersion]) -> list[tuple[str, str]]:
    def label(row: QuestionnaireVersion) -> str:
        if row.is_draft:
            return f"Version {row.version} (draft)"
        return f"Version {row.version}{' (retired)' if row.retired_at else ''}"

    return [(str(r.version), label(r)) for r in reversed(rows)]


def _default_pair(rows: list[QuestionnaireVersion]) -> tuple[str, str]:
    """The previous version and the latest, by default."""
    latest = rows[-1].version
    previous = rows[-2].version if len(rows) > 1 else latest
    return str(previous), str(latest)


# --- the list ------------------------------------------------------------------------------


@bp.get("")
@role_required("admin")
@home_organisation_only
def index() -> str:
    """Every questionnaire with its versions, audits, downloads and actions."""
    entries = workshop_service.list_questionnaires(session=get_session())
    return render_template("workshop/index.html", entries=entries)


@bp.get("/<questionnaire_id>/versions/<int:version>/download")
@role_required("admin")
@home_organisation_only
def download(questionnaire_id: str, version: int) -> BaseResponse:
    """The JSON file exactly as it was loaded."""
    row = workshop_service.get_version(questionnaire_id, version, session=get_session())
    filename = f"{row.questionnaire_id}-version-{row.version}.json"
    return Response(
        row.content.encode("utf-8"),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/<questionnaire_id>/versions/<int:version>/workbook")
@role_required("admin")
@home_organisation_only
def download_workbook(questionnaire_id: str, version: int) -> BaseResponse:
    """The version as a workbook, to change in a spreadsheet and upload as a new version."""
    row = workshop_service.get_version(questionnaire_id, version, session=get_session())
    try:
        raw = workbooks.workbook_bytes(json.loads(row.content))
    except QuestionnaireInvalid as refused:
        flash(workbook_refusal(row.version, refused), "info")
        return redirect(url_for("workshop.index") + f"#{questionnaire_id}")
    return _workbook_response(raw, f"{row.questionnaire_id}-version-{row.version}.xlsx")


@bp.get("/template.xlsx")
@role_required("admin")
@home_organisation_only
def template() -> BaseResponse:
    """The template workbook: every column explained, and a worked example."""
    return _workbook_response(workbook_template.render(), workbook_template.FILENAME)


def workbook_refusal(version: int, refused: QuestionnaireInvalid) -> str:
    """Why a version cannot be downloaded as a workbook, in the QA lead's words."""
    repeats = [p.path for p in refused.problems if p.message == REPEAT_REFUSED]
    if repeats:
        return (
            f"Version {version} has a repeating group (at {repeats[0]}), which the workbook "
            "has no rows for yet: the version must stay JSON. Download it as JSON instead."
        )
    return (
        f"Version {version} uses something the workbook has no column for yet: "
        "download it as JSON instead."
    )


def _workbook_response(raw: bytes, filename: str) -> BaseResponse:
    return Response(
        raw,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- publishing, retiring, reinstating and discarding, each confirmed ----------------------

CHANGE_URL = "/<questionnaire_id>/versions/<int:version>/"


@bp.route(CHANGE_URL + "publish", methods=["GET", "POST"])
@role_required("admin")
@home_organisation_only
def publish(questionnaire_id: str, version: int) -> str | tuple[str, int] | BaseResponse:
    """Say what publishing a draft will do; the form publishes it."""
    return _version_change(workshop_service.PUBLISH, questionnaire_id, version)


@bp.route(CHANGE_URL + "retire", methods=["GET", "POST"])
@role_required("admin")
@home_organisation_only
def retire(questionnaire_id: str, version: int) -> str | tuple[str, int] | BaseResponse:
    """Say what retiring a version will do; the form retires it."""
    return _version_change(workshop_service.RETIRE, questionnaire_id, version)


@bp.route(CHANGE_URL + "reinstate", methods=["GET", "POST"])
@role_required("admin")
@home_organisation_only
def reinstate(questionnaire_id: str, version: int) -> str | tuple[str, int] | BaseResponse:
    """Say what reinstating a retired version will do; the form reinstates it."""
    return _version_change(workshop_service.REINSTATE, questionnaire_id, version)


@bp.route(CHANGE_URL + "discard", methods=["GET", "POST"])
@role_required("admin")
@home_organisation_only
def discard(questionnaire_id: str, version: int) -> str | tuple[str, int] | BaseResponse:
    """Say what discarding a draft will do; the form deletes it."""
    return _version_change(workshop_service.DISCARD, questionnaire_id, version)


def _version_change(
    action: str, questionnaire_id: str, version: int
) -> str | tuple[str, int] | BaseResponse:
    """The confirmation page (GET), or the confirmed change (POST), or why not."""
    back = redirect(url_for("workshop.index") + f"#{questionnaire_id}")
    try:
        if request.method == "GET":
            change = workshop_service.plan_change(
                action, questionnaire_id, version, session=get_session()
            )
            return _change_page(change)
        form = ConfirmChangeForm()
        if not form.validate_on_submit():
            abort(400)
        with changes() as db:
            change = workshop_service.make_change(
                action,
                questionnaire_id,
                version,
                form.state.data or "",
                session=db,
                actor=current_actor(),
            )
    except ChangedMeanwhile as stale:
        return _change_page(stale.change, str(stale)), 409
    except NotApplicable as refused:
        flash(str(refused), "info")
        return back
    flash(change.done(), "success")
    return back


def _change_page(change: VersionChange, notice: str | None = None) -> str:
    form = ConfirmChangeForm(formdata=None)
    form.state.data = change.state
    impact_href = None
    if change.current_now is not None:
        impact_href = _impact_href(
            change.row.questionnaire_id, change.current_now.version, change.row.version
        )
    return render_template(
        "workshop/confirm_change.html",
        change=change,
        form=form,
        notice=notice,
        impact_href=impact_href,
    )


def _impact_href(questionnaire_id: str, before: int, after: int) -> str:
    """The rescoring impact of version ``after``'s rules on version ``before``'s audits over
    the last year (the impact page's own default period)."""
    today = clock.today()
    return url_for(
        "workshop.impact",
        questionnaire_id=questionnaire_id,
        before=before,
        after=after,
        start=(today - timedelta(days=365)).strftime("%d %m %Y").split(" "),
        end=today.strftime("%d %m %Y").split(" "),
    )


# --- uploading -----------------------------------------------------------------------------


@bp.route("/upload", methods=["GET", "POST"])
@role_required("admin")
@home_organisation_only
def upload() -> str | tuple[str, int]:
    """Choose a file; a valid one is summarised and compared before it is loaded."""
    form = UploadForm()
    if not form.validate_on_submit():
        if request.method == "GET":
            form = UploadForm(formdata=None)
        return _upload_page(form)
    storage = form.questionnaire_file.data
    source = _source_name(storage.filename)
    limit = _max_upload_bytes()
    # Read one byte past the limit: enough to know the file is too large, and no more.
    raw = storage.stream.read(limit + 1)
    # Checking stores nothing, so no changes() block: the read ends with the request.
    try:
        raw = workbooks.upload_as_json(source, raw, max_bytes=limit)
        check = workshop_service.check_upload(source, raw, session=get_session(), max_bytes=limit)
    except LoadRefused as refused:
        return _upload_page(form, refused.problems, source)
    return _check_page(check, source)


@bp.post("/upload/confirm")
@role_required("admin")
@home_organisation_only
def upload_confirm() -> str | tuple[str, int] | BaseResponse:
    """Check the file again and load it, or say why not."""
    form = ConfirmUploadForm()
    if not form.validate_on_submit():
        abort(400)
    source = _source_name(form.source.data)
    raw = _sent_bytes(form)
    if not raw:
        return _upload_again("The file could not be confirmed. Upload it again.")
    try:
        # Checking again stores nothing: only the load is a change.
        check = workshop_service.check_upload(
            source, raw, session=get_session(), max_bytes=_max_upload_bytes()
        )
    except LoadRefused as refused:
        return _upload_page(UploadForm(formdata=None), refused.problems, source)
    if str(check.baseline_id or "") != (form.compared_with.data or ""):
        return _check_page(check, source, BASELINE_MOVED), 409
    return _load(source, raw, form.sha256.data or "")


BASELINE_MOVED = (
    "Another version of this questionnaire was loaded, retired or reinstated after you "
    "checked this file. Check the differences below again before you load it."
)


def _sent_bytes(form: ConfirmUploadForm) -> bytes:
    """The checked file's bytes sent back with the confirmation (none when they are garbled)."""
    try:
        return base64.b64decode(form.content.data or "", validate=True)
    except (binascii.Error, ValueError):
        return b""


def _upload_again(message: str) -> tuple[str, int]:
    """The upload page, empty, with a message saying why the file must be uploaded again."""
    flash(message, "info")
    return _upload_page(UploadForm(formdata=None))[0], 400


def _load(source: str, raw: bytes, sha256: str) -> tuple[str, int] | BaseResponse:
    """Load the confirmed file and go back to the list, or say why not."""
    db = get_session()
    try:
        with changes():
            outcome = workshop_service.confirm_upload(
                source,
                raw,
                sha256,
                session=db,
                max_bytes=_max_upload_bytes(),
                actor=current_actor(),
            )
    except UploadChanged as changed:
        return _upload_again(str(changed))
    except LoadRefused as refused:
        return _upload_page(UploadForm(formdata=None), refused.problems, source)
    flash(workshop_service.loaded_message(outcome, session=db), "success")
    return redirect(url_for("workshop.index") + f"#{outcome.questionnaire_id}")


# --- preview and scoring sandbox ------------------------------------------------------------


@bp.get("/<questionnaire_id>/versions/<int:version>/preview")
@role_required("admin")
@home_organisation_only
def preview(questionnaire_id: str, version: int) -> str:
    """The auditor's task list for this version, with the sandbox's scores."""
    row = workshop_service.get_version(questionnaire_id, version, session=get_session())
    audit_file = workshop_service.preview(row, request.args)
    return render_template(
        "workshop/preview_task_list.html",
        audit_file=audit_file,
        can_edit=False,
        **_preview_urls(row, audit_file),
    )


@bp.get("/<questionnaire_id>/versions/<int:version>/preview/<theme_id>")
@role_required("admin")
@home_organisation_only
def preview_theme(questionnaire_id: str, version: int, theme_id: str) -> str:
    """A theme page as the auditor sees it; its form recalculates the scores, storing nothing."""
    row = workshop_service.get_version(questionnaire_id, version, session=get_session())
    audit_file = workshop_service.preview(row, request.args)
    theme = next((t for t in audit_file.questionnaire.themes if t.id == theme_id), None)
    if theme is None:
        abort(404)
    ids = [key for key, _ in page_fields(theme, audit_file.typed)] + list(repeat_counts(theme, {}))
    themes = [t.id for t in audit_file.questionnaire.themes]
    position = themes.index(theme_id)
    base = {"questionnaire_id": questionnaire_id, "version": version}
    next_href = (
        url_for("workshop.preview_theme", theme_id=themes[position + 1], **base)
        if position + 1 < len(themes)
        else url_for("workshop.preview", **base)
    )
    return render_template(
        "workshop/preview_theme.html",
        audit_file=audit_file,
        theme=theme,
        theme_score=audit_file.score.theme(theme_id),
        values={qid: audit_file.typed.get(qid, "") for qid in ids},
        errors={qid: audit_file.errors[qid] for qid in ids if qid in audit_file.errors},
        notice=None,
        shown=audit_file.shown,
        shown_sections=shown_sections(theme, audit_file.answers, audit_file.shown),
        carried=audit_file.carried(theme),
        next_href=next_href,
        **_preview_urls(row, audit_file),
    )


# --- comparing -----------------------------------------------------------------------------


@bp.get("/<questionnaire_id>/compare")
@role_required("admin")
@home_organisation_only
def compare(questionnaire_id: str) -> str | tuple[str, int]:
    """Two versions side by side: what was added, removed and changed."""
    rows = workshop_service.versions_of(questionnaire_id, session=get_session())
    before, after = _default_pair(rows)
    form = CompareForm(formdata=request.args or None, before=before, after=after)
    form.before.choices = form.after.choices = _version_choices(rows)
    comparison = None
    if not request.args or form.validate():
        comparison = workshop_service.compare_versions(
            questionnaire_id,
            int(form.before.data or 0),
            int(form.after.data or 0),
            session=get_session(),
        )
    page = render_template(
        "workshop/compare.html",
        form=form,
        rows=rows,
        title=rows[-1].title,
        questionnaire_id=questionnaire_id,
        comparison=comparison,
    )
    return page if comparison is not None else (page, 400)


# --- rescoring impact ----------------------------------------------------------------------


def _scope_name(scope: str, result: Summary | None) -> str:
    """What a figure's key names, in words: "Overall grades", "Child Protection, theme grades"."""
    if scope == "overall":
        return "Overall grades"
    if scope == "themes":
        return "Theme grades"
    if result is not None and scope.startswith("theme:"):
        theme_id = scope.removeprefix("theme:")
        title = next((t.title for t in result.by_theme if t.theme_id == theme_id), theme_id)
        return f"Grades of the theme “{title}”"
    for suffix, words in ((":overall", "overall grades"), (":themes", "theme grades")):
        if scope.startswith("service:") and scope.endswith(suffix):
            return f"{scope.removeprefix('service:').removesuffix(suffix)}, {words}"
    return scope


@bp.get("/<questionnaire_id>/rescoring")
@role_required("admin")
@home_organisation_only
def impact(questionnaire_id: str) -> Response:
    """What another version's rules would do to the grades of audits already submitted."""
    rows = workshop_service.versions_of(questionnaire_id, session=get_session())
    form = _impact_form(rows)
    outcome = None
    if not request.args or form.validate():
        outcome = _what_if(questionnaire_id, form)
    result = outcome.impact if outcome is not None else None
    scope = request.args.get("scope", "")
    which = request.args.get("which", "")
    page = render_template(
        "workshop/impact.html",
        scope_name=_scope_name(scope, result),
        form=form,
        rows=rows,
        title=rows[-1].title,
        questionnaire_id=questionnaire_id,
        impact=result,
        what_if=outcome,
        listing=outcome.listing(scope, which) if outcome is not None else None,
        scope=scope,
        which=which,
        figure_href=_figure_links(questionnaire_id, form),
        **IMPACT_WORDS,
    )
    response = make_response(page, 400 if outcome is None else 200)
    if outcome is not None and outcome.working:  # look again shortly (no script: the CSP)
        response.headers["Refresh"] = str(IMPACT_WORDS["refresh_seconds"])
    return response


def _impact_form(rows: list[QuestionnaireVersion]) -> ImpactForm:
    """The versions and period asked for: by default the previous version and the latest, over
    the last year."""
    before, after = _default_pair(rows)
    today = clock.today()
    form = ImpactForm(
        formdata=request.args or None,
        before=before,
        after=after,
        start=today - timedelta(days=365),
        end=today,
    )
    form.before.choices = form.after.choices = _version_choices(rows)
    return form


def _what_if(questionnaire_id: str, form: ImpactForm) -> WhatIfOutcome:
    """The what-if for the versions and period of a valid form: worked out now if small, else
    the kept one, or a job queued for the background worker (woken here)."""
    assert form.start.data is not None and form.end.data is not None
    with changes() as db:
        outcome = what_if_service.what_if(
            questionnaire_id,
            int(form.before.data or 0),
            int(form.after.data or 0),
            form.start.data,
            form.end.data,
            session=db,
            inline_audits=int(
                current_app.config.get("WHAT_IF_INLINE_AUDITS", DEFAULT_INLINE_AUDITS)
            ),
        )
    if outcome.queued:
        jobs.wake(current_app._get_current_object())  # type: ignore[attr-defined]
    return outcome


def _figure_links(questionnaire_id: str, form: ImpactForm) -> Callable[[str, str], str]:
    """Links from each figure to the audits behind it, keeping the versions and period."""
    params: dict[str, Any] = {
        "questionnaire_id": questionnaire_id,
        "before": form.before.data,
        "after": form.after.data,
    }
    if form.start.data and form.end.data:
        params["start"] = form.start.data.strftime("%d %m %Y").split(" ")
        params["end"] = form.end.data.strftime("%d %m %Y").split(" ")

    def figure_href(scope: str, which: str) -> str:
        return url_for("workshop.impact", scope=scope, which=which, **params) + "#audits"

    return figure_href

"""Admin pages: the list of cases, and importing cases from a CSV file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import Field

from audit_app.auth import current_actor, home_organisation_only, role_required
from audit_app.db import changes, get_session
from audit_app.forms.admin import CasesUploadForm
from audit_app.services import cases as case_service
from audit_app.services.csv_files import ImportRefused
from audit_app.views.admin import bp

PER_PAGE = 50
# A file with thousands of bad rows would make an unusable page: show the first ones, and say
# how many more there are (the command line lists them all).
MAX_PROBLEMS_SHOWN = 200


def problem_list(problems: Any, href: str) -> list[dict[str, str]]:
    """The items of a GOV.UK error summary: one per problem, each linking to the file input."""
    items = [{"text": str(p), "href": href} for p in list(problems)[:MAX_PROBLEMS_SHOWN]]
    hidden = len(problems) - MAX_PROBLEMS_SHOWN
    if hidden > 0:
        items.append(
            {"text": f"And {hidden} more problems on later lines", "href": href},
        )
    return items


def refusal_message(count: int) -> str:
    noun = "problem" if count == 1 else "problems"
    return (
        f"The file has {count} {noun}. Nothing was imported: correct the file and upload it again"
    )


def pagination(endpoint: str, page: int, pages: int) -> dict[str, Any] | None:
    """Parameters for govukPagination, or None when everything fits on one page."""
    if pages <= 1:
        return None
    shown = sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1)))
    items: list[dict[str, Any]] = []
    for number in shown:
        if items and number - items[-1].get("number", number) > 1:
            items.append({"ellipsis": True})
        items.append(
            {
                "number": number,
                "href": url_for(endpoint, page=number),
                "current": number == page,
            }
        )
    params: dict[str, Any] = {"items": items}
    if page > 1:
        params["previous"] = {"href": url_for(endpoint, page=page - 1)}
    if page < pages:
        params["next"] = {"href": url_for(endpoint, page=page + 1)}
    return params


@bp.route("/cases", methods=["GET", "POST"])
@role_required("admin")
@home_organisation_only
def cases() -> str | Response | tuple[str, int]:
    """Every case, a page at a time, with a form to import more."""
    form = CasesUploadForm()
    error_list: list[dict[str, str]] = []
    if form.validate_on_submit():
        try:
            summary = case_service.import_cases_in_batches(
                form.cases_file.data.read(),
                transaction=changes,  # a transaction for each batch, so that others can write
                actor=current_actor(),
                case_id_pattern=current_app.config["CASE_ID_PATTERN"],
            )
        except case_service.ImportRefused as refused:
            error_list = refused_upload(form.cases_file, refused)
        except case_service.ImportUnderWay as busy:
            error_list = busy_upload(form.cases_file, busy)
        else:
            flash(f"Cases imported. {summary}", "success")
            return redirect(url_for("admin.cases"))
    elif form.errors:
        error_list = wtforms_error_list(form)
    return _cases_page(form, error_list)


def _cases_page(form: CasesUploadForm, error_list: list[dict[str, str]]) -> str | tuple[str, int]:
    """The list of cases with the upload form; status 400 when the form shows errors."""
    return listing_page("admin.cases", case_service.list_cases, error_list, upload_form=form)


def listing_page(
    endpoint: str,
    list_rows: Callable[..., Any],
    error_list: list[dict[str, str]],
    **forms: FlaskForm,
) -> str | tuple[str, int]:
    """The page of ``endpoint`` (admin.cases: admin/cases.html) that lists rows a page at a
    time (``list_rows``: the service's listing) beside its forms; status 400 when a form shows
    errors."""
    listing = list_rows(
        session=get_session(),
        page=request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
        actor=current_actor(),
    )
    page = render_template(
        f"{endpoint.replace('.', '/')}.html",
        error_list=error_list,
        listing=listing,
        pagination=pagination(endpoint, listing.page, listing.pages),
        **forms,
    )
    return (page, 400) if error_list else page


def refused_upload(file_field: Field, refused: ImportRefused) -> list[dict[str, str]]:
    """Say at the file input that nothing was imported; the error summary's items, one for
    each problem in the file."""
    file_field.errors = [refusal_message(len(refused.problems))]
    return problem_list(refused.problems, f"#{file_field.id}")


def busy_upload(file_field: Field, busy: case_service.ImportUnderWay) -> list[dict[str, str]]:
    """Say at the file input that another import is being written."""
    file_field.errors = [str(busy)]
    return [{"text": str(busy), "href": f"#{file_field.id}"}]


def wtforms_error_list(form: FlaskForm) -> list[dict[str, str]]:
    """A form's validation errors as error summary items, each linking to its field."""
    return [
        {"text": errors[0], "href": f"#{getattr(form, name).id}"}
        for name, errors in form.errors.items()
        if errors and hasattr(form, name)
    ]

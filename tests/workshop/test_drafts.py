"""Draft versions: an upload is a draft that admins preview, try, compare and rescore, that
auditors never see, and that is published or discarded on a page saying what will happen."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import Audit, QuestionnaireVersion
from audit_app.services import questionnaires as questionnaire_service
from audit_app.services.actor import Actor
from tests.builders import (
    audit_judged_as_suggested,
    journey_questionnaire,
    load_draft,
    load_questionnaire,
    make_case,
    rescore_v1,
    rescore_v2,
)
from tests.steps import followed
from tests.workshop.conftest import confirmed, count, events, state_field, version_rows
from tests.workshop.test_upload import _confirm, _confirm_fields, _text, _upload

VERSIONS = "/questionnaires/rescore-audit/versions"
ANSWERS = {
    "seen-alone": "yes",
    "wishes-recorded": "partly",
    "plan-smart": "yes",
    "plan-reviewed": "yes",
    "supervision": "yes",
}


def _changed_v2() -> dict[str, Any]:
    data = rescore_v2()
    data["title"] = "Rescore audit, revised"
    return data


# --- uploading makes a draft -----------------------------------------------------------------


def test_an_upload_is_a_draft_that_new_audits_do_not_use(admin: Flask, client: FlaskClient) -> None:
    load_questionnaire(admin, rescore_v1())
    page = _upload(client, json.dumps(rescore_v2())).get_data(as_text=True)
    assert "Load as draft version 2" in page
    landing = followed(client, _confirm(client, _confirm_fields(page)))
    assert (
        "Rescore audit version 2 is loaded as a draft. Auditors do not see it until it is "
        "published. New audits still use version 1."
    ) in _text(landing)
    row = landing[landing.index('id="rescore-audit-version-2"') :]
    assert "Draft" in row[: row.index("</tr>")]
    assert f"{VERSIONS}/2/publish" in landing and f"{VERSIONS}/2/discard" in landing
    v1, v2 = version_rows(admin, "rescore-audit")
    assert v2.is_draft and v2.published_by == ""
    assert not v1.is_draft
    [event] = events(admin, "questionnaire.loaded")
    assert event["draft"] is True


def test_a_changed_file_under_a_drafts_version_replaces_the_draft(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v1())
    load_draft(admin, rescore_v2())
    page = _upload(client, json.dumps(_changed_v2()), "revised.json").get_data(as_text=True)
    assert "Loading this file replaces the draft." in _text(page)
    assert "Replace draft version 2" in page
    landing = followed(client, _confirm(client, _confirm_fields(page)))
    assert "Draft Rescore audit, revised version 2 is replaced by the file you uploaded." in (
        _text(landing)
    )
    v2 = version_rows(admin, "rescore-audit")[1]
    assert (v2.title, v2.is_draft, v2.loaded_by) == ("Rescore audit, revised", True, "qa-lead")
    [event] = events(admin, "questionnaire.draft_replaced")
    assert (event["version"], event["source"]) == (2, "revised.json")
    assert event["sha256"] == v2.content_sha256 != event["previous_sha256"]


def test_the_same_file_as_a_draft_is_already_loaded_as_a_draft(
    admin: Flask, client: FlaskClient
) -> None:
    load_draft(admin, rescore_v1())
    page = _text(_upload(client, json.dumps(rescore_v1(), indent=3)).get_data(as_text=True))
    assert "Version 1 of this questionnaire is already loaded as a draft with exactly" in page


def test_a_changed_file_under_a_published_version_is_still_refused(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v1())
    changed = rescore_v1()
    changed["title"] = "Changed"
    response = _upload(client, json.dumps(changed))
    assert response.status_code == 400
    assert "a loaded version never changes" in _text(response.get_data(as_text=True))


# --- what admins can do with a draft ---------------------------------------------------------


def test_a_draft_is_previewed_scored_compared_and_downloaded(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v1())
    load_draft(admin, rescore_v2())
    assert client.get(f"{VERSIONS}/2/preview").status_code == 200
    sandbox = client.get(f"{VERSIONS}/2/preview/voice?seen-alone=partly")
    assert "50.0%" in sandbox.get_data(as_text=True)
    compared = client.get("/questionnaires/rescore-audit/compare?before=1&after=2")
    assert "1 question removed" in _text(compared.get_data(as_text=True))
    assert "Version 2 (draft)" in compared.get_data(as_text=True)
    download = client.get(f"{VERSIONS}/2/download")
    assert json.loads(download.get_data(as_text=True))["version"] == 2


def test_the_rescoring_impact_of_a_draft_on_audits_already_submitted(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v1())
    audit_judged_as_suggested(admin, "300001", ANSWERS)
    load_draft(admin, rescore_v2())
    response = client.get("/questionnaires/rescore-audit/rescoring")
    assert response.status_code == 200
    text = _text(response.get_data(as_text=True))
    assert "1 audit" in text
    assert "Version 2 (draft)" in response.get_data(as_text=True)


# --- auditors never see a draft --------------------------------------------------------------


def _auditor(
    app: Flask, make_user: Callable[..., str], sign_in: Callable[..., TestResponse]
) -> None:
    make_case(app)
    sign_in(make_user("auditor1", "auditor", team="Child Protection 1"))


def test_an_auditor_neither_sees_nor_starts_an_audit_on_a_draft(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[..., TestResponse],
) -> None:
    load_draft(app, rescore_v1())
    _auditor(app, make_user, sign_in)
    assert "Rescore audit" not in client.get("/").get_data(as_text=True)
    assert "rescore-audit" not in client.get("/audits/new").get_data(as_text=True)
    response = client.post(
        "/audits/new", data={"questionnaire": "rescore-audit", "case_id": "100824"}
    )
    assert response.status_code == 400
    assert "Select the questionnaire to use" in response.get_data(as_text=True)
    assert count(app, Audit) == 0


def test_an_audit_started_beside_a_draft_uses_the_published_version(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[..., TestResponse],
) -> None:
    load_questionnaire(app, journey_questionnaire())
    draft = journey_questionnaire()
    draft.update(version=2, title="Journey audit, draft")
    load_draft(app, draft)
    _auditor(app, make_user, sign_in)
    assert "Journey audit, draft" not in client.get("/").get_data(as_text=True)
    response = client.post(
        "/audits/new", data={"questionnaire": "journey-audit", "case_id": "100824"}
    )
    assert response.status_code == 302
    audit_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Journey audit, draft" not in audit_page
    with session_scope(app) as session:
        audit = session.exec(select(Audit)).one()
        used = session.get(QuestionnaireVersion, audit.questionnaire_version_id)
        assert used is not None and used.version == 1


def test_the_reports_neither_offer_nor_name_a_draft(
    app: Flask, client: FlaskClient, make_user: Callable[..., str], sign_in: Callable[..., Any]
) -> None:
    load_questionnaire(app, rescore_v1())
    load_draft(app, _changed_v2())
    load_draft(app, {**journey_questionnaire(), "title": "Journey audit, draft only"})
    sign_in(make_user("viewer1", "viewer"))
    page = client.get("/reports").get_data(as_text=True)
    assert "Rescore audit" in page
    assert "Rescore audit, revised" not in page
    assert "Journey audit, draft only" not in page
    assert client.get("/reports?questionnaire=journey-audit").status_code == 400


# --- publishing ------------------------------------------------------------------------------


def test_publishing_says_what_new_audits_and_audits_in_progress_will_use(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v1())
    audit_judged_as_suggested(admin, "300001", ANSWERS, status="draft")
    load_draft(admin, rescore_v2())
    page = client.get(f"{VERSIONS}/2/publish").get_data(as_text=True)
    text = _text(page)
    assert "Publish version 2?" in text
    assert "New audits will use version 2." in text
    assert "Audits in progress keep version 1: 1 audit in progress uses it." in text
    assert "See what version 2's rules would do to the grades of version 1's audits" in text
    assert version_rows(admin, "rescore-audit")[1].is_draft


def test_publishing_makes_the_draft_current_and_is_recorded_with_who(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v1())
    load_draft(admin, rescore_v2())
    landing = followed(client, confirmed(client, f"{VERSIONS}/2/publish"))
    assert "Rescore audit version 2 is published. New audits use version 2." in _text(landing)
    v2 = version_rows(admin, "rescore-audit")[1]
    assert v2.published_by == "qa-lead" and v2.published_at is not None
    [event] = events(admin, "questionnaire.published")
    assert (event["questionnaire_id"], event["version"]) == ("rescore-audit", 2)
    assert event["sha256"] == v2.content_sha256


def test_publishing_below_a_higher_version_in_use_says_it_will_not_be_used(
    admin: Flask, client: FlaskClient
) -> None:
    v3 = rescore_v2()
    v3["version"] = 3
    load_questionnaire(admin, v3)
    load_draft(admin, rescore_v2())
    text = _text(client.get(f"{VERSIONS}/2/publish").get_data(as_text=True))
    assert "New audits will still use version 3: version 2 is offered only while" in text


def test_a_publish_confirmed_after_another_admin_published_it_is_refused(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v1())
    load_draft(admin, rescore_v2())
    state = state_field(client.get(f"{VERSIONS}/2/publish").get_data(as_text=True))
    confirmed(client, f"{VERSIONS}/2/publish")  # another admin, meanwhile
    page = followed(client, client.post(f"{VERSIONS}/2/publish", data={"state": state}))
    assert "Nothing was changed: someone else got there first." in page
    assert "Rescore audit version 2 is already published (by qa-lead)." in page
    assert len(events(admin, "questionnaire.published")) == 1


def test_a_publish_confirmed_after_the_draft_was_replaced_is_shown_again(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v1())
    load_draft(admin, rescore_v2())
    state = state_field(client.get(f"{VERSIONS}/2/publish").get_data(as_text=True))
    with admin.app_context(), session_scope(admin) as session:
        file = questionnaire_service.parse_file("other.json", json.dumps(_changed_v2()))
        questionnaire_service.load(
            [file],
            session=session,
            loaded_by=Actor.system("test"),
            publish=False,
            replace_drafts=True,
        )
    response = client.post(f"{VERSIONS}/2/publish", data={"state": state})
    assert response.status_code == 409
    assert "Nothing was changed" in response.get_data(as_text=True)
    assert version_rows(admin, "rescore-audit")[1].is_draft
    assert events(admin, "questionnaire.published") == []


def test_a_published_version_is_not_published_again(admin: Flask, client: FlaskClient) -> None:
    load_questionnaire(admin, rescore_v1())
    page = followed(client, client.get(f"{VERSIONS}/1/publish"))
    assert "Rescore audit version 1 is already published" in page


def test_a_draft_is_neither_retired_nor_reinstated(admin: Flask, client: FlaskClient) -> None:
    load_draft(admin, rescore_v1())
    for action in ("retire", "reinstate"):
        page = followed(client, client.get(f"{VERSIONS}/1/{action}"))
        assert "Rescore audit version 1 is a draft: auditors do not see it." in page


# --- discarding ------------------------------------------------------------------------------


def test_discarding_a_draft_deletes_it_and_is_recorded(admin: Flask, client: FlaskClient) -> None:
    load_questionnaire(admin, rescore_v1())
    load_draft(admin, rescore_v2())
    text = _text(client.get(f"{VERSIONS}/2/discard").get_data(as_text=True))
    assert "Draft version 2 will be deleted. No audit uses it" in text
    landing = followed(client, confirmed(client, f"{VERSIONS}/2/discard"))
    assert "Draft version 2 of Rescore audit is discarded." in _text(landing)
    assert [r.version for r in version_rows(admin, "rescore-audit")] == [1]
    [event] = events(admin, "questionnaire.draft_discarded")
    assert (event["version"], event["loaded_by"]) == (2, "test")


def test_a_published_version_is_never_discarded(admin: Flask, client: FlaskClient) -> None:
    load_questionnaire(admin, rescore_v1())
    page = followed(client, client.get(f"{VERSIONS}/1/discard"))
    assert "a published version is never deleted. Retire it instead." in page
    state = "anything"
    followed(client, client.post(f"{VERSIONS}/1/discard", data={"state": state}))
    assert len(version_rows(admin, "rescore-audit")) == 1
    assert events(admin, "questionnaire.draft_discarded") == []


def test_a_discard_confirmed_after_another_admin_discarded_it_says_so(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v1())
    load_draft(admin, rescore_v2())
    state = state_field(client.get(f"{VERSIONS}/2/discard").get_data(as_text=True))
    confirmed(client, f"{VERSIONS}/2/discard")
    page = followed(client, client.post(f"{VERSIONS}/2/discard", data={"state": state}))
    assert "rescore-audit version 2 is no longer loaded (someone else discarded it)" in page


# --- with CSRF protection on, as in production ------------------------------------------------


def test_publishing_without_the_forms_token_is_refused(csrf_app: Flask) -> None:
    from tests.accounts.conftest import csrf_token
    from tests.builders import PASSWORD, add_user

    add_user(csrf_app, "qa-lead", "admin")
    load_questionnaire(csrf_app, rescore_v1())
    load_draft(csrf_app, rescore_v2())
    client = csrf_app.test_client()
    token = csrf_token(client, "/sign-in")
    client.post("/sign-in", data={"username": "qa-lead", "password": PASSWORD, "csrf_token": token})
    page = client.get(f"{VERSIONS}/2/publish").get_data(as_text=True)
    state = state_field(page)
    refused = client.post(f"{VERSIONS}/2/publish", data={"state": state})
    assert refused.status_code == 400
    assert version_rows(csrf_app, "rescore-audit")[1].is_draft
    token = csrf_token(client, f"{VERSIONS}/2/publish")
    done = client.post(f"{VERSIONS}/2/publish", data={"state": state, "csrf_token": token})
    assert done.status_code == 302
    assert not version_rows(csrf_app, "rescore-audit")[1].is_draft

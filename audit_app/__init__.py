"""The case-file audit application."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from config import load_config


def create_app(
    overrides: Mapping[str, Any] | None = None, *, environ: Mapping[str, str] | None = None
) -> Flask:
    """Build the application: configuration, database, extensions, blueprints, commands, errors.

    ``environ`` replaces the process environment (tests use it); ``overrides`` are applied last.
    """
    from audit_app.web import Application

    app = Application(__name__, instance_relative_config=False)
    settings = load_config(environ)
    if overrides:
        settings.update(overrides)
    app.config.update(settings)

    from audit_app import db

    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    db.init_app(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    """Templates (with the GOV.UK Frontend macros), CSRF, sign-in, security headers."""
    from govuk_frontend_wtf.main import WTFormsHelpers

    from audit_app import auth, logs, web
    from audit_app.extensions import csrf

    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("audit_app"),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    logs.init_app(app)
    csrf.init_app(app)
    WTFormsHelpers(app)
    auth.init_app(app)
    web.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Attach every area's URL rules."""
    from audit_app.views import (
        actions,
        admin,
        audits,
        auth,
        calibration,
        home,
        independent,
        learning,
        moderation,
        multi_agency,
        ops,
        panel,
        programmes,
        reports,
        session,
        sso,
        suggestion,
        trail,
        workshop,
    )

    for blueprint in (
        auth.bp,
        home.bp,
        audits.bp,
        moderation.bp,
        actions.bp,
        reports.bp,
        learning.bp,
        workshop.bp,
        calibration.bp,
        admin.bp,
        programmes.bp,
        multi_agency.bp,
        panel.bp,
        ops.bp,
        trail.bp,
        session.bp,
        suggestion.bp,
        sso.bp,
        independent.bp,
    ):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from audit_app import web

    web.register_errorhandlers(app)


def register_commands(app: Flask) -> None:
    """Attach the ``flask`` command groups, one per noun."""
    from audit_app import commands

    commands.register(app)

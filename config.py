"""Configuration, read from environment variables.

Every setting is listed in README.md. ``load_config`` is called by ``create_app``; tests pass
their own values on top.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))
ENVIRONMENTS = ("development", "test", "production")


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def _bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def _int(value: str, name: str, minimum: int = 0) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {number}")
    return number


def _fraction(value: str, name: str) -> float:
    """A share between 0 and 1, such as 0.1 for one in ten."""
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number between 0 and 1, not {value!r}") from None
    if not 0 <= number <= 1:  # also refuses nan
        raise ConfigError(f"{name} must be between 0 and 1 (0.1 is one in ten), not {value}")
    return number


def _percent(value: str, name: str) -> float:
    """A percent between 0 and 100, as a share between 0 and 1."""
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a percent between 0 and 100, not {value!r}") from None
    if not 0 <= number <= 100:  # also refuses nan
        raise ConfigError(f"{name} must be between 0 and 100 (a percent), not {value}")
    return number / 100


def _seconds(value: str, name: str) -> float:
    """A time limit in seconds, above zero (0.5 is half a second)."""
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {value!r}") from None
    if not 0 < number <= 3600:  # also refuses nan
        raise ConfigError(f"{name} must be more than 0 and at most 3600 seconds, not {value}")
    return number


FREE_TEXT_CHOICES = ("readers", "everyone")


def _one_of(value: str, name: str, choices: tuple[str, ...]) -> str:
    lowered = value.strip().lower()
    if lowered not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return lowered


# OWASP's minimum configurations for Argon2id (Password Storage Cheat Sheet): memory in KiB and
# iterations, with one degree of parallelism; any setting at or above one of them is accepted.
OWASP_ARGON2_MINIMUMS = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))


def _argon2(env: Mapping[str, str]) -> dict[str, int]:
    """The password hashing cost: by default OWASP's 19 MiB and 2 iterations, one lane."""
    memory = _int(env.get("ARGON2_MEMORY_KIB", "19456"), "ARGON2_MEMORY_KIB", 1)
    iterations = _int(env.get("ARGON2_ITERATIONS", "2"), "ARGON2_ITERATIONS", 1)
    lanes = _int(env.get("ARGON2_PARALLELISM", "1"), "ARGON2_PARALLELISM", 1)
    if not any(memory >= m and iterations >= t for m, t in OWASP_ARGON2_MINIMUMS):
        raise ConfigError(
            f"ARGON2_MEMORY_KIB={memory} with ARGON2_ITERATIONS={iterations} is below OWASP's "
            "minimum for Argon2id: use at least 19456 KiB with 2 iterations (or 47104 with 1, "
            "12288 with 3, 9216 with 4, 7168 with 5)"
        )
    return {
        "ARGON2_MEMORY_KIB": memory,
        "ARGON2_ITERATIONS": iterations,
        "ARGON2_PARALLELISM": lanes,
    }


# As the users pages and commands accept them (services/users.py USERNAME_PATTERN).
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,79}$")


def _usernames(value: str, name: str) -> tuple[str, ...]:
    """A comma-separated list of usernames, in lower case as they are stored, without repeats.
    Whether each person exists is checked when it matters, not here: the app starts before
    anyone is added."""
    names = tuple(dict.fromkeys(part.strip().lower() for part in value.split(",") if part.strip()))
    malformed = [part for part in names if not _USERNAME.match(part)]
    if malformed:
        raise ConfigError(
            f"{name} must list usernames separated by commas (letters, numbers, full stops, "
            f"hyphens, underscores or @, e.g. qa.lead,jsmith); not usernames: "
            f"{', '.join(repr(part) for part in malformed)}"
        )
    return names


# Words about this service that nobody's password may contain (ASVS 6.2.11): its name as the
# header shows it, what it is about, and the case management systems its cases come from. A
# deployment replaces the list with PASSWORD_CONTEXT_WORDS, adding the council's name.
DEFAULT_PASSWORD_CONTEXT_WORDS = (
    "Case file audits",
    "case audit",
    "casefile",
    "children's services",
    "social care",
    "social work",
    "safeguarding",
    "Ofsted",
    "Liquidlogic",
    "Mosaic",
)


def _words(value: str, name: str) -> tuple[str, ...]:
    """A comma-separated list of words or phrases; each needs three letters or digits, since it
    is compared with those alone (a shorter one would refuse too many passwords)."""
    words = tuple(word.strip() for word in value.split(",") if word.strip())
    short = [word for word in words if sum(ch.isalnum() for ch in word) < 3]
    if short:
        raise ConfigError(
            f"{name} must list words of at least three letters or digits, separated by commas; "
            f"too short: {', '.join(repr(word) for word in short)}"
        )
    return words


LOCAL_SIGN_IN_CHOICES = ("all", "admins", "off")


def _single_sign_on(env: Mapping[str, str], app_env: str, instance_dir: Path) -> dict[str, object]:
    """OpenID Connect sign-in (OIDC_*), who may still sign in with a password here
    (LOCAL_SIGN_IN), and when unused accounts are deactivated (DEACTIVATE_AFTER_DAYS)."""
    # Exactly as the provider's discovery document gives it (some end with "/"): compared as is.
    issuer = env.get("OIDC_ISSUER", "").strip()
    client_id = env.get("OIDC_CLIENT_ID", "").strip()
    client_secret = env.get("OIDC_CLIENT_SECRET", "")
    if issuer:
        missing = [
            name
            for name, value in (
                ("OIDC_CLIENT_ID", client_id),
                ("OIDC_CLIENT_SECRET", client_secret),
            )
            if not value
        ]
        if missing:
            raise ConfigError(
                f"OIDC_ISSUER is set but not {' or '.join(missing)}: copy them from the "
                "application's registration at the identity provider "
                "(Entra ID: the Application (client) ID, and a client secret's value)"
            )
        scheme = issuer.partition("://")[0]
        if scheme != "https" and not (app_env != "production" and scheme == "http"):
            raise ConfigError(
                "OIDC_ISSUER must start with https:// (Entra ID: "
                "https://login.microsoftonline.com/<tenant ID>/v2.0), not "
                f"{issuer[:60]!r}"
            )
    local = _one_of(
        env.get("LOCAL_SIGN_IN", "admins" if issuer else "all"),
        "LOCAL_SIGN_IN",
        LOCAL_SIGN_IN_CHOICES,
    )
    if local != "all" and not issuer:
        raise ConfigError(
            f"LOCAL_SIGN_IN={local} leaves only single sign-on, which is not set up: set "
            "OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET, or set LOCAL_SIGN_IN=all"
        )
    subject_claim = env.get("OIDC_SUBJECT_CLAIM", "sub").strip() or "sub"
    if subject_claim not in {"sub", "oid"}:
        raise ConfigError(f"OIDC_SUBJECT_CLAIM must be sub or oid, not {subject_claim!r}")
    return {
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": client_id,
        "OIDC_CLIENT_SECRET": client_secret,
        # What the sign-in button says: "Sign in with <this>".
        "OIDC_PROVIDER_NAME": env.get("OIDC_PROVIDER_NAME", "your council account").strip()
        or "your council account",
        "OIDC_SUBJECT_CLAIM": subject_claim,
        "OIDC_GROUPS_CLAIM": env.get("OIDC_GROUPS_CLAIM", "groups").strip() or "groups",
        # The file mapping the provider's groups to roles, teams and services (docs/deploy.md).
        "OIDC_GROUPS_FILE": env.get("OIDC_GROUPS_FILE", str(instance_dir / "sso-groups.toml")),
        "OIDC_CREATE_ACCOUNTS": _bool(
            env.get("OIDC_CREATE_ACCOUNTS", "false"), "OIDC_CREATE_ACCOUNTS"
        ),
        # The ID token's amr values, or acr values, that say the provider did multi-factor
        # authentication; only then is it trusted in place of the service's own codes.
        "OIDC_MFA_AMR": tuple(
            v.strip() for v in env.get("OIDC_MFA_AMR", "mfa").split(",") if v.strip()
        ),
        "OIDC_MFA_ACR": tuple(
            v.strip() for v in env.get("OIDC_MFA_ACR", "").split(",") if v.strip()
        ),
        "LOCAL_SIGN_IN": local,
        # 0: never.
        "DEACTIVATE_AFTER_DAYS": _int(
            env.get("DEACTIVATE_AFTER_DAYS", "90"), "DEACTIVATE_AFTER_DAYS"
        ),
    }


DATABASE_URL_EXAMPLES = (
    "sqlite:///instance/case-audit.db or postgresql+psycopg://user@host:5432/dbname"
)


def _check_database_url(url: str) -> None:
    """SQLite or PostgreSQL (through psycopg), written as SQLAlchemy expects."""
    scheme, separator, _rest = url.partition("://")
    if not separator or scheme not in {"sqlite", "postgresql+psycopg"}:
        raise ConfigError(
            "DATABASE_URL must name a SQLite or PostgreSQL database, e.g. "
            f"{DATABASE_URL_EXAMPLES}; it starts {scheme[:24]!r}"
        )


def _development_secret_key(instance_dir: Path) -> str:
    """A random key kept under instance/, so that every gunicorn worker shares it."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / "development-secret-key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def load_config(environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """Build the Flask configuration from the environment; raise ConfigError when it is unsafe."""
    env = os.environ if environ is None else environ
    app_env = env.get("APP_ENV", "production").strip() or "production"
    if app_env not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {app_env!r}")
    instance_dir = Path(env.get("INSTANCE_PATH", str(INSTANCE_DIR)))

    secret_key = env.get("SECRET_KEY", "")
    if not secret_key:
        if app_env == "production":
            raise ConfigError(
                "SECRET_KEY is not set. Set it to a long random value, for example the output of "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`, and keep it secret. "
                "(APP_ENV=development makes a key under instance/ for local use only.)"
            )
        secret_key = (
            _development_secret_key(instance_dir) if app_env == "development" else "test-only"
        )
    elif app_env == "production" and len(secret_key) < 32:
        raise ConfigError("SECRET_KEY must be at least 32 characters long in production")

    sql_echo = _bool(env.get("SQL_ECHO", "false"), "SQL_ECHO")
    if sql_echo and app_env == "production":
        raise ConfigError(
            "SQL_ECHO writes every database statement to the log and is for development only: "
            "unset it, or set it to false, in production"
        )

    database_url = env.get("DATABASE_URL", "") or f"sqlite:///{instance_dir / 'case-audit.db'}"
    _check_database_url(database_url)
    case_id_pattern = env.get("CASE_ID_PATTERN", r"^[A-Za-z0-9][A-Za-z0-9/-]{0,31}$")
    try:
        re.compile(case_id_pattern)
    except re.error as exc:
        raise ConfigError(f"CASE_ID_PATTERN is not a valid regular expression: {exc}") from None
    idle_minutes = _int(env.get("SESSION_IDLE_MINUTES", "30"), "SESSION_IDLE_MINUTES", 1)
    max_hours = _int(env.get("SESSION_MAX_HOURS", "12"), "SESSION_MAX_HOURS", 1)
    secure_cookies = app_env == "production"
    mfa_default = "admin,manager" if app_env == "production" else ""
    mfa_roles = tuple(
        r.strip() for r in env.get("MFA_REQUIRED_ROLES", mfa_default).split(",") if r.strip()
    )
    # Imported here: the app package imports this module as it starts.
    from audit_app.core.roles import ROLES

    unknown = [r for r in mfa_roles if r not in ROLES]
    if unknown:
        raise ConfigError(
            f"MFA_REQUIRED_ROLES names unknown roles: {', '.join(unknown)} "
            f"(roles are {', '.join(ROLES)})"
        )
    # Imported here: the app package imports this module as it starts.
    from audit_app.core.dates import DEFAULT_CALENDAR, check_calendar

    try:
        working_days_calendar = check_calendar(env.get("WORKING_DAYS_CALENDAR", DEFAULT_CALENDAR))
    except ValueError as exc:
        raise ConfigError(f"WORKING_DAYS_CALENDAR: {exc}") from None
    return {
        "APP_ENV": app_env,
        "SECRET_KEY": secret_key,
        "DEBUG": False,
        "DATABASE_URL": database_url,
        "SQLITE_BUSY_TIMEOUT_MS": _int(
            env.get("SQLITE_BUSY_TIMEOUT_MS", "15000"), "SQLITE_BUSY_TIMEOUT_MS"
        ),
        "SQLITE_MMAP_MB": _int(env.get("SQLITE_MMAP_MB", "1024"), "SQLITE_MMAP_MB"),
        "QUESTIONNAIRE_DIR": env.get("QUESTIONNAIRE_DIR", str(BASE_DIR / "questionnaires")),
        "INSTANCE_PATH": str(instance_dir),
        "SQL_ECHO": sql_echo,
        "CASE_ID_PATTERN": case_id_pattern,
        "SESSION_IDLE_MINUTES": idle_minutes,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=max_hours),
        "SESSION_COOKIE_NAME": "__Host-session" if secure_cookies else "session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "WTF_CSRF_TIME_LIMIT": max_hours * 3600,
        "MAX_CONTENT_LENGTH": _int(
            env.get("MAX_CONTENT_LENGTH", str(5 * 1024 * 1024)), "MAX_CONTENT_LENGTH", 1024
        ),
        # Moderation: the share of audits (other than the worst-graded, which are always
        # moderated) chosen at random at submission, and whether moderators grade blind.
        "MODERATION_SAMPLE_RATE": _fraction(
            env.get("MODERATION_SAMPLE_RATE", "0.1"), "MODERATION_SAMPLE_RATE"
        ),
        "MODERATION_BLIND": _bool(env.get("MODERATION_BLIND", "false"), "MODERATION_BLIND"),
        # Calibration: below this agreement (a percent) with the agreed answers in their last
        # exercise, an auditor is listed to the QA lead (never blocked).
        "CALIBRATION_FLAG_PERCENT": 100
        * _percent(env.get("CALIBRATION_FLAG_PERCENT", "70"), "CALIBRATION_FLAG_PERCENT"),
        # Double-blind second audits: the share of submitted audits drawn for a second audit
        # by another auditor (0, the default: none, until the council chooses a share).
        "SECOND_AUDIT_RATE": _fraction(env.get("SECOND_AUDIT_RATE", "0"), "SECOND_AUDIT_RATE"),
        # The agreement page shows no figure resting on fewer units than this.
        "AGREEMENT_MIN_UNITS": _int(env.get("AGREEMENT_MIN_UNITS", "10"), "AGREEMENT_MIN_UNITS", 2),
        # Rescoring what-ifs of at most WHAT_IF_INLINE_AUDITS audits are worked out in the
        # request; larger ones by a background worker (a thread per server process), and kept.
        "WHAT_IF_INLINE_AUDITS": _int(
            env.get("WHAT_IF_INLINE_AUDITS", "2000"), "WHAT_IF_INLINE_AUDITS"
        ),
        # Tests run the what-if jobs themselves (audit_app/jobs.py run_next_job).
        "WHAT_IF_WORKER": _bool(
            env.get("WHAT_IF_WORKER", "false" if app_env == "test" else "true"), "WHAT_IF_WORKER"
        ),
        # Kept what-ifs worked out longer ago than this are removed by the worker.
        "WHAT_IF_KEEP_DAYS": _int(env.get("WHAT_IF_KEEP_DAYS", "7"), "WHAT_IF_KEEP_DAYS", 1),
        # The report summaries of past months changed since they were made are remade after
        # the response, by a background thread, so that no viewer waits for them (tests
        # remake them in the request unless they ask otherwise).
        "SUMMARIES_AFTER_RESPONSE": _bool(
            env.get("SUMMARIES_AFTER_RESPONSE", "false" if app_env == "test" else "true"),
            "SUMMARIES_AFTER_RESPONSE",
        ),
        # argon2id at ARGON2_* outside tests (OWASP's minimum unless set higher).
        "PASSWORD_HASH_FAST": app_env == "test",
        **_argon2(env),
        "MFA_REQUIRED_ROLES": mfa_roles,
        "PASSWORD_CONTEXT_WORDS": _words(
            env.get("PASSWORD_CONTEXT_WORDS", ",".join(DEFAULT_PASSWORD_CONTEXT_WORDS)),
            "PASSWORD_CONTEXT_WORDS",
        ),
        "RETENTION_YEARS": _int(env.get("RETENTION_YEARS", "7"), "RETENTION_YEARS", 1),
        # How many reverse proxies (e.g. nginx) stand in front of the app: their
        # X-Forwarded-For/-Proto headers are then trusted for the client's address and scheme.
        "TRUSTED_PROXIES": _int(env.get("TRUSTED_PROXIES", "0"), "TRUSTED_PROXIES"),
        # Exports (reports CSV, workbook, trail CSV): at most EXPORT_LIMIT per person in any
        # EXPORT_LIMIT_MINUTES, counted in the database so that every server agrees.
        "EXPORT_LIMIT": _int(env.get("EXPORT_LIMIT", "30"), "EXPORT_LIMIT", 1),
        # Report pages (dashboard, drill-downs, a measure's page): at most REPORT_LIMIT per
        # person in any minute, counted in the trail; each statement of a report stops after
        # REPORT_STATEMENT_SECONDS.
        "REPORT_LIMIT": _int(env.get("REPORT_LIMIT", "120"), "REPORT_LIMIT", 1),
        "REPORT_STATEMENT_SECONDS": _seconds(
            env.get("REPORT_STATEMENT_SECONDS", "20"), "REPORT_STATEMENT_SECONDS"
        ),
        # Who gets free-text answers in downloads: the roles that may read audits, or everyone.
        "FREE_TEXT_DOWNLOADS": _one_of(
            env.get("FREE_TEXT_DOWNLOADS", "readers"), "FREE_TEXT_DOWNLOADS", FREE_TEXT_CHOICES
        ),
        # Whose bank holidays a "working day" skips (safeguarding concerns' acknowledgement).
        "WORKING_DAYS_CALENDAR": working_days_calendar,
        # Printed on every printed report and board paper (councils mark such papers).
        "PROTECTIVE_MARKING": env.get("PROTECTIVE_MARKING", "").strip() or "OFFICIAL-SENSITIVE",
        # Who, besides the admins, sees the safeguarding concerns of a service that has no
        # active manager (usernames; unknown or deactivated ones are passed over).
        "SAFEGUARDING_FALLBACK": _usernames(
            env.get("SAFEGUARDING_FALLBACK", ""), "SAFEGUARDING_FALLBACK"
        ),
        # Who may audit cases outside their own services (QA leads; usernames, each use recorded
        # in the trail). Everyone else audits their own services' cases and those allocated.
        "AUDIT_ANY_SERVICE": _usernames(env.get("AUDIT_ANY_SERVICE", ""), "AUDIT_ANY_SERVICE"),
        "EXPORT_LIMIT_MINUTES": _int(
            env.get("EXPORT_LIMIT_MINUTES", "10"), "EXPORT_LIMIT_MINUTES", 1
        ),
        **_single_sign_on(env, app_env, instance_dir),
    }

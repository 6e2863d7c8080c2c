"""The WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi ...``."""

import sys

from audit_app import create_app
from config import ConfigError

try:
    app = create_app()
except ConfigError as problem:
    # A missing or wrong setting is the operator's to fix: say which, not where in the code.
    print(f"Error: {problem}", file=sys.stderr)
    raise SystemExit(2) from None

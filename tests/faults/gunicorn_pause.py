"""Gunicorn settings for the kill test: the worker pauses inside a submission on request.

When the file named by PAUSE_BEFORE_COMMIT exists, a transaction that stores an audit's
results pauses just before it commits; PAUSE_AFTER_COMMIT pauses just after. The test kills
the worker (SIGKILL) during the pause.
"""

import os
import time
from pathlib import Path

bind = os.environ["BIND"]
workers = 1
timeout = 120
graceful_timeout = 5


def post_fork(server: object, worker: object) -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from audit_app.models import Audit

    def storing_results(session: Session) -> bool:
        # The view holds the audit it submits, so it stays in the (weak) identity map.
        return any(
            isinstance(o, Audit) and o.status == "submitted" for o in session.identity_map.values()
        )

    def pause(flag_variable: str, session: Session) -> None:
        flag = Path(os.environ[flag_variable])
        if flag.exists() and storing_results(session):
            Path(f"{flag}.reached").write_text(str(os.getpid()))
            time.sleep(60)

    event.listen(Session, "before_commit", lambda s: pause("PAUSE_BEFORE_COMMIT", s))
    event.listen(Session, "after_commit", lambda s: pause("PAUSE_AFTER_COMMIT", s))

"""When the database goes away the app says so clearly (503), and recovers on its own."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from audit_app import create_app
from audit_app.db import get_engine
from tests.conftest import ROOT, TEST_DATABASE_URL


class Proxy:
    """A TCP proxy to PostgreSQL that can be cut and restored, like a network or server outage."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.up = False
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        if self.listener.fileno() == -1:
            self.listener = socket.socket()
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(16)
        self.up = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.up:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def cut(self) -> None:
        """Refuse new connections and break the open ones."""
        self.up = False
        try:
            # Wakes the thread blocked in accept(); close() alone would leave it listening.
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        if self.thread is not None:
            self.thread.join(timeout=5)
        for connection in self.connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            except OSError:
                pass
        self.connections.clear()


@pytest.fixture
def proxied_app(postgres_database: str) -> Iterator[tuple[object, Proxy]]:
    url = make_url(postgres_database)
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    app = create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": False},
        environ={
            "APP_ENV": "test",
            "DATABASE_URL": proxied,
            "QUESTIONNAIRE_DIR": str(ROOT / "questionnaires"),
        },
    )
    yield app, proxy
    proxy.cut()
    get_engine(app).dispose()


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
# Connections broken on purpose are reported by psycopg and the socket module when collected.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_unreachable_database_gives_503_and_the_app_recovers_by_itself(
    proxied_app: tuple[object, Proxy],
) -> None:
    app, proxy = proxied_app
    client = app.test_client()  # type: ignore[attr-defined]
    assert client.get("/readyz").status_code == 200
    assert client.get("/sign-in").status_code == 200

    proxy.cut()
    down = client.post("/sign-in", data={"username": "someone", "password": "whatever it is"})
    assert down.status_code == 503
    assert "Sorry, the service is unavailable" in down.get_data(as_text=True)
    assert "Traceback" not in down.get_data(as_text=True)
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200

    proxy.start()
    assert client.get("/readyz").status_code == 200
    assert (
        client.post(
            "/sign-in", data={"username": "someone", "password": "whatever it is"}
        ).status_code
        == 400
    )

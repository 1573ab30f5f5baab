"""`duban serve` is gunicorn with whitenoise, not Django's development server."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="runs once, on SQLite")
def test_duban_serve_answers_with_gunicorn_and_serves_static_files(tmp_path):
    env = {
        **os.environ,
        "DUBAN_DATA_DIR": str(tmp_path),
        "PORT": str(_free_port()),
        "WEB_CONCURRENCY": "1",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "DUBAN_SECRETS_KEY": settings.DUBAN_SECRETS_KEY,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    duban = [sys.executable, "-m", "duban.cli"]
    subprocess.run([*duban, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*duban, "collectstatic", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
    server = subprocess.Popen(
        [*duban, "serve", "--with-worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{env['PORT']}"
    try:
        for _ in range(100):
            try:
                page = httpx.get(f"{base}/login/", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("duban serve did not answer")
        assert page.status_code == 200
        assert "gunicorn" in page.headers.get("server", "").lower()
        css = next(
            line.split('href="')[1].split('"')[0]
            for line in page.text.splitlines()
            if "stylesheet" in line
        )
        assert css.startswith("/static/duban/duban.") and css.endswith(".css")  # hashed name
        static = httpx.get(f"{base}{css}", timeout=5)
        assert static.status_code == 200
        assert "max-age" in static.headers.get("cache-control", "")
        # The worker beside it looks for work: its heartbeat lands in the database.
        # It is a second process starting Django: on a loaded CI machine (the
        # suite's other worker busy beside it) that took longer than 10 s once,
        # so it has a minute.
        database = sqlite3.connect(tmp_path / "duban.sqlite3")
        for _ in range(600):
            beat = database.execute(
                "SELECT next_run_at FROM notify_scheduleslot WHERE name = 'heartbeat'"
            ).fetchone()
            if beat:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the worker started by duban serve --with-worker never looked for work")
        database.close()
    finally:
        server.terminate()
        output = server.communicate(timeout=15)[0].decode()
    pid = int(re.search(r"duban worker started \(pid (\d+)\)", output).group(1))
    for _ in range(50):
        status = Path(f"/proc/{pid}/status")
        if not status.exists() or "\nState:\tZ" in status.read_text():
            break
        time.sleep(0.1)
    else:
        pytest.fail("the worker outlived the server")

"""``make serve-prod`` really serves the pages with debug off (regression: static files were
collected in debug mode, so no manifest existed and every page answered 500)."""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local test server
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_serve_prod_answers_the_login_page_and_its_hashed_static_files(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "PORT": str(port),
        "WORKERS": "1",
        "DJANGO_SECRET_KEY": "serve-prod-test-" + "k" * 50,
    }
    for name in ("DJANGO_DEBUG", "DJANGO_SETTINGS_MODULE"):  # the server runs production settings
        env.pop(name, None)
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(  # noqa: S603 - our own Makefile
        [shutil.which("make"), "--no-print-directory", "serve-prod"], cwd=ROOT, env=env, stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, _, page = get(f"{base}/accounts/login/")
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "serve-prod did not start"
                time.sleep(0.5)
        assert status == 200, (tmp_path / "serve.log").read_text()[-2000:]
        assert 'name="username"' in page
        stylesheet = page.split('href="/static/web/app.')[1].split('"')[0]
        assert len(stylesheet.split(".")[0]) == 12 and stylesheet.endswith(".css")  # app.<hash>.css
        status, headers, css = get(f"{base}/static/web/app.{stylesheet}")
        assert status == 200 and "max-age=315360000" in headers.get("Cache-Control", "") and css
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()

"""`tvcolumn serve` really serves (what `make run` relies on)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

TVCOLUMN = [str(Path(sys.executable).with_name("tvcolumn"))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_serve_answers_on_the_port_from_the_environment(tmp_path: Path) -> None:
    env = {**os.environ, "TVCOLUMN_INSTANCE_PATH": str(tmp_path), "PORT": str(_free_port())}
    env.pop("TVCOLUMN_DATABASE_URL", None)
    subprocess.run([*TVCOLUMN, "db", "upgrade"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [*TVCOLUMN, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        url = f"http://127.0.0.1:{env['PORT']}/"
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    body = response.read().decode("utf-8")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "server did not answer within 20 s"
                time.sleep(0.2)
        assert "<h1>登录</h1>" in body  # / redirects to the sign-in page
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    assert f"serving on {url}" in output
    assert "Demo sign-ins" in output

"""Web benchmark: survey submissions per second against a trivial endpoint on the same server.

Starts gunicorn (2 workers) on SQLite and, when reachable, PostgreSQL, with 50 concurrent
keep-alive clients, and prints requests per second and p50/p99 latency for
  * GET /ping             the ceiling: the cheapest response the server gives;
  * POST /s/nps-pulse     a complete one-page survey submission (stored and committed);
  * GET+POST respondent   a respondent opening the page and sending it;
  * POST /bench/floor     the least a stored submission costs here: CSRF check, one INSERT,
                          commit (bench/web_app.py).
Run with `make bench-web`. Figures are medians of several rounds.
"""
import asyncio
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 50
SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_web")


class Connection:
    """A minimal HTTP/1.1 keep-alive client; enough for this server and nothing more."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None
        self.cookies: dict[str, str] = {}

    async def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "Accept-Language: en"]
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        for key, value in (headers or {}).items():
            head.append(f"{key}: {value}")
        if body:
            head.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            self.writer = None
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        length, close = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
            elif name == "connection" and value.lower() == "close":
                close = True
        payload = await self.reader.readexactly(length) if length else b""
        if close:
            self.writer.close()
            self.writer = None
        return status, payload


SURVEY_ID = [None]


async def _prepare(conn: Connection) -> str:
    status, page = await conn.request("GET", "/s/nps-pulse")
    assert status == 200, status
    return re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()


def _survey_id(database_url: str) -> int:
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        survey_id = connection.execute(sa.text("SELECT id FROM survey WHERE slug = 'nps-pulse'")).scalar_one()
    engine.dispose()
    return survey_id


def _answers() -> dict:
    """A complete answer to every question of the one-page nps-pulse instrument."""
    from instruments import load_builtin

    instrument = load_builtin("nps-pulse")
    assert len(instrument.pages) == 1, "the benchmark submits a one-page survey"
    answers = {}
    for element_id in instrument.pages[0].elements:
        element = instrument.element(element_id)
        kind = getattr(element, "kind", "scale")
        if kind == "text":
            answers[element_id] = "Friendly staff"
        elif kind in ("single", "segment", "multiple"):
            answers[element_id] = element.options[0].value
        else:
            answers[element_id] = str(element.scale.max)
    return answers


ANSWERS = _answers()


def _submission(csrf: str, form_key: str) -> bytes:
    return urlencode({"csrf_token": csrf, "form_key": form_key, "page": "0", "next": "1", **ANSWERS}).encode()


async def _client(port: int, kind: str, deadline: float, latencies: list):
    conn = Connection(port)
    csrf = await _prepare(conn) if kind != "ping" else ""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        if kind == "ping":
            status, _ = await conn.request("GET", "/ping")
            ok = status == 200
        elif kind == "floor":
            body = urlencode({"csrf_token": csrf, "form_key": secrets.token_urlsafe(18), "survey_id": SURVEY_ID[0]})
            status, _ = await conn.request("POST", "/bench/floor", body.encode(), form)
            ok = status == 303
        elif kind == "submit":
            status, _ = await conn.request("POST", "/s/nps-pulse", _submission(csrf, secrets.token_urlsafe(18)), form)
            ok = status == 303
        else:
            conn.cookies = {k: v for k, v in conn.cookies.items() if not k.startswith("r")}
            csrf = await _prepare(conn)
            status, _ = await conn.request("POST", "/s/nps-pulse", _submission(csrf, secrets.token_urlsafe(18)), form)
            ok = status == 303
        if not ok:
            raise RuntimeError(f"{kind}: unexpected status {status}")
        latencies.append(time.perf_counter() - start)


async def _round(port: int, kind: str, seconds: float = SECONDS) -> tuple[float, float, float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()
    await asyncio.gather(*(_client(port, kind, deadline, latencies) for _ in range(CLIENTS)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    return len(latencies) / elapsed, latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(database_url: str, workdir: Path) -> tuple[subprocess.Popen, int]:
    env = {**os.environ, "DATABASE_URL": database_url, "RATELIMIT_ENABLED": "0",
           "SECRET_KEY": secrets.token_hex(32),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--backlog", "512",
         "--keep-alive", "30", "--log-level", "warning", "bench.web_app:app"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    # Ready when both workers answer: the port opens before they have imported the app.
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/s/nps-pulse", timeout=2) as reply:
                if reply.status == 200:
                    break
        except OSError:
            time.sleep(0.1)
    return server, port


def _bench(label: str, database_url: str, workdir: Path) -> None:
    server, port = _serve(database_url, workdir)
    try:
        results = {}
        SURVEY_ID[0] = _survey_id(database_url)
        for kind in ("ping", "floor", "submit", "respondent"):
            asyncio.run(_round(port, kind, seconds=1.0))  # warm-up, not counted
            rounds = [asyncio.run(_round(port, kind)) for _ in range(ROUNDS)]
            results[kind] = tuple(statistics.median(r[i] for r in rounds) for i in range(3))
        ceiling = results["ping"][0]
        print(f"\n{label}: {CLIENTS} concurrent clients, gunicorn 2 sync workers, median of {ROUNDS} rounds of {SECONDS}s")
        print(f"  {'':32} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8} {'of ceiling':>10}")
        names = {"ping": "GET /ping (ceiling)", "floor": "POST floor: CSRF + INSERT + commit",
                 "submit": "POST submission", "respondent": "GET page + POST submission"}
        for kind, (rate, p50, p99) in results.items():
            print(f"  {names[kind]:32} {rate:8.0f} {p50:8.1f} {p99:8.1f} {rate / ceiling:10.0%}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


def _postgres_ready() -> bool:
    try:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench_web")
            conn.execute("CREATE DATABASE bench_web")
        return True
    except Exception as error:  # noqa: BLE001 - any failure means: skip this database
        print(f"PostgreSQL not available ({error}); skipping it.")
        return False


def main() -> None:
    print(f"machine: {os.cpu_count()} cores, {_cpu_model()}, Python {sys.version.split()[0]}")
    workdir = Path(tempfile.mkdtemp(prefix="bench-web-"))
    try:
        _bench("SQLite", f"sqlite:///{workdir / 'bench.db'}", workdir)
        if _postgres_ready():
            _bench("PostgreSQL", PG_URL, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    main()

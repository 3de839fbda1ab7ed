"""Shared benchmark machinery: serve a WSGI app with gunicorn, then load it with wrk.

Used by ``bench/pages.py`` and meant to be reused by the other benchmarks (``bench/ingest.py``).
Everything here binds to loopback only. ``measure`` uses ``wrk`` (`make bench` installs it with
apt-get when it is missing). The small threaded ``http.client`` load generator is used only when
asked for (``BENCH_LOADGEN=python``): written in Python, it takes much of a 2-core machine itself,
so the servers under test run below their limits and the ratios look better than they are
(measured: bare collect 2 641 req/s with it against 5 537 with wrk, on the same machine).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# What every benchmark serves with unless told otherwise: the machine has 2 cores, and the sync
# worker is what production runs, so the numbers say something about the real deployment.
WORKERS = 2
WORKER_CLASS = "sync"
THREADS = 2
CONNECTIONS = 16


@dataclass(frozen=True)
class Result:
    """One load-generator run against one URL."""

    rps: float
    requests: int
    # socket-level failures (connect/read/write/timeout): the request never got an answer.
    errors: int
    # answers with a failing status. wrk counts status >= 400 here (its "Non-2xx or 3xx" line
    # is misnamed); the Python fallback counts every status outside 200-299.
    non2xx: int
    p50_ms: float | None
    p99_ms: float | None
    tool: str

    def as_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-ready dict."""
        return asdict(self)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    # The kernel picks the port; there is a small window before gunicorn binds it, which is
    # acceptable on a benchmark machine and reported clearly if gunicorn then fails to start.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(
    url: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, dict[str, str], bytes]:
    """Make one request and return (status, lower-cased headers, body); no redirects followed."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        conn.request(method, path, body=body, headers=dict(headers or {}))
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        conn.close()


def gunicorn_command(
    app_spec: str, port: int, config_file: Path, workers: int, worker_class: str
) -> list[str]:
    """Return the gunicorn command line; identical for every app apart from spec and port."""
    bin_dir = Path(sys.executable).parent
    script = bin_dir / "gunicorn"
    # Prefer the venv's own script so the benchmark does not depend on PATH.
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]
    return [
        *launcher,
        "--config",
        str(config_file),
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        app_spec,
    ]


def _tail(path: Path, lines: int = 40) -> str:
    """Return the last ``lines`` lines of a log file (empty when missing)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path, timeout: float) -> None:
    """Block until ``url`` gives any HTTP answer; fail early if gunicorn exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited with status {proc.returncode} before answering {url}:\n"
                + _tail(log)
            )
        try:
            fetch(url, timeout=1.0)
            return
        except OSError:
            # not listening yet, or the worker is still importing the app
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout:.0f} s:\n" + _tail(log))


def _stop(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """Stop gunicorn and its workers: TERM the process group, KILL it if it lingers."""
    if proc.poll() is not None:
        return
    # The master was started in its own session, so its pid is the group id of it and all
    # its workers; signalling the group leaves no orphaned worker behind.
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


@contextmanager
def serve(
    app_spec: str,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    *,
    workers: int = WORKERS,
    worker_class: str = WORKER_CLASS,
    ready_path: str = "/",
    startup_timeout: float = 30.0,
) -> Iterator[str]:
    """Serve ``app_spec`` with gunicorn on a free loopback port; yield its base URL."""
    run_env = dict(os.environ if env is None else env)
    # GUNICORN_CMD_ARGS would silently change the settings of one run but not of the other.
    run_env.pop("GUNICORN_CMD_ARGS", None)
    with tempfile.TemporaryDirectory(prefix="bench-gunicorn-") as scratch:
        scratch_dir = Path(scratch)
        # An explicit empty config file: otherwise gunicorn reads ./gunicorn.conf.py from the
        # working directory, and apps served from different directories would differ.
        config_file = scratch_dir / "empty.conf.py"
        config_file.write_text("")
        log = scratch_dir / "gunicorn.log"
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        command = gunicorn_command(app_spec, port, config_file, workers, worker_class)
        with log.open("wb") as log_handle:
            proc = subprocess.Popen(
                command,
                cwd=cwd,
                env=run_env,
                stdin=subprocess.DEVNULL,
                stdout=log_handle,
                stderr=subprocess.STDOUT,
                # own session/process group: Ctrl-C in the terminal reaches only us, and we
                # can stop master and workers together.
                start_new_session=True,
            )
            try:
                # a start-up failure already carries the log in its exception
                _wait_ready(proc, base_url + ready_path, log, startup_timeout)
            except BaseException:
                _stop(proc)
                raise
            try:
                yield base_url
            finally:
                _stop(proc)
                # At --log-level warning a healthy run logs nothing, so anything here (worker
                # timeouts, tracebacks) is worth seeing next to the numbers.
                leftover = _tail(log)
                if leftover:
                    print(f"--- gunicorn {app_spec} log ---\n{leftover}", file=sys.stderr)


def measure(
    url: str,
    seconds: int,
    method: str = "GET",
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    threads: int = THREADS,
    connections: int = CONNECTIONS,
    tool: str | None = None,
) -> Result:
    """Load ``url`` for ``seconds`` with ``tool`` ("wrk", or "python" when asked for; None:
    ``generator()``)."""
    if seconds < 1:
        raise ValueError("seconds must be at least 1 (wrk only takes whole seconds)")
    chosen = tool or generator()
    if chosen == "wrk":
        return _measure_wrk(url, seconds, method, body, headers, threads, connections)
    if chosen == "python":
        return _measure_python(url, seconds, method, body, headers, connections)
    raise ValueError(f"unknown load generator {chosen!r}")


def generator() -> str:
    """The load generator to use: ``BENCH_LOADGEN`` when set ("wrk" or "python"), else wrk,
    which must then be installed (RuntimeError naming the fix otherwise)."""
    chosen = os.environ.get("BENCH_LOADGEN") or "wrk"
    if chosen not in ("wrk", "python"):
        raise RuntimeError(f"BENCH_LOADGEN must be wrk or python, not {chosen!r}")
    if chosen == "wrk" and not shutil.which("wrk"):
        raise RuntimeError(
            "wrk is not installed: `apt-get install wrk` (make bench does it), or"
            " BENCH_LOADGEN=python for the Python load generator, which competes with the"
            " servers for the cores"
        )
    return chosen


def _lua_string(data: bytes) -> str:
    """Return ``data`` as a Lua string literal that survives any byte value."""
    out = []
    for byte in data:
        char = chr(byte)
        # three-digit decimal escapes: "\0491" would otherwise be ambiguous in Lua
        if 32 <= byte < 127 and char not in '"\\':
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


_DURATION_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _parse_duration_ms(text: str) -> float | None:
    """Turn a wrk duration such as "1.25ms" into milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        return None
    return float(match.group(1)) * _DURATION_MS[match.group(2)]


def parse_wrk(output: str) -> Result:
    """Parse wrk's text report (with --latency) into a Result."""
    rps_match = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if not rps_match:
        raise RuntimeError("wrk printed no Requests/sec line:\n" + output)
    requests_match = re.search(r"^\s*(\d+) requests in ", output, re.MULTILINE)
    # wrk prints these two lines only when the counts are non-zero.
    socket_match = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non2xx_match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    latency = dict(re.findall(r"^\s+(50|99)(?:\.000)?%\s+(\S+)", output, re.MULTILINE))
    return Result(
        rps=float(rps_match.group(1)),
        requests=int(requests_match.group(1)) if requests_match else 0,
        errors=sum(int(n) for n in socket_match.groups()) if socket_match else 0,
        non2xx=int(non2xx_match.group(1)) if non2xx_match else 0,
        p50_ms=_parse_duration_ms(latency["50"]) if "50" in latency else None,
        p99_ms=_parse_duration_ms(latency["99"]) if "99" in latency else None,
        tool="wrk",
    )


def _measure_wrk(
    url: str,
    seconds: int,
    method: str,
    body: bytes | None,
    headers: Mapping[str, str] | None,
    threads: int,
    connections: int,
) -> Result:
    """Run wrk once and parse its report."""
    script = None
    if method != "GET" or body is not None:
        # wrk has no flag for method or body; a Lua script is its documented way.
        lines = [f"wrk.method = {_lua_string(method.encode())}"]
        if body is not None:
            lines.append(f"wrk.body = {_lua_string(body)}")
        script = "\n".join(lines) + "\n"
    return parse_wrk(_run_wrk(url, seconds, script, headers, threads, connections))


def run_wrk_script(
    url: str,
    seconds: int,
    script: str,
    headers: Mapping[str, str] | None = None,
    *,
    threads: int = THREADS,
    connections: int = CONNECTIONS,
) -> tuple[Result, str]:
    """Run wrk with the caller's Lua ``script``; return the Result and wrk's whole stdout."""
    # for loads a fixed body cannot express (a fresh body per request, a check of every
    # answer): whatever the script's done() prints is in the returned text.
    output = _run_wrk(url, seconds, script, headers, threads, connections)
    return parse_wrk(output), output


def _run_wrk(
    url: str,
    seconds: int,
    script: str | None,
    headers: Mapping[str, str] | None,
    threads: int,
    connections: int,
) -> str:
    """Run wrk once (with the Lua ``script`` when given) and return its stdout."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as scratch:
        if script is not None:
            script_path = Path(scratch) / "request.lua"
            script_path.write_text(script)
            command += ["-s", str(script_path)]
        command.append(url)
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    if completed.returncode != 0:
        raise RuntimeError(
            f"wrk exited with status {completed.returncode}:\n{completed.stdout}{completed.stderr}"
        )
    return completed.stdout


def _percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Return the nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def _measure_python(
    url: str,
    seconds: int,
    method: str,
    body: bytes | None,
    headers: Mapping[str, str] | None,
    connections: int,
) -> Result:
    """Threaded http.client load: one fresh connection per request for ``seconds``."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port
    path = (parts.path or "/") + (("?" + parts.query) if parts.query else "")
    # keep-alive off: gunicorn's sync worker closes every connection anyway, and a fresh
    # connection per request keeps the fallback comparable with wrk against it.
    request_headers = {**(headers or {}), "Connection": "close"}
    lock = threading.Lock()
    totals = {"requests": 0, "errors": 0, "non2xx": 0}
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    def worker() -> None:
        """Send requests until the deadline; merge the counts once at the end."""
        done = errors = non2xx = 0
        mine: list[float] = []
        while time.monotonic() < deadline:
            started = time.perf_counter()
            conn = http.client.HTTPConnection(host, port, timeout=10)
            try:
                conn.request(method, path, body=body, headers=request_headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                continue
            finally:
                conn.close()
            mine.append((time.perf_counter() - started) * 1000)
            done += 1
            if not 200 <= response.status < 300:
                non2xx += 1
        with lock:
            totals["requests"] += done
            totals["errors"] += errors
            totals["non2xx"] += non2xx
            latencies.extend(mine)

    started = time.monotonic()
    pool = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return Result(
        rps=totals["requests"] / elapsed if elapsed > 0 else 0.0,
        requests=totals["requests"],
        errors=totals["errors"],
        non2xx=totals["non2xx"],
        p50_ms=_percentile(latencies, 0.50),
        p99_ms=_percentile(latencies, 0.99),
        tool="python",
    )

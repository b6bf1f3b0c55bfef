"""Load drill: GET /api/suggest through gunicorn, rate limit off, measured by wrk.

Starts the service on the project's current index under gunicorn (as
``deflect serve`` does: ``--workers`` processes of 4 threads), then runs wrk
against ``/healthz`` (the floor: Flask and gunicorn alone) and against
``/api/suggest`` with questions taken in turn from the query files (every
request a different question, in its language), and prints requests/s and
latency. Needs ``wrk`` (``apt-get install -y wrk``). Not part of the tests.

    python bench/wrk_suggest.py [--workers 2] [--connections 32] [--seconds 15] [--queries FILE ...]
    python bench/wrk_suggest.py --cache 0      # the search's answer cache off (default: on, its size)
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DEFAULT_QUERIES = [HERE.parent.parent / "shared" / "eval" / "dev-queries.yml", HERE / "holdout-queries.yml",
                   HERE / "tuning-queries.yml", HERE / "tuning-customers.yml"]

SERVER = """
import sys
from gunicorn.app.base import BaseApplication
from deflect import create_app
import deflect.search

deflect.search.ANSWER_CACHE_SIZE = int(sys.argv[3])

class Server(BaseApplication):
    def load_config(self):
        self.cfg.set("bind", sys.argv[1])
        self.cfg.set("workers", int(sys.argv[2]))
        self.cfg.set("threads", 4)
        self.cfg.set("accesslog", None)
        self.cfg.set("loglevel", "warning")
        if int(sys.argv[4]):
            self.cfg.set("worker_connections", int(sys.argv[4]))

    def load(self):
        return create_app({"RATELIMIT_ENABLED": False})

Server().run()
"""

LUA = """
local paths = {%s}
local n = 0
request = function()
  n = n %% #paths + 1
  return wrk.format("GET", paths[n])
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the service did not answer at {url}")


def run_wrk(url: str, connections: int, seconds: int, script: Path | None = None) -> str:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script:
        command[1:1] = ["-s", str(script)]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def summary(output: str) -> str:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    latency = {p: re.search(rf"\s{p}%\s+([\d.]+\w+)", output) for p in ("50", "90", "99")}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    text = f"{float(rate.group(1)):8.0f} req/s" if rate else "no rate"
    text += "  latency " + "  ".join(f"p{p} {m.group(1)}" for p, m in latency.items() if m)
    return text + (f"  NON-2xx {errors.group(1)}" if errors else "")


def worker_pids(master: int) -> list[str]:
    """Return the gunicorn workers' process ids (the master's children, or their children under a wrapper)."""
    found = []
    for pid in subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split():
        found += subprocess.run(["pgrep", "-P", pid], capture_output=True, text=True).stdout.split() or [pid]
    return found


def cpu_seconds(pids: list[str]) -> list[float]:
    """Return each process's CPU time so far (user + system, /proc/PID/stat), 0 for one that is gone.

    Two readings around a run show how the work was shared out: one worker
    holding every keep-alive connection shows as one at 100 %.
    """
    tick = os.sysconf("SC_CLK_TCK")
    found = []
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
        except FileNotFoundError:
            found.append(0.0)
            continue
        found.append((int(fields[11]) + int(fields[12])) / tick)  # utime, stime: fields 14 and 15 of stat
    return found


def cpu_split(before: list[float], after: list[float]) -> str:
    """Each worker's share of the workers' CPU time between two readings, as "58/42 %"."""
    used = [max(0.0, b - a) for a, b in zip(before, after)]
    total = sum(used) or 1.0
    return "/".join(f"{100 * u / total:.0f}" for u in used) + " %"


def worker_memory(master: int) -> list[str]:
    """Return each gunicorn worker's resident memory, and its private (anonymous) part."""
    found = []
    for worker in worker_pids(master):
        fields = {}
        with open(f"/proc/{worker}/status", encoding="ascii") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in {"VmRSS", "RssAnon"}:
                    fields[name] = int(value.split()[0]) // 1024
        found.append(f"{fields.get('VmRSS', 0)} MB resident ({fields.get('RssAnon', 0)} MB private)")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--cache", type=int, default=None,
                        help="answers kept per worker (deflect.search.ANSWER_CACHE_SIZE; 0 = off)")
    parser.add_argument("--worker-connections", type=int, default=0,
                        help="gunicorn's worker_connections: at most this many connections a worker (0: its default)")
    parser.add_argument("--queries", type=Path, nargs="*", default=DEFAULT_QUERIES)
    parser.add_argument("--project", type=Path, default=HERE.parent,
                        help="the help center to serve (e.g. bench_search.py --keep DIR's DIR/project)")
    parser.add_argument("--var", type=Path, default=None, help="its VAR_DIR (with index/), if not project/var")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")

    paths = []
    for file in args.queries:
        for lang, items in yaml.safe_load(file.read_text(encoding="utf-8")).items():
            paths += [f"/api/suggest?{urllib.parse.urlencode({'q': item['q'], 'lang': lang})}" for item in items]
    work = Path(tempfile.mkdtemp(prefix="deflect-wrk-"))
    script = work / "questions.lua"
    script.write_text(LUA % ", ".join(f'"{p}"' for p in paths), encoding="utf-8")
    (work / "server.py").write_text(SERVER, encoding="utf-8")

    port = free_port()
    env = {**os.environ, "DEFLECT_PROJECT_DIR": str(args.project)}
    if args.var:
        env["DEFLECT_VAR_DIR"] = str(args.var)
    from deflect.search import ANSWER_CACHE_SIZE

    cache = ANSWER_CACHE_SIZE if args.cache is None else args.cache
    server = subprocess.Popen([sys.executable, str(work / "server.py"), f"127.0.0.1:{port}", str(args.workers),
                               str(cache), str(args.worker_connections)], env=env, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/healthz")
        urllib.request.urlopen(base + paths[0], timeout=30).read()  # open the index in a worker
        print(f"gunicorn {args.workers} workers × 4 threads, wrk 2 threads × {args.connections} connections, "
              f"{args.seconds} s; {len(paths)} different questions; answer cache {cache or 'off'}")
        print(f"/healthz       {summary(run_wrk(base + '/healthz', args.connections, args.seconds))}")
        run_wrk(base + "/", args.connections, 3, script)  # warm every worker's searchers
        workers = worker_pids(server.pid)
        before = cpu_seconds(workers)
        measured = summary(run_wrk(base + '/', args.connections, args.seconds, script))
        print(f"/api/suggest   {measured}  workers' CPU {cpu_split(before, cpu_seconds(workers))}")
        print("worker memory: " + ", ".join(worker_memory(server.pid)))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Load drill: the production shape under wrk, while the index is rebuilt again and again.

Runs one replica as production does (gunicorn with ``deploy/gunicorn.conf.py``,
a PostgreSQL store in a schema of its own, rate-limit counters in Redis, one
trusted proxy), on a copy of the help center, and measures with wrk:

* ``/healthz`` (the floor: gunicorn and Flask alone) and ``/api/suggest``
  with questions of the five languages in turn (a wrk Lua script; every
  request a different question), each ``--seconds`` at each of
  ``--connections``;
* meanwhile ``deflect index`` runs ``--rebuilds`` times, spread over the
  measurements, each after an author's edit of one article: new generations
  are swapped in under the load (the ``swaps`` column counts those of each
  run).

The rate limit is on by default and real: each request comes from one of
65,536 customers' addresses (``X-Forwarded-For`` behind the one trusted
proxy), so every request costs its Redis counter and none is refused;
``--rate-limit off`` disables it. Prints requests/s, p50/p99 latency, the
responses that were not 2xx (by status) and wrk's socket errors per run,
then the index builds, the worker restarts and the tracebacks in gunicorn's
log. Needs ``wrk``, a PostgreSQL server and Redis. Not part of the tests.
gunicorn also reads ``GUNICORN_CMD_ARGS`` (after the configuration file):
``GUNICORN_CMD_ARGS="--max-requests 50000"`` tries another setting.

With ``--nginx``, wrk talks to nginx run with production's own site
configuration (``deploy/nginx/deflect.conf``: its upstream pool, its proxy
headers; only the ports and paths changed), as customers' requests reach
the service; the client's address is then the second proxy's view
(``DEFLECT_TRUSTED_PROXIES=2``: a load balancer's header, then nginx's).
``--nginx-keepalive N`` tries another upstream pool (0: none, a new
connection per request).

    python bench/load_drill.py [--seconds 20] [--connections 8 32] [--rebuilds 20]
    python bench/load_drill.py --nginx [--nginx-keepalive 0]
    python bench/load_drill.py --cache 0            # the search's answer cache off in the workers
    python bench/load_drill.py --rate-limit off
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Callable

import yaml

from wrk_suggest import DEFAULT_QUERIES, cpu_seconds, cpu_split, free_port, wait_until_up, worker_memory, worker_pids

HERE = Path(__file__).resolve().parent
PROJECT_DIR = HERE.parent
BIN = Path(sys.executable).parent

#: The WSGI module gunicorn loads: the service as ``deflect:create_app()`` builds it, with the
#: answer cache sized by the drill (a module constant, not a setting).
APP_MODULE = """
import os
import deflect.search
from deflect import create_app

deflect.search.ANSWER_CACHE_SIZE = int(os.environ["DRILL_ANSWER_CACHE"])
app = create_app()
"""

#: wrk's script: paths in turn from a random start per thread, a random customer's address per
#: request, every status counted (wrk itself only counts >= 400), one JSON line of figures at the end.
LUA = """
local paths = {%(paths)s}
local threads = {}
local n = 0
counts = {}  -- a global: done() reads each thread's with thread:get

function setup(thread)
  table.insert(threads, thread)
  thread:set("seed", #threads)
end

function init(args)
  math.randomseed(os.time() * 100 + seed)
  n = math.random(#paths)
end

function request()
  n = n %% #paths + 1
  local a = math.random(0, 65535)
  return wrk.format("GET", paths[n], {["X-Forwarded-For"] = "10." .. math.floor(a / 256) .. "." .. (a %% 256) .. ".7"})
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total, statuses = {}, {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("counts")) do
      total[status] = (total[status] or 0) + count
    end
  end
  for status, count in pairs(total) do
    statuses[#statuses + 1] = '"' .. status .. '": ' .. count
  end
  local e = summary.errors
  io.write(string.format('DRILL {"requests": %%d, "seconds": %%f, "p50_ms": %%f, "p99_ms": %%f, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "timeout": %%d, "statuses": {%%s}}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect, e.read, e.write, e.timeout, table.concat(statuses, ", ")))
end
"""


def copy_project(target: Path) -> Path:
    """Copy the help center (docs, vocabulary, mkdocs.yml) so that the drill's edits stay out of the repo."""
    shutil.copytree(PROJECT_DIR / "docs", target / "docs")
    shutil.copytree(PROJECT_DIR / "vocabulary", target / "vocabulary")
    (target / "overrides").symlink_to(PROJECT_DIR / "overrides")
    config = (PROJECT_DIR / "mkdocs.yml").read_text(encoding="utf-8")
    (target / "mkdocs.yml").write_text(config.replace("src/deflect/", str(PROJECT_DIR / "src/deflect") + "/"),
                                       encoding="utf-8")
    return target


def nginx_config(work: Path, listen: int, upstream: int, keepalive: int | None) -> Path:
    """Write an nginx.conf that includes production's site file with only its ports and paths changed.

    The main context is nginx's packaged one in miniature (``worker_processes
    auto``: one per core, as on the production machine); the site file's
    ``keepalive`` is replaced only when ``keepalive`` is given (0 removes the
    pool).
    """
    site = (PROJECT_DIR / "deploy" / "nginx" / "deflect.conf").read_text(encoding="utf-8")
    replaced = {"listen 80;": f"listen 127.0.0.1:{listen};", "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream};",
                "root /srv/deflect/site;": f"root {work / 'site'};"}
    if keepalive is not None:
        replaced["keepalive 32;"] = f"keepalive {keepalive};" if keepalive else ""
    for old, new in replaced.items():
        if old not in site:
            raise SystemExit(f"deploy/nginx/deflect.conf no longer has {old!r}: update bench/load_drill.py")
        site = site.replace(old, new)
    (work / "site").mkdir(exist_ok=True)
    (work / "deflect.conf").write_text(site, encoding="utf-8")
    user = "user root root;\n" if os.geteuid() == 0 else ""  # the drill's files are the drill runner's
    main_conf = (f"{user}worker_processes auto;\ndaemon off;\npid {work / 'nginx.pid'};\n"
                 f"error_log {work / 'nginx-error.log'} warn;\nevents {{ worker_connections 4096; }}\n"
                 f"http {{\n  access_log off;\n  client_body_temp_path {work / 'nginx-body'};\n"
                 f"  proxy_temp_path {work / 'nginx-proxy'};\n  fastcgi_temp_path {work / 'nginx-fastcgi'};\n"
                 f"  uwsgi_temp_path {work / 'nginx-uwsgi'};\n  scgi_temp_path {work / 'nginx-scgi'};\n"
                 f"  include {work / 'deflect.conf'};\n}}\n")
    (work / "nginx.conf").write_text(main_conf, encoding="utf-8")
    return work / "nginx.conf"


def postgres_schema(base_url: str) -> tuple[str, Callable[[], None]]:
    """Create a schema of the drill's own on ``base_url``; return its URL and the function that drops it."""
    from sqlalchemy import create_engine, text

    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    schema = f"drill_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options=-csearch_path%3D{schema}", drop


class Rebuilds(threading.Thread):
    """Run ``deflect index`` ``count`` times, each after an author's edit of one article.

    One starts every ``interval`` seconds (the measurements' time shared out,
    so that every run meets new generations), or at once when the previous
    one took longer; all of them run, late ones after the measurements.
    """

    def __init__(self, project: Path, env: dict, count: int, interval: float):
        super().__init__(daemon=True)
        self.project, self.env, self.count, self.interval = project, env, count, interval
        self.seconds: list[float] = []
        self.finished: list[float] = []  # when each new generation was swapped in (time.monotonic())
        self.failures: list[str] = []

    def edit(self, number: int) -> None:
        articles = sorted((self.project / "docs" / "en" / "support").glob("*.md"))
        article = articles[number % len(articles)]
        with article.open("a", encoding="utf-8") as text:
            text.write(f"\nRevised for drill run {number}.\n")

    def run(self) -> None:
        begun = time.monotonic()
        for number in range(self.count):
            time.sleep(max(0.0, begun + number * self.interval - time.monotonic()))
            started = time.monotonic()
            self.edit(number)
            done = subprocess.run([str(BIN / "deflect"), "index"], env=self.env, capture_output=True, text=True)
            self.seconds.append(time.monotonic() - started)
            if done.returncode != 0 or "is current" not in done.stdout:
                said = (done.stderr or done.stdout).strip().splitlines()
                self.failures.append(said[-1] if said else f"exit {done.returncode}")
            else:
                self.finished.append(time.monotonic())

    def swaps_between(self, start: float, end: float) -> int:
        return sum(start <= moment < end for moment in self.finished)


def run_wrk(url: str, script: Path, connections: int, seconds: int) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", str(script), url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("DRILL "))
    figures = json.loads(line[len("DRILL "):])
    figures["rate"] = figures["requests"] / figures["seconds"]
    figures["non_2xx"] = {status: count for status, count in figures["statuses"].items()
                          if not status.startswith("2")}
    return figures


def row(path: str, connections: int, figures: dict, swaps: int, split: str) -> str:
    non_2xx = sum(figures["non_2xx"].values())
    detail = " (" + ", ".join(f"{s}: {c}" for s, c in sorted(figures["non_2xx"].items())) + ")" if non_2xx else ""
    sockets = "/".join(str(figures[kind]) for kind in ("connect", "read", "write", "timeout"))
    return (f"{path:<13} {connections:>5} {figures['rate']:>8.0f} {figures['p50_ms']:>8.1f} {figures['p99_ms']:>8.1f} "
            f"{swaps:>6} {non_2xx:>8}{detail}   {sockets:<12} {split}")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text(encoding="ascii").split()[:3])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="each wrk run")
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--rebuilds", type=int, default=20, help="deflect index runs during the measurements")
    parser.add_argument("--cache", type=int, default=None,
                        help="answers kept per worker (deflect.search.ANSWER_CACHE_SIZE; 0 = off)")
    parser.add_argument("--rate-limit", choices=("on", "off"), default="on")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL database the drill may create a schema in")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13", help="rate-limit counters")
    parser.add_argument("--queries", type=Path, nargs="*", default=DEFAULT_QUERIES)
    parser.add_argument("--nginx", action="store_true", help="wrk → nginx (deploy/nginx/deflect.conf) → gunicorn")
    parser.add_argument("--nginx-keepalive", type=int, default=None,
                        help="with --nginx: the upstream pool's size instead of the site file's (0: none)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    nginx_binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if args.nginx and not nginx_binary:
        raise SystemExit("nginx is not installed: apt-get install -y nginx")
    from deflect.search import ANSWER_CACHE_SIZE

    cache = ANSWER_CACHE_SIZE if args.cache is None else args.cache
    paths = []
    for file in args.queries:
        for lang, items in yaml.safe_load(file.read_text(encoding="utf-8")).items():
            paths += [f"/api/suggest?{urllib.parse.urlencode({'q': item['q'], 'lang': lang})}" for item in items]
    languages = sorted({urllib.parse.parse_qs(p.split("?", 1)[1])["lang"][0] for p in paths})

    work = Path(tempfile.mkdtemp(prefix="deflect-drill-"))
    database, drop_schema = postgres_schema(args.postgres)
    server = proxy = None
    try:
        project = copy_project(work / "project")
        (work / "drill_app.py").write_text(APP_MODULE, encoding="utf-8")
        (work / "suggest.lua").write_text(LUA % {"paths": ", ".join(json.dumps(p) for p in paths)}, encoding="utf-8")
        (work / "healthz.lua").write_text(LUA % {"paths": '"/healthz"'}, encoding="utf-8")
        port = free_port()
        env = {**os.environ, "DEFLECT_PROJECT_DIR": str(project), "DEFLECT_VAR_DIR": str(work / "var"),
               "DEFLECT_DATABASE_URL": database, "DEFLECT_RATELIMIT_STORAGE_URI": args.redis,
               "DEFLECT_RATELIMIT_ENABLED": "true" if args.rate_limit == "on" else "false",
               "DEFLECT_TRUSTED_PROXIES": "2" if args.nginx else "1", "DEFLECT_SERVE_SITE": "false",
               "DEFLECT_SECRET_KEY": "drill", "DRILL_ANSWER_CACHE": str(cache)}
        subprocess.run([str(BIN / "deflect"), "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([str(BIN / "deflect"), "index"], env=env, check=True, capture_output=True)
        log = (work / "gunicorn.log").open("w", encoding="utf-8")
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(PROJECT_DIR / "deploy" / "gunicorn.conf.py"), "--bind",
             f"127.0.0.1:{port}", "--pythonpath", str(work), "--access-logfile", str(work / "access.log"),
             "drill_app:app"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/healthz")
        if args.nginx:
            front = free_port()
            configuration = nginx_config(work, front, port, args.nginx_keepalive)
            proxy = subprocess.Popen([nginx_binary, "-c", str(configuration), "-p", str(work)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
            base = f"http://127.0.0.1:{front}"
            wait_until_up(base + "/healthz")
        with urllib.request.urlopen(base + "/healthz", timeout=10) as answer:
            health = json.load(answer)
        run_wrk(base + "/", work / "suggest.lua", 8, 3)  # every worker opens its searchers
        pool = ("" if not args.nginx else "nginx (deploy/nginx/deflect.conf, upstream keepalive "
                f"{'32' if args.nginx_keepalive is None else args.nginx_keepalive or 'off'}) → ")
        extra = os.environ.get("GUNICORN_CMD_ARGS")
        settings = f"; GUNICORN_CMD_ARGS {extra!r}" if extra else ""
        print(f"load drill: {pool}gunicorn (deploy/gunicorn.conf.py{settings}: {len(worker_memory(server.pid))} "
              f"workers × 4 threads), PostgreSQL store, rate limits {args.rate_limit} (Redis: {health['rate_limits']}; "
              f"65,536 client addresses), answer cache {cache or 'off'}; {len(paths)} questions in "
              f"{', '.join(languages)}; wrk 2 threads, {args.seconds} s per run; {args.rebuilds} index builds "
              f"meanwhile")
        print(f"load average before: {load_average()}")
        print(f"{'path':<13} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'swaps':>6} {'non-2xx':>8}   "
              f"{'sockets':<12} workers' CPU\n(sockets: wrk's connect/read/write/timeout errors; "
              f"workers' CPU: each worker's share)")
        runs = [("/healthz", "healthz.lua"), ("/api/suggest", "suggest.lua")]
        interval = len(runs) * len(args.connections) * args.seconds / max(1, args.rebuilds)
        rebuilds = Rebuilds(project, env, args.rebuilds, interval)
        rebuilds.start()
        measuring = time.monotonic()
        for path, script in runs:
            for connections in args.connections:
                started = time.monotonic()
                workers = worker_pids(server.pid)
                before = cpu_seconds(workers)
                figures = run_wrk(base + "/", work / script, connections, args.seconds)
                split = cpu_split(before, cpu_seconds(workers))
                print(row(path, connections, figures, rebuilds.swaps_between(started, time.monotonic()), split),
                      flush=True)
        measured = time.monotonic()
        rebuilds.join()
        print(f"load average after: {load_average()}")
        built = rebuilds.seconds
        print(f"index builds: {len(built)}, {len(rebuilds.failures)} failed"
              + (f" ({rebuilds.failures[0]})" if rebuilds.failures else "")
              + f", {rebuilds.swaps_between(measuring, measured)} swapped in during the runs"
              + (f"; {min(built):.1f}–{max(built):.1f} s each" if built else ""))
        print("worker memory: " + ", ".join(worker_memory(server.pid)))
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait(timeout=30)
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
            text = (work / "gunicorn.log").read_text(encoding="utf-8", errors="replace")
            print(f"gunicorn log: {text.count('Booting worker')} worker starts, "
                  f"{text.count('WORKER TIMEOUT')} worker timeouts, {text.count('Traceback')} tracebacks, "
                  f"{text.count('[ERROR]')} errors")
        drop_schema()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Crash drill: file cases through gunicorn on PostgreSQL while the server is killed, then count.

    python bench/crash_drill.py [--database URL] [--cases 200] [--clients 8] [--kills 5]

Starts the service under gunicorn (deploy/gunicorn.conf.py, 2 workers) on a
fresh PostgreSQL schema, and has ``--clients`` clients file ``--cases`` cases
(every third with an attachment) through the real case form, each client
retrying a failed send with the same form (its submission key), as a browser
would. Meanwhile the master and workers are killed with SIGKILL ``--kills``
times at random moments and restarted. Then every acknowledged case is
checked in the database: present once, its file byte-identical; no case that
was not asked for; and the files no row names (what a kill between the copy
and the commit leaves) are counted before and after the sweep's cleaning.
Prints figures; it is not a test (run by hand, takes a minute or two).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parents[1]
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
KEY = re.compile(r'name="submission_key" value="([^"]+)"')
REFERENCE = re.compile(r'id="case-reference">(CS-[0-9A-Z]{6})<')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn in its own process group, so one killpg takes the master and every worker."""

    def __init__(self, port: int, env: dict[str, str]):
        self.port, self.env, self.process = port, env, None

    def start(self) -> None:
        command = [str(Path(sys.executable).with_name("gunicorn")), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                   "--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--access-logfile", "/dev/null",
                   "deflect:create_app()"]
        self.process = subprocess.Popen(command, env=self.env, cwd=ROOT, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(30)


def file_one(base: str, number: int, attachment: bytes | None, stop: threading.Event) -> tuple[str, str] | None:
    """File one case like a browser, retrying the same form until it is acknowledged; return (key, reference)."""
    session = requests.Session()
    while not stop.is_set():
        try:
            form = session.get(f"{base}/support/new/case?lang=fr", timeout=10)
            if form.status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(0.2)
    token, key = CSRF.search(form.text).group(1), KEY.search(form.text).group(1)
    data = {"csrf_token": token, "submission_key": key, "lang": "fr", "contact_name": f"Client {number}",
            "email": f"client{number}@example.com", "company": "Drill", "product": "Lumera Reports",
            "request_type": "question", "severity": "moderate", "subject": f"Drill {number}",
            "description": f"Drill case number {number}, sent through crashes."}
    while not stop.is_set():
        try:
            files = {"attachments": (f"trace-{number}.log", attachment)} if attachment else None
            sent = session.post(f"{base}/support/new/case", data=data, files=files, allow_redirects=False,
                                timeout=30)
            if sent.status_code == 303:
                page = session.get(base + sent.headers["Location"], timeout=10)
                found = REFERENCE.search(page.text)
                if found:
                    return key, found.group(1)
        except requests.RequestException:
            pass
        time.sleep(0.2)  # the server is down (or restarting): send the same form again
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--kills", type=int, default=5)
    args = parser.parse_args()

    schema = f"drill_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.database, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{args.database}{'&' if '?' in args.database else '?'}options=-csearch_path%3D{schema}"
    var = Path(tempfile.mkdtemp(prefix="deflect-drill-"))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DEFLECT_")},
           "DEFLECT_PROJECT_DIR": str(ROOT), "DEFLECT_VAR_DIR": str(var), "DEFLECT_DATABASE_URL": url,
           "DEFLECT_SERVE_SITE": "false", "DEFLECT_RATELIMIT_ENABLED": "false", "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([str(Path(sys.executable).with_name("deflect")), "db", "upgrade"], env=env, check=True,
                   capture_output=True)
    port = free_port()
    server = Server(port, env)
    server.start()
    base = f"http://127.0.0.1:{port}"

    rng = random.Random(7)
    attachments = {n: rng.randbytes(rng.randint(50_000, 500_000)) if n % 3 == 0 else None
                   for n in range(args.cases)}
    numbers = iter(range(args.cases))
    lock, acknowledged, stop = threading.Lock(), {}, threading.Event()

    def client():
        while True:
            with lock:
                number = next(numbers, None)
            if number is None:
                return
            done = file_one(base, number, attachments[number], stop)
            if done:
                with lock:
                    acknowledged[number] = done

    started = time.monotonic()
    clients = [threading.Thread(target=client) for _ in range(args.clients)]
    for thread in clients:
        thread.start()
    kills = 0
    while any(thread.is_alive() for thread in clients) and kills < args.kills:
        time.sleep(rng.uniform(1.0, 4.0))
        server.kill()
        kills += 1
        time.sleep(rng.uniform(0.2, 1.0))
        server.start()
    for thread in clients:
        thread.join(600)
    stop.set()
    elapsed = time.monotonic() - started
    server.stop()

    sys.path.insert(0, str(ROOT / "src"))
    from deflect.store import Attachment, Case

    store = create_engine(url)
    upload = var / "uploads"
    with store.connect() as connection:
        total = connection.scalar(select(func.count()).select_from(Case.__table__))
        rows = {row.submission_key: row for row in connection.execute(select(Case.__table__))}
        files = connection.execute(select(Attachment.__table__)).all()
    missing = [n for n, (key, _) in acknowledged.items() if key not in rows]
    wrong_reference = [n for n, (key, ref) in acknowledged.items() if key in rows and rows[key].reference != ref]
    by_case = {f.case_id: f for f in files}
    bad_files = 0
    for number, (key, _) in acknowledged.items():
        expected = attachments[number]
        stored = by_case.get(rows[key].id) if key in rows else None
        if expected is None:
            bad_files += stored is not None
        elif stored is None or hashlib.sha256((upload / "files" / stored.stored_name).read_bytes()).digest() \
                != hashlib.sha256(expected).digest():
            bad_files += 1
    named = {f.stored_name for f in files}
    orphans = [p for p in (upload / "files").iterdir() if p.name not in named] if (upload / "files").exists() else []
    print(f"cases asked {args.cases}, acknowledged {len(acknowledged)}, in the store {total} "
          f"(duplicates {total - len(rows)}), {kills} kills, {elapsed:.0f} s")
    print(f"acknowledged but missing: {len(missing)}; wrong reference: {len(wrong_reference)}; "
          f"files not byte-identical: {bad_files} of {sum(1 for a in attachments.values() if a)}")
    print(f"files no row names after the crashes: {len(orphans)} "
          f"({sum(p.stat().st_size for p in orphans) / 1e6:.1f} MB)")
    from sqlalchemy.orm import Session

    from deflect.cases import sweep_leftovers

    with Session(store) as db:
        removed = sweep_leftovers(db, upload, min_age_s=0)
    left = [p for p in (upload / "files").iterdir() if p.name not in named] if (upload / "files").exists() else []
    print(f"the sweep removed {removed[0]} files and {removed[1]} staging folders; files left unnamed: {len(left)}")
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()

"""How fast the staff queue renders with 10,000 open cases, on SQLite and PostgreSQL.

Prints figures; it is not a test. Each store gets a fresh schema (Alembic
migrations, the real indexes), N open cases spread over severities, statuses,
languages, products, companies and assignees, and one signed-in agent; then
each view of the queue is requested through the app (routing, sign-in check,
queries, template) and timed. Target: under 200 ms per page. The machine's
load average is printed before and after: on a shared machine, figures
grow with it.

    .venv/bin/python bench/bench_queue.py                 # 10,000 cases, SQLite and PostgreSQL
    .venv/bin/python bench/bench_queue.py --cases 50000 --runs 30 --no-postgres
"""
from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import create_engine, insert, text
from sqlalchemy.exc import OperationalError

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR / "src"))

from deflect import create_app  # noqa: E402
from deflect.store import Case, Staff, engine, upgrade_database  # noqa: E402

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "benchmark password"
WORDS = ("rapport", "publication", "export", "tableau", "connexion", "licence", "refresh", "erreur", "lenteur",
         "graphique", "planification", "mobile", "droits", "import", "filtre")
VIEWS = {
    "open work (default)": "/staff/",
    "mine": "/staff/?view=mine",
    "unassigned": "/staff/?view=unassigned",
    "critical, French": "/staff/?severity=critical&language=fr",
    "product + status": "/staff/?product=Lumera+Data+Hub&status=open",
    "escalated": "/staff/?escalated=1",
    "search: company": "/staff/?q=Globex",
    "search: subject words": "/staff/?q=rapport+erreur",
    "search: e-mail": "/staff/?q=user42%40",
    "search: reference": "/staff/?q={reference}",
    "page 100": "/staff/?page=100",
}


def seed(app, count: int) -> str:
    """Insert ``count`` open cases and two agents; return one case's reference."""
    rng = random.Random(42)
    now = datetime.now(timezone.utc)
    products = ["Lumera Reports", "Lumera Data Hub", "Lumera Dashboards", "Lumera Admin Console", "Lumera Mobile"]
    with engine(app).begin() as connection:
        agent, other = (connection.execute(insert(Staff).values(
            email=email, name=name, role="agent", language="en", active=True, created_at=now,
            password_hash=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD))
            .returning(Staff.id)).scalar_one() for email, name in (("agent@lumera.example", "Alex Agent"),
                                                                    ("bea@lumera.example", "Bea Agent")))
        rows = []
        for number in range(count):
            created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 20))
            status = rng.choices(["new", "open", "pending_customer"], [3, 5, 2])[0]
            severity = rng.choices(["critical", "moderate", "general"], [1, 5, 4])[0]
            rows.append(dict(
                reference=f"CS-{number:06X}", token=secrets.token_urlsafe(32), reply_token=uuid.uuid4().hex[:24],
                submission_key=uuid.uuid4().hex, status=status, lang=rng.choice(["en", "de", "fr", "it", "es"]),
                contact_name=f"User {number}", email=f"user{number}@{rng.choice(['acme', 'globex', 'initech'])}.example",
                company=rng.choice(["Acme", "Globex", "Initech", "Umbrella", "Stark"]) + f" {number % 97}",
                product=rng.choice(products), request_type="incident", severity=severity,
                subject=" ".join(rng.sample(WORDS, 4)), description="Bench case. " * 20,
                created_at=created, updated_at=created, version=1, reminders_sent=0, paused_seconds=0.0,
                assignee_id=rng.choice([None, None, agent, other]),
                escalation=rng.choices([None, "requested", "acknowledged"], [96, 2, 2])[0],
                due_at=None if status == "pending_customer" else created + timedelta(hours=rng.randint(1, 120)),
            ))
            if len(rows) == 2000:
                connection.execute(insert(Case), rows)
                rows = []
        if rows:
            connection.execute(insert(Case), rows)
    # A live store has its statistics (and PostgreSQL its visibility map) kept by (auto)vacuum.
    with engine(app).connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE support_case" if connection.dialect.name == "postgresql"
                                else "ANALYZE"))
    return f"CS-{count // 2:06X}"


def measure(app, runs: int, reference: str) -> dict[str, tuple[float, float, int]]:
    """Median and worst time (ms) of each view, and the status code."""
    client = app.test_client()
    login = client.get("/staff/login").text
    token = login.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    signed = client.post("/staff/login", data={"email": "agent@lumera.example", "password": PASSWORD,
                                               "csrf_token": token})
    assert signed.status_code == 302, signed.status_code
    figures = {}
    for name, url in VIEWS.items():
        url = url.format(reference=reference)
        client.get(url)  # warm: templates compiled, statements cached
        times, status = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            status = response.status_code
        figures[name] = (statistics.median(times), max(times), status)
    return figures


def run(store: str, url: str, var: Path, count: int, runs: int) -> None:
    config = {"PROJECT_DIR": str(PROJECT_DIR), "VAR_DIR": str(var), "SITE_DIR": str(var / "site"),
              "INDEX_DIR": str(var / "index"), "UPLOAD_DIR": str(var / "uploads"), "DATABASE_URL": url,
              "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
              "STAFF_PASSWORD_HASHER": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)}
    app = create_app(config)
    upgrade_database(app)
    started = time.perf_counter()
    reference = seed(app, count)
    print(f"\n{store}: {count:,} open cases seeded in {time.perf_counter() - started:.1f} s; {runs} runs per view")
    figures = measure(app, runs, reference)
    width = max(map(len, figures))
    for name, (median, worst, status) in figures.items():
        flag = "" if median < 200 else "   ← over 200 ms"
        print(f"  {name:<{width}}  median {median:6.1f} ms   max {worst:6.1f} ms   HTTP {status}{flag}")
    engine(app).dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--postgres", default=os.environ.get("DEFLECT_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--no-postgres", action="store_true")
    options = parser.parse_args()
    print(f"load average before: {' '.join(f'{n:.2f}' for n in os.getloadavg())} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as folder:
        var = Path(folder)
        run("SQLite", f"sqlite:///{var / 'bench.sqlite3'}", var, options.cases, options.runs)
        if options.no_postgres:
            return
        admin = create_engine(options.postgres, isolation_level="AUTOCOMMIT")
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        except OperationalError as exc:
            print(f"\nPostgreSQL: skipped, no server at {options.postgres} ({exc.orig.__class__.__name__})")
            return
        separator = "&" if "?" in options.postgres else "?"
        try:
            run("PostgreSQL", f"{options.postgres}{separator}options=-csearch_path%3D{schema}", var, options.cases,
                options.runs)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
    print(f"load average after: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")

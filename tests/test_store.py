"""The case store on SQLite and PostgreSQL: schema, one-transaction recording, idempotency."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from deflect import cases, create_app
from deflect.deflection import CurrentDeflection, Shown
from deflect.staging import Staging, new_submission_key
from deflect.store import (ArticleFeedback, Attachment, Case, CaseEvent, Deflection, SuggestionShown,
                           engine, session_factory, upgrade_database)

FIELDS = {
    "lang": "fr", "contact_name": "Camille Martin", "email": "camille@example.com", "phone": None,
    "company": "Acme", "product": "Lumera Reports", "request_type": "incident", "severity": "critical",
    "subject": "Publication impossible", "description": "Le rapport mensuel ne se publie plus.",
    "intent": "Publier le rapport", "steps": "1. Ouvrir\n2. Publier", "actual": "Erreur 500",
    "supporting_info": "2026-11-20 09:14 CET", "technical_details": {"userAgent": "test"},
}
QUESTION = "Publication impossible\nLe rapport mensuel ne se publie plus."


def deflection(uploads: Path, key: str | None = None) -> CurrentDeflection:
    """A deflection in progress that showed two articles, the first opened (its text in its staging)."""
    shown = CurrentDeflection(
        key=key or new_submission_key(), lang="fr", product="Lumera Reports", from_article="support/sla",
        started="2026-11-22T06:00:00+00:00",
        shown=[Shown(1, "support/incidents", "fr", "", 4.5, opened=True), Shown(2, "support/severity", "fr", "", 2.0)])
    Staging(uploads, shown.key).save_draft({"question": QUESTION})
    return shown


@pytest.fixture
def store_app(store_url, app_config):
    app = create_app({**app_config, "DATABASE_URL": store_url})
    upgrade_database(app)
    with app.app_context():  # a deflection finds its text in the app's upload folder
        yield app
    engine(app).dispose()


@pytest.fixture
def uploads(store_app) -> Path:
    return Path(store_app.config["UPLOAD_DIR"])


def stage(kept: Staging, content: bytes = b"log line\n", name: str = "server.log"):
    return kept.add(io.BytesIO(content), name, allowed_types=("log", "png"), max_bytes=1024)


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_upgrade_creates_every_table_and_is_repeatable(store_app):
    upgrade_database(store_app)  # a second run changes nothing
    tables = set(inspect(engine(store_app)).get_table_names())
    assert {"support_case", "case_event", "attachment", "deflection", "suggestion_shown",
            "article_feedback", "alembic_version"} <= tables


def test_case_attachments_and_deflection_are_recorded_together(store_app, uploads):
    kept = Staging(uploads, new_submission_key())
    staged = stage(kept)
    with session_factory(store_app)() as db:
        case, created = cases.file_case(db, kept, FIELDS, deflection=deflection(uploads, kept.key))
        assert created
        assert cases.REFERENCE.match(case.reference)
        assert len(case.token) >= 43
    with session_factory(store_app)() as db:
        case = db.scalar(select(Case))
        assert case.status == "new" and case.technical_details == {"userAgent": "test"}
        assert [event.type for event in case.events] == ["created"]
        [attachment] = case.attachments
        assert (attachment.original_name, attachment.size, attachment.sha256) == (
            "server.log", staged.size, staged.sha256)
        stored = cases.attachment_path(uploads, attachment.stored_name)
        assert stored.read_bytes() == b"log line\n" and attachment.stored_name != "server.log"
        before = case.deflection
        assert (before.outcome, before.lang, before.from_article, before.query) == (
            "case", "fr", "support/sla", QUESTION)
        assert [(s.rank, s.article_id, s.opened) for s in before.suggestions] == [
            (1, "support/incidents", True), (2, "support/severity", False)]
    assert not files_under(uploads / "staging")


def test_a_resent_submission_records_one_case(store_app, uploads):
    kept = Staging(uploads, new_submission_key())
    with session_factory(store_app)() as db:
        first, created = cases.file_case(db, kept, FIELDS, deflection=None)
        again, created_again = cases.file_case(db, kept, FIELDS, deflection=None)
        assert created and not created_again and again.id == first.id
        assert count(db, Case) == 1


def test_a_double_click_race_records_one_case_and_no_orphan(store_app, uploads, monkeypatch):
    kept = Staging(uploads, new_submission_key())
    with session_factory(store_app)() as db:
        first, _ = cases.file_case(db, kept, FIELDS, deflection=None)
    stage(kept)  # the second click arrives with a file, before it can see the first case
    lookups = iter([None])
    real_lookup = cases.case_by_submission_key
    monkeypatch.setattr(cases, "case_by_submission_key",
                        lambda db, key: next(lookups, None) or real_lookup(db, key))
    with session_factory(store_app)() as db:
        again, created = cases.file_case(db, kept, FIELDS, deflection=deflection(uploads, kept.key))
        assert not created and again.id == first.id
        assert count(db, Case) == 1 and count(db, Attachment) == 0 and count(db, Deflection) == 0
    assert not files_under(uploads / "files")


def test_a_failure_after_the_files_are_written_leaves_no_case_and_no_orphan(store_app, uploads, monkeypatch):
    kept = Staging(uploads, new_submission_key())
    stage(kept)
    with session_factory(store_app)() as db:
        def fail_commit():
            assert files_under(uploads / "files"), "the attachment is written before the commit"
            raise RuntimeError("injected: the database went away")

        monkeypatch.setattr(db, "commit", fail_commit)
        with pytest.raises(RuntimeError, match="injected"):
            cases.file_case(db, kept, FIELDS, deflection=deflection(uploads, kept.key))
    with session_factory(store_app)() as db:
        for model in (Case, CaseEvent, Attachment, Deflection, SuggestionShown):
            assert count(db, model) == 0, model.__name__
    assert not files_under(uploads / "files")
    # Nothing the customer chose is lost: the staged file waits for the next try.
    assert [f.original_name for f in kept.files()] == ["server.log"]
    with session_factory(store_app)() as db:
        case, created = cases.file_case(db, kept, FIELDS, deflection=None)
        assert created and len(case.attachments) == 1


def test_reference_collisions_are_retried(store_app, uploads, monkeypatch):
    with session_factory(store_app)() as db:
        first, _ = cases.file_case(db, Staging(uploads, new_submission_key()), FIELDS, deflection=None)
        proposals = iter([first.reference, first.reference, "CS-ABCDEF"])
        monkeypatch.setattr(cases, "new_reference", lambda: next(proposals))
        second, _ = cases.file_case(db, Staging(uploads, new_submission_key()), FIELDS, deflection=None)
        assert second.reference == "CS-ABCDEF"


def test_deflections_and_feedback_are_stored(store_app):
    with store_app.test_request_context(), session_factory(store_app)() as db:
        deflection(Path(store_app.config["UPLOAD_DIR"])).end(db, "deflected")
        db.add(ArticleFeedback(article="support/sla", lang="fr", helpful=False, reason="trop vague"))
        db.commit()
        stored = db.scalar(select(Deflection))
        assert stored.outcome == "deflected" and len(stored.suggestions) == 2
        assert db.scalar(select(ArticleFeedback.reason)) == "trop vague"


def test_db_upgrade_command(store_app):
    result = store_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output


def test_the_sweep_removes_what_a_crash_left_and_nothing_else(store_app, uploads):
    import os
    import time

    with session_factory(store_app)() as db:
        kept = Staging(uploads, new_submission_key())
        stage(kept)
        case, _ = cases.file_case(db, kept, FIELDS, deflection=None)
        [attachment] = case.attachments
        named = cases.attachment_path(uploads, attachment.stored_name)
        orphan = cases.attachment_path(uploads, "0" * 32)           # copied, then the process was killed
        orphan.write_bytes(b"half a case")
        fresh = cases.attachment_path(uploads, "1" * 32)            # a change still in flight
        fresh.write_bytes(b"being filed")
        leftover = Staging(uploads, case.submission_key)            # killed after the commit
        leftover.save_draft({"question": "x"})
        unsent = Staging(uploads, new_submission_key())             # a form still being filled in
        unsent.save_draft({"question": "y"})
        long_ago = time.time() - 2 * 3600
        for path in (named, orphan, leftover.folder, unsent.folder):
            os.utime(path, (long_ago, long_ago))
        assert cases.sweep_leftovers(db, uploads) == (1, 1)
    assert named.exists() and fresh.exists() and unsent.folder.exists()
    assert not orphan.exists() and not leftover.folder.exists()


def test_the_migrations_build_exactly_the_models(store_app):
    """Alembic's schema and the SQLAlchemy models agree, column by column, index by index."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from deflect.store import Base

    with engine(store_app).connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def migrate(app, revision: str, down: bool = False) -> None:
    from alembic import command
    from alembic.config import Config

    from deflect.store import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine(app).begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_migration_0007_clears_the_article_of_a_rejected_or_replaced_solution(store_app, uploads):
    """Rows written before the lifecycle kept solved_with_article current are corrected from the events."""
    migrate(store_app, "0006", down=True)
    with session_factory(store_app)() as db:
        kept, rejected, replaced = (cases.file_case(db, Staging(uploads, new_submission_key()), FIELDS,
                                                    deflection=None)[0] for _ in range(3))
        for case, status, solutions in ((kept, "closed", [{"article": "support/sla"}]),
                                        (rejected, "open", [{"article": "support/sla"}]),
                                        (replaced, "solved", [{"article": "support/sla"}, {}])):
            case.status, case.solved_with_article = status, "support/sla"
            for data in solutions:
                db.add(CaseEvent(case=case, type="propose_solution", actor="agent", from_status="open",
                                 to_status="solved", data=data))
        db.commit()
        ids = kept.id, rejected.id, replaced.id
    migrate(store_app, "head")
    with session_factory(store_app)() as db:
        assert [db.get(Case, number).solved_with_article for number in ids] == ["support/sla", None, None]

"""The workspace's tables and indexes: the migrations make exactly what the models declare."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from deflect import create_app
from deflect.store import Base, engine, upgrade_database
from tests.staff_fixtures import staff_config

STAFF_TABLES = {"saved_reply", "audit_log"}
STAFF_INDEXES = {"ix_case_assignee_queue", "ix_case_escalation", "ix_case_product",
                 "ix_article_feedback_deflection_key", "ix_saved_reply_lang", "ix_audit_log_at",
                 "ix_audit_log_staff_id"}


def test_the_migrations_make_what_the_models_declare(store_url, app_config):
    app = create_app(staff_config(app_config, DATABASE_URL=store_url))
    upgrade_database(app)
    with engine(app).connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        schema = inspect(connection)
        tables = set(schema.get_table_names())
        indexes = {index["name"] for table in tables for index in schema.get_indexes(table)}
    engine(app).dispose()
    assert differences == []
    assert STAFF_TABLES <= tables and STAFF_INDEXES <= indexes

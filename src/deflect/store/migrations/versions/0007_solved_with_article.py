"""a case's solved_with_article is the article of its current solution: cleared where the customer
rejected that solution or support solved it again without an article

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23

Until now the column kept the last article ever proposed, so reports counted a rejected
solution as "solved with an article". The rule is now kept by the lifecycle; this corrects
rows written before it, from each case's events (the last move into Solved says what solved it).
"""
import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

CHUNK = 500


def upgrade() -> None:
    bind = op.get_bind()
    case = sa.table('support_case', sa.column('id', sa.Integer), sa.column('status', sa.String),
                    sa.column('solved_with_article', sa.String))
    event = sa.table('case_event', sa.column('id', sa.Integer), sa.column('case_id', sa.Integer),
                     sa.column('type', sa.String), sa.column('to_status', sa.String), sa.column('data', sa.JSON))
    rows = bind.execute(sa.select(case.c.id, case.c.status, case.c.solved_with_article)
                        .where(case.c.solved_with_article.is_not(None))).all()
    stale = [row.id for row in rows if row.status not in ('solved', 'closed')]
    current = {row.id: row.solved_with_article for row in rows if row.status in ('solved', 'closed')}
    ids = sorted(current)
    for start in range(0, len(ids), CHUNK):
        last: dict[int, tuple[str, dict]] = {}
        for found in bind.execute(sa.select(event.c.case_id, event.c.type, event.c.data)
                                  .where(event.c.case_id.in_(ids[start:start + CHUNK]), event.c.to_status == 'solved')
                                  .order_by(event.c.id)):
            last[found.case_id] = (found.type, found.data or {})
        for case_id in ids[start:start + CHUNK]:
            kind, data = last.get(case_id, ('', {}))
            if kind != 'propose_solution' or data.get('article') != current[case_id]:
                stale.append(case_id)
    for start in range(0, len(stale), CHUNK):
        bind.execute(case.update().where(case.c.id.in_(stale[start:start + CHUNK])).values(solved_with_article=None))


def downgrade() -> None:
    """Nothing to undo: the cleared values were wrong."""

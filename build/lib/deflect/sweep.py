"""The timed rules of the lifecycle, run by ``deflect sweep`` (cron or a systemd timer, every minute).

Each rule finds the cases whose time has come and takes one lifecycle action
on each (:func:`deflect.lifecycle.act`), so a rule writes the same event and
queues the same e-mail as any other change:

* **remind**: a case pending the customer gets a reminder after
  ``reminder_after_working_days`` working days, and a second one as long again after the first;
* **auto_solve**: after the last reminder (``reminders_before_resolving``) stays unanswered as
  long again, the case is solved;
* **send_survey**: a solved case gets the one-question survey;
* **auto_close**: a solved case closes ``close_after_working_days`` working days after it was solved;

and housekeeping: the files of forms left unsent (:func:`deflect.staging.prune`)
and what interrupted changes left behind (:func:`deflect.cases.sweep_leftovers`).

Safe on several replicas at once and when run twice: a rule's condition no
longer holds once its action is taken, the case row is locked while it is
changed, and a case another sweep changed first is skipped. ``--now`` runs
the rules as at another moment (tests walk a case through weeks in seconds).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from deflect import cases, lifecycle, staging
from deflect.cli import MOMENT
from deflect.lifecycle import PENDING, SOLVED, Actor, LifecycleError
from deflect.sla import ServicePolicy
from deflect.store import Case, session_factory

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    """How many cases each rule moved."""

    actions: dict[str, int] = field(default_factory=dict)

    def count(self, action: str) -> None:
        self.actions[action] = self.actions.get(action, 0) + 1

    def __str__(self) -> str:
        return ", ".join(f"{action} {n}" for action, n in sorted(self.actions.items())) or "nothing due"


def due_action(case: Case, rules: ServicePolicy, now: datetime) -> str | None:
    """Return the timed action whose time has come for ``case``, if any."""
    calendar = rules.calendar(case.lang)
    if case.status == PENDING and case.pending_since:
        last = case.last_reminder_at or case.pending_since
        if calendar.add_working_days(last, rules.reminder_after_days) <= now:
            return "auto_solve" if (case.reminders_sent or 0) >= rules.reminders_before_resolving else "remind"
    if case.status == SOLVED and case.solved_at:
        if case.survey_sent_at is None:
            return "send_survey"
        if calendar.add_working_days(case.solved_at, rules.close_after_days) <= now:
            return "auto_close"
    return None


def sweep(app: Flask, now: datetime | None = None) -> SweepReport:
    """Run every timed rule once, as at ``now``; return what was done."""
    now = now or datetime.now(timezone.utc)
    rules = lifecycle.policy()
    report = SweepReport()
    with session_factory(app)() as db:
        candidates = db.scalars(select(Case.id).where(Case.status.in_((PENDING, SOLVED))).order_by(Case.id)).all()
        for case_id in candidates:
            # One case at a time, each in its own transaction: a survey and a closure are two steps.
            while True:
                case = db.get(Case, case_id, populate_existing=True)
                action = due_action(case, rules, now) if case is not None else None
                if action is None:
                    break
                try:
                    lifecycle.act(db, case_id, action, Actor.system(), now=now,
                                  expected_version=case.version)
                except LifecycleError as refused:  # another sweep or actor was first: fine
                    log.info("sweep skipped case %s (%s): %s", case_id, action, refused.message)
                    break
                report.count(action)
        # Housekeeping: forms left unsent, and what interrupted changes left behind.
        staging.prune(current_app.config["UPLOAD_DIR"])
        cases.sweep_leftovers(db, current_app.config["UPLOAD_DIR"])
    return report


@click.command("sweep")
@click.option("--now", "moment", default=None, type=MOMENT,
              help="run the rules as at this ISO 8601 moment (tests, drills)")
@click.option("--deliver/--no-deliver", default=True, show_default=True, help="then deliver the e-mails due")
@with_appcontext
def sweep_command(moment: datetime | None, deliver: bool) -> None:
    """Run the lifecycle's timed rules once: reminders, auto-solve, survey, auto-close."""
    from deflect.mail.outbox import deliver_due

    app = current_app._get_current_object()
    now = moment
    click.echo(f"sweep: {sweep(app, now)}")
    if deliver:
        done = deliver_due(app, now=now)
        click.echo(f"mail: sent {done.sent}, to retry {done.retried}, given up {done.failed}")


def init_app(app: Flask) -> None:
    app.cli.add_command(sweep_command)

"""``deflect check`` on a small help center made for each check, and on the real one."""
from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from deflect import create_app
from deflect.check import ERROR, WARNING, check_help_center, hand_written_labels
from tests.conftest import PROJECT_DIR, _test_config

MKDOCS_YML = """\
site_name: Fixture Help Center
site_url: http://127.0.0.1:8000/
docs_dir: docs
theme:
  name: material
  language: en
markdown_extensions:
  - toc:
      permalink: true
  - attr_list
extra:
  vendor: &vendor {team: Fixture Support, email: help@fixture.example}
plugins:
  - i18n:
      docs_structure: folder
      languages:
        - locale: en
          name: English
          default: true
        - locale: fr
          name: Français
          extra:
            vendor: {<<: *vendor, team: Support Fixture}
"""
LABELS_YML = """\
status:
  open: {en: Open, fr: Ouvert}
action:
  nudge: {en: Nudge, fr: Relancer}
"""


def article(title: str, body: str, **meta: str) -> str:
    front = {"title": title, "description": f"About {title}.", "tags": "[guide]", "keywords": "[help]", **meta}
    lines = "".join(f"{key}: {value}\n" for key, value in front.items() if value is not None)
    return f"---\n{lines}---\n\n# {title}\n\n{textwrap.dedent(body).strip()}\n"


def git(folder: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(folder), "-c", "user.name=Author", "-c", "user.email=a@fixture.example",
                             *args], capture_output=True, text=True, check=True)
    return result.stdout.strip()


@pytest.fixture
def fixture_center(tmp_path) -> Path:
    """A two-language help center in its own git repository; its French guide is committed before a change."""
    project = tmp_path / "center"
    (project / "vocabulary").mkdir(parents=True)
    (project / "mkdocs.yml").write_text(MKDOCS_YML)
    (project / "vocabulary/labels.yml").write_text(LABELS_YML)
    files = {
        "docs/en/index.md": article("Home", """
            Read the [guide](guide.md#when-to-nudge). Write to {{ vendor.email }}.
            """),
        "docs/en/guide.md": article("Guide", """
            {{ vendor.team }} answers.

            ## When to nudge

            Use **{{ label.action.nudge }}** when a case is {{ label.status.open }}.
            """),
        "docs/en/extra.md": article("Extra", "Only in English."),
        "docs/fr/index.md": article("Accueil", """
            Lisez le [guide](guide.md#nulle-part).

            Cliquez sur **Relancer**. Écrivez à {{ vendor.mail }}.
            """),
        "docs/fr/guide.md": article("Guide", """
            {{ vendor.team }} répond.

            ## Quand relancer

            Voir [l'annexe](annexe.md).
            """),
    }
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "Help center in two languages")
    english = project / "docs/en/guide.md"
    english.write_text(english.read_text() + "\nA new paragraph.\n")
    git(project, "commit", "-qam", "Guide: a new paragraph")
    return project


def by_check(findings, check):
    return [(f.level, f.lang, f.path, f.line) for f in findings if f.check == check]


def test_each_check_reports_its_problem_with_file_and_line(fixture_center):
    findings = check_help_center(fixture_center / "mkdocs.yml")
    assert by_check(findings, "stale-translation") == [(WARNING, "fr", "docs/fr/guide.md", 1)]
    assert by_check(findings, "broken-anchor") == [(ERROR, "fr", "docs/fr/index.md", 10)]
    assert by_check(findings, "broken-link") == [(ERROR, "fr", "docs/fr/guide.md", 14)]
    assert by_check(findings, "hand-written-label") == [(ERROR, "fr", "docs/fr/index.md", 12)]
    assert by_check(findings, "unknown-placeholder") == [(ERROR, "fr", "docs/fr/index.md", 12)]
    assert by_check(findings, "missing-translation") == [(WARNING, "fr", "docs/fr/extra.md", 1)]
    label = next(f for f in findings if f.check == "hand-written-label")
    assert "{{ label.action.nudge }}" in label.message and "Relancer" in label.message
    # The English articles are clean: the anchor is computed from the filled heading.
    assert not [f for f in findings if f.lang == "en"]


def test_a_reviewed_translation_is_no_longer_stale(fixture_center):
    head = git(fixture_center, "rev-parse", "--short", "HEAD")
    guide = fixture_center / "docs/fr/guide.md"
    guide.write_text(guide.read_text().replace("title: Guide\n", f"title: Guide\ntranslated_from: {head}\n"))
    git(fixture_center, "commit", "-qam", "Guide in French: reviewed")
    assert by_check(check_help_center(fixture_center / "mkdocs.yml"), "stale-translation") == []

    english = fixture_center / "docs/en/guide.md"
    english.write_text(english.read_text() + "\nOne more.\n")
    git(fixture_center, "commit", "-qam", "Guide: one more paragraph")
    assert by_check(check_help_center(fixture_center / "mkdocs.yml"), "stale-translation") == [
        (WARNING, "fr", "docs/fr/guide.md", 1)]


def test_a_translation_reviewed_at_an_unknown_revision_is_an_error(fixture_center):
    guide = fixture_center / "docs/fr/guide.md"
    guide.write_text(guide.read_text().replace("title: Guide\n", "title: Guide\ntranslated_from: 0123456789ab\n"))
    assert by_check(check_help_center(fixture_center / "mkdocs.yml"), "stale-translation") == [
        (ERROR, "fr", "docs/fr/guide.md", 3)]


def test_front_matter_and_labels_file_errors_name_the_place(fixture_center):
    (fixture_center / "docs/en/extra.md").write_text("---\ntitle: Extra\ndescription: '{{ vendor.team }}'\n---\n\nNo heading.\n")
    labels = fixture_center / "vocabulary/labels.yml"
    labels.write_text(LABELS_YML.replace("{en: Nudge, fr: Relancer}", "{en: Nudge}"))
    findings = check_help_center(fixture_center / "mkdocs.yml", git=False)
    messages = {(f.path, f.line, f.message) for f in findings if f.check in {"front-matter", "labels"}}
    assert ("vocabulary/labels.yml", 4, "action.nudge has no fr") in messages
    assert ("docs/en/extra.md", 3, "{{ vendor.team }} in the front matter is never filled: write the words") in messages
    assert ("docs/en/extra.md", 1, "front matter: tags must be a list of words") in messages
    assert ("docs/en/extra.md", 6, "the article must start with “# Extra” (its title)") in messages


@pytest.mark.parametrize("line, found", [
    ("Click **Nudge** on the case.", ["action.nudge"]),
    ("| Open | working |", ["status.open"]),
    ("## Nudge", ["action.nudge"]),
    ("the button (“nudge”) is there", ["action.nudge"]),
    ("Open the case, then nudge us.", []),
    ("Use {{ label.action.nudge }} when **{{ label.status.open }}**.", []),
    ("It is Pending customer now.", ["status.pending_customer"]),
    ("Pending customer cases wait.", []),
    ("## Pending customer cases", []),
    ("`Pending customer`", ["status.pending_customer"]),
])
def test_what_counts_as_a_hand_written_label(line, found):
    labels = {"action.nudge": "Nudge", "status.open": "Open", "status.pending_customer": "Pending customer"}
    assert [name for _, name, _ in hand_written_labels([line], labels)] == found


def test_the_command_prints_per_language_and_fails_on_errors(fixture_center, tmp_path):
    config = {**_test_config(tmp_path / "var", tmp_path / "site", tmp_path / "index"),
              "PROJECT_DIR": str(fixture_center), "MKDOCS_YML": str(fixture_center / "mkdocs.yml")}
    runner = create_app(config).test_cli_runner()
    human = runner.invoke(args=["check"])
    assert human.exit_code == 1
    assert "en (English): nothing to fix" in human.output
    assert "fr (Français): 4 errors, 2 warnings" in human.output
    assert "docs/fr/index.md:10: error:" in human.output
    as_json = runner.invoke(args=["check", "--json"])
    assert as_json.exit_code == 1
    report = json.loads(as_json.output)
    assert report["ok"] is False and report["errors"] == 4 and report["warnings"] == 2
    assert report["languages"]["fr"] == {"errors": 4, "warnings": 2}
    assert {f["check"] for f in report["findings"]} >= {"stale-translation", "broken-anchor", "hand-written-label"}


def test_warnings_alone_do_not_fail(fixture_center, tmp_path):
    for name in ("docs/fr/index.md", "docs/fr/guide.md"):
        (fixture_center / name).write_text(article("Guide" if "guide" in name else "Accueil", "Rien à signaler."))
    config = {**_test_config(tmp_path / "var", tmp_path / "site", tmp_path / "index"),
              "PROJECT_DIR": str(fixture_center), "MKDOCS_YML": str(fixture_center / "mkdocs.yml")}
    result = create_app(config).test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "0 errors, 2 warnings" in result.output  # missing extra.md; guide.md stale until committed


def test_the_real_help_center_passes(runner):
    """The check ``make test`` runs on docs/: no error in any language."""
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output


def test_the_real_labels_have_every_language():
    from deflect.labels import LABELS_FILE, load_labels
    from deflect.site import load_help_center

    center = load_help_center(PROJECT_DIR / "mkdocs.yml")
    labels = load_labels(PROJECT_DIR / LABELS_FILE, center.languages)
    assert labels.languages == center.languages


def test_a_broken_subjects_file_is_an_error_that_names_it(fixture_center):
    (fixture_center / "vocabulary/subjects.yml").write_text("en:\n  ours: [my case]\n  other: [My case]\n")
    findings = [f for f in check_help_center(fixture_center / "mkdocs.yml") if f.check == "subjects"]
    assert [(f.level, f.message) for f in findings] == [
        (ERROR, "subjects.yml en other 1: 'My case' is also listed under ours")]


def test_a_broken_questions_file_is_an_error_that_names_it(fixture_center):
    # "extra" exists in English only: French serves the English one, so a French question may name it.
    (fixture_center / "vocabulary/questions.yml").write_text(
        "en:\n  guide: [when do I nudge]\n  gone: [x]\nfr:\n  extra: [seulement en anglais]\n  guide: [3]\n")
    findings = [f for f in check_help_center(fixture_center / "mkdocs.yml") if f.check == "questions"]
    assert [(f.level, f.message) for f in findings] == [
        (ERROR, "questions.yml en gone: no article has this id in en"),
        (ERROR, "questions.yml fr guide 1: expected a question (text)")]


def test_a_question_both_answered_and_about_something_else_is_an_error(fixture_center):
    (fixture_center / "vocabulary/questions.yml").write_text("en:\n  guide: [When do I  nudge]\n")
    (fixture_center / "vocabulary/subjects.yml").write_text("en:\n  other: [when do i nudge, the post office]\n")
    findings = [f for f in check_help_center(fixture_center / "mkdocs.yml") if f.check == "questions"]
    assert [(f.level, f.message) for f in findings] == [
        (ERROR, "questions.yml en guide: 'When do I  nudge' is also listed under other in subjects.yml")]

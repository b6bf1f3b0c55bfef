"""Plain functions of deflect.cases and deflect.staging: references, file names, staging limits."""
from __future__ import annotations

import io

import pytest

from deflect import cases, staging
from deflect.staging import Staging


def test_references_are_crockford_base32_and_human_friendly():
    references = {cases.new_reference() for _ in range(500)}
    assert len(references) > 490
    for reference in references:
        assert cases.REFERENCE.match(reference)
        assert not set(reference[3:]) & set("ILOU")


@pytest.mark.parametrize(("given", "expected"), [
    ("screen.png", "screen.png"),
    ("C:\\Users\\me\\screen shot.png", "screen shot.png"),
    ("../../etc/passwd", "passwd"),
    ("bad\x00name\n.log", "badname.log"),
    ("", "file"),
    ("...", "file"),
])
def test_file_names_are_cleaned(given, expected):
    assert staging.clean_filename(given) == expected


def test_staging_records_size_and_checksum_and_can_be_undone(tmp_path):
    kept = Staging(tmp_path, staging.new_submission_key())
    staged = kept.add(io.BytesIO(b"abc"), "a.log", allowed_types=("log",), max_bytes=10)
    assert (staged.size, staged.sha256[:8], staged.content_type) == (3, "ba7816bf", "text/plain")
    assert kept.files() == [staged]
    assert kept.path(staged).read_bytes() == b"abc" and kept.path(staged).name != "a.log"
    kept.remove(staged.id)
    assert kept.files() == []


@pytest.mark.parametrize(("content", "name", "rule"), [
    (b"x" * 11, "big.log", "size"),
    (b"", "empty.log", "empty"),
    (b"MZ", "tool.exe", "type"),
    (b"abc", "no-extension", "type"),
])
def test_staging_refuses_what_breaks_a_limit_and_leaves_nothing(tmp_path, content, name, rule):
    kept = Staging(tmp_path, staging.new_submission_key())
    with pytest.raises(staging.AttachmentRejected) as refused:
        kept.add(io.BytesIO(content), name, allowed_types=("log",), max_bytes=10)
    assert refused.value.rule == rule
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


@pytest.mark.parametrize("key", ["", "../../x", "0" * 31, "Z" * 32, None])
def test_staging_refuses_a_forged_submission_key(tmp_path, key):
    assert not staging.is_submission_key(key)
    with pytest.raises(ValueError):
        Staging(tmp_path, key)


def test_forms_left_unsent_are_pruned(tmp_path):
    import os
    import time

    old, fresh = Staging(tmp_path, staging.new_submission_key()), Staging(tmp_path, staging.new_submission_key())
    for kept in (old, fresh):
        kept.add(io.BytesIO(b"abc"), "a.log", allowed_types=("log",), max_bytes=10)
    long_ago = time.time() - staging.MAX_AGE_S - 60
    os.utime(old.folder, (long_ago, long_ago))
    assert staging.prune(tmp_path) == 1
    assert old.files() == [] and len(fresh.files()) == 1


def test_the_prune_command_removes_forms_left_unsent(runner, app):
    import os
    import time

    old = Staging(app.config["UPLOAD_DIR"], staging.new_submission_key())
    old.save_draft({"question": "old"})
    long_ago = time.time() - 3 * 3600
    os.utime(old.folder, (long_ago, long_ago))
    result = runner.invoke(args=["staging", "prune", "--older-than", "2"])
    assert result.exit_code == 0 and "Removed 1 unsent form(s)." in result.output
    assert not old.folder.exists()

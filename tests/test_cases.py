"""Plain functions of deflect.cases: references, file names, staging limits."""
from __future__ import annotations

import io

import pytest

from deflect import cases


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
    assert cases.clean_filename(given) == expected


def test_staging_records_size_and_checksum_and_can_be_undone(tmp_path):
    key = cases.new_submission_key()
    staged = cases.stage_upload(tmp_path, key, io.BytesIO(b"abc"), "a.log", allowed_types=("log",), max_bytes=10)
    assert (staged.size, staged.sha256[:8], staged.content_type) == (3, "ba7816bf", "text/plain")
    assert cases.staged_files(tmp_path, key) == [staged]
    assert staged.id not in str(tmp_path / "a.log")
    cases.unstage(tmp_path, key, staged.id)
    assert cases.staged_files(tmp_path, key) == []


@pytest.mark.parametrize(("content", "name", "rule"), [
    (b"x" * 11, "big.log", "size"),
    (b"", "empty.log", "empty"),
    (b"MZ", "tool.exe", "type"),
    (b"abc", "no-extension", "type"),
])
def test_staging_refuses_what_breaks_a_limit_and_leaves_nothing(tmp_path, content, name, rule):
    key = cases.new_submission_key()
    with pytest.raises(cases.AttachmentRejected) as refused:
        cases.stage_upload(tmp_path, key, io.BytesIO(content), name, allowed_types=("log",), max_bytes=10)
    assert refused.value.rule == rule
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


@pytest.mark.parametrize("key", ["", "../../x", "0" * 31, "Z" * 32, None])
def test_staging_refuses_a_forged_submission_key(tmp_path, key):
    assert not cases.is_submission_key(key)
    assert cases.staged_files(tmp_path, key) == []
    with pytest.raises(ValueError):
        cases.staging_dir(tmp_path, key)


def test_forms_left_unsent_are_pruned(tmp_path):
    import os
    import time

    old, fresh = cases.new_submission_key(), cases.new_submission_key()
    for key in (old, fresh):
        cases.stage_upload(tmp_path, key, io.BytesIO(b"abc"), "a.log", allowed_types=("log",), max_bytes=10)
    long_ago = time.time() - cases.STAGING_MAX_AGE_S - 60
    os.utime(cases.staging_dir(tmp_path, old), (long_ago, long_ago))
    assert cases.prune_staging(tmp_path) == 1
    assert cases.staged_files(tmp_path, old) == [] and len(cases.staged_files(tmp_path, fresh)) == 1

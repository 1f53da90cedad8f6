"""store.staging.staged_folder: results appear whole or not at all, and a failure keeps the old folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from landcon.store.staging import staged_folder


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file()}


def test_a_new_folder_is_published_whole_and_no_hidden_copy_stays(tmp_path: Path):
    out = tmp_path / "results" / "run"
    with staged_folder(out) as tmp:
        assert tmp.parent == out.parent and tmp.name.startswith(".run.tmp-") and not out.exists()
        (tmp / "a.txt").write_text("甲", encoding="utf-8")
        (tmp / "sub").mkdir()
        (tmp / "sub" / "b.txt").write_text("乙", encoding="utf-8")
    assert _tree(out) == {"a.txt": "甲", "sub/b.txt": "乙"}
    assert sorted(p.name for p in out.parent.iterdir()) == ["run"]


def test_a_replacement_swaps_the_old_folder_out(tmp_path: Path):
    out = tmp_path / "run"
    with staged_folder(out) as tmp:
        (tmp / "old.txt").write_text("旧", encoding="utf-8")
    with staged_folder(out) as tmp:
        (tmp / "new.txt").write_text("新", encoding="utf-8")
    assert _tree(out) == {"new.txt": "新"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_failure_removes_the_staged_folder_and_keeps_the_old_one(tmp_path: Path):
    out = tmp_path / "run"
    with staged_folder(out) as tmp:
        (tmp / "old.txt").write_text("旧", encoding="utf-8")
    with pytest.raises(RuntimeError, match="写出失败"), staged_folder(out) as tmp:
        (tmp / "half.txt").write_text("半", encoding="utf-8")
        raise RuntimeError("写出失败")
    assert _tree(out) == {"old.txt": "旧"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_failure_before_anything_was_published_leaves_nothing(tmp_path: Path):
    out = tmp_path / "run"
    with pytest.raises(RuntimeError), staged_folder(out) as tmp:
        (tmp / "half.txt").write_text("半", encoding="utf-8")
        raise RuntimeError("写出失败")
    assert list(tmp_path.iterdir()) == []

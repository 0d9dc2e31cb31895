"""The packages' layers hold beyond what import-linter sees: no module of the project
imports another inside a function, except the few that keep a heavy library out of a
process on purpose (docs/decisions/0007)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "editorial",
    "schedule",
    "scheduler",
    "media",
    "liaison",
    "calendars",
    "station",
    "migrations",
    "web",
    "cli",
    "bench",
)
# (file, imported module): why the import waits until the function runs.
ON_PURPOSE = {
    ("media/jobs.py", "media.render"): "moviepy loads in workers, never in web processes",
    ("media/demo.py", "media.render"): "moviepy loads only when the demo is loaded",
    ("cli/service.py", "scheduler.service"): "APScheduler loads only in `scheduler …`",
    ("bench/media.py", "media.qc"): "moviepy loads in the timed child, not in its parent",
    ("bench/media.py", "media.render"): "moviepy loads in the timed child, not in its parent",
    ("bench/media.py", "media.probe.probe"): "moviepy loads in the timed child, not its parent",
}


def imports_inside_functions(path: Path) -> list[tuple[str, int]]:
    """(module, line) of every import of a project module inside a function body; a
    ``from a import b`` counts as ``a.b``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and inner.module and not inner.level:
                names = [f"{inner.module}.{alias.name}" for alias in inner.names]
            elif isinstance(inner, ast.Import):
                names = [alias.name for alias in inner.names]
            else:
                continue
            found += [(n, inner.lineno) for n in names if n.split(".")[0] in PACKAGES]
    return found


def project_files() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "versions" not in path.relative_to(ROOT).parts
    ]


def test_the_scan_finds_an_import_inside_a_function(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\n\ndef f():\n    from schedule import builder\n    import web\n")
    assert imports_inside_functions(sample) == [("schedule.builder", 4), ("web", 5)]


def test_no_project_module_is_imported_inside_a_function_but_on_purpose() -> None:
    files = project_files()
    assert len(files) > 100  # the scan reads the project, not an empty folder
    hidden = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in files
        for module, line in imports_inside_functions(path)
        if (path.relative_to(ROOT).as_posix(), module) not in ON_PURPOSE
    ]
    assert hidden == []


def test_each_import_kept_on_purpose_is_still_there() -> None:
    present = {
        (path.relative_to(ROOT).as_posix(), module)
        for path in project_files()
        for module, _ in imports_inside_functions(path)
    }
    assert set(ON_PURPOSE) <= present  # an exception no longer needed is removed from the list

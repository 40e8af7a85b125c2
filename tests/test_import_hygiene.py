"""The core must never import textual: only console/app.py, console/screens/ and
console/widgets/ may. That keeps the core headless (`opsconsole run`, `handoff`),
testable without a terminal, and movable to another process if a benchmark asks."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CONSOLE = Path(__file__).resolve().parent.parent / "console"
UI_FILES = {Path("app.py")}
UI_DIRS = {Path("screens"), Path("widgets")}
# Entry points may start the UI (lazily or not); everything else is core.
ENTRY_POINTS = {Path("__main__.py"), Path("cli")}


def textual_imports(source: str, filename: str = "<string>") -> list[int]:
    """Line numbers of `import textual...` / `from textual... import` statements.

    Counts imports under `if TYPE_CHECKING:` and inside functions too: a lazy import
    of textual in the core is still the core depending on the UI.
    """
    lines = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        if any(name == "textual" or name.startswith("textual.") for name in names):
            lines.append(node.lineno)
    return lines


def is_ui(relative: Path) -> bool:
    return relative in UI_FILES or any(relative.is_relative_to(d) for d in UI_DIRS)


def console_modules() -> list[Path]:
    return sorted(p.relative_to(CONSOLE) for p in CONSOLE.rglob("*.py"))


def test_checker_sees_every_import_form() -> None:
    source = (
        "import textual\n"
        "import os, textual.app\n"
        "from textual.widgets import DataTable\n"
        "from textual import on\n"
        "from . import textual\n"  # a sibling module named textual: not the package
        "import textualize\n"
        "def f():\n"
        "    from textual.app import App\n"
    )
    assert textual_imports(source) == [1, 2, 3, 4, 8]


def test_ui_paths_are_recognised() -> None:
    assert is_ui(Path("app.py"))
    assert is_ui(Path("screens/fleet.py"))
    assert is_ui(Path("widgets/sub/x.py"))
    assert not is_ui(Path("fleet/app.py"))
    assert not is_ui(Path("metrics/screens.py"))


def test_no_textual_import_outside_the_ui() -> None:
    modules = console_modules()
    assert Path("inventory/model.py") in modules, f"walked the wrong tree: {CONSOLE}"
    offenders = [
        f"console/{relative}:{line}"
        for relative in modules
        if not is_ui(relative)
        for line in textual_imports((CONSOLE / relative).read_text(), str(relative))
    ]
    assert offenders == [], "textual imported outside app.py, screens/, widgets/: " + ", ".join(
        offenders
    )


def test_core_packages_load_without_textual() -> None:
    """Catches the indirect case the AST check cannot see: a core module importing a UI
    module (which imports textual). Runs in a fresh interpreter so nothing is cached."""
    core = [
        ".".join(("console", *relative.with_suffix("").parts)).removesuffix(".__init__")
        for relative in console_modules()
        if not is_ui(relative) and not any(relative.is_relative_to(e) for e in ENTRY_POINTS)
    ]
    assert "console.inventory" in core
    script = (
        "import importlib, sys, traceback\n"
        f"for name in {core!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception:\n"
        "        print(f'cannot import {name} to check it:'); traceback.print_exc(limit=-3)\n"
        "        sys.exit(2)\n"
        "    if 'textual' in sys.modules:\n"
        "        print(f'importing {name} loads textual'); sys.exit(1)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=CONSOLE.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"{result.stdout.strip()}\n{result.stderr[-2000:]}"

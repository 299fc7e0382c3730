"""The core knows nothing of the app: nothing under iif_core/ imports Streamlit, ui or pages."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "iif_core"
ABOVE_THE_CORE = ("streamlit", "ui", "pages")  # the app's layers, and what draws them
# Every core module imported in a fresh interpreter (but not __main__, which runs the CLI),
# printing the first one after which Streamlit is loaded.
IMPORT_EVERY_MODULE = """
import importlib, pkgutil, sys
import iif_core
for module in pkgutil.walk_packages(iif_core.__path__, "iif_core."):
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)
    if "streamlit" in sys.modules:
        print(module.name)
        break
"""


def imports_from_above(path: Path) -> list[str]:
    """Each import in a file of a module above the core, as 'file:line: import ...'."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        for name in names:
            if name.split(".")[0] in ABOVE_THE_CORE:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: imports {name}")
    return found


def test_no_core_file_imports_streamlit_or_the_app():
    files = sorted(CORE.rglob("*.py"))
    assert files
    found = [line for path in files for line in imports_from_above(path)]
    assert not found, "the core must not import the app's layers:\n" + "\n".join(found)


def test_importing_every_core_module_leaves_streamlit_unloaded():
    process = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_MODULE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == 0, process.stderr
    assert process.stdout.strip() == "", f"importing {process.stdout.strip()} loads streamlit"


# --- the UI layer: imports run downwards only, and no module uses another's private names -----

UI = ROOT / "ui"


def project_imports(path: Path) -> list[tuple[str, int, list[str]]]:
    """(module, line, names) for each import of the project's own modules in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            module, names = node.module, [alias.name for alias in node.names]
            if module in ("ui", "iif_core"):  # from ui import reads: the modules themselves
                found += [(f"{module}.{name}", node.lineno, []) for name in names]
            elif module.split(".")[0] in ("ui", "iif_core"):
                found.append((module, node.lineno, names))
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno, []) for a in node.names if a.name.startswith("ui.")]
    return found


def test_the_ui_layer_has_no_import_cycle():
    graph = {
        f"ui.{path.stem}": {m for m, _, _ in project_imports(path) if m.startswith("ui.")}
        for path in sorted(UI.glob("*.py"))
    }
    done, path_taken = set(), []

    def visit(module):
        if module in path_taken:
            cycle = path_taken[path_taken.index(module) :] + [module]
            raise AssertionError("import cycle in ui/: " + " -> ".join(cycle))
        if module in done or module not in graph:
            return
        path_taken.append(module)
        for imported in sorted(graph[module]):
            visit(imported)
        path_taken.pop()
        done.add(module)

    for module in graph:
        visit(module)


def test_no_module_of_the_app_uses_another_modules_private_names():
    """`from ui.x import _name` or `x._name` on an imported project module: each is a seam that
    belongs in a public name (or in the module that owns it)."""
    found = []
    files = [*sorted(UI.glob("*.py")), *sorted((ROOT / "pages").glob("*.py")), ROOT / "app.py"]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {m.rsplit(".", 1)[-1] for m, _, _ in project_imports(path)}
        for module, line, names in project_imports(path):
            found += [f"{path.name}:{line}: {module}.{n}" for n in names if n.startswith("_")]
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name)
                and node.value.id in modules
            ):
                found.append(f"{path.name}:{node.lineno}: {node.value.id}.{node.attr}")
    assert not found, "private names used across modules:\n" + "\n".join(found)

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

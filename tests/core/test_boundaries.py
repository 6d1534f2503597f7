"""The core never imports the integrations it serves.

The core (refs, errors, backends, scanner, audit, the manager and the rest) is
used by the CLI, by pre-commit and in CI, where no Jupyter server or kernel
runs; the server, kernel and CLI layers are thin and import the core, never the
other way round. Every module of the package is core unless it is listed as an
integration below, so a new module is held to the rule from its first commit.

Two checks: every import statement of a core module (lazy ones in functions
too, and lookups by name such as ``sys.modules.get("ipykernel...")``), read
from its source; and the modules that importing all of the core really loads,
in a fresh interpreter (what a third-party library drags in counts too).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import jupyter_secrets

PACKAGE = Path(jupyter_secrets.__file__).parent
#: The integration layers: anything else in the package is core.
INTEGRATIONS = (
    "jupyter_secrets.server",
    "jupyter_secrets.cli",
    "jupyter_secrets.kernel",  # and every kernel_* module
    "jupyter_secrets.demo",
    "jupyter_secrets.hub_service",  # a JupyterHub service: tornado and HubAuth
    "jupyter_secrets.testing",
    "jupyter_secrets.__main__",
)
#: The package root is the public entry point: it loads the integrations lazily.
ROOT = "jupyter_secrets"
#: What the core never imports: the Jupyter server, the kernel and their web stack.
FORBIDDEN = ("tornado", "jupyter_server", "IPython", "ipykernel", "jupyter_client", "notebook")
#: Calls that import a module named by a string.
_IMPORTERS = {"import_module", "__import__"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_integration(name: str) -> bool:
    return name == ROOT or any(
        name == layer
        or name.startswith(layer + ".")
        or (layer == "jupyter_secrets.kernel" and name.startswith("jupyter_secrets.kernel_"))
        for layer in INTEGRATIONS
    )


def _core_modules() -> dict[str, Path]:
    found = {_module_name(p): p for p in PACKAGE.rglob("*.py") if "labextension" not in p.parts}
    return {name: path for name, path in sorted(found.items()) if not _is_integration(name)}


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".")
    if not (PACKAGE / Path(*package[1:]) / "__init__.py").exists() or module == ROOT:
        package = package[:-1]  # a plain module: relative to its package
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def _named_module(node: ast.AST) -> str | None:
    """The module a call or subscript names by a string: ``import_module("x")``,
    ``__import__("x")``, ``sys.modules.get("x")``, ``sys.modules["x"]``."""
    if isinstance(node, ast.Call) and node.args:
        func, key = node.func, node.args[0]
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        lookup = name == "get" and isinstance(func, ast.Attribute) and _is_modules(func.value)
        if not (name in _IMPORTERS or lookup):
            return None
    elif isinstance(node, ast.Subscript) and _is_modules(node.value):
        key = node.slice
    else:
        return None
    return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None


def _is_modules(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "modules"


def imports_of(module: str, source: str) -> list[tuple[int, list[str]]]:
    """(line, the modules it may import) for every import in ``source``, wherever it
    is, and every module a call imports or looks up by name."""
    found: list[tuple[int, list[str]]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, [alias.name]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(module, node)
            # ``from . import kernel_link`` imports a module, not a name.
            found.append((node.lineno, [target, *(f"{target}.{a.name}" for a in node.names)]))
        else:
            named = _named_module(node)
            if named is not None:
                found.append((getattr(node, "lineno", 0), [named]))
    return found


def violations(module: str, source: str) -> list[str]:
    """Why ``module`` breaks the boundary, one line per import that does."""
    bad: list[str] = []
    for line, targets in imports_of(module, source):
        for target in targets:
            if target.split(".")[0] in FORBIDDEN:
                bad.append(f"{module}:{line} imports {target} (an integration's dependency)")
                break
            if target.startswith(ROOT + ".") and _is_integration(target):
                bad.append(f"{module}:{line} imports {target} (an integration layer)")
                break
    return bad


CORE = _core_modules()


def test_the_core_is_most_of_the_package() -> None:
    # A guard on the lists above: a typo in INTEGRATIONS must not empty the check.
    for name in ("jupyter_secrets.refs", "jupyter_secrets.errors", "jupyter_secrets.audit",
                 "jupyter_secrets.backends.encrypted_file", "jupyter_secrets.scanner.engine",
                 "jupyter_secrets.manager", "jupyter_secrets.prompting"):  # fmt: skip
        assert name in CORE, f"{name} is not held to the core's boundary"
    assert not any(name.startswith("jupyter_secrets.server") for name in CORE)
    assert not any(name.startswith("jupyter_secrets.kernel") for name in CORE)


@pytest.mark.parametrize("module", sorted(CORE))
def test_a_core_module_imports_no_integration(module: str) -> None:
    bad = violations(module, CORE[module].read_text(encoding="utf-8"))
    assert not bad, "the core must not depend on an integration:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("from ..server import gate", "an integration layer"),
        ("def f():\n    from jupyter_secrets.kernel_link import announce", "an integration layer"),
        ("from .. import kernel_env", "an integration layer"),
        ("import tornado.web", "an integration's dependency"),
        ("import sys\nsys.modules.get('ipykernel.kernelapp')", "an integration's dependency"),
        ("import sys\nsys.modules['IPython'].get_ipython()", "an integration's dependency"),
        ("import importlib\nimportlib.import_module('IPython')", "an integration's dependency"),
    ],
)
def test_the_check_sees_each_way_in(source: str, reason: str) -> None:
    bad = violations("jupyter_secrets.backends.sample", source)
    assert len(bad) == 1 and reason in bad[0], bad


@pytest.mark.parametrize(
    "source",
    ["context.get('notebook')", "import jupyter_secrets.refs", "from .kernel_name import x"],
)
def test_what_is_no_way_in(source: str) -> None:
    # scanner.kernel_name is core: only the package's own kernel_* modules are the layer.
    assert violations("jupyter_secrets.scanner.sample", source) == []


def test_importing_the_whole_core_loads_no_integration() -> None:
    script = (
        "import importlib, json, sys\n"
        f"for name in {sorted(CORE)!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout)
    leaked = sorted({m for m in loaded if m.split(".")[0] in FORBIDDEN})
    assert not leaked, f"importing the core loaded {leaked[:10]}"
    layers = sorted(m for m in loaded if m.startswith(ROOT + ".") and _is_integration(m))
    # The root registers the kernel as a prompt host (a module that imports nothing).
    assert layers == ["jupyter_secrets.kernel_prompt"], layers

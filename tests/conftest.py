"""Test configuration.

The package is installed (``pip install .``): ``kernel/`` and ``models/``
become ``pynestlite.kernel`` and ``pynestlite.models`` only in the installed
tree.  ``python -m pytest`` puts the repository root on ``sys.path``, where
the bare ``pynestlite/`` source folder would shadow the installed package, so
the root is taken off the path here, before any test imports pynestlite.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if not os.path.isdir(os.path.join(ROOT, "pynestlite", "kernel")):
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != ROOT]
    for name in [m for m in sys.modules if m == "pynestlite" or m.startswith("pynestlite.")]:
        del sys.modules[name]


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", default=False,
                     help="also run the long reproductions marked slow (minutes to hours)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow") or os.environ.get("PYNESTLITE_RUN_SLOW") == "1":
        return
    import pytest
    skip = pytest.mark.skip(reason="long reproduction: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)

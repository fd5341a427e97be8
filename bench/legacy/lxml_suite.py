"""Run lxml's own unit tests, taken from its source distribution, against the installed lxml; write JSON counts.

The compiled modules come from the installed wheel, the tests package from the sdist: `lxml.__path__` gets the
sdist's src/lxml appended, so `lxml.tests` (absent from wheels) resolves there, with its data files and the
documents its doctests read. Runs on any Python with lxml installed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
import unittest
from typing import Any


def run_module(name: str) -> dict[str, Any]:
    """Run one test module's suite (its test_suite() where it has one, as lxml's runner does)."""
    started = time.monotonic()
    try:
        module = importlib.import_module(f"lxml.tests.{name}")
    except Exception as exc:  # a module that cannot even be imported counts as one error
        return {"run": 0, "failures": 0, "errors": 1, "skipped": 0, "import_error": repr(exc), "seconds": 0.0}
    suite = (module.test_suite() if hasattr(module, "test_suite")
             else unittest.defaultTestLoader.loadTestsFromModule(module))
    result = unittest.TextTestRunner(stream=sys.stderr, verbosity=0).run(suite)
    return {"run": result.testsRun, "failures": len(result.failures), "errors": len(result.errors),
            "skipped": len(result.skipped),
            "failed_tests": sorted(str(test) for test, _ in result.failures + result.errors),
            "seconds": round(time.monotonic() - started, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--src", required=True, help="the sdist's src/lxml directory")
    parser.add_argument("--json", required=True, help="where to write the counts")
    args = parser.parse_args()
    import lxml
    lxml.__path__.append(args.src)
    import lxml.etree
    import lxml.tests
    names = sorted(m.name for m in pkgutil.iter_modules(lxml.tests.__path__) if m.name.startswith("test_"))
    modules = {}
    for number, name in enumerate(names, 1):
        print(f"[{number}/{len(names)}] {name}", file=sys.stderr, flush=True)
        modules[name] = run_module(name)
    stats = getattr(sys, "_ownership_stats", dict)()
    report = {
        "lxml": lxml.etree.__version__,
        "libxml2": ".".join(map(str, lxml.etree.LIBXML_VERSION)),
        "gil_enabled": sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True,
        "clock_acquisitions": stats.get("clock_acquisitions", 0),
        "totals": {key: sum(m[key] for m in modules.values()) for key in ("run", "failures", "errors", "skipped")},
        "modules": modules,
    }
    with open(args.json, "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()

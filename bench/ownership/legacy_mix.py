"""A legacy extension beside pure Python: one thread calls lxml, the others run Python (issue 11's legacy_mix).

lxml's cp314t wheel does not declare free-threading support, so on `ft` `import lxml.etree` turns the GIL on for
the whole process; with `PYTHON_GIL=0` it runs unprotected (the parallel reference); on `owner` with the CLock only
the thread inside lxml would be serialized.

Three phases, each --repeats times for --seconds, medians reported:
  lxml solo      one thread builds a tree of --elements elements through lxml's API, iterates it and serializes it
  python solo    one thread runs a pure-Python loop on its own objects
  mixed          1 lxml thread + (--threads - 1) Python threads at once

Each thread's rate in the mixed phase as a fraction of its solo rate, and their sum (ideal: the thread count).
Every serialization is compared with one made before the threads start, so a wrong result fails the run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

from common import emit, gil_enabled, with_ownership_stats

PYTHON_ROUNDS = 2_000


def lxml_unit(etree: Any, elements: int) -> bytes:
    """Build a tree of `elements` children with attributes and text, walk it, and serialize it."""
    root = etree.Element("root")
    for i in range(elements):
        child = etree.SubElement(root, "item", id=str(i), kind="even" if i % 2 == 0 else "odd")
        child.text = f"value {i}"
    walked = sum(1 for el in root.iter("item") if el.get("kind") == "even")
    if walked != (elements + 1) // 2:
        raise AssertionError(f"iteration found {walked} even items of {elements}")
    return bytes(etree.tostring(root))


def python_unit() -> int:
    """A pure-Python loop on objects only this thread sees."""
    values: list[int] = []
    total = 0
    for i in range(PYTHON_ROUNDS):
        values.append(i * i % 7)
        total += values[-1]
    return total


def run_for(seconds: float, units: dict[str, Callable[[], None]]) -> dict[str, float]:
    """Run each named unit in its own thread in a loop for `seconds`; units per second of each."""
    stop = threading.Event()
    barrier = threading.Barrier(len(units) + 1)
    counts: dict[str, int] = {}

    def body(name: str, unit: Callable[[], None]) -> None:
        done = 0
        barrier.wait()
        while not stop.is_set():
            unit()
            done += 1
        counts[name] = done

    threads = [threading.Thread(target=body, args=item) for item in units.items()]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return {name: counts[name] / elapsed for name in units}


def measure(args: argparse.Namespace) -> dict[str, Any]:
    import lxml
    import lxml.etree as etree

    reference = lxml_unit(etree, args.elements)
    expected_total = python_unit()

    def lxml_checked() -> None:
        if lxml_unit(etree, args.elements) != reference:
            raise AssertionError("lxml serialized a tree differently than on one thread")

    def python_checked() -> None:
        if python_unit() != expected_total:
            raise AssertionError("the pure-Python loop computed a different total")

    mixed_units: dict[str, Callable[[], None]] = {"lxml": lxml_checked}
    mixed_units.update({f"python{i}": python_checked for i in range(1, args.threads)})
    solo_lxml, solo_python, mixed = [], [], []
    for _ in range(args.repeats):
        solo_lxml.append(run_for(args.seconds, {"lxml": lxml_checked})["lxml"])
        solo_python.append(run_for(args.seconds, {"python": python_checked})["python"])
        mixed.append(run_for(args.seconds, mixed_units))
    solo = {"lxml": statistics.median(solo_lxml), "python": statistics.median(solo_python)}
    mixed_rates = {name: statistics.median(m[name] for m in mixed) for name in mixed_units}
    fractions = {name: rate / solo["lxml" if name == "lxml" else "python"] for name, rate in mixed_rates.items()}
    return {
        "lxml_version": lxml.__version__,
        "gil_after_import": gil_enabled(),
        "python_gil_env": os.environ.get("PYTHON_GIL"),
        "threads": args.threads,
        "elements": args.elements,
        "seconds": args.seconds,
        "solo_units_per_s": solo,
        "solo_lxml_samples": solo_lxml,
        "mixed_units_per_s": mixed_rates,
        "fractions": fractions,
        "sum_of_fractions": sum(fractions.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2,
                        help="threads in the mixed phase: 1 lxml + the rest Python (at least 2)")
    parser.add_argument("--elements", type=int, default=200, help="elements per lxml tree")
    parser.add_argument("--seconds", type=float, default=1.0, help="length of each phase")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each phase")
    parser.add_argument("-o", "--output", help="write the JSON result here instead of on stdout")
    args = parser.parse_args()
    if args.threads < 2:
        parser.error(f"--threads must be at least 2, not {args.threads}")
    result, stats = with_ownership_stats(measure, args)
    emit("legacy_mix", {**result, "ownership_stats": stats}, args.output)


if __name__ == "__main__":
    main()

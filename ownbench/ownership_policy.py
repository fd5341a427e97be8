"""The ownership policy an interpreter runs with, as the interpreter itself reports it."""

from __future__ import annotations

import json
import subprocess

from . import tsan
from .build import Installed
from .console import note
from .errors import ToolkitError
from .process import environment
from .variants import POLICY_ENV

PROBE = "import json, sys; f = getattr(sys, '_ownership_policy', None); print(json.dumps(f() if f else None))"
"""Prints sys._ownership_policy(), or null where the build has no such function (it runs `transfer`)."""


def policy_in_effect(installed: Installed) -> str | None:
    """The policy `installed` reports when run with its variant's environment; None for a build without
    sys._ownership_policy(). An interpreter that does not start (say, refusing the policy) is an error."""
    variant = installed.variant
    command = [*(tsan.command_prefix() if installed.tsan else ()), str(installed.python), "-c", PROBE]
    result = subprocess.run(command, capture_output=True, text=True, check=False,
                            env=environment(variant.environment()))
    setting = f"{POLICY_ENV}={variant.policy}" if variant.policy else f"{POLICY_ENV} unset"
    if result.returncode != 0:
        raise ToolkitError(f"{variant.label} ({installed.python}) does not start with {setting}:\n"
                           f"{result.stderr.strip()[-2000:]}")
    try:
        policy = json.loads(result.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise ToolkitError(f"{installed.python} printed no policy: {result.stdout[-500:]!r}") from None
    if policy is not None and not isinstance(policy, str):
        raise ToolkitError(f"{installed.python}: sys._ownership_policy() returned {policy!r}, not a policy name")
    if variant.policy and policy not in (None, variant.policy):
        note(f"[yellow]{variant.label}: the interpreter reports policy {policy!r} with {setting}[/]")
    return policy

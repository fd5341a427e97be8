"""The interpreters the toolkit builds and compares, in one table."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from .errors import ToolkitError

POLICIES: tuple[str, ...] = ("transfer", "share", "adaptive")
"""The ownership build's runtime policies (PYTHON_OWNERSHIP, -X ownership=); the build's default is adaptive."""
POLICY_ENV = "PYTHON_OWNERSHIP"
POLICY_SEPARATOR = ":"
"""`owner:transfer` on the command line, in run.json and in the report."""
FILE_SEPARATOR = "-"
"""`owner-transfer` in file and directory names."""


@dataclass(frozen=True)
class Variant:
    """One interpreter configuration (see docs section 1 of the design): a build, and for the ownership build the
    policy its processes run with."""

    name: str
    """The build's name, which its directories under build/ carry."""
    configure_flags: tuple[str, ...]
    gil_enabled: bool
    abiflags: str
    patched: bool
    """Whether patches/series and cpython-overlay/ are applied to its tree."""
    ownership: bool
    """Whether Py_OWNERSHIP is defined (configure --with-ownership, from patches/series)."""
    description: str
    policy: str | None = None
    """The ownership policy its processes run with (PYTHON_OWNERSHIP); None: the build's default."""

    @property
    def label(self) -> str:
        """The name shown and recorded: 'owner', 'owner:transfer'."""
        return f"{self.name}{POLICY_SEPARATOR}{self.policy}" if self.policy else self.name

    @property
    def file_name(self) -> str:
        """The label as file and directory names spell it: 'owner-transfer'."""
        return file_name(self.label)

    @property
    def build(self) -> Variant:
        """The build it runs: the variant without a policy."""
        return replace(self, policy=None)

    def environment(self) -> dict[str, str | None]:
        """Environment changes for every process of this variant: PYTHON_OWNERSHIP set to its policy, or removed
        (None), so that a value inherited from the user's shell never picks the policy of a plain variant."""
        return {POLICY_ENV: self.policy}


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("stock", (), True, "", False, False, "CPython with the GIL"),
        Variant("ft", ("--disable-gil",), False, "t", False, False, "PEP 703 free-threading"),
        Variant(
            "owner",
            ("--disable-gil", "--with-ownership"),
            False,
            "t",
            True,
            True,
            "free-threading with ownership-based critical sections (patches/series)",
        ),
    )
}

COMMON_CONFIGURE_FLAGS: tuple[str, ...] = ("--with-ensurepip=install",)
PGO_FLAGS: tuple[str, ...] = ("--enable-optimizations", "--with-lto")
"""How CPython's and faster-cpython's published comparisons are built."""


def valid_spellings() -> list[str]:
    """Every name --variant accepts."""
    owners = [f"{v.name}{POLICY_SEPARATOR}{p}" for v in VARIANTS.values() if v.ownership for p in POLICIES]
    return [*VARIANTS, *owners, "all"]


def get_variant(spec: str) -> Variant:
    """The variant `spec` names ('owner' or 'owner:transfer'); anything else is an error listing the valid names."""
    name, separator, policy = spec.partition(POLICY_SEPARATOR)
    valid = f"valid variants: {', '.join(valid_spellings())}"
    variant = VARIANTS.get(name)
    if variant is None:
        raise ToolkitError(f"unknown variant {spec!r}; {valid}")
    if not separator:
        return variant
    if not variant.ownership:
        raise ToolkitError(f"{spec!r}: {name} has no ownership policy (only the ownership build does); {valid}")
    if policy not in POLICIES:
        raise ToolkitError(f"{spec!r}: unknown ownership policy {policy!r}; {valid}")
    return replace(variant, policy=policy)


def select_variants(spec: str) -> list[Variant]:
    """Variants named by a comma-separated list, where 'all' means the three builds with their default policy."""
    names = [n.strip() for n in spec.split(",") if n.strip()]
    if not names:
        raise ToolkitError(f"no variant given; valid variants: {', '.join(valid_spellings())}")
    expanded = [m for n in names for m in (VARIANTS if n == "all" else (n,))]
    return [get_variant(n) for n in dict.fromkeys(expanded)]


def builds_of(variants: Iterable[Variant]) -> list[Variant]:
    """The builds the variants run, each once, in order: owner and owner:transfer are one build."""
    return list(dict.fromkeys(v.build for v in variants))


def file_name(label: str) -> str:
    """A variant's label as file and directory names spell it ('owner:transfer' -> 'owner-transfer')."""
    return label.replace(POLICY_SEPARATOR, FILE_SEPARATOR)


def label_of_file(stem: str) -> str:
    """The label a result file or directory name stands for ('owner-transfer' -> 'owner:transfer'); other names
    ('owner', 'ft-gil0') are labels already."""
    name, separator, policy = stem.partition(FILE_SEPARATOR)
    variant = VARIANTS.get(name)
    if separator and variant is not None and variant.ownership and policy in POLICIES:
        return f"{name}{POLICY_SEPARATOR}{policy}"
    return stem


def build_of(label: str) -> str:
    """The name of the build a label runs ('owner:transfer' -> 'owner')."""
    return label.partition(POLICY_SEPARATOR)[0]


def policy_of(label: str) -> str | None:
    """The policy a label names ('owner:transfer' -> 'transfer'); None for a variant without one."""
    return label.partition(POLICY_SEPARATOR)[2] or None


def ownership_labels(names: Iterable[str]) -> list[str]:
    """The labels among `names` that run an ownership build ('owner', 'owner:share', ...), in order."""
    return [n for n in names if (v := VARIANTS.get(build_of(n))) is not None and v.ownership]


def policy_labels(names: Iterable[str]) -> list[str]:
    """The ownership labels among `names` that name a policy ('owner:share'), in order."""
    return [n for n in ownership_labels(names) if policy_of(n)]

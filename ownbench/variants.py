"""The interpreters the toolkit builds and compares, in one table."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ToolkitError


@dataclass(frozen=True)
class Variant:
    """One interpreter configuration (see docs section 1 of the design)."""

    name: str
    configure_flags: tuple[str, ...]
    gil_enabled: bool
    abiflags: str
    patched: bool
    """Whether patches/series and cpython-overlay/ are applied to its tree."""
    ownership: bool
    """Whether Py_OWNERSHIP is defined (configure --with-ownership, from patches/series)."""
    description: str


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


def get_variant(name: str) -> Variant:
    """The variant called `name`; an unknown name is an error listing the valid ones."""
    try:
        return VARIANTS[name]
    except KeyError:
        raise ToolkitError(f"unknown variant {name!r}; valid variants: {', '.join(VARIANTS)}, all") from None


def select_variants(spec: str) -> list[Variant]:
    """Variants named by a comma-separated list, where 'all' means every variant."""
    names = [n.strip() for n in spec.split(",") if n.strip()]
    if not names:
        raise ToolkitError(f"no variant given; valid variants: {', '.join(VARIANTS)}, all")
    if "all" in names:
        return list(VARIANTS.values())
    return [get_variant(n) for n in dict.fromkeys(names)]

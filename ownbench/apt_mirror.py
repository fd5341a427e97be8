"""Find the Debian archive mirrors this machine's apt is configured to use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .download import DownloadFailed, download_verified


@dataclass(frozen=True)
class AptSource:
    """One repository line (or deb822 stanza) of the apt configuration."""

    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]

    @property
    def is_security(self) -> bool:
        return any(s.endswith(("-security", "/updates")) for s in self.suites)


def _parse_one_line(text: str) -> list[AptSource]:
    sources = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        if words[0] not in ("deb", "deb-src"):
            continue
        words = words[1:]
        if words and words[0].startswith("["):  # options such as [arch=amd64 signed-by=...]
            while words and not words[0].endswith("]"):
                words.pop(0)
            words = words[1:]
        if len(words) >= 2:
            sources.append(AptSource(words[0], (words[1],), tuple(words[2:])))
    return sources


def _parse_deb822(text: str) -> list[AptSource]:
    sources = []
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        for raw in stanza.splitlines():
            if raw.startswith("#") or ":" not in raw or raw[:1].isspace():
                continue
            key, value = raw.split(":", 1)
            fields[key.strip().lower()] = value.strip()
        if fields.get("enabled", "yes").lower() == "no":
            continue
        if not {"deb", "deb-src"} & set(fields.get("types", "").split()):
            continue
        for uri in fields.get("uris", "").split():
            sources.append(
                AptSource(
                    uri,
                    tuple(fields.get("suites", "").split()),
                    tuple(fields.get("components", "").split()),
                )
            )
    return sources


def apt_sources(root: Path = Path("/")) -> list[AptSource]:
    """Every enabled repository apt reads under `root`, in apt's own order."""
    etc = root / "etc" / "apt"
    found: list[AptSource] = []
    main_list = etc / "sources.list"
    if main_list.is_file():
        found += _parse_one_line(main_list.read_text())
    parts = etc / "sources.list.d"
    if parts.is_dir():
        for path in sorted(parts.iterdir()):
            if path.suffix == ".list":
                found += _parse_one_line(path.read_text())
            elif path.suffix == ".sources":
                found += _parse_deb822(path.read_text())
    return found


def debian_mirrors(root: Path = Path("/")) -> list[str]:
    """HTTP(S) base URLs of configured archives carrying 'main', security archives last."""
    candidates = [
        s
        for s in apt_sources(root)
        if s.uri.startswith(("http://", "https://")) and "main" in s.components
    ]
    ordered = [s for s in candidates if not s.is_security] + [s for s in candidates if s.is_security]
    mirrors: list[str] = []
    for source in ordered:
        uri = source.uri.rstrip("/")
        if uri not in mirrors:
            mirrors.append(uri)
    return mirrors


def download_from_pool(pool_path: str, dest: Path, sha256: str, root: Path = Path("/")) -> str:
    """Download `pool_path` (e.g. 'pool/main/...deb') from the first configured mirror that has it.

    Returns the URL used; raises DownloadFailed with every mirror's reason.
    """
    mirrors = debian_mirrors(root)
    if not mirrors:
        raise DownloadFailed(f"no http(s) apt repository with 'main' under {root / 'etc/apt'}")
    reasons = []
    for mirror in mirrors:
        url = f"{mirror}/{pool_path}"
        try:
            download_verified(url, dest, sha256)
        except DownloadFailed as exc:
            reasons.append(str(exc))
            continue
        return url
    raise DownloadFailed("; ".join(reasons))

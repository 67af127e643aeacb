"""Published versions of the lake: a build is made aside and switched in by one pointer.

`<root>/lake/.<build_id>.building/` is filled by a build (hardlinks of the current version first,
so unchanged categories cost no copy; every lake write replaces files by rename, never in place,
so a hardlinked file is never changed under a reader). When the build is whole it is renamed to
`lake/<build_id>/` and `lake/current` (a relative symlink) is replaced atomically: readers see
the old version or the new one, never a mix, and a build killed at any point leaves `current`
as it was. `<root>/silver` and `<root>/gold` are relative symlinks through `lake/current`, so the
whole tree can be moved or copied (`cp -a`). The last `keep` versions are kept. Callers hold the
writer lock (warehouse.lock).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from warehouse import layout

BUILDING = ".building"


def current_id(root: str | Path) -> str | None:
    """The build id `lake/current` points at, or None before the first versioned build."""
    try:
        return Path(os.readlink(layout.current(root))).name
    except OSError:
        return None


def current_dir(root: str | Path) -> Path | None:
    build_id = current_id(root)
    return layout.lake(root) / build_id if build_id else None


def published(root: str | Path) -> list[str]:
    """Build ids of the kept versions, oldest first (ids start with their UTC time)."""
    folder = layout.lake(root)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir()
                  if p.is_dir() and not p.is_symlink() and not p.name.startswith("."))


def has_lake(root: str | Path) -> bool:
    """True when `root` holds a built lake (a published version, or silver of the older layout)."""
    root = Path(root)
    return current_dir(root) is not None or layout.silver(root).is_dir()


def _link_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, symlinks=True, copy_function=os.link,
                    ignore=shutil.ignore_patterns(".*"))  # hidden: temp files and swap leftovers


def begin(root: str | Path, build_id: str) -> Path:
    """A new version folder holding (hardlinks of) the current one; removes what killed builds left."""
    root = Path(root)
    lake = layout.lake(root)
    lake.mkdir(parents=True, exist_ok=True)
    for stale in lake.glob(f".*{BUILDING}"):
        shutil.rmtree(stale, ignore_errors=True)
    new = lake / f".{build_id}{BUILDING}"
    new.mkdir()
    base = current_dir(root)
    for top in layout.VERSIONED:
        # The current version, else a real folder of the layout before versions (carried over once).
        src = base / top if base is not None else root / top
        if src.is_dir():
            _link_tree(src, new / top)
    return new


def _symlink(target: str, link: Path) -> None:
    """Point `link` at `target` atomically (a temporary link renamed over it)."""
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, link)


def publish(root: str | Path, build_id: str, keep: int) -> Path:
    """Switch `lake/current` to the finished build and keep the last `keep` versions."""
    root = Path(root)
    lake = layout.lake(root)
    final = lake / build_id
    os.replace(lake / f".{build_id}{BUILDING}", final)
    _symlink(build_id, layout.current(root))  # the one switch every reader goes through
    for top in layout.VERSIONED:
        path = root / top
        if path.is_dir() and not path.is_symlink():  # the older layout: its data is in the version now
            aside = lake / f".{top}.legacy-{os.getpid()}"
            os.replace(path, aside)
            shutil.rmtree(aside, ignore_errors=True)
        if not path.is_symlink():
            _symlink(os.path.relpath(layout.current(root) / top, root), path)  # relative: the root can move
        (final / top).mkdir(exist_ok=True)
    prune(root, keep)
    return final


def prune(root: str | Path, keep: int) -> list[str]:
    """Remove all but the newest `keep` versions (never the current one); returns the removed ids."""
    keep = max(1, int(keep))
    now = current_id(root)
    ids = published(root)
    removed = [b for b in ids[:-keep] if b != now]
    for build_id in removed:
        shutil.rmtree(layout.lake(root) / build_id, ignore_errors=True)
    return removed

"""Copy front-end assets installed by npm into static/vendor.

Run by `make assets` after `npm ci`; the app serves them itself, so it works on
a closed network with no CDN.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "static" / "vendor"

FILES = {
    "bootstrap/dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "bootstrap/dist/css/bootstrap.min.css.map": "bootstrap/bootstrap.min.css.map",
    "bootstrap/dist/js/bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
    "bootstrap/dist/js/bootstrap.bundle.min.js.map": "bootstrap/bootstrap.bundle.min.js.map",
    "bootstrap/LICENSE": "bootstrap/LICENSE",
    "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
    "htmx.org/LICENSE": "htmx/LICENSE",
    "chart.js/dist/chart.umd.min.js": "chartjs/chart.umd.min.js",
    "chart.js/dist/chart.umd.min.js.map": "chartjs/chart.umd.min.js.map",
    "chart.js/LICENSE.md": "chartjs/LICENSE.md",
    "leaflet/dist/leaflet.js": "leaflet/leaflet.js",
    "leaflet/dist/leaflet.js.map": "leaflet/leaflet.js.map",
    "leaflet/dist/leaflet.css": "leaflet/leaflet.css",
    "leaflet/dist/images/layers.png": "leaflet/images/layers.png",
    "leaflet/dist/images/layers-2x.png": "leaflet/images/layers-2x.png",
    "leaflet/dist/images/marker-icon.png": "leaflet/images/marker-icon.png",
    "leaflet/dist/images/marker-icon-2x.png": "leaflet/images/marker-icon-2x.png",
    "leaflet/dist/images/marker-shadow.png": "leaflet/images/marker-shadow.png",
    "leaflet/LICENSE": "leaflet/LICENSE",
}

# What a copied file references next to itself. Production's manifest storage
# (collectstatic) rewrites these references and fails on any it cannot find.
_REFERENCE = re.compile(rb"sourceMappingURL=([^\s*'\")]+)")


def unreferenced(files: dict[str, str] = FILES) -> list[str]:
    """Source maps the copied files point to but FILES does not copy."""
    copied = set(files.values())
    problems = []
    for src, dest in files.items():
        if not dest.endswith((".js", ".css")) or not (NODE / src).exists():
            continue
        for ref in _REFERENCE.findall((NODE / src).read_bytes()):
            target = (Path(dest).parent / ref.decode()).as_posix()
            if target not in copied:
                problems.append(f"{dest} -> {target}")
    return problems


def main() -> int:
    missing = [src for src in FILES if not (NODE / src).exists()]
    if missing:
        print("Missing (run `npm ci` first):", *missing, sep="\n  ", file=sys.stderr)
        return 1
    dangling = unreferenced()
    if dangling:
        print("Referenced but not copied (add to FILES):", *dangling, sep="\n  ", file=sys.stderr)
        return 1
    for src, dest in FILES.items():
        target = VENDOR / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NODE / src, target)
    print(f"copied {len(FILES)} asset files into {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Copy the officer page's third-party browser code from node_modules into the service.

`make vendor-officer` runs `npm ci` here first (which installs exactly what package-lock.json
pins and checks each package against its integrity hash), then this script. It copies the
files the page loads into service/static/officer/vendor/<package>/, with the package's
licence and package.json, and writes vendor/VENDOR.json: for each package the version and
integrity the lock pins and the sha256 of every vendored file. tests/e2e/test_officer_vendor.py
fails when the folder and that record (or the record and the lock) disagree.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TARGET = ROOT / "service" / "static" / "officer" / "vendor"

# package -> {path inside the package: path inside vendor/<package>/}
FILES = {
    "zxing-wasm": {
        "dist/es/reader/index.js": "es/reader/index.js",
        "dist/es/share.js": "es/share.js",
        "dist/reader/zxing_reader.wasm": "zxing_reader.wasm",
        "LICENSE": "LICENSE",
        "package.json": "package.json",
    },
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    lock = json.loads((HERE / "package-lock.json").read_text())
    record: dict[str, dict[str, object]] = {}
    if TARGET.exists():
        shutil.rmtree(TARGET)
    for package, files in FILES.items():
        pinned = lock["packages"][f"node_modules/{package}"]
        source = HERE / "node_modules" / package
        installed = json.loads((source / "package.json").read_text())["version"]
        if installed != pinned["version"]:
            print(f"{package}: node_modules has {installed}, the lock pins {pinned['version']}")
            return 1
        hashes = {}
        for src, dst in files.items():
            out = TARGET / package / dst
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / src, out)
            hashes[dst] = sha256(out)
        record[package] = {
            "version": pinned["version"],
            "integrity": pinned["integrity"],
            "license": pinned.get("license"),
            "files": hashes,
        }
    # The .wasm is zxing-cpp (Apache-2.0) compiled; the npm package carries only its own MIT
    # licence, so the Apache licence text comes from the zxing-cpp Python package (PyPI).
    import importlib.metadata

    dist = importlib.metadata.distribution("zxing-cpp")
    licence = next(f for f in dist.files or [] if f.name == "LICENSE")
    out = TARGET / "zxing-wasm" / "zxing-cpp.LICENSE"
    out.write_bytes(Path(str(dist.locate_file(licence))).read_bytes())
    record["zxing-wasm"]["files"]["zxing-cpp.LICENSE"] = sha256(out)  # type: ignore[index]
    (TARGET / "VENDOR.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    names = ", ".join(f"{p} {r['version']}" for p, r in record.items())
    print(f"vendored {names} into {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

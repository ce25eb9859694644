"""The officer page's vendored third-party code is exactly what web/officer's lock pins."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCK = json.loads((ROOT / "web" / "officer" / "package-lock.json").read_text())
MANIFEST = json.loads((ROOT / "web" / "officer" / "package.json").read_text())
VENDOR = ROOT / "service" / "static" / "officer" / "vendor"
RECORD = json.loads((VENDOR / "VENDOR.json").read_text())


def test_every_direct_dependency_is_pinned_exactly_and_vendored() -> None:
    for name, spec in MANIFEST["dependencies"].items():
        pinned = LOCK["packages"][f"node_modules/{name}"]
        assert spec == pinned["version"], f"{name}: pin an exact version, not {spec}"
        assert pinned["integrity"].startswith("sha512-")
        assert RECORD[name]["version"] == pinned["version"]
        assert RECORD[name]["integrity"] == pinned["integrity"]
    assert set(RECORD) == set(MANIFEST["dependencies"])


def test_vendored_files_match_their_record() -> None:
    on_disk = {
        p.relative_to(VENDOR).as_posix()
        for p in VENDOR.rglob("*")
        if p.is_file() and p.name != "VENDOR.json"
    }
    recorded = {f"{name}/{f}" for name, r in RECORD.items() for f in r["files"]}
    assert on_disk == recorded, "a file was added to or removed from vendor/ by hand"
    for name, r in RECORD.items():
        for rel, digest in r["files"].items():
            data = (VENDOR / name / rel).read_bytes()
            assert hashlib.sha256(data).hexdigest() == digest, f"{name}/{rel} was changed"
        # The package's own package.json names the version the lock pins.
        assert json.loads((VENDOR / name / "package.json").read_text())["version"] == r["version"]
        assert (VENDOR / name / "LICENSE").read_text().strip()


def test_the_wasm_is_the_one_the_package_was_built_with() -> None:
    """zxing-wasm records the sha256 of its .wasm in its own code; ours must be that file."""
    code = (VENDOR / "zxing-wasm" / "es" / "reader" / "index.js").read_text()
    [expected] = re.findall(r'"([0-9a-f]{64})"', code)
    wasm = (VENDOR / "zxing-wasm" / "zxing_reader.wasm").read_bytes()
    assert hashlib.sha256(wasm).hexdigest() == expected

#!/usr/bin/env python3
"""Writes text stubs (.tbd) of the two macOS frameworks the provider links, so zig can link a
darwin build on Linux without Apple's SDK.

rustls-platform-verifier reaches Security.framework and CoreFoundation.framework through
security-framework-sys and core-foundation-sys. Each of those crates links one framework, and
declares every symbol it may call in its `extern "C"` blocks. A stub lists those symbols under
the framework's install name, which is all the linker needs to bind them; the real framework
answers at load time on the Mac. The stubs are generated from the crate sources Cargo.lock
pins, never copied from an SDK.

    macos-framework-stubs.py SDKROOT    writes SDKROOT/System/Library/Frameworks/<F>.framework/<F>.tbd
"""
import json
import pathlib
import re
import subprocess
import sys

# crate -> the framework it links (its `#[link(name = …, kind = "framework")]`)
FRAMEWORKS = {
    "core-foundation-sys": "CoreFoundation",
    "security-framework-sys": "Security",
}
TARGETS = "[ x86_64-macos, arm64-macos ]"

ITEM = re.compile(
    r"(?:pub(?:\([^)]*\))?\s+)?(?:safe\s+|unsafe\s+)?"
    r"(?:fn\s+(?P<fn>\w+)|static\s+(?:mut\s+)?(?P<static>\w+)\s*:)"
)


def extern_blocks(text):
    """The bodies of the file's `extern "C" { … }` blocks."""
    for start in re.finditer(r'extern\s+"C"\s*\{', text):
        depth, i = 1, start.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        yield text[start.end() : i - 1]


def symbols(crate_dir):
    found = set()
    for source in sorted(crate_dir.joinpath("src").rglob("*.rs")):
        text = re.sub(r"//[^\n]*", "", source.read_text(encoding="utf-8"))
        for block in extern_blocks(text):
            for item in ITEM.finditer(block):
                found.add(item["fn"] or item["static"])
            # a symbol renamed for one architecture is listed under both names
            found.update(re.findall(r'link_name\s*=\s*"([^"]+)"', block))
    return sorted(found)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = pathlib.Path(sys.argv[1])
    metadata = json.loads(
        subprocess.check_output(["cargo", "metadata", "--format-version", "1", "--locked"])
    )
    crates = {p["name"]: p for p in metadata["packages"] if p["name"] in FRAMEWORKS}
    missing = set(FRAMEWORKS) - set(crates)
    if missing:
        sys.exit(f"macos-framework-stubs: Cargo.lock has no {', '.join(sorted(missing))}")
    for name, package in sorted(crates.items()):
        framework = FRAMEWORKS[name]
        names = symbols(pathlib.Path(package["manifest_path"]).parent)
        if not names:
            sys.exit(f"macos-framework-stubs: no extern symbols found in {name}")
        listed = ", ".join(f"'_{n}'" if "$" in n else f"_{n}" for n in names)
        stub = root / f"System/Library/Frameworks/{framework}.framework/{framework}.tbd"
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text(
            "--- !tapi-tbd\n"
            "tbd-version: 4\n"
            f"targets: {TARGETS}\n"
            f"install-name: '/System/Library/Frameworks/{framework}.framework/Versions/A/{framework}'\n"
            "current-version: 0\n"
            "exports:\n"
            f"  - targets: {TARGETS}\n"
            f"    symbols: [ {listed} ]\n"
            "...\n"
        )
        print(f"{stub}: {len(names)} symbols of {name} {package['version']}", file=sys.stderr)


if __name__ == "__main__":
    main()

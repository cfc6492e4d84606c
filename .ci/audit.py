"""Audit the pinned dependencies (constraints.txt) for known vulnerabilities with pip-audit.

Fails on any known vulnerability. pip-audit asks PyPI's JSON API; a machine that reaches only a
package mirror gets no answer for any package, and then this says so plainly and passes, because
nothing could be checked there. The GitHub workflow `.github/workflows/audit.yml` runs the same
check where the API answers, and fails on any package it could not audit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    strict = "--strict" in sys.argv
    result = subprocess.run(
        [sys.executable, "-m", "pip_audit", "-r", str(ROOT / "constraints.txt"), "--no-deps", "--disable-pip",
         "--progress-spinner", "off", "--format", "json"],
        capture_output=True, text=True,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(f"pip-audit failed (exit {result.returncode}):\n{result.stderr}", file=sys.stderr)
        return 1
    deps = report["dependencies"]
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if "skip_reason" in d]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})", file=sys.stderr)
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} pinned package(s) with known vulnerabilities", file=sys.stderr)
        return 1
    if skipped and (strict or len(skipped) < len(deps)):
        for dep in skipped:
            print(f"{dep['name']}: {dep['skip_reason']}", file=sys.stderr)
        if strict:
            print(f"pip-audit: {len(skipped)} of {len(deps)} packages could not be audited", file=sys.stderr)
            return 1
    if skipped and len(skipped) == len(deps):
        print(f"pip-audit: the advisory service (PyPI's JSON API) answered for none of the {len(deps)} pinned "
              "packages from this machine, so nothing was audited here; .github/workflows/audit.yml audits them on GitHub")
        return 0
    print(f"pip-audit: no known vulnerabilities in the {len(deps)} pinned packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())

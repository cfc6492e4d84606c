"""Audit the pinned dependencies (constraints.txt) for known vulnerabilities with pip-audit.

A known vulnerability always fails. What happens when nothing could be checked depends on where
this runs:

- in `.ci/run` (the default), a machine whose network is cut, intercepted or limited to a package
  mirror cannot reach the advisory service (PyPI's JSON API). That is not the project's fault, so
  the script prints one line saying nothing was audited and why, and passes;
- with `--strict` (`.github/workflows/audit.yml`, where the service answers), a package that could
  not be audited, or a service that could not be reached, fails the check.

A failure of pip-audit that is not about reaching the service (a bad constraints file, a bug) fails
in both modes, in one line.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# pip-audit's own socket timeout, and the most the whole run may take. A network that drops packets
# would otherwise hold CI for many minutes, one timeout per package.
SOCKET_TIMEOUT = 10
RUN_TIMEOUT = 180

# Exceptions that mean the advisory service could not be reached or gave no usable answer: the
# network stack (requests, urllib3, ssl, socket), pip-audit's own "the service failed" error, and an
# intercepting proxy answering with a page that is not JSON.
_UNREACHABLE = re.compile(
    r"^(?:requests\.|urllib3\.|ssl\.|socket\.|http\.client\.)"
    r"|(?:^|\.)(?:ServiceError|ConnectionError|ConnectionRefusedError|ConnectionResetError|TimeoutError"
    r"|SSLError|SSLCertVerificationError|ProxyError|ConnectTimeout|ReadTimeout|JSONDecodeError"
    r"|RemoteDisconnected|gaierror|OSError)$"
)
# The last line of a Python traceback: `package.module.ExceptionName: message`.
_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Timeout|gaierror|Disconnected))(?::\s*(.*))?$")
# Inside a requests message, the innermost cause is the most telling part ("Connection refused",
# "CERTIFICATE_VERIFY_FAILED", "Name or service not known").
_CAUSES = re.compile(
    r"CERTIFICATE_VERIFY_FAILED|certificate verify failed[^')\"]*|Connection refused|Name or service not known"
    r"|Temporary failure in name resolution|Network is unreachable|timed out|Unable to connect to proxy"
    r"|No route to host|Connection reset by peer|Expecting value"
)


@dataclass(frozen=True)
class Verdict:
    """What the audit concludes: the exit status and the lines to print."""

    status: int
    lines: tuple[str, ...]


def summarise_failure(stderr: str) -> tuple[str, bool]:
    """Return one line naming why pip-audit gave no report, and whether the reason is the network."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    for line in reversed(lines):
        match = _EXCEPTION_LINE.match(line)
        if not match:
            continue
        name, message = match.group(1), match.group(2) or ""
        unreachable = bool(_UNREACHABLE.search(name))
        causes = list(dict.fromkeys(c.group(0) for c in _CAUSES.finditer(message)))
        detail = ", ".join(causes) if causes else message
        if len(detail) > 160:
            detail = detail[:157] + "..."
        short = name.rsplit(".", 1)[-1]
        return (f"{short}: {detail}" if detail else short), unreachable
    last = lines[-1] if lines else "no message"
    return (last[:160] + "..." if len(last) > 163 else last), False


def judge(returncode: int, stdout: str, stderr: str, *, strict: bool) -> Verdict:
    """Turn one pip-audit run (its exit status and output) into the audit's verdict."""
    try:
        report = json.loads(stdout)
        deps = report["dependencies"]
    except (json.JSONDecodeError, KeyError, TypeError):
        reason, unreachable = summarise_failure(stderr)
        if unreachable and not strict:
            return Verdict(0, (f"pip-audit: the advisory service (PyPI's JSON API) could not be reached from this "
                               f"machine ({reason}), so nothing was audited here; .github/workflows/audit.yml "
                               f"audits the pins on GitHub",))
        what = "could not reach the advisory service" if unreachable else f"failed (exit {returncode})"
        return Verdict(1, (f"pip-audit {what}: {reason}",))

    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if "skip_reason" in d]
    lines: list[str] = []
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            lines.append(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    if vulnerable:
        lines.append(f"pip-audit: {len(vulnerable)} pinned package(s) with known vulnerabilities")
        return Verdict(1, tuple(lines))
    if skipped and (strict or len(skipped) < len(deps)):
        lines.extend(f"{dep['name']}: {dep['skip_reason']}" for dep in skipped)
        if strict:
            lines.append(f"pip-audit: {len(skipped)} of {len(deps)} packages could not be audited")
            return Verdict(1, tuple(lines))
    if skipped and len(skipped) == len(deps):
        return Verdict(0, (f"pip-audit: the advisory service (PyPI's JSON API) answered for none of the {len(deps)} "
                           "pinned packages from this machine, so nothing was audited here; "
                           ".github/workflows/audit.yml audits them on GitHub",))
    lines.append(f"pip-audit: no known vulnerabilities in the {len(deps) - len(skipped)} audited pinned packages"
                 if skipped else f"pip-audit: no known vulnerabilities in the {len(deps)} pinned packages")
    return Verdict(0, tuple(lines))


def main(argv: list[str] | None = None) -> int:
    """Run pip-audit over constraints.txt and print its verdict."""
    strict = "--strict" in (sys.argv[1:] if argv is None else argv)
    command = [sys.executable, "-m", "pip_audit", "-r", str(ROOT / "constraints.txt"), "--no-deps", "--disable-pip",
               "--progress-spinner", "off", "--format", "json", "--timeout", str(SOCKET_TIMEOUT)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        verdict = Verdict(1 if strict else 0, (
            f"pip-audit: no answer from the advisory service (PyPI's JSON API) within {RUN_TIMEOUT} s, so nothing "
            "was audited here" + ("" if strict else "; .github/workflows/audit.yml audits the pins on GitHub"),))
    else:
        verdict = judge(result.returncode, result.stdout, result.stderr, strict=strict)
    stream = sys.stderr if verdict.status else sys.stdout
    for line in verdict.lines:
        print(line, file=stream)
    return verdict.status


if __name__ == "__main__":
    sys.exit(main())

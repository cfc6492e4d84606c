"""The dependency audit (.ci/audit.py): known vulnerabilities fail, an unreachable service does not.

CI machines may have their network cut or intercepted. The audit must then say in one line that
nothing was audited and why, and pass; `--strict` (the GitHub workflow) still fails.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AUDIT = ROOT / ".ci" / "audit.py"


def run_audit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(AUDIT), *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=240)


def fake_pip_audit(tmp_path: Path, body: str) -> dict[str, str]:
    """Put a stand-in `pip_audit` package first on the path; return the environment that uses it."""
    package = tmp_path / "fake" / "pip_audit"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(textwrap.dedent(body))
    return {"PYTHONPATH": str(tmp_path / "fake")}


def load_audit(monkeypatch):
    """Import .ci/audit.py as a module, to call it with a shorter time limit or on a made-up report."""
    spec = importlib.util.spec_from_file_location("ci_audit", AUDIT)
    audit = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "ci_audit", audit)
    spec.loader.exec_module(audit)
    return audit


def output_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


@pytest.mark.skipif(importlib.util.find_spec("pip_audit") is None, reason="pip-audit is in the test extras")
def test_real_pip_audit_with_the_service_unreachable_passes_in_one_line():
    # A proxy on a closed port: every request pip-audit makes is refused before it leaves the machine.
    env = {"HTTPS_PROXY": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9", "NO_PROXY": "", "no_proxy": ""}
    result = run_audit(env=env)
    assert result.returncode == 0, result.stderr
    lines = output_lines(result)
    assert len(lines) == 1, lines
    assert "nothing was audited" in lines[0]
    assert "Connection refused" in lines[0]
    assert "Traceback" not in result.stderr

    strict = run_audit("--strict", env=env)
    assert strict.returncode == 1
    assert output_lines(strict) == ["pip-audit could not reach the advisory service: "
                                    "ProxyError: Unable to connect to proxy, Connection refused"]


def test_an_intercepted_connection_passes_in_one_line_naming_the_cause(tmp_path):
    # What an HTTPS-intercepting network gives: requests raises SSLError from deep in a traceback.
    env = fake_pip_audit(tmp_path, """
        class SSLError(OSError):
            pass
        SSLError.__module__ = "requests.exceptions"
        def query():
            raise SSLError("HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded with url: "
                           "/pypi/click/8.5.1/json (Caused by SSLError(SSLCertVerificationError(1, "
                           "'[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate "
                           "in certificate chain (_ssl.c:1006)')))")
        query()
    """)
    result = run_audit(env=env)
    assert result.returncode == 0
    lines = output_lines(result)
    assert len(lines) == 1, lines
    assert lines[0].startswith("pip-audit: the advisory service (PyPI's JSON API) could not be reached")
    assert "SSLError: CERTIFICATE_VERIFY_FAILED" in lines[0]
    assert run_audit("--strict", env=env).returncode == 1


def test_a_connection_error_raised_passes_in_one_line(tmp_path):
    env = fake_pip_audit(tmp_path, """
        raise ConnectionError("[Errno 101] Network is unreachable")
    """)
    result = run_audit(env=env)
    assert result.returncode == 0
    assert len(output_lines(result)) == 1
    assert "ConnectionError: Network is unreachable" in result.stdout


def test_a_known_vulnerability_still_fails(tmp_path):
    report = {"dependencies": [
        {"name": "jinja2", "version": "3.1.6", "vulns": [{"id": "GHSA-test-0000", "fix_versions": ["3.1.7"]}]},
        {"name": "click", "version": "8.5.1", "vulns": []},
    ]}
    env = fake_pip_audit(tmp_path, f"""
        import sys
        print({json.dumps(json.dumps(report))})
        sys.exit(1)
    """)
    result = run_audit(env=env)
    assert result.returncode == 1
    assert "jinja2 3.1.6: GHSA-test-0000 (fixed in 3.1.7)" in result.stderr
    assert "1 pinned package(s) with known vulnerabilities" in result.stderr


def test_a_failure_that_is_not_the_network_fails_in_one_line(tmp_path):
    env = fake_pip_audit(tmp_path, """
        raise ValueError("requirement 'jinja2===' could not be parsed")
    """)
    result = run_audit(env=env)
    assert result.returncode == 1
    assert output_lines(result) == ["pip-audit failed (exit 1): ValueError: requirement 'jinja2===' could not be parsed"]


def test_a_service_that_never_answers_passes_after_the_time_limit(tmp_path, monkeypatch, capsys):
    audit = load_audit(monkeypatch)
    monkeypatch.setattr(audit, "RUN_TIMEOUT", 1)
    monkeypatch.setenv("PYTHONPATH", fake_pip_audit(tmp_path, "import time; time.sleep(30)")["PYTHONPATH"])
    assert audit.main([]) == 0
    out = capsys.readouterr().out
    assert "no answer from the advisory service" in out and "nothing was audited" in out
    assert audit.main(["--strict"]) == 1


def test_a_clean_report_and_a_partly_skipped_one(monkeypatch):
    from_json = lambda deps: json.dumps({"dependencies": deps})  # noqa: E731
    audit = load_audit(monkeypatch)
    clean = audit.judge(0, from_json([{"name": "a", "version": "1", "vulns": []}]), "", strict=True)
    assert clean.status == 0 and clean.lines == ("pip-audit: no known vulnerabilities in the 1 pinned packages",)
    partly = [{"name": "a", "version": "1", "vulns": []}, {"name": "b", "skip_reason": "not on PyPI"}]
    assert audit.judge(0, from_json(partly), "", strict=False).status == 0
    assert audit.judge(0, from_json(partly), "", strict=True).status == 1

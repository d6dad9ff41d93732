"""scripts/deps.sh, the one package list behind `make run`, `make test` and
`.ci/run`: on a machine missing everything it installs (root) or names the
exact apt-get line and stops (any other user).

dpkg-query and apt-get are replaced by stand-ins on PATH, so the test sees
what the script would do on a fresh Debian 12 machine without touching apt.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import harness

SCRIPT = harness.REPO / "scripts" / "deps.sh"


def _package_list():
    out = subprocess.run(["sh", str(SCRIPT), "--list"], capture_output=True, text=True,
                         check=True).stdout.split()
    return out


@pytest.fixture
def tmp_path():
    """A directory the nobody user can enter (pytest's own is 0700)."""
    path = harness.make_run_dir(prefix="ag-deps-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _fresh_machine(tmp):
    """A directory whose bin/ holds a dpkg-query that knows no package and an
    apt-get that records its arguments in apt.log."""
    bindir = tmp / "bin"
    bindir.mkdir()
    (bindir / "dpkg-query").write_text("#!/bin/sh\nexit 1\n")
    (bindir / "apt-get").write_text(f"#!/bin/sh\necho \"$*\" >> {tmp}/apt.log\n")
    for f in bindir.iterdir():
        f.chmod(0o755)
    script = tmp / "deps.sh"
    shutil.copy(SCRIPT, script)
    script.chmod(0o755)
    env = {"PATH": f"{bindir}:{harness.BASE_PATH}", "LANG": "C.UTF-8", "HOME": "/tmp"}
    return script, env


def test_package_list_holds_build_run_and_test_needs():
    pkgs = _package_list()
    for p in ("build-essential", "libfcgi-dev", "libpq-dev", "postgresql", "lighttpd",
              "apache2", "libapache2-mod-fcgid", "python3-pytest",
              "python3-prometheus-client", "chromium"):
        assert p in pkgs


def test_not_root_prints_the_exact_apt_get_line_and_stops(tmp_path):
    script, env = _fresh_machine(tmp_path)
    argv = ["sh", str(script)]
    if harness.IS_ROOT:
        argv = ["runuser", "-u", "nobody", "--"] + argv
    p = subprocess.run(argv, capture_output=True, text=True, env=env, cwd="/", timeout=30)
    assert p.returncode != 0
    line = "apt-get update && apt-get install -y --no-install-recommends " + \
        " ".join(_package_list())
    assert line in p.stderr, p.stderr
    assert not (tmp_path / "apt.log").exists()


@pytest.mark.skipif(not harness.IS_ROOT, reason="the install path runs as root")
def test_root_updates_then_installs_what_is_missing(tmp_path):
    script, env = _fresh_machine(tmp_path)
    p = subprocess.run(["sh", str(script)], capture_output=True, text=True, env=env,
                       cwd="/", timeout=30)
    assert p.returncode == 0, p.stderr
    calls = (tmp_path / "apt.log").read_text().splitlines()
    assert calls == ["update",
                     "install -y --no-install-recommends " + " ".join(_package_list())]


def test_nothing_missing_touches_nothing(tmp_path):
    script, env = _fresh_machine(tmp_path)
    (tmp_path / "bin" / "dpkg-query").write_text("#!/bin/sh\necho 'install ok installed'\n")
    p = subprocess.run(["sh", str(script)], capture_output=True, text=True, env=env,
                       cwd="/", timeout=30)
    assert p.returncode == 0, p.stderr
    assert not (tmp_path / "apt.log").exists()


def test_make_run_make_test_and_ci_use_the_script():
    """One list: no other file names the packages."""
    makefile = (harness.REPO / "Makefile").read_text()
    assert "sh scripts/deps.sh" in makefile
    assert "sh scripts/deps.sh" in (harness.REPO / "scripts" / "run-sandbox.sh").read_text()
    assert "sh scripts/deps.sh" in (harness.REPO / ".ci" / "run").read_text()
    for f in ("Makefile", ".ci/run", "scripts/run-sandbox.sh"):
        assert "libfcgi-dev" not in (harness.REPO / f).read_text(), f
    assert os.access(SCRIPT, os.R_OK)
    assert Path(SCRIPT).read_text().startswith("#!/bin/sh")

"""`make install PREFIX=/usr/local DESTDIR=...`: the binary, its migrations,
example configs and systemd units land where scripts/install.sh says, name the
installed program, and the installed binary migrates a database."""

import shutil
import subprocess

import pytest

import harness

PREFIX = "/usr/local"


@pytest.fixture
def destdir():
    path = harness.make_run_dir(prefix="ag-install-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def empty_db(pg_cluster, pg, bridge_env):
    name = "install_target"
    pg_cluster.dropdb(name)
    pg_cluster.createdb(name)
    yield dict(bridge_env, AG_DATABASE_URL=f"host={pg_cluster.sock} port={pg_cluster.port} "
               f"user=postgres dbname={name}")
    pg_cluster.dropdb(name)


def test_make_install_then_the_installed_binary_migrates(destdir, empty_db, binary):
    p = subprocess.run(["make", "-C", str(harness.REPO), "install", f"PREFIX={PREFIX}",
                        f"DESTDIR={destdir}"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    root = destdir / PREFIX.lstrip("/")
    program = root / "lib/aircall-gorgias/aircall-gorgias.fcgi"
    command = root / "bin/aircall-gorgias"
    assert program.stat().st_mode & 0o111
    assert command.is_symlink() and command.resolve() == program.resolve()
    sql = sorted(p.name for p in (root / "share/aircall-gorgias/sql").iterdir())
    assert sql == sorted(p.name for p in (harness.REPO / "sql").glob("*.sql"))
    examples = root / "share/aircall-gorgias/examples"
    for name in ("aircall-gorgias.conf", "aircall-gorgias-fcgid.conf",
                 "aircall-gorgias-proxy-fcgi.conf", "htaccess-cgi.example", "env.example"):
        text = (examples / name).read_text()
        assert "/srv/aircall-gorgias/cgi-bin" not in text, name
    assert f"{PREFIX}/lib/aircall-gorgias/aircall-gorgias.fcgi" in \
        (examples / "aircall-gorgias.conf").read_text()
    units = root / "lib/systemd/system"
    worker = (units / "aircall-gorgias-worker.service").read_text()
    assert f"ExecStart={PREFIX}/lib/aircall-gorgias/aircall-gorgias.fcgi worker" in worker
    assert "EnvironmentFile=/etc/aircall-gorgias/env" in worker
    for unit in ("aircall-gorgias-worker-once.service", "aircall-gorgias-worker-once.timer",
                 "aircall-gorgias-fcgi.service"):
        assert "@FCGI@" not in (units / unit).read_text()
    assert (root / "share/doc/aircall-gorgias/operations.md").exists()
    if shutil.which("systemd-analyze"):
        for unit in units.iterdir():
            v = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                               text=True, timeout=60)
            # the program is installed under DESTDIR, not yet at its path
            complaints = [line for line in (v.stdout + v.stderr).splitlines()
                          if line.strip() and "is not executable" not in line]
            assert not complaints, (unit.name, complaints)

    # the installed binary (through its command symlink) migrates a new database
    res = harness.run_cli(["migrate"], empty_db, binary=command)
    assert res.returncode == 0, res.stderr
    check = harness.run_cli(["migrate", "--check"], empty_db, binary=command)
    assert check.returncode == 0 and check.json()["state"] == "current"

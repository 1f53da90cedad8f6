"""A throwaway PostgreSQL 15 + PostGIS cluster for tests and benchmarks (Debian packages).

``throwaway_cluster()`` installs ``postgresql-15-postgis-3`` with apt-get when PostGIS is missing,
runs ``initdb`` in a temporary folder (as the ``postgres`` OS user when run as root: the server
refuses to run as root), starts it on 127.0.0.1 and a private Unix socket, yields connection
details, and always stops and deletes it afterwards.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")
PACKAGE = "postgresql-15-postgis-3"


def ensure_postgis() -> Path:
    """Install Debian's postgresql-15-postgis-3 if missing; return the PostgreSQL bin dir."""
    if not POSTGIS_CONTROL.exists():
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", PACKAGE], check=True, env=env)
    if not POSTGIS_CONTROL.exists():
        raise RuntimeError(f"PostGIS not found after installing {PACKAGE}: {POSTGIS_CONTROL}")
    return PG_BIN


def _server_user() -> str | None:
    """OS user to run the server as: None when not root; else `postgres` (created as a system user if absent)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"], check=True
        )
    return "postgres"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Cluster:
    host: str  # the Unix-socket directory
    port: int
    user: str = "postgres"

    @property
    def conninfo(self) -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname=postgres"

    def url(self, dbname: str = "postgres") -> str:
        """SQLAlchemy URL (psycopg 3) over the Unix socket."""
        return f"postgresql+psycopg://{self.user}@/{dbname}?host={self.host}&port={self.port}"


@contextmanager
def throwaway_cluster(settings: Mapping[str, str] | None = None, port: int | None = None) -> Iterator[Cluster]:
    """Run a temporary PostgreSQL 15 cluster; yield it. Always stopped and deleted afterwards."""
    bin_dir = ensure_postgis()
    user = _server_user()
    prefix = ["runuser", "-u", user, "--"] if user else []
    port = port or free_port()
    root = Path(tempfile.mkdtemp(prefix="landcon-pg-"))
    data, log = root / "data", root / "server.log"
    if user:
        shutil.chown(root, user)
    opts = " ".join(
        [f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={root}"]
        + [f"-c {k}={v}" for k, v in (settings or {}).items()]
    )
    started = False
    try:
        subprocess.run(
            [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "-N"],
            check=True,
            capture_output=True,
        )
        started = True  # pg_ctl may have spawned a postmaster even if the wait fails
        res = subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "start", "-w", "-D", str(data), "-l", str(log), "-o", opts],
            capture_output=True,
            text=True,
        )
        if res.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {res.stderr}\n{log.read_text() if log.exists() else ''}")
        yield Cluster(host=str(root), port=port)
    finally:
        if started:
            stop = [*prefix, str(bin_dir / "pg_ctl"), "stop", "-w", "-D", str(data)]
            if subprocess.run([*stop, "-m", "fast"], capture_output=True).returncode != 0:
                subprocess.run([*stop, "-m", "immediate"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)

"""Faults a test brings about for real: a PostgreSQL instance of its own, to stop, to fill
or to turn read-only, and a small filesystem to fill."""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.conftest import free_port

PG_BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


@dataclass
class OwnPostgres:
    data: Path
    port: int
    binaries: Path

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/laborstats"

    def ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.data.parent / "postgres.log")
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(self.binaries / "pg_ctl"), "-D",
             str(self.data), "-o", options, "-l", log, "-w", "-m", "fast", *args],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip

    def sql(self, statement: str, database: str = "laborstats") -> None:
        engine = create_engine(
            f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}",
            isolation_level="AUTOCOMMIT",
        )
        try:
            with engine.connect() as connection:
                connection.execute(text(statement))
        finally:
            engine.dispose()


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    if not PG_BINARIES or not (PG_BINARIES[-1] / "initdb").exists():
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("starting PostgreSQL as the postgres user needs root and runuser")
    folder = Path(tempfile.mkdtemp(prefix="laborstats-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    instance = OwnPostgres(data=folder / "data", port=free_port(), binaries=PG_BINARIES[-1])
    subprocess.run(
        ["runuser", "-u", "postgres", "--", str(instance.binaries / "initdb"), "-D",
         str(instance.data), "-A", "trust", "-U", "postgres", "--no-sync"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    instance.ctl("start")
    try:
        instance.sql("CREATE DATABASE laborstats", database="postgres")
        yield instance
    finally:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(instance.binaries / "pg_ctl"), "-D",
             str(instance.data), "-m", "immediate", "stop"],
            capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def small_tmpfs(size: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="laborstats-tmpfs-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}): needs root")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        folder.rmdir()

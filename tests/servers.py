"""Real PostgreSQL and Redis servers for the test suite, started on free ports in temporary folders.

PostgreSQL refuses to run as root, so when the tests run as root the cluster belongs to the `postgres` user."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from dcc_portal.peers.mssante_operator import Operator


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def mssante_operator(**settings) -> Operator:
    """A local MSSanté operator (SMTP and IMAP) on ports found free. A port found free can be taken before the
    operator binds it (any outgoing connection may get it as its own), and then the operator starts on others."""
    for _ in range(2):
        try:
            return Operator(port=free_port(), imap_port=free_port(), **settings).up()
        except OSError:
            pass
    return Operator(port=free_port(), imap_port=free_port(), **settings).up()


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise RuntimeError(f"PostgreSQL tool {name} not found (install the postgresql package)")
    return found


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def memory_folder() -> str | None:
    """A memory-backed folder (tmpfs) when the machine has one: each test's CREATE DATABASE then takes about 50 ms
    instead of half a second of waiting for the disk. PostgreSQL still fsyncs; only the disk is absent."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


class Postgres:
    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="dcc-pg-", dir=memory_folder()))
        self.data = self.root / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        subprocess.run(_as_postgres([_pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                                     "-E", "UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True)
        subprocess.run(
            _as_postgres([_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "start",
                          "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=300"]),
            check=True, capture_output=True,
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(sql)

    def stop(self) -> None:
        subprocess.run(_as_postgres([_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)


class Redis:
    def __init__(self):
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="dcc-redis-"))
        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("redis-server not found (install the redis-server package)")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


ROOT = Path(__file__).resolve().parents[1]


class Portal:
    """The production server (`reflex run --env prod --single-port`) in its own process group, so that it can be
    stopped, or killed with everything it started (SIGKILL to the group), and started again on the same data.

    With `redis_url` Reflex keeps its state in Redis and runs `workers` backend processes (GRANIAN_WORKERS)."""

    def __init__(self, *, db_url: str, data_dir: Path, log: Path, redis_url: str | None = None, workers: int = 1,
                 port: int | None = None, env: dict[str, str] | None = None, app_dir: Path = ROOT):
        self.app_dir = Path(app_dir)  # another Reflex app's folder (bench.load's bare floor app)
        self.db_url = db_url
        self.data_dir = Path(data_dir)
        self.log = Path(log)
        self.redis_url = redis_url
        self.workers = workers if redis_url else 1
        self.port = port or free_port()
        self.base_url = f"http://localhost:{self.port}"
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None

    def environment(self) -> dict[str, str]:
        env = {
            **os.environ,
            "DCC_DATA_DIR": str(self.data_dir),
            "REFLEX_DB_URL": self.db_url,
            "PORT": str(self.port),
            "DCC_PUBLIC_URL": self.base_url,
            "REFLEX_USE_SYSTEM_BUN": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}{os.pathsep}{os.environ['PATH']}",
            **self.extra_env,
        }
        env.pop("REFLEX_REDIS_URL", None)
        env.pop("GRANIAN_WORKERS", None)
        if self.redis_url:
            env["REFLEX_REDIS_URL"] = self.redis_url
            env["GRANIAN_WORKERS"] = str(self.workers)
        return env

    def start(self, *, timeout: float = 600, rebuild: bool = True) -> None:
        """Build the frontend and serve; `rebuild=False` restarts the backend alone on the last build."""
        import httpx

        self.log.parent.mkdir(parents=True, exist_ok=True)
        if rebuild:
            command = [str(ROOT / ".venv" / "bin" / "reflex"), "run", "--env", "prod", "--single-port",
                       "--backend-port", str(self.port), "--frontend-port", str(self.port)]
        else:
            command = [str(ROOT / ".venv" / "bin" / "python"), "-m", "tests.portal_backend"]
        with open(self.log, "a") as out:
            self.process = subprocess.Popen(command, cwd=self.app_dir, env=self.environment(), stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early, see {self.log}:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.base_url}/login/", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"server did not start, see {self.log}")

    def pids(self) -> list[int]:
        """The server's process tree (its process group)."""
        if self.process is None:
            return []
        pgid = self.process.pid
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if os.getpgid(int(entry.name)) == pgid:
                        found.append(int(entry.name))
                except (ProcessLookupError, PermissionError):
                    pass
        return found

    def rss_bytes(self) -> int:
        total = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                pass
        return total

    def kill(self) -> None:
        """SIGKILL to the whole process group: no clean shutdown, as in a power cut of the application."""
        import signal

        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        import signal

        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)
        self.process = None


class Proxy:
    """nginx in front of several portal processes, forwarding as the production site does (the location rules
    shipped in deploy/nginx-dcc-portal-proxy.conf), over plain HTTP on a free port."""

    def __init__(self, upstream_ports: list[int], *, port: int | None = None):
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(binary):
            raise RuntimeError("nginx not found (install the nginx package)")
        self.port = port or free_port()
        self.base_url = f"http://localhost:{self.port}"
        self.root = Path(tempfile.mkdtemp(prefix="dcc-nginx-"))
        servers = "\n        ".join(f"server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in upstream_ports)
        temp = " ".join(f"{kind}_temp_path {self.root / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (self.root / "nginx.conf").write_text(f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {self.root / "nginx.pid"};
error_log {self.root / "error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    {temp}
    upstream dcc_portal {{
        {servers}
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        '' close;
    }}
    server {{
        listen 127.0.0.1:{self.port};
        location / {{
            include {ROOT / "deploy" / "nginx-dcc-portal-proxy.conf"};
        }}
    }}
}}
""")
        self.process = subprocess.Popen([binary, "-p", str(self.root), "-c", str(self.root / "nginx.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)

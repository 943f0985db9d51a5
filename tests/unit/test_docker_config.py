"""The docker sandbox's container settings, checked without an engine (the end-to-end
tests in tests/e2e/test_docker.py check that the engine enforces them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.course.spec import Limits
from grader.sandbox.base import SandboxJob
from grader.sandbox.run import job_for

pytest.importorskip("docker")

from grader.sandbox.docker import DockerBackend, container_user  # noqa: E402


def _job(tmp_path: Path, gpu: bool = False) -> SandboxJob:
    limits = Limits(memory_mb=1024, max_processes=32, max_file_mb=8, max_output_kb=4)
    return job_for(tmp_path, limits, wall_time_s=30, gpu=gpu)


def test_a_job_container_is_locked_down(tmp_path):
    c = DockerBackend("img:tag").config(_job(tmp_path))
    assert c["image"] == "img:tag"
    assert c["network_mode"] == "none" and c["read_only"] is True
    assert c["cap_drop"] == ["ALL"] and c["security_opt"] == ["no-new-privileges"]
    assert c["user"] == container_user() and c["init"] is True
    assert c["mem_limit"] == c["memswap_limit"] == "1024m" and c["pids_limit"] == 32
    assert c["nano_cpus"] == 1_000_000_000
    assert set(c["tmpfs"]) == {"/tmp"} and "size=" in c["tmpfs"]["/tmp"]
    ulimits = {u["Name"]: (u["Soft"], u["Hard"]) for u in c["ulimits"]}
    assert ulimits["fsize"] == (8 * 2**20, 8 * 2**20) and ulimits["core"] == (0, 0)
    assert ulimits["nofile"] == (256, 256) and ulimits["cpu"][0] >= 30
    mounts = {m["Target"]: (m["Source"], m["ReadOnly"]) for m in c["mounts"]}
    assert mounts == {"/sandbox": (str(tmp_path), True),
                      "/sandbox/home": (str(tmp_path / "home"), False),
                      "/sandbox/out": (str(tmp_path / "out"), False)}
    assert c["log_config"]["Type"] == "none"  # output is streamed and capped, never stored
    assert c["environment"]["HOME"] == "/sandbox/home" and c["device_requests"] is None
    assert "/opt/venv/site-packages" in DockerBackend().site_paths()


def test_gpu_asks_docker_for_the_gpus(tmp_path):
    c = DockerBackend().config(_job(tmp_path, gpu=True))
    (request,) = c["device_requests"]
    assert request["Count"] == -1 and request["Capabilities"] == [["gpu"]]
    assert "CUDA_VISIBLE_DEVICES" not in c["environment"]


def test_a_warm_worker_container_is_locked_down_the_same_way(tmp_path, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda _name: "/usr/bin/docker")
    (tmp_path / "lib").mkdir()
    cmd = DockerBackend().zygote_command(tmp_path)
    joined = " ".join(cmd)
    for flag in ("run -i --rm", "--network none", "--read-only", "--cap-drop ALL",
                 "--security-opt no-new-privileges", f"--user {container_user()}",
                 "--pids-limit", "--memory", "--memory-swap", "--log-driver none"):
        assert flag in joined, flag
    assert f"type=bind,src={tmp_path / 'lib'},dst=/jobs/lib,readonly" in cmd
    assert cmd[-2:] == ["/jobs/lib/harness/zygote.py", "/jobs"]

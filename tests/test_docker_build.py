"""The Docker image's build-time steps run, without Docker.

The Dockerfile is parsed: its application stage's ENV and the RUN steps
after ``COPY . .`` that run Python (copy_assets.py, compilemessages,
collectstatic under the production settings) are run in a copy of the build
context (the files .dockerignore lets through) with only the variables the
Dockerfile sets, plus PATH. A setting that production requires at build time,
or a static file whose reference the manifest storage cannot resolve, fails
here as it would fail ``docker build``.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined and
    comment lines dropped, as Docker reads them."""
    instructions: list[tuple[str, str]] = []
    current = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and not current):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        keyword, _, arguments = current.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    return instructions


def build_steps(text: str) -> tuple[dict[str, str], list[str]]:
    """The last stage's ENV and its Python RUN commands after ``COPY . .``."""
    env: dict[str, str] = {}
    commands: list[str] = []
    copied = False
    for keyword, arguments in dockerfile_instructions(text):
        if keyword == "FROM":
            env, commands, copied = {}, [], False
        elif keyword == "ENV":
            for pair in shlex.split(arguments):
                name, _, value = pair.partition("=")
                env[name] = value
        elif keyword == "COPY" and arguments.split() == [".", "."]:
            copied = True
        elif keyword == "RUN" and copied:
            command = re.sub(r"^(--\S+\s+)*", "", arguments)
            if re.search(r"\bpython\b", command):
                commands.append(command)
    return env, commands


def _ignored(path: str, patterns: list[str]) -> bool:
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if pattern.startswith("**/"):
            hit = any(fnmatch.fnmatch(p, pattern[3:]) for p in parts)
        else:
            hit = any(fnmatch.fnmatch(p, pattern) for p in prefixes)
        if hit:
            ignored = not negate
    return ignored


def build_context(target: Path) -> None:
    """Copy what ``COPY . .`` would copy: the project's files minus .dockerignore."""
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
        names = list(filter(None, listed.split("\0")))
    except (OSError, subprocess.CalledProcessError):
        # A source tree without Git: every file, .dockerignore decides.
        names = [
            (Path(folder) / file).relative_to(ROOT).as_posix()
            for folder, _dirs, files in os.walk(ROOT)  # symlinked folders not followed
            for file in files
        ]
    for name in names:
        source = ROOT / name
        if _ignored(name, patterns) or not source.is_file():
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name)


def test_the_dockerfile_is_read_as_docker_reads_it():
    env, commands = build_steps(DOCKERFILE.read_text())
    assert env["DJANGO_SETTINGS_MODULE"] == "bin_platform.settings.production"
    assert any("copy_assets.py" in c for c in commands)
    assert any("collectstatic" in c for c in commands)
    assert any("compilemessages" in c for c in commands)


def test_the_build_steps_run_in_a_clean_environment(tmp_path):
    if not (ROOT / "node_modules").is_dir() or not shutil.which("msgfmt"):
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs node_modules (npm ci) and msgfmt for the image build test")
        pytest.skip("node_modules or msgfmt missing (make assets)")
    env, commands = build_steps(DOCKERFILE.read_text())
    app = tmp_path / "app"
    build_context(app)
    assert not (app / ".env").exists() and not (app / "static" / "vendor").exists()
    # The image mounts node_modules from the assets stage for one step.
    (app / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    # "python" is the interpreter of this virtualenv, as pip installed it in the image.
    path = os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"])
    clean = {**env, "PATH": path, "HOME": str(tmp_path)}
    for command in commands:
        done = subprocess.run(
            ["sh", "-c", command], cwd=app, env=clean, capture_output=True, text=True, timeout=240
        )
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    manifest = (app / "staticfiles" / "staticfiles.json").read_text()
    assert "vendor/leaflet/leaflet.js" in manifest and "vendor/chartjs/chart.umd.min.js" in manifest
    assert (app / "locale" / "nl" / "LC_MESSAGES" / "django.mo").exists()


def test_copy_assets_copies_every_source_map_it_references():
    if not (ROOT / "node_modules").is_dir():
        pytest.skip("node_modules missing (make assets)")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import copy_assets
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    assert copy_assets.unreferenced() == []
    files = dict(copy_assets.FILES)
    del files["leaflet/dist/leaflet.js.map"]
    assert copy_assets.unreferenced(files) == ["leaflet/leaflet.js -> leaflet/leaflet.js.map"]

"""The README's command examples run as written: manage.py refuses to start without a server's
settings, so an example that leaves out what allows it on one's own machine would fail."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from django.conf import settings

README = Path(settings.BASE_DIR) / "README.md"


def readme_commands():
    text = README.read_text(encoding="utf-8")
    section = text.split("## Commands", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if "manage.py" in line]


def test_the_readme_names_each_command_that_needs_settings():
    names = {shlex.split(line)[3] for line in readme_commands()}
    assert {"export_summary", "load_report", "load_users", "send_reminders"} <= names


def test_each_readme_command_starts_as_written_without_a_secret_key():
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SECRET_KEY", "DEMO", "DEBUG", "PYTEST_VERSION", "DATABASE_URL")
    }
    for line in readme_commands():
        words = shlex.split(line)
        assignments = dict(word.split("=", 1) for word in words if re.match(r"^[A-Z_]+=", word))
        command = [word for word in words if not re.match(r"^[A-Z_]+=", word)]
        # The command's own help: settings load, nothing is written.
        command = [sys.executable, *command[1:3], "--help"]
        result = subprocess.run(
            command,
            cwd=settings.BASE_DIR,
            env={**environment, **assignments},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, (line, result.stderr[-500:])


def test_without_its_prefix_a_command_refuses_to_start():
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SECRET_KEY", "DEMO", "DEBUG", "PYTEST_VERSION", "ALLOWED_HOSTS")
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "export_summary", "--help"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr

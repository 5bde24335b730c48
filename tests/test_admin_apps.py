"""The admin's modules are imported where the admin is used, not by every command's start."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What a fresh process has imported and registered after django.setup(), and after the
# admin's own system check.
PROBE = """
import json, sys
import django
django.setup()
from django.contrib import admin
from django.core import checks
started = {"registered": len(admin.site._registry), "pydantic": "pydantic" in sys.modules,
           "reply_rendering": "helpdesk.replies.rendering" in sys.modules}
problems = [str(m) for m in checks.run_checks(tags=[checks.Tags.admin])]
print(json.dumps({"started": started, "checked": len(admin.site._registry),
                  "problems": problems}))
"""


def _probe(tmp_path) -> dict:
    env = {"DJANGO_SETTINGS_MODULE": "helpdesk.settings", "VAR_DIR": str(tmp_path),
           "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=True, timeout=120)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_command_starts_without_the_admin_pages_and_what_they_import(tmp_path):
    started = _probe(tmp_path)["started"]
    assert started == {"registered": 0, "pydantic": False, "reply_rendering": False}


def test_the_admin_check_still_reads_every_admin_module(tmp_path):
    probe = _probe(tmp_path)
    assert probe["checked"] >= 20, probe
    assert probe["problems"] == []

"""The production examples in deploy/ pass their own checkers: nginx -t and systemd-analyze verify."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def test_the_nginx_site_passes_nginx_t(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx is not installed (apt-get install -y nginx; .ci/run does it)")
    mime_types = Path("/etc/nginx/mime.types")
    (tmp_path / "logs").mkdir()
    config = tmp_path / "nginx.conf"
    config.write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/logs/error.log;
events {{}}
http {{
    {'include ' + str(mime_types) + ';' if mime_types.exists() else ''}
    access_log off;
    include {DEPLOY / 'nginx' / 'deflect.conf'};
}}
""")
    checked = subprocess.run([nginx, "-t", "-q", "-p", str(tmp_path), "-c", str(config)], capture_output=True,
                             text=True)
    assert checked.returncode == 0, checked.stderr


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    executable = Path(sys.executable).parent  # the paths the units name, pointed at this checkout's venv
    for unit in (DEPLOY / "systemd").iterdir():
        text = unit.read_text().replace("/srv/deflect/.venv/bin", str(executable)).replace("/srv/deflect", str(tmp_path))
        (tmp_path / unit.name).write_text(text)
    (tmp_path / "var").mkdir()
    checked = subprocess.run([analyze, "verify", *sorted(str(p) for p in tmp_path.glob("deflect*"))],
                             capture_output=True, text=True)
    problems = [line for line in checked.stderr.splitlines() if "deflect" in line]
    assert checked.returncode == 0 and not problems, checked.stderr


def test_the_gunicorn_settings_pass_gunicorn_check_config(tmp_path):
    project = DEPLOY.parent
    checked = subprocess.run(
        [str(Path(sys.executable).with_name("gunicorn")), "--check-config", "-c", str(DEPLOY / "gunicorn.conf.py"),
         "deflect:create_app()"], capture_output=True, text=True, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "DEFLECT_PROJECT_DIR": str(project), "DEFLECT_VAR_DIR": str(tmp_path / "var")})
    assert checked.returncode == 0, checked.stderr

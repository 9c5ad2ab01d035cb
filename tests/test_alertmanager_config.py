"""The shipped Alertmanager receiver config is valid for the real Alertmanager (amtool)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parent.parent / "integrations" / "alertmanager" / "alertmanager.yml"


def amtool() -> str:
    found = shutil.which("amtool")
    if not found:
        pytest.fail("amtool is not installed: run scripts/install-alertmanager.sh (Debian prometheus-alertmanager)")
    return found


def test_receiver_config_passes_amtool_check_config():
    result = subprocess.run([amtool(), "check-config", str(CONFIG)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_amtool_would_catch_a_broken_receiver(tmp_path):
    broken = tmp_path / "am.yml"
    broken.write_text(CONFIG.read_text().replace("receiver: triage", "receiver: no-such-receiver", 1))
    result = subprocess.run([amtool(), "check-config", str(broken)], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0


def test_routes_reach_triage_for_kube_job_failed():
    """amtool's own routing: KubeJobFailed goes to the triage receiver, other alerts do not."""
    def receivers(*labels: str) -> str:
        out = subprocess.run([amtool(), "config", "routes", "test", f"--config.file={CONFIG}", *labels],
                             capture_output=True, text=True, timeout=30)
        return out.stdout.strip()

    assert receivers("alertname=KubeJobFailed", "namespace=reports", "job_name=x") == "triage"
    assert receivers("alertname=HighLatency") == "default"
    assert receivers("alertname=Anything", "triage=true") == "triage"

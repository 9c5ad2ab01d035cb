"""The RBAC in integrations/kubernetes grants what the code asks the API for, and no more.

The watcher, evidence collection and an approved re-run run through the real `kubernetes`
client against the loopback API server; every request it received is mapped to the RBAC
(apiGroup, resource, verb) it needs, and compared with the manifests' rules.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import yaml

from tests.fakes.kube_apiserver import install_scenario, load_scenario
from triage.models import FailureEvent, KubernetesRef, Source
from triage.settings import Settings
from triage.sources.kube.api import KubeAPI, api_client_from_settings
from triage.sources.kube.watcher import JobWatcher
from triage.sources.kubernetes import KubernetesSource

DATA = Path(__file__).parent / "data" / "kubernetes"
K8S = Path(__file__).parent.parent / "integrations" / "kubernetes"
_PATH = re.compile(r"^/(?:api/v1|apis/(?P<group>[\w.]+)/v\w+)(?:/namespaces/[^/]+)?/(?P<resource>[a-z]+)"
                   r"(?:/(?P<name>[^/?]+)(?:/(?P<sub>[a-z]+))?)?")


def needed(method: str, path: str) -> tuple[str, str, str]:
    m = _PATH.match(path.split("?", 1)[0])
    assert m, path
    resource = m["resource"] + (f"/{m['sub']}" if m["sub"] else "")
    if method == "POST":
        verb = "create"
    elif m["name"]:
        verb = "get"
    else:
        verb = "watch" if re.search(r"[?&]watch=(?:1|true)", path, re.IGNORECASE) else "list"
    return m["group"] or "", resource, verb


def granted(path: Path) -> set[tuple[str, str, str]]:
    rules = [r for d in yaml.safe_load_all(path.read_text()) if d and d["kind"] == "ClusterRole" for r in d["rules"]]
    return {(g, res, v) for r in rules for g in r["apiGroups"] for res in r["resources"] for v in r["verbs"]}


def test_the_roles_grant_exactly_what_the_watcher_evidence_and_rerun_use(kube, kubeconfig):
    settings = Settings(kubeconfig=kubeconfig, kubernetes_timeout_seconds=5, kubernetes_rerun_enabled=True)
    # Every scenario's evidence (pods, logs, events, the CronJob's history)...
    source = KubernetesSource(settings)
    for path in sorted(DATA.glob("*.json")):
        scenario = load_scenario(path)
        install_scenario(kube, scenario)
        where = scenario["failed_job"]
        event = FailureEvent(source=Source.kubernetes, job=where["job"],
                             kubernetes=KubernetesRef(namespace=where["namespace"], job=where["job"]))
        source.collect_evidence(event)
    # ...the watcher in one namespace and across all of them...
    api = KubeAPI(api_client_from_settings(settings), settings.kubernetes_timeout_seconds)
    for namespace in ("reports", None):
        watcher = JobWatcher(api, namespace, lambda _: None, backoff_initial=0.1, watch_timeout_seconds=5)
        thread = threading.Thread(target=watcher.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any("watch=" in p for _, p in kube.cluster.requests):
            time.sleep(0.05)
        watcher.close()
        thread.join(10)
    # ...and one approved re-run.
    oom = load_scenario(DATA / "oomkilled.json")
    result = source.rerun(FailureEvent(source=Source.kubernetes, job=oom["failed_job"]["job"],
                                       kubernetes=KubernetesRef(namespace="reports", job=oom["failed_job"]["job"])),
                          "approval-rbac")
    assert result.ok, result.detail

    used = {needed(m, p) for m, p in kube.cluster.requests}
    reads = {u for u in used if u[2] != "create"}
    writes = used - reads
    assert reads == granted(K8S / "rbac-readonly.yaml"), (
        f"used but not granted: {sorted(reads - granted(K8S / 'rbac-readonly.yaml'))}; "
        f"granted but never used: {sorted(granted(K8S / 'rbac-readonly.yaml') - reads)}")
    assert writes == granted(K8S / "rbac-rerun.yaml")

"""The Kubernetes and Alertmanager integration files parse and say what they should:
read-only RBAC by default, create-on-Jobs only in the separate re-run role, settings that
exist, and a KubeJobFailed rule carrying the labels triage routes on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from triage.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "integrations" / "kubernetes"
AM = ROOT / "integrations" / "alertmanager"


def docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def all_k8s_docs() -> list[dict]:
    return [d for p in sorted(K8S.glob("*.yaml")) if p.name != "kustomization.yaml" for d in docs(p)]


@pytest.mark.parametrize("path", sorted(K8S.glob("*.yaml")) + sorted(AM.glob("*.y*ml")), ids=lambda p: p.name)
def test_every_file_parses(path):
    assert docs(path)


def test_every_object_is_well_formed():
    for d in all_k8s_docs():
        assert d.get("apiVersion") and d.get("kind") and d["metadata"].get("name"), d


def rules_of(path: Path, kind: str = "ClusterRole") -> list[dict]:
    [role] = [d for d in docs(path) if d["kind"] == kind]
    return role["rules"]


def test_reader_role_is_read_only_on_exactly_the_needed_resources():
    granted = {(g, r, v) for rule in rules_of(K8S / "rbac-readonly.yaml")
               for g in rule["apiGroups"] for r in rule["resources"] for v in rule["verbs"]}
    # What the code calls (tests/test_kubernetes_rbac_usage.py derives it from the requests themselves).
    wanted = {("batch", "jobs", v) for v in ("get", "list", "watch")} | {
        ("batch", "cronjobs", "get"), ("", "pods", "list"), ("", "events", "list"), ("", "pods/log", "get")}
    assert granted == wanted


def test_rerun_role_only_creates_jobs_and_is_not_installed_by_default():
    assert rules_of(K8S / "rbac-rerun.yaml") == [{"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create"]}]
    kustomization = docs(K8S / "kustomization.yaml")[0]
    assert "rbac-rerun.yaml" not in kustomization["resources"]
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "rbac-rerun.yaml"}


def test_bindings_point_at_the_service_account_the_deployments_use():
    [sa] = docs(K8S / "serviceaccount.yaml")
    for path in ("rbac-readonly.yaml", "rbac-rerun.yaml"):
        [binding] = [d for d in docs(K8S / path) if d["kind"] == "ClusterRoleBinding"]
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": sa["metadata"]["name"],
                                        "namespace": sa["metadata"]["namespace"]}]
    for dep in docs(K8S / "deployment.yaml"):
        assert dep["spec"]["template"]["spec"]["serviceAccountName"] == sa["metadata"]["name"]


def test_deployments_set_only_settings_that_exist():
    fields = set(Settings.model_fields)
    commands = []
    for dep in docs(K8S / "deployment.yaml"):
        for c in dep["spec"]["template"]["spec"]["containers"]:
            commands.append(c["args"][:2])
            for env in c.get("env", []):
                name = env["name"]
                assert name.startswith("TRIAGE_") and name[len("TRIAGE_"):].lower() in fields, name
    assert ["triage", "serve"] in commands and ["triage", "watch-kubernetes"] in commands
    # Re-runs stay off unless someone turns them on together with rbac-rerun.yaml.
    service = docs(K8S / "deployment.yaml")[0]["spec"]["template"]["spec"]["containers"][0]
    assert {e["name"]: e.get("value") for e in service["env"]}["TRIAGE_KUBERNETES_RERUN_ENABLED"] == "false"


def test_service_selects_the_service_pods():
    [svc] = docs(K8S / "service.yaml")
    dep = docs(K8S / "deployment.yaml")[0]
    labels = dep["spec"]["template"]["metadata"]["labels"]
    assert all(labels.get(k) == v for k, v in svc["spec"]["selector"].items())


def test_kube_job_failed_rule_keeps_the_routing_labels():
    [operator_rule] = [r for g in docs(AM / "prometheusrule-kubejobfailed.yaml")[0]["spec"]["groups"] for r in g["rules"]]
    [plain_rule] = [r for g in docs(AM / "prometheus-rules.yml")[0]["groups"] for r in g["rules"]]
    assert operator_rule == plain_rule
    assert operator_rule["alert"] == "KubeJobFailed"
    assert "by (namespace, job_name)" in operator_rule["expr"]


def test_alertmanager_receiver_posts_to_the_events_endpoint_with_resolved():
    config = docs(AM / "alertmanager.yml")[0]
    [receiver] = [r for r in config["receivers"] if r["name"] == "triage"]
    [hook] = receiver["webhook_configs"]
    assert hook["url"].endswith("/v1/events/alertmanager")
    assert hook["send_resolved"] is True
    assert hook["http_config"]["authorization"]["type"] == "Bearer"

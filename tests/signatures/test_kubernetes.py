"""Kubernetes signatures on real kubelet/scheduler/API server messages."""

from __future__ import annotations

import pytest

from triage.engine import signatures
from triage.models import Evidence
from tests.signatures.support import K8S, Case, check_case, diagnose

CASES = [
    # https://github.com/cloudfoundry/eirini-release/issues/111
    Case("secret_not_found_event", "k8s",
         '  Warning  Failed     4m11s (x6 over 4m53s)  kubelet, <redacted-address>  Error: secrets "secrets-2.16.4-1" not found',
         "missing_config_or_secret", ("secrets-2.16.4-1",), ("kubectl get secret secrets-2.16.4-1 -n reports",), 0.9),
    # https://github.com/shieldworks/aegis/issues/293
    Case("secret_key_missing", "k8s",
         "  Warning  Failed     2s (x5 over 54s)  kubelet            Error: couldn't find key VALUE in Secret default/aegis-secret-aegis-workload-demo",
         "missing_config_or_secret", ("VALUE", "aegis-secret-aegis-workload-demo"),
         ("kubectl get secret aegis-secret-aegis-workload-demo -n default",), 0.9),
    # https://github.com/kubernetes/kubernetes/issues/8178
    Case("secret_mount_kubelet", "k8s",
         'E0512 13:56:58.757986   13539 kubelet.go:943] Unable to mount volumes for pod "ruby-sample-build-2_test": secrets "mysecret" not found; skipping pod',
         "missing_config_or_secret", ("mysecret",), ("kubectl get secret mysecret",), 0.9),
    Case("configmap_not_found", "k8s",
         'Warning  FailedMount  12s  kubelet  MountVolume.SetUp failed for volume "cfg" : configmap "report-settings" not found',
         "missing_config_or_secret", ("report-settings",), ("kubectl get configmap report-settings -n reports",), 0.9),
    Case("create_container_config_error_status", "k8s", "",
         "missing_config_or_secret", ("CreateContainerConfigError",), ("kubectl describe pod",), 0.75,
         status={"state": "waiting", "reason": "CreateContainerConfigError"}),
    # https://github.com/pires/kubernetes-elasticsearch-cluster/issues/178 and kubernetes/kubernetes#33777
    Case("insufficient_cpu", "k8s",
         "Warning FailedScheduling 38s (x8 over 1m) default-scheduler 0/25 nodes are available: 1 Insufficient pods, "
         "1 PodToleratesNodeTaints, 23 Insufficient cpu.",
         "resource_quota_scheduling", ("pods, cpu",), ("kubectl describe pod nightly-report-28911-x7k2p -n reports",), 0.85),
    # https://github.com/argoproj/argo-workflows/issues/190
    Case("no_nodes_predicates", "k8s",
         "  2h\t\t48m\t\t7\tdefault-scheduler\t\t\tWarning\t\tFailedScheduling\tNo nodes are available that match all of the "
         "following predicates:: Insufficient cpu (9), Insufficient memory (15), MatchNodeSelector (18).",
         "resource_quota_scheduling", ("cpu, memory",), (), 0.85),
    # https://github.com/hmcts/cnp-flux-config/pull/2122
    Case("quota_exceeded", "k8s",
         'Error from server (Forbidden): error when creating "test.yaml": pods "test-pod" is forbidden: exceeded quota: '
         "money-claims-quota, requested: requests.cpu=20,requests.memory=60Gi, used: requests.cpu=32575m,"
         "requests.memory=90368Mi, limited: requests.cpu=50,requests.memory=140Gi",
         "resource_quota_scheduling", ("money-claims-quota",), ("kubectl describe resourcequota money-claims-quota -n reports",), 0.9),
    # https://github.com/kubernetes/website/pull/641
    Case("quota_must_specify", "k8s_nopod",
         'Warning   FailedCreate  Error creating: pods "nginx-3137573019-" is forbidden: Failed quota: compute-resources: '
         "must specify limits.cpu,limits.memory,requests.cpu,requests.memory",
         "resource_quota_scheduling", ("compute-resources", "limits.cpu"), ("resourcequota compute-resources",), 0.9),
    # https://github.com/kubernetes/kubernetes/issues/91600
    Case("evicted_ephemeral", "k8s",
         "Status:         Failed\nReason:         Evicted\nMessage:        The node was low on resource: ephemeral-storage. "
         "Container ebaogi-bff-app was using 34260Ki, which exceeds its request of 0.",
         "disk_full", ("ephemeral storage",), ("kubectl describe pod",), 0.85),
    Case("evicted_memory", "k8s",
         "Status: Failed\nReason: Evicted\nMessage: The node was low on resource: memory. Container app was using 1969184Ki, "
         "which exceeds its request of 512Mi.",
         "oom", ("low on memory",), (), 0.8),
    # https://github.com/kubernetes-client/java/issues/2762
    Case("rbac_forbidden", "k8s",
         '"message":"pods is forbidden: User \\"system:serviceaccount:bluezero:default\\" cannot list resource \\"pods\\" '
         'in API group \\"\\" in the namespace \\"bluezero\\"",',
         "permissions_rbac", ("system:serviceaccount:bluezero:default", "list pods", "bluezero"),
         ("kubectl auth can-i list pods --as system:serviceaccount:bluezero:default -n bluezero",), 0.9),
    # https://github.com/lwolf/kube-cleanup-operator/issues/81
    Case("rbac_forbidden_reflector", "k8s",
         'E1227 08:28:34.712122       1 reflector.go:178] pkg/controller/controller.go:154: Failed to list *v1.Pod: pods is '
         'forbidden: User "system:serviceaccount:default:cleanup-operator" cannot list resource "pods" in API group "" in the namespace "default"',
         "permissions_rbac", ("cleanup-operator",), ("kubectl auth can-i list pods",), 0.9),
    Case("rbac_forbidden_batch_group", "k8s",
         'jobs.batch is forbidden: User "system:serviceaccount:reports:runner" cannot create resource "jobs" in API group "batch" in the namespace "reports"',
         "permissions_rbac", ("create jobs.batch",), ("kubectl auth can-i create jobs.batch --as system:serviceaccount:reports:runner -n reports",), 0.9),
    # https://github.com/lachie83/k8s-kubectl/issues/157
    Case("manifest_unknown", "k8s",
         'Failed to pull image "lachlanevenson/k8s-kubectl:v1.18.20": rpc error: code = Unknown desc = Error response from daemon: '
         "manifest for lachlanevenson/k8s-kubectl:v1.18.20 not found: manifest unknown: manifest unknown",
         "image_pull", ("lachlanevenson/k8s-kubectl:v1.18.20",), ("kubectl describe pod",), 0.9),
    # https://github.com/kubernetes-sigs/provider-aws-test-infra/pull/281 (containerd's wording for a missing tag)
    Case("containerd_tag_not_found", "k8s",
         'containerd[1191]: time="2024-02-07T13:36:48.024858788Z" level=error msg="PullImage \\"registry.k8s.io/kube-apiserver-amd64:v1.30.0-alpha.1.107_052bce26f4f48b\\" '
         'failed" error="rpc error: code = NotFound desc = failed to pull and unpack image \\"registry.k8s.io/kube-apiserver-amd64:v1.30.0-alpha.1.107_052bce26f4f48b\\": '
         'failed to resolve reference \\"registry.k8s.io/kube-apiserver-amd64:v1.30.0-alpha.1.107_052bce26f4f48b\\": '
         'registry.k8s.io/kube-apiserver-amd64:v1.30.0-alpha.1.107_052bce26f4f48b: not found"',
         "image_pull", ("registry.k8s.io/kube-apiserver-amd64:v1.30.0-alpha.1.107_052bce26f4f48b",), (), 0.9),
    # https://github.com/containerd/containerd/pull/2052
    Case("containerd_pull_access_denied", "k8s",
         'ctr: failed to resolve reference "docker.io/image/doesnotexist:latest": pull access denied, repository does not exist or '
         "may require authorization: server message: insufficient_scope: authorization failed",
         "image_pull", (), (), 0.85),
    Case("docker_hub_rate_limit", "k8s",
         'Failed to pull image "postgres:16": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/postgres:16": '
         "failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/postgres/manifests/"
         "sha256:9f: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.",
         "image_pull", ("rate limit",), ("kubectl describe pod",), 0.85),
    Case("image_pull_backoff_status", "k8s", "", "image_pull", (), ("kubectl describe pod",), 0.9,
         status={"containers": [{"name": "main", "state": "waiting", "reason": "ImagePullBackOff",
                                 "message": 'Back-off pulling image "registry.example.com/reports:2024.05"'}]}),
    Case("pull_access_denied", "k8s",
         'Failed to pull image "acme/private-report:1.2": rpc error: code = Unknown desc = Error response from daemon: '
         "pull access denied for acme/private-report, repository does not exist or may require 'docker login': denied: "
         "requested access to the resource is denied",
         "image_pull", ("acme/private-report",), (), 0.85),
    Case("oomkilled_status_with_limit", "k8s", "starting report\nloaded 120000 rows\n", "oom", ("512Mi",),
         ("kubectl describe pod nightly-report-28911-x7k2p -n reports",), 0.9,
         status={"exit_code": 137, "reason": "OOMKilled", "resources": {"limits": {"memory": "512Mi"}}}),
    Case("oomkilled_describe", "k8s_nopod",
         "    Last State:     Terminated\n      Reason:       OOMKilled\n      Exit Code:    137", "oom", ("OOMKilled",),
         ("kubectl get pods -n reports -l job-name=nightly-report-28911",), 0.9),
    Case("exit_137_without_reason", "k8s", "processing batch 7\ncommand terminated with exit code 137", "oom",
         ("137",), (), 0.6, 0.79),
    Case("deadline_exceeded_condition", "k8s_nopod", "", "timeout_deadline", ("activeDeadlineSeconds",),
         ("kubectl describe job nightly-report-28911 -n reports",), 0.9,
         status={"conditions": [{"type": "Failed", "reason": "DeadlineExceeded",
                                 "message": "Job was active longer than specified deadline"}]}),
    # https://github.com/stefanprodan/podinfo/issues/21
    Case("exec_format_error", "k8s", 'standard_init_linux.go:211: exec user process caused "exec format error"',
         "dependency_version", ("architecture",), (), 0.8),
    Case("executable_not_found", "k8s",
         'Error: failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: '
         'unable to start container process: exec: "report-runner": executable file not found in $PATH: unknown',
         "bad_code_or_bug", ("report-runner",), (), 0.75),
    Case("cronjob_forbid_overlap", "k8s_nopod",
         "Normal   JobAlreadyActive  2m    cronjob-controller  Not starting job because prior execution is running and concurrency policy is Forbid",
         "overlap_concurrency", ("still active",), ("kubectl get jobs -n reports",), 0.85),
    # https://github.com/projectcalico/calico/issues/4087: the CNI error mentions "connection refused", yet the node is at fault
    Case("pod_sandbox_cni", "k8s",
         "0s          Warning   FailedCreatePodSandBox   pod/calico-kube-controllers-55b67d5544-kncnd    (combined from similar events): "
         'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "07eba007cfd5": add cmd: '
         'Error received from AddNetwork gRPC call: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while '
         'dialing dial tcp 127.0.0.1:50051: connect: connection refused"',
         "scheduler_infra", ("sandbox",), ("kubectl describe pod",), 0.85),
    # https://github.com/kubernetes/kubernetes/issues/62451
    Case("pod_sandbox_calico_nodename", "k8s",
         "  Warning  FailedCreatePodSandBox  1m (x158 over 6m)  kubelet, centos-s-2vcpu-4gb-nyc1-01  Failed create pod sandbox: rpc error: "
         'code = Unknown desc = NetworkPlugin cni failed to set up pod "kube-dns-86f4d74b45-kgjbk_kube-system" network: stat '
         "/var/lib/calico/nodename: no such file or directory: check that the calico/node container is running and has mounted /var/lib/calico/",
         "scheduler_infra", (), (), 0.85),
    Case("service_account_missing", "k8s_nopod",
         'Warning  FailedCreate  job-controller  Error creating: pods "nightly-report-28911-" is forbidden: error looking up service account reports/report-runner: serviceaccount "report-runner" not found',
         "missing_config_or_secret", ("report-runner",), ("kubectl get serviceaccount report-runner -n reports",), 0.85),
    Case("run_as_non_root", "k8s", "Error: container has runAsNonRoot and image will run as root (pod: \"nightly-report-28911-x7k2p_reports\", container: main)",
         "permissions_rbac", ("non-root",), (), 0.8),
    Case("node_shutdown", "k8s", "Status: Failed\nReason: Terminated\nMessage: Pod was terminated in response to imminent node shutdown.",
         "scheduler_infra", ("node",), (), 0.75),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_kubernetes_signature(case: Case) -> None:
    check_case(case)


def test_backoff_limit_alone_is_a_hint_not_a_diagnosis() -> None:
    h = diagnose("k8s_nopod", "", {"conditions": [{"type": "Failed", "reason": "BackoffLimitExceeded",
                                                  "message": "Job has reached the specified backoff limit"}]})
    assert h.category.value == "other" and h.confidence <= 0.3
    assert "backoff" in h.cause.lower()
    assert h.command.startswith("kubectl logs job/nightly-report-28911 -n reports")


def test_backoff_limit_with_the_pod_reason_names_the_reason() -> None:
    h = diagnose("k8s", "", {"conditions": [{"type": "Failed", "reason": "BackoffLimitExceeded",
                                            "message": "Job has reached the specified backoff limit"}],
                             "pods": [{"name": "x", "reason": "OOMKilled", "exit_code": 137}]})
    assert h.category.value == "oom" and h.confidence >= 0.9


def test_node_conditions_in_describe_output_are_not_pressure() -> None:
    # `kubectl describe node` lists "MemoryPressure False" on healthy nodes: no OOM from that.
    log = "MemoryPressure False Thu, 12 Jul 2018 09:02:41 +0800 KubeletHasSufficientMemory kubelet has sufficient memory available"
    h = diagnose("k8s", log)
    assert h.category.value == "other"


# kubectl describe output; the schedule/start-time pair of openshift/cluster-monitoring-operator#279
# (`5 9 * * *` under a UTC controller starts at 18:05 JST).
_CRONJOB_DESCRIBE = """Name:                       nightly-report
Schedule:                   5 9 * * *
Concurrency Policy:         Forbid
Controlled By:            CronJob/nightly-report
Start Time:               Fri, 22 Mar 2019 {start} +0900
Completed At:             Fri, 22 Mar 2019 18:07:40 +0900
Pods Statuses:            0 Running / 1 Succeeded / 0 Failed"""


def test_a_cronjob_started_at_its_schedule_in_utc_is_a_time_zone_problem() -> None:
    h = diagnose("k8s_nopod", _CRONJOB_DESCRIBE.format(start="18:05:02"))
    assert h.category.value == "scheduler_infra" and h.signature == "k8s_cronjob_time_zone"
    assert "09:05" in h.cause and "UTC" in h.cause
    assert h.command == "kubectl describe cronjob nightly-report -n reports"
    assert any(line.startswith("Schedule:") for line in h.evidence)


@pytest.mark.parametrize("start", ["09:05:02", "09:08:30"])
def test_a_cronjob_started_at_its_local_schedule_is_not_a_time_zone_problem(start: str) -> None:
    h = diagnose("k8s_nopod", _CRONJOB_DESCRIBE.format(start=start))
    assert h.signature != "k8s_cronjob_time_zone"


def test_a_utc_start_time_says_nothing_about_time_zones() -> None:
    log = _CRONJOB_DESCRIBE.format(start="09:05:02").replace("+0900", "+0000")
    assert diagnose("k8s_nopod", log).signature != "k8s_cronjob_time_zone"


def test_why_a_pull_failed_outranks_the_later_generic_backoff() -> None:
    # Events in kubectl's order: the registry's answer first, the back-off after it. The message is
    # containerd's wording for a tag that does not exist (as in the containerd_tag_not_found case above).
    image = "docker.io/acme/report:1.29.0"
    detail = "x" * 400
    log = (f'Warning  Failed   3m  kubelet  Failed to pull image "acme/report:1.29.0": rpc error: code = NotFound desc = {detail} '
           f'failed to resolve reference "{image}": {image}: not found\n'
           "Warning  Failed   2m  kubelet  Error: ImagePullBackOff\n"
           'Normal   BackOff  2m  kubelet  Back-off pulling image "acme/report:1.29.0"')
    h = diagnose("k8s", log)
    assert h.signature == "k8s_manifest_unknown"
    # The evidence line is long: the part shown is the one that says why.
    assert any(f"{image}: not found" in line and len(line) <= 500 for line in h.evidence)


def test_exec_format_error_in_a_container_is_the_architecture() -> None:
    # The classic arm64/amd64 mismatch: the image's /bin/sh cannot run, reported on the entrypoint script.
    h = diagnose("k8s", "exec /usr/local/bin/docker-entrypoint.sh: exec format error")
    assert h.category.value == "dependency_version"
    assert "kubectl" in h.command


def test_exec_format_error_of_a_cron_script_is_a_missing_shebang() -> None:
    # run-parts execs each script itself; without `#!` the kernel refuses it.
    h = diagnose("cron", "run-parts: failed to exec /etc/cron.daily/report: Exec format error\n"
                         "run-parts: /etc/cron.daily/report exited with return code 1")
    assert h.category.value == "bad_code_or_bug" and h.confidence >= 0.8
    assert h.command == "grep -n '^#!' /etc/cron.daily/report"


def test_exec_format_error_of_a_host_binary_is_not_certain() -> None:
    h = diagnose("cron", "bash: ./node_exporter: cannot execute binary file: Exec format error")
    assert h.category.value == "dependency_version" and h.confidence < 0.8


def test_an_airflow_task_whose_log_names_its_pod_gets_pod_checks() -> None:
    # Airflow's KubernetesExecutor reports a failed worker pod as `... failed in pod NS/NAME` with
    # the container's termination state; the check is the pod, not the Airflow host's kernel log.
    log = ("Task etl.load.5 failed in pod airflow-workers/etl-load-5-bvma68of.\n"
           "Pod phase: Failed, reason: None, message: None, container_type: main, container_name: base,\n"
           "container_state: terminated, container_reason: OOMKilled, container_message: None, exit_code: 137")
    h = diagnose("airflow", log)
    assert h.category.value == "oom"
    assert h.command == "kubectl describe pod etl-load-5-bvma68of -n airflow-workers"


def test_a_quota_refusal_without_a_namespace_lists_every_quota() -> None:
    # The API server's 403 body as a KubernetesPodOperator logs it (no namespace in the message).
    log = ('HTTP response body: {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"x\\" '
           'is forbidden: exceeded quota: team-quota, requested: limits.cpu=550m, used: limits.cpu=3300m, limited: '
           'limits.cpu=3500m","reason":"Forbidden","code":403}')
    h = diagnose("airflow", log)
    assert h.category.value == "resource_quota_scheduling"
    assert h.command == "kubectl get resourcequota --all-namespaces"


def test_an_api_version_the_cluster_no_longer_serves() -> None:
    # kubectl's wording when a manifest uses a removed API (batch/v1beta1 CronJob after Kubernetes 1.25).
    h = diagnose("k8s", 'error: unable to recognize "cronjob.yaml": no matches for kind "CronJob" in version "batch/v1beta1"')
    assert h.category.value == "dependency_version"
    assert "batch/v1beta1" in h.cause


def test_any_api_404_is_only_a_version_hint() -> None:
    h = diagnose("k8s", "Error from server (NotFound): the server could not find the requested resource")
    assert h.category.value == "dependency_version" and h.confidence < 0.8


def test_a_pull_failure_the_kubelet_recovered_from_is_not_the_cause() -> None:
    # kubectl describe pod events, oldest first: one failed pull, then the image came and the container ran.
    log = ('Warning  Failed     5m   kubelet  Failed to pull image "acme/report:1.4": rpc error: code = Unknown desc = '
           'failed to pull and unpack image "docker.io/acme/report:1.4": 429 Too Many Requests - You have reached your pull rate limit\n'
           "Normal   Pulled     3m   kubelet  Successfully pulled image \"acme/report:1.4\" in 2.1s\n"
           "Normal   Started    3m   kubelet  Started container report")
    h = diagnose("k8s", log, {"reason": "OOMKilled", "exit_code": 137})
    assert h.category.value == "oom"
    cands = signatures.match(K8S, Evidence(log_text=log))
    assert all(c.hypothesis.confidence < 0.5 for c in cands if c.hypothesis.category.value == "image_pull")


def test_a_pod_that_was_scheduled_after_all_was_not_unschedulable() -> None:
    log = ("Warning  FailedScheduling  6m  default-scheduler  0/3 nodes are available: 3 Insufficient memory.\n"
           "Normal   Scheduled         4m  default-scheduler  Successfully assigned reports/nightly-report-28911-x7k2p to node-2\n"
           "Normal   Started           4m  kubelet            Started container report")
    h = diagnose("k8s", log)
    assert h.category.value == "other" or h.confidence < 0.5


def test_an_rbac_denial_wrapped_over_lines_is_still_rbac() -> None:
    # As pasted from a descheduler CronJob's log (keiretsu-labs/kubernetes-manifests#2206).
    log = ("failed to list *v1.PersistentVolumeClaim: persistentvolumeclaims is forbidden:\n"
           'User "system:serviceaccount:kube-system:descheduler-sa" cannot list resource\n'
           '"persistentvolumeclaims" in API group "" at the cluster scope\n')
    h = diagnose("k8s", log)
    assert h.category.value == "permissions_rbac" and h.signature == "k8s_rbac_forbidden"
    assert "descheduler-sa" in h.cause and "persistentvolumeclaims" in h.cause
    assert h.command.startswith("kubectl auth can-i list persistentvolumeclaims --as system:serviceaccount:kube-system:descheduler-sa")

"""Kubernetes Job failures, third breadth round (lines from public reports, URL above each): gRPC
`code = DeadlineExceeded` from CSI drivers and the runtime (not a Job deadline), CronJob runs the
controller missed, Helm hook Jobs that outlive Helm's timeout, device-plugin admission failures,
container runtimes that time out creating containers, and kubeconfig files that are not there."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case, diagnose

CASES = [
    # A CSI mount that timed out is a volume problem, not the Job's activeDeadlineSeconds:
    # https://github.com/rancher/rancher/issues/20485
    Case("csi_mount_grpc_deadline", "k8s",
         "  Warning  FailedAttachVolume      87s                attachdetach-controller  AttachVolume.Attach failed for volume "
         "\"k8s-pod-data\" : attachment timeout for volume k8s-pod-data\n"
         "  Normal   SuccessfulAttachVolume  78s                attachdetach-controller  AttachVolume.Attach succeeded for volume "
         "\"k8s-pod-data\"\n"
         "  Warning  FailedMount             55s                kubelet, fsn-w-node-1    MountVolume.SetUp failed for volume "
         "\"k8s-pod-data\" : rpc error: code = DeadlineExceeded desc = context deadline exceeded\n"
         "  Warning  FailedMount             21s (x6 over 54s)  kubelet, fsn-w-node-1    MountVolume.SetUp failed for volume "
         "\"k8s-pod-data\" : rpc error: code = Internal desc = mount failed: exit status 32",
         "scheduler_infra", ("k8s-pod-data",), ("kubectl describe pod",), 0.7, signature="k8s_volume_mount_failed"),
    # https://github.com/kubernetes/kubernetes/issues/77104
    Case("csi_attach_grpc_deadline", "k8s",
         "  Warning  FailedAttachVolume      3m (x4 over 3m)  attachdetach-controller   AttachVolume.Attach failed for volume "
         "\"pvc-20480633-6661-11e9-8227-3a8d7c0bb20e\" : rpc error: code = DeadlineExceeded desc = context deadline exceeded",
         "scheduler_infra", (), (), 0.7, signature="k8s_volume_mount_failed"),
    # https://github.com/longhorn/longhorn/issues/10670
    Case("csi_mount_device_grpc_deadline", "k8s",
         "MountVolume.MountDevice failed for volume \"paperless\" : rpc error: code = DeadlineExceeded desc = context deadline exceeded",
         "scheduler_infra", ("paperless",), (), 0.7, signature="k8s_volume_mount_failed"),
    # The Job condition itself still is a deadline: https://github.com/portworx/helm/pull/26
    Case("helm_hook_job_deadline", "k8s", "Error: Job failed: DeadlineExceeded",
         "timeout_deadline", (), (), 0.9, signature="k8s_deadline_exceeded"),
    # The CronJob controller's event (pkg/controller/cronjob/cronjob_controllerv2.go, `MissSchedule`), as quoted in
    # https://github.com/kubernetes/kubernetes/blob/master/pkg/controller/cronjob/cronjob_controllerv2.go
    Case("cronjob_missed_schedule", "k8s",
         "  Warning  MissSchedule  cronjob-controller  Missed scheduled time to start a job: Mon, 29 Jun 2026 02:00:00 +0000",
         "scheduler_infra", ("startingDeadlineSeconds", "29 Jun 2026"), ("kubectl describe cronjob nightly-report",), 0.7,
         signature="k8s_cronjob_missed_start"),
    # A hook Job still running when Helm's timeout ran out: https://github.com/sentry-kubernetes/charts/issues/379
    Case("helm_post_upgrade_hook_timeout", "k8s",
         "Upgrade \"sentry\" failed: post-upgrade hooks failed: timed out waiting for the condition",
         "timeout_deadline", ("post-upgrade", "--timeout"), ("kubectl describe job",), 0.7, signature="helm_hook_timeout"),
    # Fleet driving Helm: https://github.com/SUSE/suse-ai-up/issues/26
    Case("helm_pre_upgrade_hook_deadline", "k8s",
         "ErrApplied(1) [Cluster fleet-default/homelab: pre-upgrade hooks failed: context deadline exceeded]",
         "timeout_deadline", ("pre-upgrade",), (), 0.7, signature="helm_hook_timeout"),
    # Helm 2's Tiller: https://github.com/helm/helm/issues/2130
    Case("tiller_hook_could_not_complete", "k8s",
         "2017/06/23 00:24:03 client.go:699: old-helm-success-nginx: Jobs active: 1, jobs failed: 10, jobs succeeded: 0\n"
         "2017/06/23 00:24:05 release_server.go:959: warning: Release \"old-helm-success\" pre-upgrade "
         "nginx/templates/pre-upgrade-job.yaml could not complete: timed out waiting for the condition",
         "timeout_deadline", ("pre-upgrade",), (), 0.7, signature="helm_hook_timeout"),
    # A hook Job that failed (not timed out) stays a hint: its pods' logs say why: https://github.com/helm/helm/issues/10720
    Case("helm_hook_job_failed_is_a_hint", "k8s",
         "helm.go:88: [debug] post-upgrade hooks failed: job failed: BackoffLimitExceeded\nUPGRADE FAILED",
         "other", (), (), 0.0, 0.4),
    # A GPU lost on the node: https://github.com/kubernetes/kubernetes/issues/97131
    Case("device_plugin_gpu_lost", "k8s",
         "Message:        Pod Allocate failed due to device plugin GetPreferredAllocation rpc failed with err: rpc error: code = "
         "Unknown desc = Unable to retrieve list of available devices: error creating nvml.Device 5: nvml: GPU is lost, which is "
         "unexpected",
         "scheduler_infra", ("device plugin", "GPU is lost"), ("kubectl describe pod",), 0.75, signature="k8s_device_allocation_failed"),
    # The device plugin's server went away mid-allocation: https://github.com/Project-HAMi/HAMi/issues/71
    Case("device_plugin_unavailable", "k8s",
         "  Warning  UnexpectedAdmissionError  10s   kubelet  Allocate failed due to rpc error: code = Unavailable desc = error "
         "reading from server: EOF, which is unexpected",
         "scheduler_infra", ("UnexpectedAdmissionError",), (), 0.75, signature="k8s_device_allocation_failed"),
    # containerd timed out creating the container, then kept its name: https://github.com/containerd/containerd/issues/4604
    Case("runtime_create_timeout_then_name_reserved", "k8s",
         "  Normal   Scheduled  2m21s               default-scheduler  Successfully assigned ***-77c979f8bf-px4v9 to "
         "gke-***-389a7e33-t1hl\n"
         "  Warning  Failed     20s                 kubelet            Error: context deadline exceeded\n"
         "  Normal   Pulled     7s (x3 over 2m20s)  kubelet            Container image \"***\" already present on machine\n"
         "  Warning  Failed     7s (x2 over 19s)    kubelet            Error: failed to reserve container name "
         "***-77c979f8bf-px4v9_***\": name \"***-77c979f8bf-px4v9_***\" is reserved for "
         "\"818fcfef09165d91ac8c86ed88714bb159a8358c3eca473ec07611a51d72b140\"",
         "scheduler_infra", ("container runtime",), ("kubectl describe pod",), 0.75, signature="k8s_runtime_create_timeout"),
    # https://github.com/k3s-io/k3s/issues/7690
    Case("runtime_container_name_reserved", "k8s",
         "  Warning  Failed     21m (x2 over 22m)   kubelet            Error: failed to reserve container name "
         "\"homeassistant_homeassistant-58488865d6-sqfg9_default_bc1cc92e-0fce-43bf-91e9-91682563c3bf_0\": name "
         "\"homeassistant_homeassistant-58488865d6-sqfg9_default_bc1cc92e-0fce-43bf-91e9-91682563c3bf_0\" is reserved for "
         "\"6a37ff9b916561e21557c3f39e5b7b2c4f1a21c91c93cb8d86884ed9751f2f5b\"",
         "scheduler_infra", (), (), 0.75, signature="k8s_runtime_create_timeout"),
    # A Kubernetes client in a pod looking for a kubeconfig that is not there: https://github.com/linki/chaoskube/issues/38
    Case("kubeconfig_missing_in_pod", "k8s",
         "2017-08-22T21:47:40.214124368Z time=\"2017-08-22T21:47:40Z\" level=debug msg=\"Using current context from kubeconfig at "
         "/root/.kube/config.\"\n"
         "2017-08-22T21:47:40.214130887Z time=\"2017-08-22T21:47:40Z\" level=fatal msg=\"stat /root/.kube/config: no such file or "
         "directory\"",
         "missing_config_or_secret", ("/root/.kube/config",), (), 0.8),
    # https://github.com/jacobtomlinson/krontab/issues/1
    Case("kubeconfig_missing_panic", "k8s", "panic: stat /home/jovyan/.kube/config: no such file or directory",
         "missing_config_or_secret", ("/home/jovyan/.kube/config",), (), 0.8),
    # PodSecurityPolicy refusing a Job's pod: https://github.com/iovisor/kubectl-trace/issues/32
    Case("psp_refuses_job_pod", "k8s",
         "3s          Warning   FailedCreate   Job    Error creating: pods \"kubectl-trace-603733c8-17e6-11e9-aec8-c85b763781a4-\" "
         "is forbidden: unable to validate against any pod security policy: [spec.securityContext.hostPID: Invalid value: true: "
         "Host PID is not allowed to be used spec.volumes[1]: Invalid value: \"hostPath\": hostPath volumes are not allowed to be used]",
         "permissions_rbac", ("PodSecurityPolicy",), ("kubectl describe job",), 0.8, signature="k8s_psp_forbidden"),
    # https://github.com/oracle/weblogic-kubernetes-operator/issues/1868 (no policy at all for the service account)
    Case("psp_none_usable", "k8s",
         "Error creating: pods \"domain1-introspect-domain-job-\" is forbidden: unable to validate against any pod security policy: []",
         "permissions_rbac", (), (), 0.8, signature="k8s_psp_forbidden"),
    # https://github.com/kubernetes/minikube/issues/7314
    Case("psp_no_providers", "k8s",
         "type: 'Warning' reason: 'FailedCreate' Error creating: pods \"kube-proxy-\" is forbidden: no providers available to "
         "validate pod request",
         "permissions_rbac", (), (), 0.8, signature="k8s_psp_forbidden"),
    # The API server of the cluster a job talks to, down: https://github.com/kubernetes/website/issues/23389
    Case("api_server_refused_from_pod", "k8s",
         "The connection to the server 172.16.128.128:6443 was refused - did you specify the right host or port?",
         "dependency_unavailable", (), (), 0.7, signature="connection_refused"),
    # A podFailurePolicy FailJob rule: the Job controller's message, as the Kubernetes docs quote it
    # (https://github.com/kubernetes/website/blob/main/content/en/docs/tasks/job/pod-failure-policy.md): a hint, with the code.
    Case("pod_failure_policy_failjob", "k8s",
         "Warning  PodFailurePolicy  job-controller  Container main for pod default/job-pod-failure-policy-failjob-8ckj8 failed "
         "with exit code 42 matching FailJob rule at index 0",
         "other", ("podFailurePolicy", "code 42"), ("kubectl logs",), 0.0, 0.4),
    # The cluster autoscaler at its limits: https://github.com/kubernetes/autoscaler/issues/5692
    Case("autoscaler_max_node_group_size", "k8s",
         "pod didn't trigger scale-up: 12 node(s) didn't match Pod's node affinity/selector, 3 max node group size reached.",
         "resource_quota_scheduling", ("maximum size",), ("kubectl describe pod",), 0.8, signature="k8s_autoscaler_no_scale_up"),
    # https://github.com/kubernetes/autoscaler/issues/822
    Case("autoscaler_would_not_fit", "k8s", "pod didn't trigger scale-up (it wouldn't fit if a new node is added)",
         "resource_quota_scheduling", ("it wouldn't fit if a new node is added",), (), 0.8, signature="k8s_autoscaler_no_scale_up"),
    # An emptyDir over its sizeLimit, in the kubelet's wording (pkg/kubelet/eviction, introduced by
    # https://github.com/kubernetes/kubernetes/pull/45686 as `emptyDir usage exceeds the limit`)
    Case("emptydir_over_size_limit", "k8s",
         "Status:  Failed\nReason:  Evicted\nMessage: Usage of EmptyDir volume \"scratch\" exceeds the limit \"1Gi\".",
         "disk_full", ("1Gi",), (), 0.85, signature="k8s_evicted_disk"),
    # A chart whose CronJob name outgrew 52 characters: https://github.com/cockroachdb/helm-charts/pull/266
    Case("cronjob_name_over_52", "k8s",
         "Error: UPGRADE FAILED: failed to create resource: CronJob.batch \"<releaseName>-rotate-self-sign-client\" is invalid: "
         "metadata.name: Invalid value: \"<releaseName>-rotate-self-sign-client\": must be no more than 52 characters",
         "bad_code_or_bug", ("52",), (), 0.75, signature="k8s_name_too_long"),
    # https://github.com/alphagov/govuk-helm-charts/pull/3640
    Case("cronjob_name_over_52_quoted", "k8s",
         "\"Invalid value: \"search-api-v2-beta-features-report-clickstream-metrics\": must be no more than 52 characters\"",
         "bad_code_or_bug", (), (), 0.75, signature="k8s_name_too_long"),
    # Before CronJob names were validated, the Job the controller named was refused, wrapped as pasted:
    # https://github.com/kubernetes/kubernetes/issues/50850
    Case("job_name_label_over_63_wrapped", "k8s",
         "The Job \"100000000010000000001000000000100000000010000000001000000000100000000010000000000000000010000000000\"\n"
         " is invalid: spec.template.labels: Invalid value: \n"
         "\"100000000010000000001000000000100000000010000000001000000000100000000010000000000000000010000000000\": \n"
         "must be no more than 63 characters",
         "bad_code_or_bug", (), (), 0.75, signature="k8s_name_too_long"),
    # An entrypoint copied into the image without its execute bit:
    # https://github.com/GoogleCloudPlatform/gke-fleet-management/pull/97
    Case("entrypoint_not_executable_containerd", "k8s",
         "Error: failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: "
         "unable to start container process: error during container init: exec: \"/usr/sbin/membership-to-clusterprofile.sh\": "
         "permission denied",
         "bad_code_or_bug", ("/usr/sbin/membership-to-clusterprofile.sh", "chmod +x"), ("kubectl describe pod",), 0.8,
         signature="k8s_entrypoint_not_executable"),
    # Docker's older wording: https://github.com/kubernetes/kubernetes/issues/72612
    Case("entrypoint_not_executable_docker", "k8s",
         "container_linux.go:265: starting container process caused \"exec: \\\"/opt/mqtt-kube-operator\\\": permission denied\"",
         "bad_code_or_bug", ("/opt/mqtt-kube-operator",), (), 0.8, signature="k8s_entrypoint_not_executable"),
    # https://github.com/seglo/kafka-lag-exporter/issues/431
    Case("entrypoint_not_executable_std_init", "k8s", "standard_init_linux.go:228: exec user process caused: permission denied",
         "bad_code_or_bug", (), (), 0.8, signature="k8s_entrypoint_not_executable"),
    # A malformed CronJob schedule refused by the API server: https://github.com/hmcts/cnp-flux-config/pull/18036
    Case("cronjob_schedule_four_fields", "k8s",
         "release 'sscs-case-loader' in namespace 'sscs' failed: installation failed: CronJob.batch \"sscs-case-loader-job\" is "
         "invalid: spec.schedule: Invalid value: \"0 2-7/1 * *\": expected exactly 5 fields, found 4: [0 2-7/1 * *]",
         "bad_code_or_bug", ("0 2-7/1 * *", "expected exactly 5 fields"), ("kubectl describe cronjob",), 0.7,
         signature="k8s_cronjob_bad_schedule"),
    # https://github.com/alphagov/govuk-helm-charts/pull/3636
    Case("cronjob_schedule_unknown_descriptor", "k8s",
         "one or more objects failed to apply, reason: CronJob.batch \"govuk-e2e-tests\" is invalid: spec.schedule: Invalid value: "
         "\"@never\": unrecognized descriptor: @never",
         "bad_code_or_bug", ("@never",), (), 0.7, signature="k8s_cronjob_bad_schedule"),
    # The controller's own event for a schedule it cannot parse (pkg/controller/cronjob/cronjob_controllerv2.go:
    # "this is likely a user error in defining the spec value")
    Case("cronjob_unparseable_schedule_event", "k8s",
         "  Warning  UnparseableSchedule  cronjob-controller  unparseable schedule: \"*/5 * * *\" : expected exactly 5 fields, "
         "found 4: */5 * * *",
         "bad_code_or_bug", ("*/5 * * *",), (), 0.7, signature="k8s_cronjob_bad_schedule"),
    # kubectl with an exec credential plugin the job cannot find: https://github.com/actions-hub/kubectl/issues/16
    Case("credential_plugin_aws_not_found", "k8s",
         "Unable to connect to the server: getting credentials: exec: executable aws not found\n\n"
         "It looks like you are trying to use a client-go credential plugin that is not installed.",
         "missing_config_or_secret", ("aws", "image"), (), 0.8, signature="k8s_credential_plugin_missing"),
    # The older wording: https://github.com/kubernetes-sigs/aws-iam-authenticator/issues/88
    Case("credential_plugin_heptio_not_in_path", "k8s",
         "Unable to connect to the server: getting token: exec: exec: \"heptio-authenticator-aws\": executable file not found in $PATH",
         "missing_config_or_secret", ("heptio-authenticator-aws",), (), 0.8, signature="k8s_credential_plugin_missing"),
    # Inside a tool's log line: https://github.com/litmuschaos/github-chaos-actions/issues/25
    Case("credential_plugin_gke_in_log", "k8s",
         "time=\"2022-10-05T10:34:03Z\" level=info msg=\"exit status 1: Unable to connect to the server: getting credentials: exec: "
         "exec: \\\"gke-gcloud-auth-plugin\\\": executable file not found in $PATH\\n\"",
         "missing_config_or_secret", ("gke-gcloud-auth-plugin",), (), 0.8, signature="k8s_credential_plugin_missing"),
    # The kubelet could not read a ConfigMap it mounts in time (the object exists): https://github.com/k3s-io/k3s/issues/3798
    Case("kubelet_configmap_cache_timeout", "k8s",
         "2m19s Warning FailedMount pod/runner-zyre3u7o-project-27279747-concurrent-092vpc MountVolume.SetUp failed for volume "
         "\"scripts\" : failed to sync configmap cache: timed out waiting for the condition",
         "scheduler_infra", (), ("kubectl describe pod",), 0.7),
    # The same for a Secret the container's env reads, as the waiting state's message:
    # https://github.com/dagster-io/dagster/pull/4505 ('message': 'failed to sync secret cache: timed out waiting for the condition')
    Case("kubelet_secret_cache_timeout_env", "k8s", "", "scheduler_infra", ("not a missing secret",), (), 0.7,
         status={"waiting_reason": "CreateContainerConfigError",
                 "waiting_message": "failed to sync secret cache: timed out waiting for the condition"},
         signature="k8s_kubelet_cache_sync"),
    # A kubelet subPath regression: https://github.com/kubernetes/kubernetes/issues/61178
    Case("subpath_prepare_failed", "k8s",
         "Warning  Failed                 41s                kubelet, ip-172-23-12-44.eu-west-1.compute.internal  Error: failed "
         "to prepare subPath for volumeMount \"flannel-net-conf\" of container \"kube-flannel\"",
         "scheduler_infra", ("flannel-net-conf",), (), 0.7, signature="k8s_volume_mount_failed"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_kubernetes_breadth3(case: Case) -> None:
    check_case(case)


@pytest.mark.parametrize("log", [
    # Job conditions and events keep their meaning.
    "Warning  DeadlineExceeded  2m  job-controller  Job was active longer than specified deadline",
    "    Reason:       DeadlineExceeded",
])
def test_a_job_deadline_is_still_a_deadline(log: str) -> None:
    h = diagnose("k8s", log)
    assert h.category.value == "timeout_deadline" and h.signature == "k8s_deadline_exceeded"


@pytest.mark.parametrize("log", [
    # gRPC status codes in a CSI driver's or a client library's error are one call timing out.
    "failed to attach: rpc error: code = DeadlineExceeded desc = volume pvc-51bfe690 failed to attach to node",
    "google.api_core.exceptions.DeadlineExceeded: 504 Deadline Exceeded",
    "status = StatusCode.DEADLINE_EXCEEDED, details = \"Deadline Exceeded\", grpc: code: DeadlineExceeded",
])
def test_a_grpc_deadline_is_not_a_job_deadline(log: str) -> None:
    assert diagnose("k8s", log).signature != "k8s_deadline_exceeded"


def test_a_missed_schedule_after_a_skipped_overlap_is_the_overlap() -> None:
    h = diagnose("k8s",
                 "  Normal   JobAlreadyActive  1m  cronjob-controller  Not starting job because prior execution is running and "
                 "concurrency policy is Forbid\n"
                 "  Warning  MissSchedule  0s  cronjob-controller  Missed scheduled time to start a job: Mon, 29 Jun 2026 02:00:00 +0000")
    assert h.category.value == "overlap_concurrency"


def test_an_image_without_the_nodes_platform_says_so() -> None:
    # containerd's wording when a tag has no variant for the node's architecture (an amd64-only image on arm64 nodes)
    h = diagnose("k8s", "Failed to pull image \"registry/app:1.0\": rpc error: code = NotFound desc = failed to pull and unpack "
                        "image \"registry/app:1.0\": no match for platform in manifest: not found")
    assert h.category.value == "image_pull" and "platform" in h.cause


def test_a_deadline_after_the_jobs_container_completed_names_the_sidecar() -> None:
    # The established cause of https://github.com/istio/istio/issues/11045 (istio-proxy keeps a Job's pod running after
    # its container completes), as the collector's fact lines state it (triage/sources/kube/facts.py: running
    # containers get no line).
    facts = {"facts": ["Job nightly-report-28911 failed: DeadlineExceeded: Job was active longer than specified deadline",
                       "Pod nightly-report-28911-x7k2p container main state terminated: reason=Completed exitCode=0"]}
    h = diagnose("k8s", "", facts)
    assert h.category.value == "timeout_deadline" and "sidecar" in h.cause and "main" in h.cause


def test_a_deadline_in_a_job_of_several_pods_does_not_blame_a_sidecar() -> None:
    facts = {"facts": ["Job n failed: DeadlineExceeded: Job was active longer than specified deadline",
                       "Pod n-a container main state terminated: reason=Completed exitCode=0",
                       "Pod n-b container main state terminated: reason=Error exitCode=137"]}
    assert "sidecar" not in diagnose("k8s", "", facts).cause

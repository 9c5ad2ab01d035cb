"""Kubernetes failures as the kubelet, scheduler, controllers and API server print them (lines from
public reports, URL above each): FailedMount, webhooks that are down, missing service accounts,
volume affinity."""

from __future__ import annotations

import pytest

from tests.signatures.support import diagnose


@pytest.mark.parametrize("log,secret", [
    # https://github.com/jaconi-io/helm-charts/issues/50
    ('Warning  FailedMount  98s (x1198 over 40h)  kubelet  MountVolume.SetUp failed for volume "certs" : secret "coturn" not found',
     "coturn"),
    # https://github.com/tmforum-oda/oda-canvas/issues/24 (the generic timeout lines come first)
    ("  Warning  FailedMount  8m56s (x3 over 13m)  kubelet            Unable to attach or mount volumes: unmounted volumes=[secret-volume], "
     "unattached volumes=[secret-volume kube-api-access-pfqc5]: timed out waiting for the condition\n"
     '  Warning  FailedMount  86s (x16 over 17m)   kubelet            MountVolume.SetUp failed for volume "secret-volume" : secret '
     '"compcrdwebhook-secret" not found', "compcrdwebhook-secret"),
    # https://github.com/matt-deboer/kuill/issues/83
    ('MountVolume.SetUp failed for volume "auth-proxy-certs" : secrets "auth-proxy-certs" not found', "auth-proxy-certs"),
    # https://github.com/DEVmachine-fr/cert-manager-alidns-webhook/issues/32
    ("  Normal   Scheduled    44s                default-scheduler  Successfully assigned cert-manager/alidns-webhook-79f76779c7-8chd8 to k3s-02\n"
     '  Warning  FailedMount  11s (x7 over 43s)  kubelet            MountVolume.SetUp failed for volume "certs" : secret '
     '"alidns-webhook-webhook-tls" not found', "alidns-webhook-webhook-tls"),
])
def test_a_volume_whose_secret_is_missing_is_the_missing_secret(log: str, secret: str) -> None:
    h = diagnose("k8s", log)
    assert h.category.value == "missing_config_or_secret" and h.confidence >= 0.85
    assert h.command == f"kubectl get secret {secret} -n reports"


@pytest.mark.parametrize("log,service", [
    # https://github.com/spinframework/spin-operator/issues/179
    ('Internal error occurred: failed calling webhook "mspinapp.kb.io": failed to call webhook: Post "https://spin-operator-webhook-service'
     '.spin-operator.svc:443/mutate-core-spinoperator-dev-v1alpha1-spinapp?timeout=10s": no endpoints available for service '
     '"spin-operator-webhook-service"', "spin-operator-webhook-service -n spin-operator"),
    # https://github.com/elastic/cloud-on-k8s/issues/1114 (older wording, URL not quoted)
    ('Internal error occurred: failed calling webhook "validation.elasticsearch.elastic.co": Post https://elastic-webhook-service.'
     'elastic-system.svc:443/validate-elasticsearches?timeout=30s: no endpoints available for service "elastic-webhook-service"',
     "elastic-webhook-service -n elastic-system"),
    # https://github.com/kyverno/kyverno/issues/2869
    ('Error from server (InternalError): Internal error occurred: failed calling webhook "validate.kyverno.svc-fail": Post '
     '"https://kyverno-svc.kyverno.svc:443/validate?timeout=10s": context deadline exceeded', "kyverno-svc -n kyverno"),
    # https://github.com/kube-green/kube-green/issues/113
    ('Error from server (InternalError): error when creating "sleep.yaml": Internal error occurred: failed calling webhook '
     '"vsleepinfo.kb.io": Post "https://kube-green-webhook-service.kube-green.svc:443/validate-kube-green-com-v1alpha1-sleepinfo'
     '?timeout=10s": context deadline exceeded', "kube-green-webhook-service -n kube-green"),
    # https://github.com/rabbitmq/messaging-topology-operator/issues/303
    ('Internal error occurred: failed calling webhook "vuser.kb.io": Post "https://webhook-service.test.svc:443/validate-rabbitmq-com-'
     'v1beta1-user?timeout=10s": context deadline exceeded', "webhook-service -n test"),
])
def test_an_unreachable_admission_webhook_is_checked_at_its_service(log: str, service: str) -> None:
    h = diagnose("k8s", log)
    assert h.category.value == "dependency_unavailable" and h.signature == "k8s_webhook_unavailable"
    assert h.confidence >= 0.8
    assert h.command == f"kubectl get endpoints {service}"


@pytest.mark.parametrize("log,command", [
    # https://github.com/keras-team/kinetic/issues/286
    ('Error creating: pods "kinetic-job-5cee2b49-" is forbidden: error looking up service account default/kinetic: serviceaccount '
     '"kinetic" not found"', "kubectl get serviceaccount kinetic -n default"),
    # https://github.com/kubernetes/kubernetes/issues/100726 (controller-manager log of the Job's FailedCreate event)
    ('I0331 21:39:05.545705       1 event.go:291] "Event occurred" object="default/fluffy" kind="Job" apiVersion="batch/v1" '
     'type="Warning" reason="FailedCreate" message="Error creating: pods \\"fluffy-\\" is forbidden: error looking up service account '
     'default/idontexist: serviceaccount \\"idontexist\\" not found"', "kubectl get serviceaccount idontexist -n default"),
    # https://github.com/rancherlabs/support-tools/pull/262 (a CronJob in kube-system)
    ('FailedCreate\nError creating: pods "cleanup-evicted-pods-28516020-" is forbidden: error looking up service account '
     'kube-system/rke-job-deployer: serviceaccount "rke-job-deployer" not found', "kubectl get serviceaccount rke-job-deployer -n kube-system"),
    # https://github.com/kubernetes/kubernetes/issues/26457 (older API server wording)
    ('Error from server: error when creating "foo.json": pods "blahblah" is forbidden: service account default/default was not found, '
     "retry after the service account is created", "kubectl get serviceaccount default -n default"),
])
def test_a_missing_service_account_is_looked_up_where_the_api_server_looked(log: str, command: str) -> None:
    h = diagnose("k8s", log)
    assert h.category.value == "missing_config_or_secret" and h.signature == "k8s_service_account_missing"
    assert h.command == command


@pytest.mark.parametrize("log", [
    # https://github.com/kubernetes/kubernetes/issues/81020
    "0/5 nodes are available: 1 node(s) had volume node affinity conflict, 4 node(s) didn't match node selector",
    # https://github.com/yugabyte/yugabyte-db/pull/20349
    "0/10 nodes are available: 3 node(s) had volume node affinity conflict, 7 node(s) didn't match Pod's node affinity/selector. "
    "preemption: 0/10 nodes are available: 10 Preemption is not helpful for scheduling..",
])
def test_a_volume_node_affinity_conflict_points_at_the_volume(log: str) -> None:
    h = diagnose("k8s", log)
    assert h.category.value == "resource_quota_scheduling"
    assert "PersistentVolume" in h.cause
    assert h.command == "kubectl get pvc -n reports"


def test_unbound_claims_then_affinity_conflict_is_scheduling() -> None:
    # https://github.com/minio/directpv/issues/100
    log = ("  Warning  FailedScheduling  <unknown>        0/4 nodes are available: 4 pod has unbound immediate PersistentVolumeClaims.\n"
           "  Warning  FailedScheduling  <unknown>        0/4 nodes are available: 4 node(s) had volume node affinity conflict.")
    h = diagnose("k8s", log)
    assert h.category.value == "resource_quota_scheduling"


@pytest.mark.parametrize("log,says", [
    # https://github.com/hjacobs/kube-ops-view/issues/176
    ('Normal Pulling 18s (x2 over 37s) kubelet, kworker2 pulling image "hjacobs/kube-ops-view:0.8.1"\n'
     'Warning Failed 18s (x2 over 37s) kubelet, kworker2 Failed to pull image "hjacobs/kube-ops-view:0.8.1": rpc error: code = Unknown '
     "desc = Error response from daemon: Get https://registry-1.docker.io/v2/: dial tcp: lookup registry-1.docker.io on 127.0.0.53:53: "
     "server misbehaving\nWarning Failed 18s (x2 over 37s) kubelet, kworker2 Error: ErrImagePull\n"
     'Normal BackOff 2s (x4 over 34s) kubelet, kworker2 Back-off pulling image "hjacobs/kube-ops-view:0.8.1"\n'
     "Warning Failed 2s (x4 over 34s) kubelet, kworker2 Error: ImagePullBackOff", "could not resolve the registry host registry-1.docker.io"),
    # https://github.com/enix/kube-image-keeper/issues/60
    ('0s   Warning   Failed   pod/xxx-xxx-redis-68f67dbcc8-z7c6m   Failed to pull image "localhost:7439/docker.io/xxxsoftware/xxx-redis:2023.1.2": '
     'rpc error: code = Unknown desc = failed to pull and unpack image "localhost:7439/docker.io/xxxsoftware/xxx-redis:2023.1.2": failed to '
     'resolve reference "localhost:7439/docker.io/xxxsoftware/xxx-redis:2023.1.2": failed to do request: Head "https://localhost:7439/v2/'
     'docker.io/xxxsoftware/xxx-redis/manifests/2023.1.2": http: server gave HTTP response to HTTPS client\n'
     "0s   Warning   Failed   pod/xxx-xxx-redis-68f67dbcc8-z7c6m   Error: ErrImagePull", "plain HTTP"),
    # https://github.com/kubernetes/kubernetes/issues/43924
    ('Warning\t\tFailed\t\tFailed to pull image "10.78.0.228:5000/monitorms": Error response from daemon: {"message":"Get '
     'https://10.78.0.228:5000/v1/_ping: x509: certificate signed by unknown authority"}', "does not trust the registry"),
    # https://github.com/kubernetes/minikube/issues/12944
    ('  Warning  Failed   17h (x26 over 19h)     kubelet  Failed to pull image "selenium/hub": rpc error: code = Unknown desc = Error '
     'response from daemon: Get "https://registry-1.docker.io/v2/": x509: certificate signed by unknown authority\n'
     '  Normal   Pulling  17h (x29 over 19h)     kubelet  Pulling image "selenium/hub"\n'
     '  Normal   BackOff  4m40s (x701 over 19h)  kubelet  Back-off pulling image "selenium/hub"', "does not trust the registry"),
    # https://github.com/kubernetes/community/issues/760
    ('Failed to pull image "registry.<myip>.nip.io/ms-accounts:0.0.1": rpc error: code = 2 desc = Error response from daemon: '
     '{"message":"Get https://registry.<myip>.nip.io/v1/_ping: x509: certificate signed by unknown authority"}', "does not trust the registry"),
])
def test_an_image_pull_failure_says_why_the_registry_was_unreachable(log: str, says: str) -> None:
    h = diagnose("k8s", log)
    assert h.category.value == "image_pull" and h.signature == "k8s_image_pull_backoff"
    assert says in h.cause, h.cause


@pytest.mark.parametrize("source,log,signature", [
    # https://github.com/hmcts/cnp-flux-config/pull/2122
    ("k8s", 'Error from server (Forbidden): error when creating "test.yaml": pods "test-pod" is forbidden: exceeded quota: money-claims-quota, '
            "requested: requests.cpu=20,requests.memory=60Gi, used: requests.cpu=32575m,requests.memory=90368Mi, limited: "
            "requests.cpu=50,requests.memory=140Gi", "k8s_quota_exceeded"),
    # https://github.com/packit/sandcastle/pull/40 (the API error body as a Python client prints it)
    ("k8s", 'HTTP response body: {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"docker-io-usercont-'
            'sandcastle-20191120-162402686738\\" is forbidden: exceeded quota: 74746f6d6563656b407265646861742e636f6d-timebound, requested: '
            'limits.memory=512Mi, used: limits.memory=2Gi, limited: limits.memory=2Gi","reason":"Forbidden","code":403}', "k8s_quota_exceeded"),
    # https://github.com/apache/airflow/issues/10722 (KubernetesPodOperator's sidecar without requests)
    ("airflow", 'HTTP response body: {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"xyz..\\" is '
                'forbidden: failed quota: default: must specify requests.memory","reason":"Forbidden","code":403}', "k8s_quota_exceeded"),
    # https://github.com/openshift-qe/v3-testfiles/pull/646
    ("k8s", 'Error from server (Forbidden): error when creating "caddy-docker.json": pods "caddy-docker" is forbidden: [minimum memory usage '
            "per Pod is 204Mi, but request is 209715200., minimum memory usage per Container is 204Mi, but request is 200Mi.]", "k8s_limit_range"),
])
def test_quota_and_limit_range_refusals(source: str, log: str, signature: str) -> None:
    h = diagnose(source, log)
    assert h.category.value == "resource_quota_scheduling" and h.signature == signature


@pytest.mark.parametrize("log", [
    # https://github.com/kubernetes/kubernetes/issues/112927
    "Message:        The node was low on resource: memory. Container citadel was using 43536Ki, which exceeds its request of 0.",
    # https://github.com/openshift/release/pull/76967 (newer kubelet wording over two lines)
    "The node was low on resource: memory. Threshold quantity: 100Mi, available: 87608Ki. \n"
    "Container dptp-controller-manager was using 48458972Ki, request is 15Gi, has larger consumption of memory. ",
    # https://github.com/FederatedAI/KubeFATE/issues/64
    "4m11s       Warning   Evicted               pod/egg-1    The node was low on resource: memory. Container egg was using 5053216Ki, "
    "which exceeds its request of 0.\n4m11s       Normal    Killing               pod/egg-1    Stopping container egg",
])
def test_a_memory_pressure_eviction_is_memory(log: str) -> None:
    h = diagnose("k8s", log)
    assert h.category.value == "oom" and h.signature == "k8s_evicted_memory"

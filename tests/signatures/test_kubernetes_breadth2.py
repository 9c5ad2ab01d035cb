"""Kubernetes Job failures, second breadth round (lines from public reports, URL above each): the
kubelet's own admission rejections, OpenShift SCCs, Jobs left over from an earlier deploy, and the
backup jobs of operators (Velero, CloudNativePG, the Zalando postgres-operator, etcd snapshots)."""

from __future__ import annotations

import pytest

from tests.signatures.support import diagnose


@pytest.mark.parametrize("log", [
    # https://github.com/red-hat-storage/ocs-ci/issues/12362 (`kubectl describe pod`)
    "Status:           Failed\n"
    "Reason:           OutOfcpu\n"
    "Message:          Pod was rejected: Node didn't have enough resource: cpu, requested: 150, used: 11388, capacity: 11500",
    # https://github.com/neondatabase/autoscaling/issues/374 (the pod's events)
    "  Normal   Scheduled         43m   autoscale-scheduler  Successfully assigned default/vm-stress-0050-dz557 to "
    "i-08d5967318f466dd4.eu-west-1.compute.internal\n"
    "  Warning  OutOfcpu          43m   kubelet              Node didn't have enough resource: cpu, requested: 1000, "
    "used: 94939, capacity: 95690",
    # https://github.com/volcano-sh/volcano/issues/2700 (the pod's status)
    "                message: 'Pod Node didn''t have enough resource: cpu, requested: 56033, used: 34036, capacity: 90000'\n"
    "                phase: Failed\n"
    "                reason: OutOfcpu",
])
def test_a_pod_the_kubelet_rejected_for_lack_of_cpu_is_scheduling(log: str) -> None:
    h = diagnose("k8s", log)
    assert h.category.value == "resource_quota_scheduling" and h.signature == "k8s_node_admission_out_of_resource"
    assert "cpu" in h.cause and h.confidence >= 0.8
    assert h.command == "kubectl describe pod nightly-report-28911-x7k2p -n reports"


@pytest.mark.parametrize("log", [
    # https://github.com/longhorn/longhorn/issues/6930
    "Status:           Failed\nReason:           NodeAffinity\nMessage:          Pod was rejected: Predicate NodeAffinity failed",
    # https://github.com/flyteorg/flyte/issues/3958 (a preempted GKE node recreated under the same name)
    "[1/1] currentAttempt done. Last Error: USER::Pod Predicate NodeAffinity failed",
])
def test_a_pod_rejected_by_the_kubelets_affinity_check_is_the_node(log: str) -> None:
    h = diagnose("k8s", log)
    assert h.category.value == "scheduler_infra" and h.signature == "k8s_node_admission_predicate"
    assert "NodeAffinity" in h.cause and 0.6 <= h.confidence < 0.8


@pytest.mark.parametrize("log", [
    # https://github.com/aquasecurity/starboard/issues/510
    'Error creating: pods "scan-configauditreport-75c79bdcbb-" is forbidden: unable to validate against any security context '
    "constraint: [spec.containers[0].securityContext.runAsUser: Invalid value: 1000: must be in the ranges: [1000630000, 1000639999]]",
    # https://github.com/cockroachdb/cockroach-operator/issues/479 (the Job's FailedCreate event)
    '33s         Warning   FailedCreate       job/crdb-vcheck-27001178     Error creating: pods "crdb-vcheck-27001178-" is forbidden: '
    "unable to validate against any security context constraint: [provider restricted: .spec.securityContext.fsGroup: Invalid "
    "value: []int64{10001}: 10001 is not an allowed group spec.containers[0].securityContext.runAsUser: Invalid value: 10001: "
    "must be in the ranges: [1000620000, 1000629999]]",
    # https://github.com/aquasecurity/starboard/issues/871
    '3m25s       Warning   FailedCreate        job/scan-cisbenchmark-6bcf4ddc9c           Error creating: pods '
    '"scan-cisbenchmark-6bcf4ddc9c-" is forbidden: unable to validate against any security context constraint: [provider '
    '"anyuid": Forbidden: not usable by user or serviceaccount, provider restricted: .spec.securityContext.hostPID: Invalid '
    'value: true: Host PID is not allowed to be used, spec.volumes[0]: Invalid value: "hostPath": hostPath volumes are not '
    "allowed to be used",
])
def test_an_openshift_scc_refusal_is_a_permission_problem(log: str) -> None:
    h = diagnose("k8s", log)
    assert h.category.value == "permissions_rbac" and h.signature == "k8s_scc_forbidden"
    assert "SecurityContextConstraints" in h.cause and h.confidence >= 0.85
    assert h.command == "kubectl describe job nightly-report-28911 -n reports"


@pytest.mark.parametrize("log,job", [
    # https://github.com/helm/helm/issues/11188
    ('Error: failed pre-install: warning: Hook pre-install dotnet-gitlab-kube116/templates/pre-install-job.yaml failed: jobs.batch '
     '"name-service" already exists', "name-service"),
    # https://github.com/treeverse/charts/issues/140 (a migrate Job left by an interrupted earlier upgrade)
    ('Error: UPGRADE FAILED: pre-upgrade hooks failed: warning: Hook pre-upgrade lakefs/templates/job.yaml failed: jobs.batch '
     '"example-lakefs-migrate" already exists', "example-lakefs-migrate"),
    # https://github.com/helm/helm/issues/8101
    ("Reason: Error: UPGRADE FAILED: post-upgrade hooks failed: warning: Hook post-upgrade build/charts/minio/templates/"
     'post-install-create-bucket-job.yaml failed: jobs.batch "minio-make-bucket-job" already exists', "minio-make-bucket-job"),
    # https://github.com/deis/workflow/issues/634
    ('Fetched deis/workflow to workflow-v2.9.0.tgz\nError: UPGRADE FAILED: jobs.batch "deis-upgrade" already exists', "deis-upgrade"),
])
def test_a_job_left_over_from_an_earlier_run_blocks_the_new_one(log: str, job: str) -> None:
    h = diagnose("k8s", log)
    assert h.category.value == "overlap_concurrency" and h.signature == "k8s_job_already_exists"
    assert job in h.cause and h.confidence >= 0.8
    assert h.command == f"kubectl describe job {job} -n reports"


@pytest.mark.parametrize("log,job", [
    # https://github.com/apache/pulsar-helm-chart/issues/67 (the message wrapped over two lines)
    ('Error: UPGRADE FAILED: cannot patch "pulsar-bookie-init" with kind Job: Job.batch "pulsar-bookie-init" is invalid: spec.template:\n'
     "... : field is immutable", "pulsar-bookie-init"),
    # https://github.com/newrelic/helm-charts/issues/248 (the start of the line; the template dump runs on for pages)
    ('UPGRADE FAILED: cannot patch "newrelic-bundle-nri-metadata-injection-job" with kind Job: Job.batch '
     '"newrelic-bundle-nri-metadata-injection-job" is invalid: spec.template: Invalid value: core.PodTemplateSpec{ObjectMeta:'
     'v1.ObjectMeta{Name:"", GenerateName:"", Namespace:"", SelfLink:"", UID:"", ResourceVersion:"", Generation:0, '
     "CreationTimestamp:v1.Time{Time:time.Time{wall:0x0, ext:0, loc:(*time.Location)(nil)}}",
     "newrelic-bundle-nri-metadata-injection-job"),
])
def test_a_deploy_that_changes_an_existing_job_is_the_charts_bug(log: str, job: str) -> None:
    h = diagnose("k8s", log)
    assert h.category.value == "bad_code_or_bug" and h.signature == "k8s_job_template_immutable"
    assert "immutable" in h.cause and job in h.cause
    assert h.command == f"kubectl describe job {job} -n reports"


@pytest.mark.parametrize("log,resource", [
    # https://github.com/velero-io/velero/issues/6419
    ('time="2023-06-22T05:12:56Z" level=info msg="1 errors encountered backup up item" backup=edc/sec-postgres-daily-20230622044255 '
     'logSource="pkg/backup/backup.go:427" name= edc-postgres-postgresql-58497dcf46-87vvn\n'
     'time="2023-06-22T05:12:56Z" level=error msg="Error backing up item" backup= edc / sec -postgres-daily-20230622044255 '
     'error="timed out waiting for all PodVolumeBackups to complete" error.file="/go/src/github.com/vmware-tanzu/velero/pkg/restic/'
     'backupper.go:172" error.function="github.com/vmware-tanzu/velero/pkg/restic.(*backupper).BackupPodVolumes" '
     'logSource="pkg/backup/backup.go:431" name= edc-postgres-postgresql-58497dcf46-87vvn', "PodVolumeBackups"),
    # https://github.com/velero-io/velero/issues/1515 (a large disk, podVolumeOperationTimeout too short)
    ('time="2019-05-21T22:14:45Z" level=info msg="Backup completed with errors: timed out waiting for all PodVolumeBackups to complete" '
     'backup=velero/jenkins1 logSource="pkg/backup/backup.go:297"', "PodVolumeBackups"),
    # https://github.com/velero-io/velero/issues/8723 (JSON log format)
    ('{\n  "backup": "infra-velero/velero-cluster-full-backups-20250224013036",\n  "level": "error",\n'
     '  "logSource": "pkg/podvolume/backupper.go:372",\n  "msg": "timed out waiting for all PodVolumeBackups to complete",\n'
     '  "time": "2025-02-24T23:19:25Z"\n}', "PodVolumeBackups"),
])
def test_a_velero_pod_volume_backup_that_ran_out_of_time_is_a_timeout(log: str, resource: str) -> None:
    h = diagnose("k8s", log)
    assert h.category.value == "timeout_deadline" and h.signature == "velero_pod_volume_timeout"
    assert h.confidence >= 0.8
    assert h.command == f"kubectl get {resource} -A"


@pytest.mark.parametrize("log,signature,says", [
    # https://github.com/vmware-tanzu/helm-charts/issues/366
    ('time="2022-04-28T05:49:43Z" level=error msg="No backup storage locations found, at least one is required" controller=backup-sync '
     'error="no backup storage locations found" error.file="/go/src/github.com/vmware-tae/storagelocation.go:93" '
     'error.function=github.com/vmware-tanzu/velero/internal/storage.ListBackupStorageLocations '
     'logSource="pkg/controller/backup_sync_controller.go:129"', "velero_no_backup_location", "no BackupStorageLocation"),
    # https://github.com/vmware-tanzu/helm-charts/issues/168 (the AWS plugin initContainer dropped by a chart upgrade)
    ('ERRO[0021] Error getting backup store for this location  backupLocation=default controller=backup-sync error="unable to locate '
     'ObjectStore plugin named velero.io/aws" logSource="pkg/controller/backup_sync_controller.go:168"', "velero_plugin_missing",
     "velero.io/aws"),
])
def test_a_velero_backup_with_nowhere_to_go_is_missing_configuration(log: str, signature: str, says: str) -> None:
    h = diagnose("k8s", log)
    assert h.category.value == "missing_config_or_secret" and h.signature == signature
    assert says in h.cause and h.confidence >= 0.8
    assert h.command == "kubectl get backupstoragelocations -A"


def test_a_cnpg_backup_of_a_cluster_without_a_backup_section_is_missing_configuration() -> None:
    # https://github.com/cloudnative-pg/cloudnative-pg/issues/8445 (`kubectl get backups` after moving to the plugin)
    log = ("postgresql-v36-daily-2am-20250827020000   15h     postgresql-v36   barmanObjectStore   failed      cannot proceed with the "
           "backup as the cluster has no backup section")
    h = diagnose("k8s", log)
    assert h.category.value == "missing_config_or_secret" and h.signature == "cnpg_backup_not_configured"
    assert h.command == "kubectl get backups.postgresql.cnpg.io -n reports"


@pytest.mark.parametrize("log,major", [
    # https://github.com/zalando/postgres-operator/pull/2891 (logical-backup image older than Postgres 17)
    ("+ '[' s3 == az ']'\n+ dump\n+ /usr/lib/postgresql/17/bin/pg_dumpall\n+ compress\n+ pigz\n+ upload\n+ case $LOGICAL_BACKUP_PROVIDER in\n"
     "/dump.sh: line 40: /usr/lib/postgresql/17/bin/pg_dumpall: No such file or directory\n++ estimate_size\n"
     "++ /usr/lib/postgresql/17/bin/psql -tqAc 'select sum(pg_database_size(datname)::numeric) from pg_database;'\n"
     "/dump.sh: line 35: /usr/lib/postgresql/17/bin/psql: No such file or directory\n"
     '/dump.sh: line 134: / DUMP_SIZE_COEFF: syntax error: operand expected (error token is "/ DUMP_SIZE_COEFF")', "17"),
    # https://github.com/zalando/postgres-operator/issues/790 (the same with Postgres 12)
    ("+ dump\n+ /usr/lib/postgresql//12/bin/pg_dumpall\n+ compress\n+ pigz\n"
     "/dump.sh: line 23: /usr/lib/postgresql//12/bin/pg_dumpall: No such file or directory\n++ estimate_size\n"
     "++ /usr/lib/postgresql//12/bin/psql -tqAc 'select sum(pg_database_size(datname)::numeric) from pg_database;'", "12"),
])
def test_a_backup_image_without_the_servers_postgres_client_is_a_version_problem(log: str, major: str) -> None:
    h = diagnose("k8s", log)
    assert h.category.value == "dependency_version" and h.signature == "pg_client_major_missing"
    assert f"PostgreSQL {major} client" in h.cause and h.confidence >= 0.8


@pytest.mark.parametrize("source", ["k8s", "cron"])
def test_an_etcd_snapshot_of_several_endpoints_is_the_scripts_bug(source: str) -> None:
    # https://github.com/kubesphere/kubekey/issues/546 (the etcd backup script passed every member)
    log = ("2021-06-02 09:58:55.673899 I | ignoring v3 raft entry\n"
           "Error: snapshot must be requested to one selected node, not multiple [https://10.38.201.221:2379 https://10.38.201.180:2379 "
           "https://10.38.201.90:2379]")
    h = diagnose(source, log)
    assert h.category.value == "bad_code_or_bug" and h.signature == "etcdctl_snapshot_multiple_endpoints"
    assert h.confidence >= 0.85


@pytest.mark.parametrize("source,log", [
    # https://github.com/DiegoStock12/kubeml/issues/2 (run on a host: fixed by exporting KUBECONFIG)
    ("cron", "Error: could not create fission client: unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and "
             "KUBERNETES_SERVICE_PORT must be defined"),
    # https://github.com/harness/harness/issues/2673 (a container started outside the cluster)
    ("cron", 'time="2019-04-16T10:38:02Z" level=fatal msg="unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and '
             'KUBERNETES_SERVICE_PORT must be defined"'),
    # https://github.com/kubernetes-sigs/kind/issues/3790
    ("cron", "INFO[0000] trigger client auth inside cluster           \n"
             'ERRO[0000] failed to config kubernetes client            error="unable to load in-cluster configuration, '
             'KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined"\n'
             'FATA[0000] failed to create task puppet trigger k8s client  error="unable to load in-cluster configuration, '
             'KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined"\nexit status 1'),
])
def test_a_kubernetes_client_without_a_kubeconfig_off_the_cluster_is_missing_configuration(source: str, log: str) -> None:
    h = diagnose(source, log)
    assert h.category.value == "missing_config_or_secret" and h.signature == "k8s_client_no_config"
    assert "KUBECONFIG" in h.cause and h.confidence >= 0.8
    assert h.command == "crontab -l -u backup"


@pytest.mark.parametrize("log", [
    # https://github.com/doitintl/kube-no-trouble/issues/239 (kubent run from a CronJob's pod)
    "4:47AM INF Initializing collectors and retrieving data\n"
    '4:47AM ERR Failed to initialize collector: <nil> error="invalid configuration: no configuration has been provided"\n'
    '4:47AM ERR Failed to initialize collector: <nil> error="invalid configuration: no configuration has been provided"',
    # https://github.com/kubernetes-client/csharp/issues/285 (automountServiceAccountToken: false on the pod)
    "k8s.Exceptions.KubeConfigException: unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and "
    "KUBERNETES_SERVICE_PORT must be defined",
])
def test_a_kubernetes_client_in_a_pod_without_configuration_looks_at_the_service_account(log: str) -> None:
    h = diagnose("k8s", log)
    assert h.category.value == "missing_config_or_secret" and h.signature == "k8s_client_no_config"
    assert "service account" in h.cause
    assert h.command == "kubectl describe pod nightly-report-28911-x7k2p -n reports"

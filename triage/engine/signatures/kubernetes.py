"""Kubernetes signatures: container termination reasons, pod events, Job conditions, RBAC.

The messages are the kubelet's, the scheduler's and the API server's own wording (as seen in
`kubectl describe`, events and API error bodies), so they also match status facts.
"""

from __future__ import annotations

import re

from triage.engine.signatures import checks as C
from triage.engine.signatures.logview import LogView
from triage.engine.signatures.model import Hit
from triage.engine.signatures.model import Signature as S
from triage.models import Category as K

# The Job's pods and their state (OOMKilled, Error) when the failed pod's name is not known.
JOB_PODS = ("kubectl get pods -n {ns} -l job-name={k8s_job}",)

_EXIT_137 = r"exit(?:ed)?(?: with)?[ _]?(?:code|status)(?:\W{0,8}| is )137\b|\bError 137\b|\b(?:return|error) code 137\b|non-zero exit (?:status|code) 137\b|\bcode=137\b"


# Events that undo an earlier failure of the same pod: it was scheduled after all, the image was
# pulled after all. A failure followed by its own resolution did not stop the Job.
_SCHEDULED_LATER = re.compile(r"Successfully assigned \S+ to |\bNormal\s+Scheduled\b")
_PULLED_LATER = re.compile(r"Successfully pulled image|\bNormal\s+Pulled\b|\bNormal\s+Started\b|Started container")
RESOLVED_CONFIDENCE = 0.45


def _resolved_later(view: LogView, hit: Hit, resolution: re.Pattern[str]) -> Hit:
    if any(resolution.search(view.lines[j]) for j in range(hit.index + 1, len(view.lines))):
        hit.confidence = min(hit.confidence, RESOLVED_CONFIDENCE)
    return hit


# Why the node could not reach the registry, as the runtime appends it to `Failed to pull image`.
_PULL_REASONS = (
    (re.compile(r"lookup (?P<registry>[\w.-]+)(?: on \S+)?: (?:no such host|server misbehaving|i/o timeout|read udp)"),
     "The image {image} could not be pulled: the node could not resolve the registry host {registry} (DNS)"),
    (re.compile(r"x509: certificate signed by unknown authority"),
     "The image {image} could not be pulled: the node does not trust the registry's TLS certificate (a private CA not "
     "installed for the container runtime)"),
    (re.compile(r"no match for platform in manifest"),
     "The image {image} could not be pulled: it has no variant for the node's platform (CPU architecture/OS), e.g. an "
     "amd64-only image on an arm64 node"),
    (re.compile(r"server gave HTTP response to HTTPS client"),
     "The image {image} could not be pulled: the registry speaks plain HTTP and the node's container runtime is not "
     "configured to allow it as an insecure registry"),
)


def _pull_failed(hit: Hit, view: LogView) -> Hit:
    if hit.signature.id == "k8s_image_pull_backoff":
        # The reason is on the `Failed to pull image` event, not necessarily the line that decided the hit.
        for line in (ln for ln in view.lines if "pull" in ln.lower()):
            for pattern, cause in _PULL_REASONS:
                if m := pattern.search(line):
                    if m.groupdict().get("registry"):
                        hit.groups["registry"] = m.group("registry")
                    hit.causes = (cause, cause.replace(" {image}", ""))
                    break
            else:
                continue
            break
    return _resolved_later(view, hit, _PULLED_LATER)


def _unschedulable(hit: Hit, view: LogView) -> Hit:
    # A bound volume pins the pod to the node or zone the volume lives in (a zonal disk, a local PV).
    if any("volume node affinity conflict" in line for line in hit.lines):
        hit.causes = ("The pod could not be scheduled: its PersistentVolume can only be used from nodes (a zone or a host) "
                      "that the pod cannot go to or that are full (volume node affinity conflict)",)
        hit.commands = ("kubectl get pvc -n {ns}",) + C.POD + ("kubectl get nodes -L topology.kubernetes.io/zone",)
        hit.reason = "Shows the pod's claims and the volumes they are bound to, then which zone each node is in"
    return _resolved_later(view, hit, _SCHEDULED_LATER)


def _insufficient(hit: Hit, view: LogView) -> Hit:
    found: list[str] = []
    for line in hit.lines:
        for resource in re.findall(r"Insufficient ([\w./-]*\w)", line):
            if resource not in found:
                found.append(resource)
    if found:
        hit.groups["resource"] = ", ".join(found)
    return _unschedulable(hit, view)


def _no_scale_up(hit: Hit, view: LogView) -> Hit:
    if any("max node group size reached" in line for line in hit.lines):
        hit.causes = ("The pod could not be scheduled and the cluster autoscaler would not add a node: the node groups that "
                      "could run it are at their maximum size (max node group size reached)",)
    return hit


# On a host, a script the kernel cannot exec is a file of text with no `#!` line (run-parts and
# exec() do not fall back to a shell the way bash does). In a container the same message for
# an entrypoint script most often means the image's /bin/sh is built for another CPU.
_SCRIPT = re.compile(r"\.(?:sh|bash|py|pl|rb|php)$|^/etc/cron\.|/scripts?/")


def _exec_format(hit: Hit, view: LogView) -> Hit:
    path = hit.groups.get("path", "")
    if view.event.kubernetes:
        return hit
    if (path and _SCRIPT.search(path)) or any("run-parts" in line for line in hit.lines):
        hit.category, hit.confidence = K.bad_code_or_bug, 0.82
        hit.causes = ("{path} has no #! line (or a broken one), so it cannot be executed (Exec format error)",
                      "The script has no #! line (or a broken one), so it cannot be executed (Exec format error)")
        hit.commands = ("grep -n '^#!' {path}", "ls -l {path}") + C.CRONTAB
        hit.reason = "Shows whether the script starts with a #! interpreter line"
    else:
        # On a host: a binary built for another CPU, or a script without #!; less certain.
        hit.confidence = 0.65
        hit.causes = ("{path} could not be executed (exec format error): a binary for another CPU architecture or a script without #!",
                      "A program could not be executed (exec format error): a binary for another CPU architecture or a script without #!")
        hit.commands = ("ls -l {path}",) + C.CRONTAB + C.AIRFLOW_RUN
    return hit


# `kubectl describe cronjob` / `describe job` output: the schedule and when the Job really started.
_SCHEDULE = re.compile(r"^\s*Schedule:\s+(?P<minute>\d{1,2}) (?P<hour>\d{1,2}) \S+ \S+ \S+\s*$")
_STARTED = re.compile(r"^\s*Start Time:\s+\w{3}, \d{1,2} \w{3} \d{4} (?P<hour>\d\d):(?P<minute>\d\d):\d\d (?P<offset>[+-]\d{4})\s*$")
_CONTROLLED_BY = re.compile(r"^\s*Controlled By:\s+CronJob/(?P<name>[\w.-]+)")
# How late a Job may start after its scheduled minute and still be that minute's run.
_START_SLACK_MINUTES = 5


def _cronjob_time_zone(view: LogView) -> list[tuple[int, dict[str, str]]]:
    """A CronJob that fires at its schedule in UTC while the cluster's users live in another
    zone: the controller evaluates schedules in its own time zone (UTC in most control planes),
    so `0 1 * * *` starts at 01:00 UTC, which the Job's local start time shows as 20:00 -0500."""
    schedule = started = None
    name = ""
    for i, line in enumerate(view.lines):
        if m := _SCHEDULE.match(line):
            schedule = (int(m.group("hour")), int(m.group("minute")), i)
        elif m := _STARTED.match(line):
            started = (i, int(m.group("hour")), int(m.group("minute")), m.group("offset"))
        elif m := _CONTROLLED_BY.match(line):
            name = m.group("name")
    if not schedule or not started or started[3] in ("+0000", "-0000"):
        return []
    hour, minute, schedule_index = schedule
    index, local_hour, local_minute, offset = started
    sign = -1 if offset[0] == "-" else 1
    offset_minutes = sign * (int(offset[1:3]) * 60 + int(offset[3:5]))

    def late(h: int, m: int) -> int:
        return ((h * 60 + m) - (hour * 60 + minute)) % (24 * 60)

    local_late = late(local_hour, local_minute)
    utc_late = (local_late - offset_minutes) % (24 * 60)
    if utc_late <= _START_SLACK_MINUTES < local_late:
        found = {"schedule_time": f"{hour:02d}:{minute:02d}", "local_start": f"{local_hour:02d}:{local_minute:02d} {offset}"}
        if name:
            found["cronjob"] = name
        return [(schedule_index, found), (index, found)]
    return []


# The collector's fact line for a container that finished its work (`Pod P container main state terminated:
# reason=Completed exitCode=0`): running containers (a sidecar) get no such line.
_POD_FACT = re.compile(r"\bPod (\S+) (?:init )?container ")
_APP_COMPLETED = re.compile(r"\bPod \S+ container (?P<container>\S+) state terminated: reason=Completed exitCode=0\b")


def _deadline(hit: Hit, view: LogView) -> Hit:
    # The Job's own container finished, yet the Job ran into its deadline: another container in the pod (a service-mesh
    # proxy such as istio-proxy, a log or SQL proxy) kept running, so the pod never completed.
    done = next((m.group("container") for m in map(_APP_COMPLETED.search, view.lines) if m), None)
    # One pod only: in a Job of several pods, one pod completing says nothing about the others.
    pods = {m.group(1) for m in map(_POD_FACT.search, view.lines) if m}
    if done and len(pods) == 1:
        hit.groups["done_container"] = done
        hit.causes = ("The Job ran past its activeDeadlineSeconds although its container {done_container} had completed: "
                      "another container in the pod (a sidecar such as istio-proxy or a log/SQL proxy) kept running, so the "
                      "pod, and the Job, never finished",)
        hit.reason = "Shows each container of the pod: the finished one and the sidecar still running"
    return hit


def _credential_plugin(hit: Hit, view: LogView) -> Hit:
    # In a container the plugin is missing from the image, not from a PATH.
    if view.event.kubernetes is not None:
        hit.causes = ("The kubeconfig gets its credentials from the plugin {plugin}, which the job's image does not have "
                      "(install the cloud CLI or plugin in the image, or use the pod's service account instead)",
                      "The kubeconfig gets its credentials from an exec plugin that the job's image does not have (install "
                      "the cloud CLI or plugin in the image, or use the pod's service account instead)")
    return hit


def _api_version(hit: Hit, view: LogView) -> Hit:
    # "could not find the requested resource" is any API 404 (a CRD not installed, a typo): a hint.
    if not hit.groups.get("kind"):
        hit.confidence = 0.6
    return hit


def _rbac(hit: Hit, view: LogView) -> Hit:
    g = hit.groups
    if g.get("group"):
        g["resource_ref"] = f"{g['resource']}.{g['group']}"
    elif g.get("resource"):
        g["resource_ref"] = g["resource"]
    return hit


def _client_no_config(hit: Hit, view: LogView) -> Hit:
    # In a pod the in-cluster environment is there: the client was not pointed at it or has no token.
    if view.event.kubernetes:
        hit.causes = ("The job's Kubernetes client found no cluster configuration: it was given no kubeconfig and did not use "
                      "the pod's service account (its token is not mounted, automountServiceAccountToken: false, or the tool "
                      "does not try in-cluster configuration)",)
    return hit


SIGNATURES = [
    S("k8s_oomkilled", K.oom, 0.95, icase=False,
      patterns=(r"\bOOMKilled\b",),
      causes=("The container was OOMKilled: it used more memory than its limit ({memory_limit})",
              "The container was OOMKilled: it used more memory than its limit allows"),
      commands=C.POD + JOB_PODS + C.JOB + C.KERNEL_OOM,
      reason="Shows the container's last state (OOMKilled) and its memory limit"),
    S("k8s_exit_137", K.oom, 0.72,
      patterns=(_EXIT_137,),
      causes=("The process was killed with SIGKILL (exit code 137), most often by the OOM killer at its memory limit ({memory_limit})",
              "The process was killed with SIGKILL (exit code 137), most often by the OOM killer"),
      commands=C.POD + JOB_PODS + C.JOB + C.KERNEL_OOM + C.FREE,
      reason="Shows whether the kill was an OOM kill and the memory limit"),
    S("k8s_deadline_exceeded", K.timeout_deadline, 0.93, icase=False, refine=_deadline,
      # The deadline also passes while a pod cannot start: then that is the cause.
      yields_to=frozenset({K.resource_quota_scheduling, K.image_pull, K.missing_config_or_secret, K.permissions_rbac}),
      # Not gRPC's status code (`rpc error: code = DeadlineExceeded` from a CSI driver or the runtime, Google's
      # `exceptions.DeadlineExceeded`): that is one call that timed out, not the Job's activeDeadlineSeconds.
      patterns=(r"(?<!code = )(?<!code: )(?<!codes\.)(?<!code=)(?<!exceptions\.)\bDeadlineExceeded\b",
                r"Job was active longer than specified deadline"),
      causes=("The Job ran longer than its activeDeadlineSeconds and Kubernetes stopped it",),
      commands=C.JOB + C.POD,
      reason="Shows the Job's activeDeadlineSeconds, start time and DeadlineExceeded condition"),
    S("k8s_backoff_limit", K.other, 0.3, generic=True,
      patterns=(r"BackoffLimitExceeded", r"Job has reached the specified backoff limit"),
      causes=("The Job failed every retry (BackoffLimitExceeded); the pod logs say why each try failed",),
      commands=C.JOB_LOGS + C.JOB,
      reason="The pods' own output shows why each retry failed"),
    # The Job's podFailurePolicy failed it at once (no retries): a container exited with a code, or the pod had a
    # condition, that a FailJob rule names. What the code means is the job's own convention; its logs say why.
    S("k8s_pod_failure_policy", K.other, 0.35, generic=True,
      patterns=(r"Container (?P<container>[\w.-]+) for pod (?P<failed_pod>[\w.-]+/[\w.-]+) failed with exit code (?P<code>\d+) "
                r"matching FailJob rule at index (?P<rule>\d+)",
                r"Pod (?P<failed_pod>[\w.-]+/[\w.-]+) has condition (?P<condition>\w+) matching FailJob rule at index (?P<rule>\d+)",
                r"\bPodFailurePolicy\b"),
      causes=("The Job was failed at once, without retries, by its podFailurePolicy: container {container} exited with code "
              "{code}, which FailJob rule {rule} treats as not worth retrying; the container's logs say why it exited",
              "The Job was failed at once, without retries, by its podFailurePolicy (a FailJob rule matched); the pod's logs "
              "and conditions say why"),
      commands=C.JOB_LOGS + C.JOB,
      reason="The pod's own output shows why the container exited with that code"),
    S("k8s_crashloop", K.other, 0.3, generic=True,
      patterns=(r"\bCrashLoopBackOff\b", r"Back-off restarting failed container"),
      causes=("The container keeps crashing on start (CrashLoopBackOff); its previous logs say why",),
      commands=("kubectl logs {pod} -n {ns} --previous --tail=100",) + C.POD + C.JOB_LOGS),
    # The generic pull failure; the signatures below name why and rank above it.
    S("k8s_image_pull_backoff", K.image_pull, 0.9, refine=_pull_failed,
      explained_by=frozenset({"k8s_manifest_unknown", "k8s_pull_access_denied", "k8s_pull_rate_limited", "k8s_invalid_image"}),
      patterns=(r"Failed to pull image \"(?P<image>[^\"]+)\"", r"Back-off pulling image \"(?P<image>[^\"]+)\"",
                r"\b(?:ImagePullBackOff|ErrImagePull|ErrImageNeverPull)\b"),
      causes=("The image {image} could not be pulled (ImagePullBackOff)",
              "The container image could not be pulled (ImagePullBackOff/ErrImagePull)"),
      commands=C.POD + C.K8S_EVENTS + C.JOB,
      reason="The pod's events give the registry's exact answer for the pull"),
    S("k8s_manifest_unknown", K.image_pull, 0.94, refine=_pull_failed,
      patterns=(r"manifest for (?P<image>\S+) not found", r"\bmanifest unknown\b",
                r"(?P<image>[\w./-]+:[\w.-]+): not found"),
      causes=("The image tag {image} does not exist in the registry (manifest unknown)",
              "The image tag does not exist in the registry (manifest unknown)"),
      commands=C.POD + C.K8S_EVENTS + C.JOB),
    S("k8s_pull_access_denied", K.image_pull, 0.91, refine=_pull_failed,
      patterns=(r"pull access denied for (?P<image>[^,\s]+)",
                r"repository does not exist or may require (?:'docker login'|authorization)",
                r"insufficient_scope: authorization failed", r"failed to (?:pull|fetch|resolve)\b.*\b401 Unauthorized",
                r"\bImageInspectError\b",
                # containerd: `failed to authorize: failed to fetch anonymous token: ... 401 Unauthorized` (not cron's
                # `FAILED to authorize user with PAM`)
                r"failed to authorize: ", r"failed to fetch anonymous token",
                r"(?:unauthorized|denied): (?:authentication required|requested access to the resource is denied)"),
      causes=("The registry refused to serve {image}: it does not exist or the pull secret lacks access",
              "The registry refused the image pull: the image does not exist or the pull secret lacks access"),
      commands=C.POD + C.K8S_EVENTS),
    S("k8s_pull_rate_limited", K.image_pull, 0.93, refine=_pull_failed,
      patterns=(r"Failed to pull image \"(?P<image>[^\"]+)\".*pull rate limit", r"You have reached your pull rate limit", r"toomanyrequests: .{0,40}pull", r"pull rate limit"),
      causes=("The registry refused to serve {image}: the pull rate limit was reached (Docker Hub anonymous/free limits)",
              "The registry refused the image pull: the pull rate limit was reached (Docker Hub anonymous/free limits)"),
      commands=C.POD + C.K8S_EVENTS),
    S("k8s_invalid_image", K.image_pull, 0.9,
      patterns=(r"\bInvalidImageName\b", r"couldn't parse image (?:name|reference) \"(?P<image>[^\"]+)\""),
      causes=("The image reference {image} is malformed (InvalidImageName)", "The image reference is malformed (InvalidImageName)"),
      commands=C.POD + C.JOB),
    S("k8s_secret_not_found", K.missing_config_or_secret, 0.93,
      patterns=(r"couldn't find key (?P<key>\S+) in Secret (?P<secret_ns>[^/\s]+)/(?P<secret>[^\s,]+)",
                r"secrets? \"(?P<secret>[^\"]+)\" not found"),
      causes=("Key {key} is missing from Secret {secret}", "Secret {secret} referenced by the pod does not exist",),
      commands=("kubectl get secret {secret} -n {secret_ns}", "kubectl get secret {secret} -n {ns}") + C.POD,
      reason="Shows whether the Secret (and its keys) exists in the Job's namespace"),
    S("k8s_configmap_not_found", K.missing_config_or_secret, 0.93,
      patterns=(r"couldn't find key (?P<key>\S+) in ConfigMap (?P<cm_ns>[^/\s]+)/(?P<configmap>[^\s,]+)",
                r"configmaps? \"(?P<configmap>[^\"]+)\" not found"),
      causes=("Key {key} is missing from ConfigMap {configmap}", "ConfigMap {configmap} referenced by the pod does not exist"),
      commands=("kubectl get configmap {configmap} -n {cm_ns}", "kubectl get configmap {configmap} -n {ns}") + C.POD),
    S("k8s_create_container_config_error", K.missing_config_or_secret, 0.8, icase=False,
      explained_by=frozenset({"k8s_kubelet_cache_sync", "k8s_run_as_non_root"}),
      patterns=(r"\bCreateContainerConfigError\b",),
      causes=("The container could not be configured (CreateContainerConfigError): a referenced Secret, ConfigMap or key is missing",),
      commands=C.POD + C.K8S_EVENTS + C.JOB),
    S("k8s_pvc_not_found", K.missing_config_or_secret, 0.82,
      patterns=(r"persistentvolumeclaims? \"(?P<pvc>[^\"]+)\" not found",),
      causes=("The PersistentVolumeClaim {pvc} the pod mounts does not exist",),
      commands=("kubectl get pvc {pvc} -n {ns}",) + C.POD),
    S("k8s_unbound_pvc", K.resource_quota_scheduling, 0.78,
      patterns=(r"pod has unbound (?:immediate )?PersistentVolumeClaims",),
      causes=("The pod could not be scheduled: its PersistentVolumeClaim is not bound to a volume",),
      commands=("kubectl get pvc -n {ns}",) + C.POD),
    S("k8s_evicted_disk", K.disk_full, 0.88,
      patterns=(r"low on resource: ephemeral-storage", r"The node had condition: \[DiskPressure\]",
                r"exceeded its local ephemeral storage limit \"(?P<limit>[^\"]+)\"",
                r"ephemeral local storage usage exceeds the total limit of containers (?P<limit>\S+)",
                # an emptyDir over its sizeLimit (kubelet eviction manager; older kubelets: `emptyDir usage exceeds the limit`)
                r"Usage of EmptyDir volume \\?\"(?P<volume>[^\"\\]+)\\?\" exceeds the limit \\?\"(?P<limit>[^\"\\]+)\\?\"",
                r"emptyDir usage exceeds the limit \\?\"(?P<limit>[^\"\\]+)\\?\""),
      causes=("The pod was evicted for using more ephemeral storage than allowed ({limit})",
              "The pod was evicted because the node ran low on ephemeral storage (disk)"),
      commands=C.POD + ("kubectl describe nodes",)),
    S("k8s_evicted_memory", K.oom, 0.82,
      patterns=(r"low on resource: memory", r"The node had condition: \[MemoryPressure\]"),
      causes=("The pod was evicted because its node ran low on memory",),
      commands=C.POD + ("kubectl top nodes",)),
    S("k8s_evicted_pids", K.resource_quota_scheduling, 0.78,
      patterns=(r"The node had condition: \[PIDPressure\]", r"low on resource: pids"),
      causes=("The pod was evicted because its node ran low on process IDs (PIDPressure): a pod on that node (possibly this "
              "job) started too many processes or threads",),
      commands=C.POD + ("kubectl describe nodes",)),
    S("k8s_evicted", K.scheduler_infra, 0.55, icase=False, yields_to=frozenset({K.disk_full, K.oom}),
      patterns=(r"\bEvicted\b",),
      causes=("The pod was evicted from its node",),
      commands=C.POD + C.K8S_EVENTS),
    S("k8s_insufficient_resources", K.resource_quota_scheduling, 0.9, refine=_insufficient,
      patterns=(r"\d+/\d+ nodes are available:.*?\bInsufficient (?P<resource>[\w./-]+)",
                r"\bInsufficient (?P<resource>cpu|memory|pods|ephemeral-storage|[\w.-]+/gpu)\b",
                r"No nodes are available that match all of the (?:following )?predicates"),
      causes=("The pod could not be scheduled: no node has enough free {resource} for its requests",
              "The pod could not be scheduled: no node has enough free resources for its requests"),
      commands=C.POD + ("kubectl describe nodes", "kubectl top nodes"),
      reason="Shows the FailedScheduling event and the pod's resource requests"),
    S("k8s_unschedulable", K.resource_quota_scheduling, 0.82, refine=_unschedulable,
      explained_by=frozenset({"k8s_insufficient_resources", "k8s_unbound_pvc", "k8s_autoscaler_no_scale_up"}),
      patterns=(r"\d+/\d+ nodes are available", r"\bFailedScheduling\b",
                r"didn't match (?:Pod's )?node (?:affinity|selector)", r"had (?:untolerated )?taint"),
      causes=("The pod could not be scheduled on any node (selectors, taints or affinity rule every node out)",),
      commands=C.POD + C.K8S_EVENTS),
    # The cluster autoscaler's verdict on a pending pod: no node group it may grow would make the pod schedulable
    # (groups at their maximum size, or no node type that fits the pod's requests and selectors).
    S("k8s_autoscaler_no_scale_up", K.resource_quota_scheduling, 0.82, refine=_no_scale_up,
      patterns=(r"pod didn't trigger scale-up(?: \((?P<ca_reason>[^)]+)\))?", r"\bNotTriggerScaleUp\b"),
      causes=("The pod could not be scheduled and the cluster autoscaler would not add a node for it ({ca_reason}): no node "
              "group it may grow fits the pod's requests, selectors or taints",
              "The pod could not be scheduled and the cluster autoscaler would not add a node for it: no node group it may grow "
              "fits the pod's requests, selectors or taints"),
      commands=C.POD + ("kubectl get nodes", "kubectl describe nodes"),
      reason="Shows the pod's FailedScheduling and NotTriggerScaleUp events with the reason for each node group"),
    S("k8s_quota_exceeded", K.resource_quota_scheduling, 0.92,
      patterns=(r"exceeded quota: (?P<quota>[\w.-]+)", r"failed quota: (?P<quota>[\w.-]+): must specify (?P<what>[\w.,]+)",
                r"forbidden: .*?(?:is limited by quota|quota is \S+, current usage)"),
      causes=("The namespace's ResourceQuota {quota} refused the pod: {what} must be set",
              "The namespace's ResourceQuota {quota} is used up, so the Job could not create its pod",
              "A ResourceQuota refused the Job's pod"),
      commands=("kubectl describe resourcequota {quota} -n {ns}", "kubectl get resourcequota -n {ns}",
                "kubectl get resourcequota --all-namespaces") + C.JOB,
      reason="Shows the quota's limits and current usage"),
    S("k8s_limit_range", K.resource_quota_scheduling, 0.85,
      patterns=(r"(?:minimum|maximum) (?:memory|cpu) usage per (?:Pod|Container) is",),
      causes=("A LimitRange in the namespace refused the pod's resource requests",),
      commands=("kubectl describe limitrange -n {ns}",) + C.JOB),
    S("k8s_rbac_forbidden", K.permissions_rbac, 0.93, refine=_rbac,
      patterns=(r"User \"(?P<subject>[^\"]+)\" cannot (?P<verb>\w+) resource \"(?P<resource>[^\"]+)\"(?: in API group \"(?P<group>[^\"]*)\")?(?: in the namespace \"(?P<rbac_ns>[^\"]+)\")?",
                r"User \"(?P<subject>[^\"]+)\" cannot (?P<verb>\w+) (?P<resource>[\w.]+) (?:in the namespace \"(?P<rbac_ns>[^\"]+)\"|at the cluster scope)",
                # The same message wrapped over lines where it was pasted: `pvcs is forbidden:` / `User "x" cannot list resource`
                r"(?P<resource>[a-z][\w.-]*) is forbidden:\s*$", r"^User \"(?P<subject>[^\"]+)\" cannot (?P<verb>\w+)(?: resource)?\s*$"),
      causes=("{subject} is not allowed to {verb} {resource_ref} in namespace {rbac_ns} (RBAC forbidden)",
              "{subject} is not allowed to {verb} {resource_ref} (RBAC forbidden)"),
      commands=("kubectl auth can-i {verb} {resource_ref} --as {subject} -n {rbac_ns}",
                "kubectl auth can-i {verb} {resource_ref} --as {subject} -n {ns}",
                "kubectl auth can-i {verb} {resource_ref} --as {subject}"),
      reason="Asks the API server whether that identity may do that action"),
    S("k8s_admission_denied", K.permissions_rbac, 0.78,
      patterns=(r"admission webhook \"(?P<webhook>[^\"]+)\" denied the request", r"violates PodSecurity \"(?P<level>[^\"]+)\""),
      causes=("The admission webhook {webhook} rejected the pod", "The pod violates the namespace's PodSecurity level {level}",
              "An admission policy rejected the pod"),
      commands=C.JOB + C.K8S_EVENTS),
    # An admission webhook the API server must call before creating the pod is down: the Job's
    # pods are never created. The webhook's Service is named in the URL the API server posted to.
    S("k8s_webhook_unavailable", K.dependency_unavailable, 0.86,
      patterns=(r"failed calling webhook \"(?P<webhook>[^\"]+)\":.*?https://(?P<host>[\w-]+\.[\w-]+\.svc)(?::\d+)?/\S*?:? "
                r"(?:no endpoints available|context deadline exceeded|dial tcp|connect: connection refused|i/o timeout|"
                r"service \"[^\"]+\" not found|EOF)",
                r"failed calling webhook \"(?P<webhook>[^\"]+)\":.*?(?:no endpoints available for service|context deadline exceeded|"
                r"connect: connection refused|i/o timeout)"),
      causes=("The admission webhook {webhook} was unreachable (its Service {host} had no ready endpoints or did not answer), so the "
              "API server could not create the pod",
              "An admission webhook was unreachable, so the API server could not create the pod"),
      commands=C.HOST + C.JOB + C.K8S_EVENTS,
      reason="Shows whether the webhook's Service has ready endpoints"),
    S("k8s_node_lost", K.scheduler_infra, 0.78,
      patterns=(r"\bNodeLost\b", r"\bNodeNotReady\b", r"Pod was terminated in response to imminent node shutdown",
                r"\bNodeShutdown\b", r"\bpreempted by\b", r"Kubelet stopped posting node status", r"\bPreempting\b", r"DeletionByTaintManager|TaintManagerEviction|DeletionByPodGC",
                r"ContainerStatusUnknown", r"The container could not be located when the pod was (?:deleted|terminated)"),
      causes=("The pod was lost with its node (node shutdown, not ready, preemption or garbage collection), not by the job's own code",),
      commands=C.POD + C.K8S_EVENTS + ("kubectl get nodes",)),
    S("k8s_executable_not_found", K.bad_code_or_bug, 0.82, explained_by=frozenset({"k8s_credential_plugin_missing"}),
      patterns=(r"exec: \"(?P<exe>[^\"]+)\": executable file not found in \$PATH",
                r"exec: \"(?P<exe>[^\"]+)\": stat [^:]+: no such file or directory",
                r"exec (?P<exe>\S+): no such file or directory",
                # The entrypoint exists but its interpreter does not: a `#!` line naming a shell the image lacks,
                # CRLF line endings (`/bin/sh\r`), or a binary linked against another libc.
                r"exec user process caused:? \\?\"?no such file or directory"),
      causes=("The container's command {exe} does not exist in the image",
              "The container's entrypoint could not start: its interpreter is missing from the image (the `#!` line names "
              "a shell the image lacks, the script has CRLF line endings, or the binary was built for another libc)"),
      commands=C.POD + C.JOB),
    # The runtime could not execute the container's entrypoint: the file is in the image without its execute bit (a
    # script copied without chmod +x), or it sits on a volume mounted noexec.
    S("k8s_entrypoint_not_executable", K.bad_code_or_bug, 0.82,
      patterns=(r"exec: \\*\"(?P<exe>[^\"\\]+)\\*\": permission denied",
                r"exec user process caused:? \\*\"?permission denied",
                r"^(?:\S+\s+)?exec (?P<exe>/\S+): permission denied\s*$"),
      causes=("The container's entrypoint {exe} is not executable in the image (copied without chmod +x, or on a noexec "
              "volume), so the runtime could not start it",
              "The container's entrypoint is not executable in the image (copied without chmod +x, or on a noexec volume), so "
              "the runtime could not start it"),
      commands=C.POD + C.JOB,
      reason="Shows the container's command and the runtime's exact error"),
    S("k8s_exec_format", K.dependency_version, 0.86, refine=_exec_format,
      patterns=(r"failed to exec (?P<path>/\S+): exec format error", r"exec (?P<path>/\S+): exec format error",
                r"Exec format error: '(?P<path>[^']+)'", r"(?P<path>\S+): cannot execute binary file: exec format error",
                r"exec format error",),
      causes=("The image's binary is built for another CPU architecture (exec format error)",),
      commands=C.POD + ("kubectl get nodes -L kubernetes.io/arch",)),
    S("k8s_cronjob_missed", K.scheduler_infra, 0.86,
      patterns=(r"Cannot determine if job needs to be started", r"too many missed start times?"),
      causes=("The CronJob controller gave up on the schedule: too many missed start times",),
      commands=("kubectl describe cronjob {cronjob} -n {ns}",) + C.K8S_EVENTS),
    # The CronJob controller (v2) could not create the run's Job within startingDeadlineSeconds of its scheduled time: the
    # controller was down or behind (control-plane restart, a long catch-up), or the cluster's clock jumped.
    S("k8s_cronjob_missed_start", K.scheduler_infra, 0.75, yields_to=frozenset({K.overlap_concurrency}),
      patterns=(r"Missed scheduled time to start a job(?:: (?P<scheduled>\w{3}, \d{1,2} \w{3} \d{4} [\d:]+ [+-]\d{4}|[\dT:Z-]+))?",
                r"\bMissSchedule\b"),
      causes=("The CronJob controller did not start the run scheduled for {scheduled} within startingDeadlineSeconds, so "
              "that run was skipped (the controller was down or behind, or startingDeadlineSeconds is very short)",
              "The CronJob controller did not start a scheduled run within startingDeadlineSeconds, so that run was skipped "
              "(the controller was down or behind, or startingDeadlineSeconds is very short)"),
      commands=("kubectl describe cronjob {cronjob} -n {ns}",) + C.K8S_EVENTS,
      reason="Shows the CronJob's startingDeadlineSeconds, its last schedule time and the missed-schedule events"),
    S("k8s_cronjob_time_zone", K.scheduler_infra, 0.8, finder=_cronjob_time_zone,
      causes=("The CronJob's schedule ({schedule_time}) was evaluated in UTC, the CronJob controller's time zone, so the "
              "Job started at {local_start} local time, not at {schedule_time} local (set spec.timeZone or convert the schedule)",),
      commands=("kubectl describe cronjob {cronjob} -n {ns}", "kubectl get cronjobs -n {ns}") + C.JOB,
      reason="Shows the CronJob's schedule, its time zone (if set) and when its Jobs last started"),
    # The CronJob controller cannot compute the next run from the spec ("likely a user error in defining the spec
    # value", as the controller says): it creates no Jobs until the CronJob is fixed. Like a DAG's bad schedule.
    S("k8s_cronjob_bad_schedule", K.bad_code_or_bug, 0.75,
      patterns=(r"unparseable schedule: \\?\"(?P<schedule>[^\"\\]*)\\?\" ?: (?P<detail>.+)", r"\bUnparseableSchedule\b",
                r"invalid schedule: \\?\"(?P<schedule>[^\"\\]*)\\?\" ?: (?P<detail>.+)",
                r"invalid timeZone: \\?\"(?P<tz>[^\"\\]*)\\?\"", r"\bUnknownTimeZone\b",
                # the API server's validation when the CronJob is created or updated
                r"is invalid: spec\.schedule: Invalid value: \\?\"(?P<schedule>[^\"\\]*)\\?\": (?P<detail>[^\"\\]+)",
                r"is invalid: spec\.timeZone: Invalid value: \\?\"(?P<tz>[^\"\\]*)\\?\""),
      causes=("The CronJob's schedule \"{schedule}\" cannot be parsed ({detail}), so the controller creates no Jobs until it is fixed",
              "The CronJob's time zone {tz} is not one the controller knows, so it creates no Jobs until it is fixed",
              "The CronJob's schedule or time zone is invalid, so the controller creates no Jobs until it is fixed"),
      commands=("kubectl describe cronjob {cronjob} -n {ns}", "kubectl get cronjobs -n {ns}"),
      reason="Shows the CronJob's schedule, time zone and the controller's events"),
    S("k8s_cronjob_overlap", K.overlap_concurrency, 0.88,
      patterns=(r"Not starting job because prior execution is (?:still )?running", r"\bJobAlreadyActive\b",
                r"concurrencyPolicy.{0,20}Forbid.{0,40}(?:skip|active)"),
      causes=("The run was skipped because the previous run was still active (concurrencyPolicy: Forbid)",),
      commands=("kubectl get jobs -n {ns}", "kubectl describe cronjob {cronjob} -n {ns}") + C.JOB),
    S("k8s_pod_sandbox_failed", K.scheduler_infra, 0.9,
      patterns=(r"Failed (?:to )?create pod sandbox", r"\bFailedCreatePodSandBox\b", r"failed to set ?up (?:sandbox container|network for sandbox)",
                r"NetworkPlugin cni failed", r"failed to find plugin \"[\w-]+\" in path",
                # the kubelet's node condition while the CNI plugin is not up (NetworkNotReady / NetworkPluginNotReady)
                r"container runtime network not ready", r"\bNetworkPluginNotReady\b", r"cni plugin not initialized"),
      causes=("The node could not set up the pod's sandbox/network (CNI plugin failure), not the job's own code",),
      commands=C.POD + ("kubectl get pods -n kube-system -o wide",) + C.K8S_EVENTS,
      reason="Shows the node the pod landed on and the network plugin's pods"),
    S("k8s_volume_mount_failed", K.scheduler_infra, 0.75,
      patterns=(r"Unable to attach or mount volumes", r"MountVolume\.\w+ failed for volume \"(?P<volume>[^\"]+)\"",
                r"AttachVolume\.Attach failed for volume \"(?P<volume>[^\"]+)\"", r"Multi-Attach error for volume \"(?P<volume>[^\"]+)\"",
                r"failed to prepare subPath for volumeMount \\?\"(?P<volume>[^\"\\]+)\\?\""),
      causes=("The volume {volume} could not be attached or mounted on the node", "A volume could not be attached or mounted on the node"),
      commands=C.POD + ("kubectl get pvc -n {ns}",) + C.K8S_EVENTS),
    # The kubelet could not get a Secret or ConfigMap the pod uses from the API server in time (an overloaded or
    # unreachable control plane, a node under pressure): the object exists, the node could not read it.
    S("k8s_kubelet_cache_sync", K.scheduler_infra, 0.72,
      patterns=(r"failed to sync (?P<kind>secret|configmap) cache: timed out waiting for the condition",),
      causes=("The node's kubelet could not read the pod's {kind}s from the API server in time (failed to sync {kind} cache): "
              "the control plane was slow or unreachable from that node, not a missing {kind}",),
      commands=C.POD + C.K8S_EVENTS + ("kubectl get nodes",),
      reason="Shows the node the pod is on and the kubelet's events there"),
    S("k8s_service_account_missing", K.missing_config_or_secret, 0.88,
      patterns=(r"error looking up service account (?P<sa_ns>[^/\s]+)/(?P<sa>[^:\s]+)",
                # older API servers: `service account default/default was not found, retry after the service account is created`
                r"service account (?P<sa_ns>[^/\s]+)/(?P<sa>\S+) was not found",
                r"serviceaccounts? \"(?P<sa>[^\"]+)\" not found"),
      causes=("The ServiceAccount {sa} the pod runs as does not exist",),
      # The namespace the API server names is where the pod was to be created.
      commands=("kubectl get serviceaccount {sa} -n {sa_ns}", "kubectl get serviceaccount {sa} -n {ns}") + C.JOB),
    S("k8s_run_as_non_root", K.permissions_rbac, 0.86,
      patterns=(r"container has runAsNonRoot and image (?:will run as root|has non-numeric user)",),
      causes=("The pod requires a non-root user but the image runs as root (runAsNonRoot)",),
      commands=C.POD + C.JOB),
    # kubectl with no kubeconfig and no in-cluster credentials falls back to localhost:8080:
    # under cron KUBECONFIG/HOME differ from a login shell; in a pod the token is not mounted.
    S("kubectl_no_kubeconfig", K.missing_config_or_secret, 0.85,
      patterns=(r"The connection to the server localhost:8080 was refused",),
      causes=("kubectl found no kubeconfig (it fell back to localhost:8080): KUBECONFIG or HOME is not set for the job, "
              "or the pod has no service account token mounted",),
      commands=C.POD + C.CRONTAB,
      reason="Shows the environment the job runs kubectl with (or the pod's service account)"),
    # A Kubernetes client library (client-go, the Python and C# clients) with neither a kubeconfig nor the
    # in-cluster environment: run on a host or under cron without KUBECONFIG, or in a container outside the cluster.
    S("k8s_client_no_config", K.missing_config_or_secret, 0.82, refine=_client_no_config,
      patterns=(r"unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined",
                r"ConfigException: Service host/port is not set",
                r"invalid configuration: no configuration has been provided"),
      causes=("The job's Kubernetes client found no cluster configuration: no kubeconfig was given (KUBECONFIG is not set for "
              "the job) and it does not run in a pod with a service account (KUBERNETES_SERVICE_HOST/PORT unset)",),
      commands=C.POD + C.CRONTAB + C.AIRFLOW_RUN,
      reason="Shows the environment the job runs its Kubernetes client with (or the pod's service account)"),
    # The kubeconfig gets its token from an exec credential plugin (aws, aws-iam-authenticator, gke-gcloud-auth-plugin,
    # kubelogin) that is not on the PATH the job runs with: cron's short PATH, or an image without the cloud CLI.
    S("k8s_credential_plugin_missing", K.missing_config_or_secret, 0.85, refine=_credential_plugin,
      patterns=(r"getting credentials: exec: executable (?P<plugin>[\w./-]+) not found",
                r"getting (?:credentials|token): exec: exec: \\*\"(?P<plugin>[^\"\\]+)\\*\": executable file not found in \$PATH",
                r"error executing access token command \\*\"(?P<plugin>[^\s\"\\]+).*executable file not found",
                r"trying to use a client-go credential plugin that is not installed"),
      causes=("The kubeconfig gets its credentials from the plugin {plugin}, which is not on the PATH the job runs with "
              "(cron's PATH is only /usr/bin:/bin; give the plugin's full path in the kubeconfig or set PATH)",
              "The kubeconfig gets its credentials from an exec plugin that is not on the PATH the job runs with (cron's PATH "
              "is only /usr/bin:/bin; give the plugin's full path in the kubeconfig or set PATH)"),
      commands=C.CRONTAB + C.POD,
      reason="Shows the PATH and environment the job runs kubectl with"),
    # A kubeconfig that is there but does not name the cluster the job asks for: the job's --context (or the file's
    # current-context) is not in the kubeconfig it reads (under cron, often another user's or an older file).
    S("kubeconfig_context_missing", K.missing_config_or_secret, 0.8,
      patterns=(r"no context exists with the name:? \\?\"?(?P<context>[^\"\\\s]+)",
                r"context \\?\"(?P<context>[^\"\\]+)\\?\" does not exist",
                r"context was not found for specified context: (?P<context>\S+)",
                r"current-context is not set",
                r"Invalid kube-config file\. Expected object with name (?P<context>\S*) in \S*contexts list"),
      causes=("The kubeconfig the job reads has no context {context}: the job names a context that file does not define "
              "(under cron it may read another user's or an older kubeconfig)",
              "The kubeconfig the job reads names no current context, and the job does not pass --context (under cron it "
              "may read another user's or an older kubeconfig)"),
      commands=C.CRONTAB + C.POD,
      reason="Shows the environment (KUBECONFIG, HOME, user) the job runs kubectl with"),
    # An API version the cluster no longer serves (batch/v1beta1 CronJob after 1.25, ...).
    S("k8s_api_version_removed", K.dependency_version, 0.86, refine=_api_version,
      patterns=(r"no matches for kind \"(?P<kind>\w+)\" in version \"(?P<api>[^\"]+)\"",
                r"the server could not find the requested resource"),
      causes=("The cluster no longer serves {kind} in {api}: the manifest or client uses an API version that was removed",
              "The cluster does not serve the API version the job's client or manifest uses (removed or not installed)"),
      commands=C.JOB + C.POD + C.CRONTAB),
    S("k8s_api_unauthorized", K.credentials_expired, 0.86,
      patterns=(r"You must be logged in to the server \(Unauthorized\)", r"the server has asked for the client to provide credentials"),
      causes=("The job's Kubernetes API credentials were rejected (expired or revoked token)",),
      commands=("kubectl auth can-i get pods -n {ns}", "kubectl auth can-i get pods")),
    # The kubelet's own admission check on the node the pod was bound to (status reason OutOfcpu,
    # OutOfmemory, ...): a pod bound by nodeName, or raced there with others, does not fit.
    S("k8s_node_admission_out_of_resource", K.resource_quota_scheduling, 0.8,
      patterns=(r"Node didn't have enough resource: (?P<resource>[\w./-]+), requested",
                r"\bOutOf(?P<resource>cpu|memory|pods|ephemeral-storage)\b"),
      causes=("The kubelet rejected the pod: the node it was bound to had not enough free {resource} for its requests "
              "(the pod was placed there by nodeName or raced with other pods for the node)",),
      commands=C.POD + ("kubectl describe nodes",) + JOB_PODS,
      reason="Shows the node the pod was bound to and why the kubelet rejected it"),
    # The kubelet re-checks node affinity when it admits a pod: a node that restarted or was
    # recreated (a preempted VM) without its labels rejects the pods bound to it.
    S("k8s_node_admission_predicate", K.scheduler_infra, 0.7,
      patterns=(r"\bPredicate (?P<predicate>[A-Z]\w+) failed",),
      causes=("The kubelet rejected the pod (Predicate {predicate} failed): the node no longer matched the pod's placement "
              "rules when the pod reached it, most often a node that restarted or was recreated (preempted) without its labels",),
      commands=C.POD + ("kubectl get nodes --show-labels",),
      reason="Shows the node the pod was bound to, then the labels every node has now"),
    # The kubelet admitted the pod to a node whose device plugin (GPUs, vGPU, SR-IOV) then could not allocate the
    # devices: the GPU was lost, the plugin restarted, or its accounting raced with another pod. The node's fault.
    S("k8s_device_allocation_failed", K.scheduler_infra, 0.78,
      patterns=(r"Allocate failed due to (?:.*?\bdesc = )?(?P<detail>.{1,200}?), which is unexpected", r"\bUnexpectedAdmissionError\b",
                r"\bAllocate failed due to\b"),
      causes=("The node's device plugin could not allocate the devices the pod requested ({detail}), so the kubelet "
              "rejected the pod (UnexpectedAdmissionError): a GPU lost or the device plugin failing on that node",
              "The node's device plugin could not allocate the devices the pod requested, so the kubelet rejected the pod "
              "(UnexpectedAdmissionError): a GPU lost or the device plugin failing on that node"),
      commands=C.POD + ("kubectl get pods -n kube-system -o wide", "kubectl describe nodes"),
      reason="Shows the node the pod was bound to and the device plugin's error"),
    # The container runtime did not create the container in time (an overloaded node, slow disk or volume); the
    # kubelet retries under the same name, which the runtime still holds for the timed-out attempt.
    S("k8s_runtime_create_timeout", K.scheduler_infra, 0.78,
      patterns=(r"failed to reserve (?:container|sandbox) name \\?\"(?P<name>[^\"\\]+)\\?\"",
                r"failed to reserve (?:container|sandbox) name",
                r"\bkubelet\b.*\bError: context deadline exceeded\s*$"),
      causes=("The node's container runtime did not create the container in time, and kept its name reserved so the "
              "kubelet's retries failed (an overloaded node, slow disk or a volume the runtime waits on)",),
      commands=C.POD + ("kubectl get pods -n kube-system -o wide", "kubectl describe nodes"),
      reason="Shows the node the pod is on and how long the runtime has been failing there"),
    # OpenShift: no SecurityContextConstraints usable by the pod's service account admits its security settings.
    S("k8s_scc_forbidden", K.permissions_rbac, 0.88,
      patterns=(r"unable to validate against any security context constraint",),
      causes=("OpenShift refused to create the pod: no SecurityContextConstraints that its service account may use allows the "
              "pod's security settings (runAsUser outside the namespace's range, fsGroup, privileged, hostPath or host network)",),
      commands=C.JOB + C.K8S_EVENTS + ("kubectl get scc",),
      reason="Shows the Job's FailedCreate event with the settings each SCC refused"),
    # Helm waits for a hook's Job (a migration, a backup before upgrade) until its --timeout (5m by default): a hook
    # Job still running then fails the release, even if it completes later.
    S("helm_hook_timeout", K.timeout_deadline, 0.75,
      yields_to=frozenset({K.resource_quota_scheduling, K.image_pull, K.missing_config_or_secret, K.permissions_rbac}),
      patterns=(r"(?P<hook>(?:pre|post)-(?:install|upgrade|delete|rollback)) hooks failed: (?:timed out waiting for the condition|"
                r"context deadline exceeded)",
                # Helm 2 (Tiller): `Release "x" pre-upgrade chart/templates/job.yaml could not complete: timed out waiting ...`
                r"\b(?P<hook>(?:pre|post)-(?:install|upgrade|delete|rollback)) \S+ could not complete: timed out waiting for the condition"),
      causes=("Helm gave up waiting for the {hook} hook Job: it was still running when Helm's --timeout (5 minutes by "
              "default) ran out, so the release failed (a slow migration, or a hook pod that could not start)",),
      commands=C.JOB + ("kubectl get jobs -n {ns}",) + C.K8S_EVENTS,
      reason="Shows the hook Job's pods, how long it ran and whether it finished after Helm gave up"),
    # PodSecurityPolicy (removed in 1.25): no policy the pod's service account may use admits its security settings.
    S("k8s_psp_forbidden", K.permissions_rbac, 0.86,
      patterns=(r"unable to validate against any pod security policy", r"PodSecurityPolicy: unable to admit pod",
                r"is forbidden: no providers available to validate pod request"),
      causes=("No PodSecurityPolicy that the Job's service account may use admits the pod's security settings (privileged, "
              "hostPath, host PID/ports, fsGroup or user ranges), so its pods are never created",),
      commands=C.JOB + C.K8S_EVENTS + ("kubectl get podsecuritypolicies",),
      reason="Shows the Job's FailedCreate event with the settings the policies refused"),
    # A Job that stays behind from an earlier deploy or run (a Helm hook whose delete policy is only
    # hook-succeeded, an interrupted upgrade) blocks creating it again under the same name.
    S("k8s_job_already_exists", K.overlap_concurrency, 0.8,
      patterns=(r"jobs\.batch \\?\"(?P<leftover_job>[^\"\\]+)\\?\" already exists",),
      causes=("A Job named {leftover_job} is left over from an earlier run or deploy (a Helm hook without the "
              "before-hook-creation delete policy, or a run that was interrupted), so the new one could not be created",),
      commands=("kubectl describe job {leftover_job} -n {ns}", "kubectl get jobs -n {ns}") + C.JOB,
      reason="Shows the leftover Job: when it ran and whether it finished"),
    # A deploy that changes an existing Job: a Job's pod template cannot be changed after creation.
    S("k8s_job_template_immutable", K.bad_code_or_bug, 0.75,
      patterns=(r"Job\.batch \\?\"(?P<patched_job>[^\"\\]+)\\?\" is invalid: spec\.template:(?:\s|$)",),
      causes=("The deploy tried to change the existing Job {patched_job}, but a Job's pod template is immutable: the chart or "
              "manifest must recreate it (a hook with before-hook-creation, or a new name per release) instead of patching it",),
      commands=("kubectl describe job {patched_job} -n {ns}", "kubectl get jobs -n {ns}") + C.JOB,
      reason="Shows the existing Job the deploy tried to change"),
    # A name (or label) over the API's length limit: a CronJob's name may have at most 52 characters, because its
    # controller appends an 11-character suffix to name each Job (63 at most). Charts that build names from the
    # release name break when the release name grows.
    S("k8s_name_too_long", K.bad_code_or_bug, 0.8,
      patterns=(r"(?P<kind>\w+)(?:\.batch)? \\?\"(?P<obj>[^\"\\]+)\\?\" is invalid: (?P<field>[\w.\[\]]+): Invalid value: "
                r".{0,200}?must be no more than (?P<max>\d+) characters",
                r"Invalid value: \\?\"(?P<obj>[^\"\\]+)\\?\": must be no more than (?P<max>52|63) characters",
                # the same message wrapped over lines where it was pasted
                r"^\s*must be no more than (?P<max>52|63) characters\s*$"),
      causes=("The API server refused {kind} {obj}: its {field} is longer than {max} characters (a CronJob's name may have at "
              "most 52, because each Job gets an 11-character suffix); the manifest or chart must shorten it",
              "The API server refused the object: a name or label is longer than {max} characters (a CronJob's name may have at "
              "most 52, because each Job gets an 11-character suffix); the manifest or chart must shorten it"),
      commands=("kubectl get cronjobs -n {ns}",) + C.K8S_EVENTS,
      reason="Shows the CronJobs in the namespace and the events of the refused create"),
    # Velero's file-system backup (restic/kopia) of pod volumes did not finish within its operation timeout.
    S("velero_pod_volume_timeout", K.timeout_deadline, 0.82,
      patterns=(r"timed out waiting for all (?P<pv_resource>PodVolumeBackups|PodVolumeRestores) to complete",),
      causes=("Velero's file-system backup or restore of pod volumes (restic/kopia, its {pv_resource}) did not finish within "
              "its timeout (--fs-backup-timeout, formerly --restic-timeout): a volume is too large for it, or the node-agent "
              "is slow or stuck",),
      commands=("kubectl get {pv_resource} -A", "kubectl get podvolumebackups -A") + C.JOB_LOGS,
      reason="Shows each pod volume backup's phase and progress, to see which volume did not finish"),
    S("velero_no_backup_location", K.missing_config_or_secret, 0.85,
      patterns=(r"no backup storage locations found",
                r"backupstoragelocations\.velero\.io \\?\"(?P<bsl>[^\"\\]+)\\?\" not found"),
      causes=("Velero has no BackupStorageLocation named {bsl}: the backup points at a location that is not configured",
              "Velero has no BackupStorageLocation configured, so the backup has nowhere to go"),
      commands=("kubectl get backupstoragelocations -A",) + C.JOB_LOGS,
      reason="Shows the backup storage locations Velero knows, and their phase"),
    S("velero_plugin_missing", K.missing_config_or_secret, 0.82,
      patterns=(r"unable to locate (?P<kind>ObjectStore|VolumeSnapshotter|BackupItemAction|RestoreItemAction) plugin named (?P<plugin>[\w./-]+)",),
      causes=("Velero has no {kind} plugin {plugin}: the provider's plugin is not installed (it is added as an initContainer "
              "of the Velero deployment)",),
      commands=("kubectl get backupstoragelocations -A",) + C.JOB_LOGS,
      reason="Shows each backup location's provider, whose plugin Velero must have installed"),
    # CloudNativePG: a (scheduled) Backup using the barmanObjectStore method on a Cluster without spec.backup.
    S("cnpg_backup_not_configured", K.missing_config_or_secret, 0.85,
      patterns=(r"cannot proceed with the backup as the cluster has no backup section",),
      causes=("The PostgreSQL Cluster has no backup section (spec.backup) for the backup's method: the object store is not "
              "configured on the Cluster, or the backup should use the plugin method",),
      commands=("kubectl get backups.postgresql.cnpg.io -n {ns}", "kubectl get clusters.postgresql.cnpg.io -n {ns} -o yaml"),
      reason="Shows each backup's method and phase"),
    # Debian's layout keeps one client per PostgreSQL major version: the image has none for the server's.
    S("pg_client_major_missing", K.dependency_version, 0.82,
      patterns=(r"(?P<path>/usr/lib/postgresql/+(?P<pg_major>\d+)/bin/(?:pg_dumpall|pg_dump|psql|pg_restore|pg_basebackup)): "
                r"No such file or directory",),
      causes=("The job's image has no PostgreSQL {pg_major} client ({path} does not exist): the image is older than the "
              "database's major version and must be updated",),
      commands=C.POD + C.JOB + C.CRONTAB,
      reason="Shows the image the backup job runs"),
    # etcdctl snapshot save takes one member: ETCDCTL_ENDPOINTS / --endpoints listing the whole cluster fails.
    S("etcdctl_snapshot_multiple_endpoints", K.bad_code_or_bug, 0.86,
      patterns=(r"snapshot must be requested to one selected node, not multiple",),
      causes=("etcdctl snapshot save was given several endpoints (--endpoints or ETCDCTL_ENDPOINTS); a snapshot must be "
              "requested from exactly one etcd member",),
      commands=C.WHERE_IT_RAN,
      reason="Shows the command and environment the backup job runs etcdctl with"),
]

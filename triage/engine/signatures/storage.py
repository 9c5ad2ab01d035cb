"""Storage and input-data signatures: full disks, read-only or failing filesystems, file
limits, and input files or partitions that are not there.

A missing path is classified by what it looks like: input data (csv, parquet, /incoming/)
is data_input_missing; a config, key or script path is missing_config_or_secret.
"""

from __future__ import annotations

import posixpath
import re

from triage.engine.signatures import checks as C
from triage.engine.signatures.logview import LogView
from triage.engine.signatures.model import Hit
from triage.engine.signatures.model import Signature as S
from triage.models import Category as K

_DATA = re.compile(
    r"\.(?:csv|tsv|json|jsonl|ndjson|parquet|avro|orc|xml|xlsx?|gz|bz2|zip|tar|txt|dat|feather|pkl|pickle|h5|db)$|"
    r"/(?:data|input|inputs|incoming|inbox|landing|exports?|imports?|raw|staging|uploads?|feeds?|dumps?|reports?|archive|drop|outbox)(?:/|$)",
    re.IGNORECASE,
)
_CONFIG = re.compile(
    r"\.(?:conf|cfg|ini|ya?ml|toml|env|properties|pem|key|crt|cert|p12|jks|kubeconfig)$|/etc/|/secrets?/|/config/|credentials|\.ssh/|/\.aws/|/\.kube/",
    re.IGNORECASE,
)
_PROGRAM = re.compile(r"\.(?:sh|py|pl|rb|jar|js|bin|exe)$|/bin/|/sbin/|/libexec/|/scripts?/|/entrypoint", re.IGNORECASE)


# What an earlier failure in the same run leaves behind as a missing or empty input: the
# download that could not resolve or reach its host, the producing step that was killed,
# timed out, found the disk full or was refused.
_LEFT_BEHIND_BY = frozenset({K.network_dns, K.dependency_unavailable, K.oom, K.timeout_deadline, K.disk_full,
                             K.credentials_expired, K.permissions_rbac})


def classify_path(path: str) -> str:
    if _CONFIG.search(path):
        return "config"
    if _PROGRAM.search(path):
        return "program"
    if _DATA.search(path):
        return "data"
    return "unknown"


# A path built from a value that was never set: Python's None, JavaScript's undefined/null, a
# float NaN, or an empty template field.
_UNSET_PART = re.compile(r"(?:^|[/\\])(?:None|undefined|null|NaN|nan)(?:$|[/\\.])|\{\w*\}")


def _missing_path(hit: Hit, view: LogView) -> Hit:
    path = hit.groups.get("path", "")
    if path:
        hit.groups["dir"] = posixpath.dirname(path.rstrip("/")) or "/"
    kind = classify_path(path) if path else "unknown"
    if path and _UNSET_PART.search(path.split("://", 1)[-1]):
        # Not a file that failed to arrive: the code put an unset value into the path.
        hit.category, hit.confidence = K.bad_code_or_bug, 0.75
        hit.causes = ("The path {path} was built from a value that was never set (None/undefined in it): "
                      "the code or its arguments, not a missing file",)
    elif kind == "data":
        hit.category, hit.confidence = K.data_input_missing, 0.82
        hit.causes = ("The input {path} does not exist: the upstream step that produces it did not deliver",)
    elif kind == "config":
        hit.category, hit.confidence = K.missing_config_or_secret, 0.82
        hit.causes = ("The configuration or credential file {path} does not exist where the job runs",)
    elif kind == "program":
        hit.category, hit.confidence = K.missing_config_or_secret, 0.72
        hit.causes = ("The script or program {path} the job runs does not exist (wrong path or not deployed)",)
    elif path:
        hit.category, hit.confidence = K.data_input_missing, 0.6
    else:
        hit.category, hit.confidence = K.data_input_missing, 0.45
    return hit


def _disk_dir(hit: Hit, view: LogView) -> Hit:
    path = hit.groups.get("path", "")
    if path:
        hit.groups["dir"] = posixpath.dirname(path.rstrip("/")) or "/"
    if any("quota" in line.lower() for line in hit.lines):
        hit.causes = ("The job hit a disk quota while writing {path}", "The job hit a disk quota")
    return hit


def _read_only(hit: Hit, view: LogView) -> Hit:
    if view.event.kubernetes:
        hit.category, hit.confidence = K.permissions_rbac, 0.72
        hit.causes = ("The job wrote to a read-only filesystem (readOnlyRootFilesystem, or a read-only volume mount)",)
    return hit


SIGNATURES = [
    S("disk_full", K.disk_full, 0.95, refine=_disk_dir,
      patterns=(r"\[Errno 28\] No space left on device: '(?P<path>[^']+)'",
                r"could not (?:write|extend|create)(?: to)? file \"(?P<path>[^\"]+)\": No space left on device",
                r"write (?P<path>/\S+): no space left on device",
                r"(?P<path>/[^\s:'\"]+): (?:write error: |cannot write: )?No space left on device",
                r"No space left on device", r"\bENOSPC\b", r"\[Errno 28\]", r"Disk quota exceeded", r"\bEDQUOT\b",
                # errno 28 is ENOSPC: mysqldump `Got errno 28 on write`, MySQL `(Errcode: 28 ...)`, `Got error 28 from storage engine`
                r"\berrno[ :=]*28\b", r"\bErrcode: 28\b", r"\bGot error 28 from storage engine\b",
                r"There is not enough space on the disk", r"not enough (?:free )?(?:disk )?space",
                # A cloud drive or bucket with a storage quota (Google Drive, OneDrive, WebDAV's 507): the same, remotely.
                r"\bstorageQuotaExceeded\b", r"storage quota (?:has been |was )?exceeded", r"\b507 Insufficient Storage\b",
                r"\bquotaExceeded\b.{0,80}\b(?:storage|space)\b",
                # borg's repository (local, or the server's disk behind `borg serve`) and its --storage-quota
                r"Insufficient free space to complete transaction", r"The storage quota \([^)]+\) has been exceeded"),
      causes=("The disk holding {path} is full (No space left on device)", "A disk the job writes to is full (No space left on device)"),
      commands=("df -h {dir}",) + C.POD + ("df -h",),
      reason="Shows how full the filesystem is (and, with -i, its inodes)"),
    S("read_only_filesystem", K.scheduler_infra, 0.66, refine=_read_only,
      patterns=(r"Read-only file system", r"\bEROFS\b"),
      causes=("The filesystem is read-only: it was remounted read-only, often after disk errors",),
      commands=C.POD + ("cat /proc/mounts",)),
    S("too_many_open_files", K.resource_quota_scheduling, 0.75,
      patterns=(r"Too many open files", r"\bEMFILE\b"),
      causes=("The job hit its open-file limit (ulimit -n)",),
      commands=("cat /proc/sys/fs/file-nr",) + C.WHERE_IT_RAN),
    S("io_error", K.scheduler_infra, 0.7,
      patterns=(r"Input/output error", r"\bEIO\b", r"\bI/O error\b"),
      causes=("The storage under the job returned I/O errors (failing disk or volume)",),
      commands=("journalctl -k -g 'I/O error' --no-pager -n 20",) + C.POD),
    S("stale_mount", K.scheduler_infra, 0.75,
      patterns=(r"Stale (?:NFS )?file handle", r"\bESTALE\b", r"Transport endpoint is not connected"),
      causes=("A network filesystem the job uses went away (stale file handle / disconnected mount)",),
      commands=("cat /proc/mounts",) + C.POD),
    # A filesystem the kernel found inconsistent (EUCLEAN): it refuses it until fsck / xfs_repair.
    S("filesystem_corrupted", K.scheduler_infra, 0.75,
      patterns=(r"Structure needs cleaning", r"\bEUCLEAN\b"),
      causes=("The filesystem under the job is corrupted (Structure needs cleaning): the kernel refuses it until it is "
              "repaired (fsck or xfs_repair)",),
      commands=("journalctl -k -g 'corrupt|Structure needs cleaning' --no-pager -n 20",) + C.POD,
      reason="Shows the kernel's filesystem-corruption messages and which device they name"),
    # The file server behind a network mount (SMB/CIFS, NFS) did not answer.
    S("network_share_unavailable", K.dependency_unavailable, 0.7,
      patterns=(r"mount error\(\d+\): Host is down", r"\bHost is down\b", r"\bEHOSTDOWN\b"),
      causes=("The server of a network file share did not answer (Host is down): the file server is off or unreachable; "
              "mount.cifs says the same when the server does not speak the SMB version asked for (vers=)",),
      commands=("cat /proc/mounts",) + C.POD,
      reason="Shows which network shares are mounted now"),
    S("nfs_export_denied", K.permissions_rbac, 0.8,
      patterns=(r"mount(?:\.nfs4?)?: access denied by server while mounting (?P<export>\S+)",),
      causes=("The NFS server refused to export {export} to this host: its exports do not admit this client, or the path "
              "is not exported",),
      commands=("cat /proc/mounts",) + C.POD),
    # EFBIG: bigger than the target filesystem allows per file (4 GiB on FAT32) or the job's ulimit -f.
    S("file_too_large", K.resource_quota_scheduling, 0.72,
      patterns=(r"\bFile too large\b", r"\bEFBIG\b", r"File size limit exceeded"),
      causes=("The job wrote a file larger than its target allows (File too large): the destination filesystem's per-file "
              "limit (4 GiB on FAT32) or the job's file-size ulimit",),
      commands=("df -hT",) + C.POD,
      reason="Shows each filesystem's type (FAT32/vfat caps a file at 4 GiB)"),
    S("input_missing", K.data_input_missing, 0.6, refine=_missing_path, consequence_of=_LEFT_BEHIND_BY,
      patterns=(r"FileNotFoundError: \[Errno 2\] No such file or directory: '(?P<path>[^']+)'",
                r"can't open file '(?P<path>[^']+)': \[Errno 2\]",
                r"(?:can't|cannot|could not|unable to) (?:open|access|stat|read|find)(?: file)? '?(?P<path>[^':\s]+)'?: No such file or directory",
                r"ENOENT: no such file or directory, \w+ '(?P<path>[^']+)'",
                r"open (?P<path>/\S+): no such file or directory",
                r"java\.io\.FileNotFoundException: (?P<path>\S+) \(No such file or directory\)",
                r"^FileNotFoundError: (?P<path>[^\s\[]\S*)$",
                r"(?P<path>/[^\s:'\"]+): No such file or directory", r"'(?P<path>[^']+)': No such file or directory",
                r"No such file or directory: '(?P<path>[^']+)'",
                # rsync quotes the path: `rsync: change_dir "/srv/export" failed: No such file or directory (2)`
                r"rsync: (?:\[\w+\] )?[\w ]+ \"(?P<path>/[^\"]+)\" failed: No such file or directory",
                r"No such file or directory"),
      causes=("The file {path} does not exist", "A file the job needs does not exist"),
      commands=("ls -l {dir}", "ls -l {path}") + C.WHERE_IT_RAN,
      reason="Shows what is (and is not) in the directory the job reads"),
    S("input_empty_or_absent", K.data_input_missing, 0.82, consequence_of=_LEFT_BEHIND_BY,
      patterns=(r"pandas\.errors\.EmptyDataError: No columns to parse from file", r"\bEmptyDataError\b",
                r"Path does not exist: (?P<path>\S+)", r"\[PATH_NOT_FOUND\] Path does not exist: (?P<path>\S+)",
                r"File does not exist: (?P<path>\S+)", r"Input path does not exist: (?P<path>\S+)",
                r"No (?:input )?files (?:found|matched|to process)", r"No data (?:found|available)", r"No records found",
                r"No rows (?:found|to process)", r"No objects found",
                r"input (?:file|path|data) \S* ?(?:is empty|not found|does not exist)"),
      causes=("The input {path} is absent", "The job's input was empty or absent: the upstream data did not arrive"),
      commands=("ls -l {path}",) + C.WHERE_IT_RAN),
]

"""Storage failures of scheduled jobs that the engine used to abstain on: network shares that are down or refuse the
host, corrupted filesystems, files too large for their target. Each line is quoted from the URL above it; the thread
established the cause."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case

CASES = [
    # A CIFS share whose server was off: https://github.com/simatec/ioBroker.backitup/issues/251 (the NAS), and
    # https://github.com/Freetz-NG/freetz-ng/issues/61 (the same error for an SMB version the server did not speak)
    Case("cifs_mount_host_down", "cron",
         "2020-03-01 09:50:20.102  - debug: backitup.0 (10627) [iobroker/mount] mount error(112): Host is down",
         "dependency_unavailable", ("Host is down",), ("cat /proc/mounts",), 0.65, 0.79, signature="network_share_unavailable"),
    Case("cifs_mount_host_down_147", "cron",
         "mount error(147): Host is down\nRefer to the mount.cifs(8) manual page (e.g. man mount.cifs)",
         "dependency_unavailable", ("vers=",), (), 0.65, 0.79),
    # NFS exports that do not admit the client: https://github.com/systemd/systemd/issues/7909,
    # https://github.com/kubernetes-sigs/nfs-subdir-external-provisioner/issues/188 (kubelet mounting the provisioner's volume)
    Case("nfs_access_denied_fstab", "cron",
         "Jan 16 22:57:24 desktop0 mount: mount.nfs: access denied by server while mounting server0.example.com:/protected",
         "permissions_rbac", ("server0.example.com:/protected",), (), 0.75, signature="nfs_export_denied"),
    Case("nfs_access_denied_kubelet", "k8s",
         "Output: mount.nfs: access denied by server while mounting <<IP>>2:/CI_Kubernetes_NFS",
         "permissions_rbac", (), ("kubectl describe pod",), 0.75, signature="nfs_export_denied"),
    # EUCLEAN from a corrupted XFS volume: https://github.com/hwameistor/hwameistor/issues/1042
    Case("mount_structure_needs_cleaning", "k8s", "mount failed: Structure needs cleaning",
         "scheduler_infra", ("corrupted",), (), 0.7, signature="filesystem_corrupted"),
    # A backup bigger than the target's per-file limit (FAT32): https://github.com/dnschneid/crouton/issues/823,
    # https://github.com/procount/pinn/issues/939 (the tool's own guess "Disk full?" was wrong: the stick was FAT32)
    Case("gzip_file_too_large", "cron", "gzip: stdout: File too large\nUnable to back up\nDeleting partial archive",
         "resource_quota_scheduling", ("FAT32",), ("df -hT",), 0.7, 0.79, signature="file_too_large"),
    Case("pigz_file_too_large", "cron",
         ' pigz: abort write error on <stdout> (File too large)\n"Error writing raspios_arm64: Disk full?"',
         "resource_quota_scheduling", (), (), 0.7, 0.79, signature="file_too_large"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_storage_breadth2(case: Case) -> None:
    check_case(case)

"""Backup jobs (rsync, restic, borg) as those tools print their failures (lines from public
reports, URL above each)."""

from __future__ import annotations

import pytest

from tests.signatures.support import diagnose


@pytest.mark.parametrize("log,path", [
    # https://github.com/bit-team/backintime/issues/1587 (code 23 follows the line that says why)
    ('[E] Error: rsync: [sender] send_files failed to open "/home/user/Documents/root_only_file.txt": Permission denied (13)\n'
     "[I] Take snapshot (rsync: rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1338) "
     "[sender=3.2.7])\n[E] 'rsync' ended with exit code 23: See 'man rsync' for more details", "/home/user/Documents/root_only_file.txt"),
    # https://github.com/bit-team/backintime/issues/1075
    ('rsync: failed to set times on "/home": Operation not permitted (1)\n'
     "rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1677) [generator=3.1.3]", "/home"),
])
def test_rsync_partial_transfer_names_the_path_it_could_not_access(log: str, path: str) -> None:
    h = diagnose("cron", log)
    assert h.category.value == "permissions_rbac" and h.confidence >= 0.8
    assert h.command == f"ls -ld {path}"


@pytest.mark.parametrize("log", [
    # https://github.com/phoerious/rs-backup-suite/issues/6
    "ERROR: Backup failed! Error message: rsync: connection unexpectedly closed (0 bytes received so far) [sender]\n"
    "rsync error: error in rsync protocol data stream (code 12) at io.c(605) [sender=3.0.9]",
    # https://github.com/microsoft/WSL/issues/3285
    "rsync: connection unexpectedly closed (12776503928 bytes received so far) [receiver]\n"
    "rsync error: error in rsync protocol data stream (code 12) at io.c(226) [receiver=3.1.1]",
    # https://github.com/ktsr42/RsyncServerApp/issues/2
    "rsync: connection unexpectedly closed (0 bytes received so far) [Receiver]\n"
    "rsync error: error in rsync protocol data stream (code 12) at io.c(235) [Receiver=3.1.2]",
])
def test_rsync_connection_closed_is_a_hint_about_the_other_side(log: str) -> None:
    h = diagnose("cron", log)
    assert h.category.value == "dependency_unavailable" and h.signature == "rsync_connection_closed"
    assert h.confidence <= 0.6


def test_the_reason_before_an_rsync_disconnect_wins() -> None:
    # A composed log (ssh's refusal, then rsync's disconnect lines as in rs-backup-suite#6): the
    # specific reason before the disconnect is the cause, not the disconnect.
    log = ("Permission denied (publickey).\n"
           "rsync: connection unexpectedly closed (0 bytes received so far) [sender]\n"
           "rsync error: error in rsync protocol data stream (code 12) at io.c(605) [sender=3.0.9]")
    h = diagnose("cron", log)
    # Under cron, ssh's refusal reads as the job's missing key (see test_shell's ssh_publickey).
    assert h.signature == "git_auth_failed" and h.category.value == "missing_config_or_secret", h.signature


@pytest.mark.parametrize("log", [
    # https://github.com/NethServer/dev/issues/6137
    "Fatal: create repository at /mnt/backup-daily-backup-restic failed: config file already exists\n\n"
    "Fatal: wrong password or no key found\nBackup failed",
    # https://github.com/nicotsx/zerobyte/issues/373
    'zerobyte  | error > Restic unlock failed: {"message_type":"exit_error","code":12,"message":"Fatal: wrong password or no key found"}',
    # https://github.com/borgbackup/borg/issues/8950
    "passphrase supplied in BORG_PASSPHRASE, by BORG_PASSCOMMAND or via BORG_PASSPHRASE_FD is incorrect",
])
def test_a_rejected_repository_password_is_a_credential_problem(log: str) -> None:
    h = diagnose("cron", log)
    assert h.category.value == "credentials_expired" and h.signature == "backup_repo_password_rejected"
    assert h.command.startswith("crontab -l")


@pytest.mark.parametrize("log,signature", [
    # https://github.com/creativeprojects/resticprofile/issues/521
    ("reading repository password from stdin\nFatal: an empty password is not allowed by default. Pass the flag "
     "`--insecure-no-password` to restic to disable this check\n2025/06/28 15:05:05 check on profile 'default': exit status 1",
     "backup_repo_password_missing"),
    # https://github.com/borgbackup/borg/issues/608 (a prompt cron cannot answer)
    ("Warning: Attempting to access a previously unknown unencrypted repository!", "backup_repo_password_missing"),
    # https://github.com/borgbackup/borg/issues/3215 (BORG_REPO not set: only the archive part is left)
    ("Repository ::{hostname}-{now} does not exist.", "backup_repo_not_found"),
    # https://github.com/OpenMediaVault-Plugin-Developers/openmediavault-borgbackup/issues/8 (an unrendered template)
    ("Fri Jan 17 10:05:01 CET 2020 Starting backup\n\nRepository /root/{{ ns.uri }} does not exist.\n"
     "terminating with error status, rc 2", "backup_repo_not_found"),
])
def test_a_backup_job_without_its_repository_settings_is_missing_configuration(log: str, signature: str) -> None:
    h = diagnose("cron", log)
    assert h.category.value == "missing_config_or_secret" and h.signature == signature
    assert h.command.startswith("crontab -l")

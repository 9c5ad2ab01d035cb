"""Shell and cron signatures: what sh/bash, coreutils, apt/flock and cron print."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case, diagnose

CASES = [
    Case("dash_not_found_cron", "cron", "/bin/sh: 1: pg_dump: not found", "missing_config_or_secret",
         ("pg_dump", "PATH"), ("crontab -l",), 0.8),
    Case("bash_command_not_found_cron", "cron", "/opt/backup/run.sh: line 12: aws: command not found",
         "missing_config_or_secret", ("aws",), ("crontab -l",), 0.8),
    Case("env_interpreter_missing", "cron", "/usr/bin/env: 'python3.11': No such file or directory",
         "missing_config_or_secret", ("python3.11",), (), 0.8),
    Case("command_not_found_in_image", "k8s", "sh: 1: jq: not found", "bad_code_or_bug", ("jq", "image"), (), 0.7),
    Case("permission_denied_path", "cron",
         "PermissionError: [Errno 13] Permission denied: '/var/backups/db/2024-05-01.sql.gz'",
         "permissions_rbac", ("/var/backups/db/2024-05-01.sql.gz",), ("ls -ld /var/backups/db/2024-05-01.sql.gz",), 0.8),
    Case("permission_denied_script", "cron", "/bin/sh: 1: /opt/backup/run.sh: Permission denied", "permissions_rbac",
         ("/opt/backup/run.sh",), ("ls -ld /opt/backup/run.sh",), 0.8),
    # https://trac.edgewall.org/wiki/UnicodeEncodeError (the message); cron sets no LANG
    Case("ascii_codec_under_cron", "cron",
         "UnicodeEncodeError: 'ascii' codec can't encode character u'\\xee' in position 3: ordinal not in range(128)",
         "other", ("UTF-8",), ("crontab -l",), 0.7),
    Case("setlocale", "cron", "/opt/backup/run.sh: line 3: warning: setlocale: LC_ALL: cannot change locale (en_US.UTF-8)",
         "other", ("locale",), (), 0.7),
    Case("unbound_variable", "cron", "/opt/backup/run.sh: line 8: BACKUP_BUCKET: unbound variable",
         "missing_config_or_secret", ("BACKUP_BUCKET",), ("crontab -l",), 0.8),
    Case("apt_lock_held", "cron",
         "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 2211 (apt)\n"
         "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?",
         "overlap_concurrency", ("/var/lib/dpkg/lock-frontend",), ("ps -o pid,etime,args -p 2211",), 0.8),
    Case("another_instance", "cron", "2024-05-01 02:00:01 backup: another instance is already running (pid 4121), exiting",
         "overlap_concurrency", (), (), 0.8),
    # https://github.com/equinor/ert/issues/7797 (perl under the OOM killer prints `Killed`)
    Case("shell_killed", "cron", "loading table orders\nKilled", "oom", ("Killed",), (), 0.75),
    Case("bash_job_killed", "cron", "/opt/backup/run.sh: line 14:  4121 Killed                  pg_dump -Fc sales > /var/backups/sales.dump",
         "oom", (), (), 0.75),
    # https://github.com/equinor/ert/issues/7797 and docker/for-linux#1001 (kernel log lines)
    Case("kernel_oom_killer", "cron",
         "2024-04-29T14:55:41,679700+02:00 Out of memory: Killed process 1440763 (perl) total-vm:87033376kB, "
         "anon-rss:60356340kB, file-rss:0kB, shmem-rss:0kB, UID:21417 pgtables:169956kB oom_score_adj:0",
         "oom", ("perl", "1440763"), (), 0.9),
    Case("timeout_124", "cron", "dumping...\ncommand exited with status 124", "timeout_deadline", ("timeout",), (), 0.55, 0.7),
    # dash, which runs crontab lines on Debian/Ubuntu: an unescaped % in a crontab line ends the
    # command early (https://github.com/Signbank/Global-signbank/issues/101 has the backquote form).
    Case("dash_unterminated_quote", "cron", "/bin/sh: 1: Syntax error: Unterminated quoted string", "bad_code_or_bug",
         ("syntax",), (), 0.8),
    Case("dash_unexpected_token", "cron", "/usr/local/bin/rotate.sh: 14: Syntax error: end of file unexpected (expecting \"fi\")",
         "bad_code_or_bug", ("syntax",), (), 0.8),
    # https://github.com/filesender/filesender/issues/842: a stray heredoc terminator on line 3.
    Case("heredoc_terminator_run_as_command", "cron",
         "/etc/cron.daily/filesender:\n/etc/cron.daily/filesender: 3: /etc/cron.daily/filesender: EOF: not found\n"
         "run-parts: /etc/cron.daily/filesender exited with return code 127",
         "bad_code_or_bug", ("EOF",), ("cat -n /etc/cron.daily/filesender",), 0.75),
    Case("dash_names_the_script", "cron", "/usr/local/bin/sync.sh: 12: rsync: not found", "missing_config_or_secret",
         ("rsync",), ("crontab -l",), 0.8),
    # https://github.com/mailcow/mailcow-dockerized/issues/261: overlayfs makes cron.d files look hard-linked.
    Case("cron_hard_links", "cron", "dovecot-mailcow_1    | May  9 18:07:01 mx-de cron[39]: (*system*imapsync) NUMBER OF HARD LINKS > 1 "
         "(/etc/cron.d/imapsync)", "scheduler_infra", ("/etc/cron.d/imapsync", "link count"), ("ls -l /etc/cron.d/imapsync",), 0.8),
    # A Go CLI (urfave/cli) whose flag was renamed in a newer image (vmware-tanzu/velero#1118).
    Case("go_cli_flag_removed", "k8s", "Incorrect Usage. flag provided but not defined: -config-folder\nNAME:\n  mc - Minio Client",
         "dependency_version", ("-config-folder",), (), 0.55, 0.79),
    Case("syntax_error", "cron", "/opt/backup/run.sh: line 22: syntax error near unexpected token `fi'", "bad_code_or_bug",
         ("syntax",), (), 0.8),
    Case("fork_limit", "cron", "/opt/backup/run.sh: fork: retry: Resource temporarily unavailable", "resource_quota_scheduling", (), (), 0.75),
    Case("git_no_username", "cron", "fatal: could not read Username for 'https://github.com': No such device or address",
         "missing_config_or_secret", ("https://github.com",), ("crontab -l",), 0.75),
    # Under cron the key the shell offers (an ssh-agent, another user's ~/.ssh) is usually not there: a
    # setup problem more often than a revoked key, and not certain either way.
    Case("ssh_publickey", "cron", "git@github.com: Permission denied (publickey).\nfatal: Could not read from remote repository.",
         "missing_config_or_secret", ("ssh-agent",), ("ls -l /home/backup/.ssh",), 0.6, 0.79, signature="git_auth_failed"),
    Case("ssh_publickey_in_a_pod", "k8s", "git@github.com: Permission denied (publickey).\nfatal: Could not read from remote repository.",
         "credentials_expired", (), (), 0.8),
    Case("docker_daemon", "cron", "docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?.",
         "dependency_unavailable", ("unix:///var/run/docker.sock",), (), 0.8),
    # https://github.com/backup/backup/issues/97 (mysqldump lives in /usr/local/bin, outside cron's PATH)
    Case("bare_not_found", "cron", "mysqldump: not found", "missing_config_or_secret", ("mysqldump", "PATH"), ("crontab -l",), 0.8),
    # https://github.com/zalando/spilo/issues/569
    Case("dash_cannot_create", "cron", "/launch.sh: 24: /launch.sh: cannot create /etc/passwd: Permission denied",
         "permissions_rbac", ("/etc/passwd",), ("ls -ld /etc/passwd",), 0.8),
    # The wording of NousResearch/hermes-agent#82460's cron script timeout
    Case("script_timed_out", "cron", "Script timed out after 120s: /home/u/.hermes/scripts/report.sh", "timeout_deadline", ("120s",),
         ("crontab -l",), 0.7),
    # https://github.com/borgbackup/borg/issues/6047 (a second client hits the repository lock)
    Case("borg_lock_timeout", "cron", "Failed to create/acquire the lock /path/to/repo/lock.exclusive (timeout).\n"
         "terminating with error status, rc 2", "overlap_concurrency", ("/path/to/repo/lock.exclusive",), ("ps -ef",), 0.8),
    # https://github.com/borgbackup/borg/issues/813 (the server side of the same lock)
    Case("borg_lock_timeout_exception", "cron", "Remote: borg.locking.LockTimeout: /var/borg/backup/lock", "overlap_concurrency",
         ("/var/borg/backup/lock",), ("ps -ef",), 0.8),
    # https://github.com/restic/restic/issues/1450 (the PID is on another host: no `ps -p` here)
    Case("restic_repository_locked", "cron",
         "create exclusive lock for repository\nFatal: unable to create lock in backend: repository is already locked "
         "exclusively by PID 13 on backup-node1 by  (UID 0, GID 0)", "overlap_concurrency", (), ("restic list locks --no-lock",), 0.8),
    # https://github.com/opencaching/opencaching-pl/issues/176 (a PHP cron script's own flock check)
    Case("another_instance_of_script", "cron", "Another instance of run_notify.php is currently running.\nExiting.",
         "overlap_concurrency", ("run_notify.php",), ("ps -ef",), 0.8),
    # A job's own report of who holds its lock (the holder's pid is checked first).
    Case("lock_held_by_pid", "cron", "2024-05-01 02:00:05 WARNING warehouse lock /srv/locks/warehouse.lock is held by compact pid 10368",
         "overlap_concurrency", ("/srv/locks/warehouse.lock",), ("ps -o pid,etime,args -p 10368",), 0.7),
    # https://github.com/trick77/nftables-blacklist/issues/32 (ipset/iptables live in /sbin, outside cron's PATH)
    Case("missing_executables_check", "cron", "Error: missing executables among: curl egrep grep ipset iptables sed sort wc",
         "missing_config_or_secret", ("PATH",), ("crontab -l",), 0.7, 0.79),
    # https://github.com/extremeshok/clamav-unofficial-sigs/issues/213 (wget/curl in /usr/local/bin on FreeBSD)
    Case("both_tools_missing_check", "cron", "ERROR: both wget and curl commands are missing. One of them is required.",
         "missing_config_or_secret", ("wget", "PATH"), ("crontab -l",), 0.7, 0.79),
    # https://github.com/cloudavail/aws-missing-tools/issues/36 (fixed by setting PATH in the crontab)
    Case("must_be_installed_check", "cron",
         'In order to use ec2-automate-backup.sh, the executable "ec2-create-snapshot" must be installed',
         "missing_config_or_secret", ("ec2-create-snapshot",), ("crontab -l",), 0.7, 0.79),
    # https://github.com/billw2/rpi-clone/issues/64 (a script run from root's crontab without /sbin on PATH)
    Case("command_not_found_colon", "cron", "Command not found: parted      Package required: parted",
         "missing_config_or_secret", ("parted",), ("crontab -l",), 0.7, 0.79),
    Case("which_no_tool", "cron", "which: no pg_dump in (/usr/bin:/bin)", "missing_config_or_secret", ("pg_dump",), ("crontab -l",), 0.7),
    Case("tool_missing_in_image", "k8s", "ERROR: jq is not installed", "bad_code_or_bug", ("jq", "image"), ("kubectl describe pod",), 0.6, 0.79),
    Case("cd_failed", "cron", "/bin/sh: 1: cd: can't cd to /srv/exports", "missing_config_or_secret", ("/srv/exports",),
         ("ls -ld /srv/exports",), 0.7),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_shell_signature(case: Case) -> None:
    check_case(case)


def test_a_bare_exit_code_is_not_a_diagnosis() -> None:
    h = diagnose("cron", "starting backup\nbackup failed\nexit status 1")
    assert h.category.value == "other" and h.confidence <= 0.3
    assert h.cause.startswith("Unclear")
    assert "backup failed" in h.evidence


def test_killed_beats_the_generic_exit_code() -> None:
    h = diagnose("cron", "rows: 1000000\nKilled\nexit status 1")
    assert h.category.value == "oom"


def test_exit_code_from_the_event_is_used() -> None:
    h = diagnose("cron", "processing", {"exit_code": 127})
    assert h.category.value == "missing_config_or_secret"
    assert h.confidence <= 0.6


def test_crons_own_report_of_a_failed_job_is_not_a_cron_fault() -> None:
    # cron logs every failing job like this; the job's exit status is a hint, not a cron daemon error.
    h = diagnose("cron", "May  1 02:00:01 db1 CRON[4121]: (CRON) error (grandchild #4122 failed with exit status 1)")
    assert h.category.value == "other" and h.confidence <= 0.3


@pytest.mark.parametrize("line", [
    "ERROR: python3-psycopg2 package is not installed",
    "ModuleNotFoundError: module yaml is not installed",
    "curl: (28) Operation timed out after 30001 milliseconds with 0 bytes received",
])
def test_a_missing_library_or_a_slow_download_is_not_a_missing_program(line: str) -> None:
    h = diagnose("cron", line)
    assert h.signature not in ("tool_not_found_check", "job_timed_out"), h.signature


@pytest.mark.parametrize("log", [
    # https://github.com/elastic/apm-agent-java/pull/2577 (after the worker moved to a newer GnuPG)
    "11:33:16 [INFO] --- maven-gpg-plugin:1.6:sign (default) @ apm-agent-parent ---\n"
    "11:33:16 gpg: signing failed: Inappropriate ioctl for device",
    # https://github.com/oh2fih/securitytxt-tools/pull/2
    "gpg: signing failed: Inappropriate ioctl for device\ngpg: [stdin]: clear-sign failed: Inappropriate ioctl for device",
])
def test_gpg_without_a_terminal_is_the_pinentry_change(log: str) -> None:
    h = diagnose("cron", log)
    assert h.category.value == "dependency_version" and 0.6 <= h.confidence < 0.8
    assert "pinentry-mode loopback" in h.cause
    assert h.command.startswith("crontab -l")


@pytest.mark.parametrize("log,tool", [
    # argparse (Python's own wording for an option that lost its value or disappeared)
    ("usage: report.py [-h] [--full]\nreport.py: error: unrecognized arguments: --incremental", "report.py"),
    # GNU getopt, e.g. an older tar than the script was written for
    ("tar: unrecognized option '--zstd'\nTry 'tar --help' or 'tar --usage' for more information.", "tar"),
])
def test_a_program_rejecting_its_command_line_is_a_version_hint(log: str, tool: str) -> None:
    h = diagnose("cron", log)
    assert h.category.value == "dependency_version" and h.confidence < 0.8
    assert tool in h.cause


@pytest.mark.parametrize("log,path", [
    # https://github.com/microsoft/WSL2-Linux-Kernel/issues/133 (cloned with Windows line endings)
    ("-bash: ./deps.sh: /bin/bash^M: bad interpreter: No such file or directory", "./deps.sh"),
    # https://github.com/microsoft/mindaro/issues/5 (the same error in zsh's order)
    ("./local-process-quickstart.sh: bad interpreter: /bin/bash^M: no such file or directory", "./local-process-quickstart.sh"),
])
def test_a_script_with_windows_line_endings(log: str, path: str) -> None:
    h = diagnose("cron", log)
    assert h.category.value == "bad_code_or_bug" and h.confidence >= 0.8
    assert "CRLF" in h.cause
    assert h.command == f"cat -A {path}"


def test_bash_reading_carriage_returns_is_crlf() -> None:
    # https://github.com/xcode75/XManagerPlus/issues/109 (`bash update_cron.sh` on a CRLF file)
    h = diagnose("cron", "update_cron.sh: line 3: $'\\r': command not found\nupdate_cron.sh: line 5: $'\\r': command not found")
    assert h.category.value == "bad_code_or_bug" and "CRLF" in h.cause


def test_a_missing_interpreter_is_not_crlf() -> None:
    h = diagnose("cron", "/opt/jobs/report.py: /usr/bin/python: bad interpreter: No such file or directory")
    assert h.category.value == "missing_config_or_secret"
    assert h.command == "ls -l /usr/bin/python"


@pytest.mark.parametrize("log", [
    # https://github.com/dokku/dokku/issues/1909 (works in a terminal, fails from cron)
    "sudo: no tty present and no askpass program specified",
    # https://github.com/vmstan/gravity-sync/issues/84 (sudo >= 1.8.28 wording)
    "sudo: a terminal is required to read the password; either use the -S option to read from standard input "
    "or configure an askpass helper",
    # https://github.com/mikelynn2/blacklistmonitor/issues/2 (requiretty on CentOS)
    "sudo: sorry, you must have a tty to run sudo",
])
def test_sudo_asking_for_a_password_in_a_job(log: str) -> None:
    h = diagnose("cron", log)
    assert h.category.value == "permissions_rbac" and h.confidence >= 0.8
    assert "NOPASSWD" in h.cause


def test_argument_list_too_long() -> None:
    h = diagnose("cron", "/opt/cleanup.sh: line 4: /bin/rm: Argument list too long")
    assert h.category.value == "bad_code_or_bug"


@pytest.mark.parametrize("log,command", [
    # https://github.com/lyda/chkcrontab/issues/16 (group/other-writable file in /etc/cron.d)
    ("Jan 18 12:16:01 ffa24 cron[1084]: (*system*ffamfe_da) INSECURE MODE (group/other writable) (/etc/cron.d/ffamfe_da)",
     "ls -l /etc/cron.d/ffamfe_da"),
    # https://github.com/iredmail/dockerized/issues/72 (user crontab named relative to the spool)
    ("Aug 12 12:22:06 mail cron[711]: (root) INSECURE MODE (mode 0600 expected) (crontabs/root)",
     "ls -l /var/spool/cron/crontabs/root"),
    # https://github.com/gitbls/sdm/issues/80
    ("May  3 03:13:01 raspberrypi cron[411]: (*system*foo) WRONG FILE OWNER (/etc/cron.d/foo)", "ls -l /etc/cron.d/foo"),
    # https://github.com/sipcapture/homer/issues/137 (cronie's wording)
    ("Jan 12 15:42:42 homerTest103 crond[602]: (root) BAD FILE MODE (/etc/cron.d/sipcapture)", "ls -l /etc/cron.d/sipcapture"),
])
def test_cron_ignores_a_crontab_file_it_does_not_trust(log: str, command: str) -> None:
    # The daemon works; the file's mode or owner is wrong (chmod/chown fixes it): a permission problem.
    h = diagnose("cron", log)
    assert h.category.value == "permissions_rbac" and h.confidence >= 0.8
    assert h.command == command


def test_kubectl_without_a_kubeconfig_under_cron() -> None:
    # https://github.com/alexvanboxel/airflow-gcp-k8s/issues/7 (kubectl's fallback when no config is found)
    h = diagnose("cron", "The connection to the server localhost:8080 was refused - did you specify the right host or port?")
    assert h.category.value == "missing_config_or_secret"
    assert h.command.startswith("crontab -l")


@pytest.mark.parametrize("log", [
    # bash running an empty command name: `"$SENDMAIL" ...` after `SENDMAIL=$(command -v sendmail)` found nothing
    "/root/script/backup.sh: line 212: : command not found",
    # the same empty lookup reported by a script's own dependency check
    "Check if command '/usr/bin/gzip' was found ...[ OK ]\nCheck if command \"\" was found ...[FAILED]",
])
def test_an_empty_program_name_is_a_failed_path_lookup(log: str) -> None:
    h = diagnose("cron", log)
    assert h.category.value == "missing_config_or_secret" and h.confidence < 0.8
    assert h.command.startswith("crontab -l")


def test_cron_failing_to_mail_the_output_is_not_the_cause() -> None:
    # The cron.hourly shape: cron logs that it could not mail the output; the job's own error is the cause.
    log = ("Oct 19 06:17:01 host CRON[15809]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)\n"
           "/etc/cron.hourly/report: line 3: rsync: command not found\n"
           "Oct 19 06:17:01 host CRON[15808]: (CRON) info (No MTA installed, discarding output)")
    h = diagnose("cron", log)
    assert h.category.value == "missing_config_or_secret"
    assert "rsync" in h.cause


def test_the_kubernetes_clients_http_reason_is_not_a_missing_command() -> None:
    # kubernetes.client.exceptions.ApiException prints the HTTP reason on its own line, as in
    # KubernetesPodOperator logs: "(404)\nReason: Not Found". Shells print "X: not found" in lower case.
    log = ("kubernetes.client.exceptions.ApiException: (404)\nReason: Not Found\n"
           "HTTP response headers: HTTPHeaderDict({'Audit-Id': '5d1c', 'Content-Type': 'application/json'})")
    h = diagnose("airflow", log)
    assert h.signature != "shell_command_not_found", h.cause


@pytest.mark.parametrize("line", [
    # https://www.ibm.com/support/pages/cron-job-fails-error-message-getpwnam-failed-no-such-file-or-directory
    "crond[246590]: (/usr/bin/ssh) ERROR (getpwnam() failed)",
    # An /etc/crontab line without the user field, as posted in public cron notes (cronie on CentOS)
    "Nov 30 18:29:01 cyberpelican crond[1630]: (echo) ERROR (getpwnam() failed)",
    "Aug 06 02:30:01 crond: (/data/n8n/backup.sh) ERROR (getpwnam() failed - user unknown)",
])
def test_a_cron_entry_without_its_user_field_is_the_entrys_mistake(line: str) -> None:
    h = diagnose("cron", line)
    assert h.category.value == "bad_code_or_bug", h.cause
    assert "no user field" in h.cause and h.confidence >= 0.8


def test_an_unknown_user_that_is_a_user_name_stays_crons_own_error() -> None:
    h = diagnose("cron", "Oct  3 12:07:00 web01 cron[700]: (backup) ERROR (getpwnam() failed - user unknown)")
    assert h.category.value == "scheduler_infra"


def test_a_crontab_file_with_hard_links_is_the_file_systems_doing_not_a_mode_to_fix() -> None:
    # Docker's overlay file system shows image files with a link count above 1 (mailcow-dockerized#261's wording)
    h = diagnose("cron", "cron[1]: (*system*dovecot-sync) NUMBER OF HARD LINKS > 1 (/etc/cron.d/dovecot-sync)")
    assert h.category.value == "scheduler_infra", h.cause


@pytest.mark.parametrize("log", [
    # https://github.com/rclone/rclone/issues/1787 (works from a shell, not from cron)
    '2017/10/31 10:20:02 Config file "/root/.rclone.conf" not found - using defaults',
    # https://github.com/rclone/rclone/issues/730 (configured as one user, run as root)
    '2016/09/14 09:54:17 Failed to load config file "/root/.rclone.conf" - using defaults: open /root/.rclone.conf: no such file '
    'or directory\n2016/09/14 09:54:17 Failed to create file system for "source:/": didn\'t find section in config file',
])
def test_rclone_reading_no_config_is_the_jobs_user_or_home(log: str) -> None:
    h = diagnose("cron", log)
    assert h.category.value == "missing_config_or_secret" and h.confidence >= 0.8, h.cause
    assert "rclone" in h.cause


def test_docker_py_without_a_socket_is_an_unmounted_socket_or_no_daemon() -> None:
    # https://github.com/puckel/docker-airflow/issues/543 (DockerOperator inside the Airflow container)
    log = ("[2020-04-20 11:54:49,408] {{taskinstance.py:1128}} ERROR - Error while fetching server API version: "
           "('Connection aborted.', FileNotFoundError(2, 'No such file or directory'))")
    h = diagnose("airflow", log)
    assert h.category.value == "missing_config_or_secret" and h.signature == "docker_socket_missing"
    assert h.confidence < 0.8  # the daemon may simply not run on that host


@pytest.mark.parametrize("log", [
    # A public fix script (OpenPanel's) quoting the error it repairs: a cron.d line with a stray field before the user
    "Error: bad username; while reading /etc/cron.d/openpanel\n"
    "(*system*openpanel) ERROR (Syntax error, this crontab file will be ignored)",
    # A public ops log: /etc/cron.d/mysql-backup written in `crontab -e` syntax, without the user field
    "Error: bad username; while reading /etc/cron.d/mysql-backup\n"
    "(*system*mysql-backup) ERROR (Syntax error, this crontab file will be ignored)",
])
def test_a_crontab_file_cron_ignores_for_its_content_is_the_entrys_mistake(log: str) -> None:
    h = diagnose("cron", log)
    assert h.category.value == "bad_code_or_bug", h.cause
    assert "user field" in h.cause and h.confidence < 0.8
    assert h.command and h.command.startswith("cat /etc/cron.d/")


@pytest.mark.parametrize("log,signature,category", [
    # acme.sh's standalone mode with nginx on port 80, as posted in public notes (acme.sh's own wording)
    ('[Fri 10 Sep 2021 10:11:37 AM CST] tcp port 80 is already used by (("nginx",pid=1481169,fd=8),("nginx",pid=898219,fd=8))\n'
     "[Fri 10 Sep 2021 10:11:37 AM CST] Please stop it first", "acme_standalone_port_taken", "missing_config_or_secret"),
    # dehydrated's own check (`command -v curl || _exiterr "This script requires curl."`): curl not on cron's PATH
    ("ERROR: This script requires curl.", "tool_not_found_check", "missing_config_or_secret"),
    # rclone's oauthutil: a Box/Drive token saved without a refresh token
    ('2024/05/01 02:00:00 ERROR : Box root \'backup\': token expired and there\'s no refresh token - manually refresh with '
     '"rclone config reconnect box:"', "rclone_token_not_refreshable", "credentials_expired"),
    # Nextcloud's console.php/cron.php: the job runs as another user than config.php's owner
    ("Console has to be executed with the same user as the web server is operated\nCurrent user: root\n"
     "Web server user: www-data", "nextcloud_wrong_user", "permissions_rbac"),
])
def test_tools_that_name_their_own_cause(log: str, signature: str, category: str) -> None:
    h = diagnose("cron", log)
    assert (h.signature, h.category.value) == (signature, category), h.cause


def test_acme_sh_standalone_is_checked_with_who_holds_the_port() -> None:
    # acme.sh keeps no /etc/letsencrypt/renewal configs: the check is the listener on port 80
    h = diagnose("cron", '[Fri 10 Sep 2021 10:11:37 AM CST] tcp port 80 is already used by (("nginx",pid=1481169,fd=8))')
    assert h.command == "ss -ltnp 'sport = :80'"


def test_docker_operator_failing_on_a_missing_socket_later_in_its_run() -> None:
    # DockerOperator's cli.images() raising requests' ConnectionError (docker-py over /var/run/docker.sock);
    # frames as Airflow 2's docker provider prints them, written for this test
    log = ('  File "/usr/local/lib/python3.11/site-packages/airflow/providers/docker/operators/docker.py", line 485, in execute\n'
           "    if self.force_pull or not self.cli.images(name=self.image):\n"
           "requests.exceptions.ConnectionError: ('Connection aborted.', FileNotFoundError(2, 'No such file or directory'))")
    assert diagnose("airflow", log).signature == "docker_socket_missing"
    # Without Docker in sight it is not read as the Docker socket.
    other = "requests.exceptions.ConnectionError: ('Connection aborted.', FileNotFoundError(2, 'No such file or directory'))"
    assert diagnose("cron", other).signature != "docker_socket_missing"


def test_su_to_a_nologin_account_is_the_scripts_invocation() -> None:
    # nologin(8) prints exactly this (util-linux, FreeBSD's nologin.c); a cron script's `su www-data -c ...`
    h = diagnose("cron", "This account is currently not available.")
    assert h.signature == "login_shell_nologin" and h.category.value == "bad_code_or_bug"
    assert "su -s" in h.cause and h.confidence < 0.8

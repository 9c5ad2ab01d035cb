"""Runtimes and tools that scheduled jobs often are: PHP and Perl/Ruby scripts, systemd units and
timers, git checkouts, PostgreSQL peer auth, JVM connection pools, ACME renewals, backup backends."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case

CASES = [
    # https://github.com/owncloud/core/issues/19393 (the CLI's php.ini had another memory_limit)
    Case("php_memory", "cron",
         "PHP Fatal error:  Allowed memory size of 262144 bytes exhausted (tried to allocate 49152 bytes) in "
         "/var/www/cloud/cron.php on line 156", "oom", ("262144",), ("php -v",), 0.85, signature="php_memory_exhausted"),
    # https://github.com/humhub/humhub/issues/3813 (wrapped in the framework's own error)
    Case("php_memory_framework", "cron",
         "Deleting old notifications... PHP Fatal Error 'yii\\base\\ErrorException' with message 'Allowed memory size of "
         "1073741824 bytes exhausted (tried to allocate 4096 bytes)'", "oom", (), (), 0.85, signature="php_memory_exhausted"),
    Case("php_execution_time", "cron",
         "PHP Fatal error:  Maximum execution time of 30 seconds exceeded in /var/www/html/cron.php on line 88",
         "timeout_deadline", ("30 s",), ("php -v",), 0.8, signature="php_max_execution_time"),
    Case("php_parse", "cron", "PHP Parse error:  syntax error, unexpected '[' in /home/crm/cron/vtigercron.php on line 34",
         "bad_code_or_bug", ("/home/crm/cron/vtigercron.php", "line 34"), ("php -v",), 0.8, signature="php_parse_error"),
    Case("php_removed_function", "cron",
         "PHP Fatal error:  Uncaught Error: Call to undefined function mysql_connect() in /var/www/cron/stats.php:12",
         "dependency_version", ("mysql_connect",), ("php -v",), 0.75, signature="php_removed_function"),
    Case("php_missing_extension", "cron",
         "PHP Fatal error:  Uncaught Error: Call to undefined function curl_init() in /var/www/cron/fetch.php:7",
         "dependency_version", ("curl_init",), ("php -m",), 0.5, 0.79, signature="php_undefined_function"),
    # Under cron, a Perl/Ruby library that loads from the shell is the environment's (PERL5LIB, rbenv).
    Case("perl_inc_cron", "cron",
         "Can't locate Mojo/UserAgent.pm in @INC (you may need to install the Mojo::UserAgent module) (@INC contains: "
         "/etc/perl /usr/local/lib/x86_64-linux-gnu/perl/5.32.1 /usr/share/perl5) at /opt/scripts/poll.pl line 6.",
         "missing_config_or_secret", ("Mojo/UserAgent.pm", "cron"), ("crontab -l",), 0.55, 0.7, signature="perl_module_missing"),
    # In a pod, a check of the host's own perl would look at the wrong machine: the pod's check instead.
    Case("perl_inc_pod", "k8s",
         "Can't locate DBI.pm in @INC (you may need to install the DBI module) (@INC contains: /usr/local/lib/perl5) at /app/export.pl line 4.",
         "dependency_version", ("DBI.pm",), ("kubectl describe pod",), 0.75, signature="perl_module_missing"),
    Case("ruby_bundler_cron", "cron",
         "/usr/lib/ruby/2.7.0/rubygems.rb:277:in `find_spec_for_exe': Could not find 'bundler' (2.3.5) required by your "
         "/home/deploy/app/Gemfile.lock. (Gem::GemNotFoundException)",
         "missing_config_or_secret", ("bundler",), ("crontab -l",), 0.55, 0.7, signature="ruby_gem_missing"),
    # https://github.com/systemd/systemd/issues/43439 (status of a unit the OOM killer stopped)
    Case("systemd_oom", "cron",
         "× test_cg_oompolicy.service - Test OOMPolicy with multiple process\n"
         "     Active: failed (Result: oom-kill) since Wed 2026-08-19 15:38:39 CST; 969ms ago\n"
         "   Main PID: 259923 (code=killed, signal=TERM)", "oom", (), (), 0.9, signature="systemd_oom_kill"),
    Case("systemd_oom_journal", "cron",
         "systemd[1]: backup.service: A process of this unit has been killed by the OOM killer.\n"
         "systemd[1]: backup.service: Main process exited, code=killed, status=9/KILL\n"
         "systemd[1]: backup.service: Failed with result 'oom-kill'.", "oom", ("backup.service",),
         ("journalctl -u backup.service",), 0.9, signature="systemd_oom_kill"),
    Case("systemd_exec", "cron",
         "systemd[1]: report.service: Failed to execute /opt/report/run.sh: No such file or directory\n"
         "systemd[1]: report.service: Failed at step EXEC spawning /opt/report/run.sh: No such file or directory\n"
         "systemd[1]: report.service: Main process exited, code=exited, status=203/EXEC",
         "missing_config_or_secret", ("report.service",), ("systemctl cat report.service",), 0.75, signature="systemd_exec_setup"),
    Case("systemd_timeout", "cron",
         "systemd[1]: sync.service: start operation timed out. Terminating.\nsystemd[1]: sync.service: Failed with result 'timeout'.",
         "timeout_deadline", ("sync.service",), ("systemctl cat sync.service",), 0.8, signature="systemd_timeout"),
    Case("git_not_a_repo", "cron", "fatal: not a git repository (or any of the parent directories): .git",
         "missing_config_or_secret", ("working directory",), ("crontab -l",), 0.7, signature="git_not_a_repository"),
    # https://github.com/arachnys/cabot/issues/307
    Case("pg_peer_auth", "cron",
         "out: pg_dump: [archiver (db)] connection to database \"index\" failed: FATAL:  Peer authentication failed for user \"cabot\"",
         "missing_config_or_secret", ("cabot",), ("crontab -l",), 0.75, signature="db_peer_auth_failed"),
    Case("hikari_pool", "k8s",
         "java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.",
         "resource_quota_scheduling", (), (), 0.75, signature="db_pool_exhausted"),
    Case("acme_rate_limit", "cron",
         "An unexpected error occurred:\nError creating new order :: too many certificates already issued for exact set of "
         "domains: example.org: see https://letsencrypt.org/docs/rate-limits/",
         "resource_quota_scheduling", ("rate limit",), ("crontab -l",), 0.8, signature="acme_rate_limited"),
    Case("duplicity_gave_up", "cron",
         "Attempt 4 failed. BackendException: Error uploading s3://backups/host/duplicity-full.20240101T020000Z.vol1.difftar.gpg\n"
         "Giving up after 5 attempts. BackendException: Error uploading s3://backups/host/duplicity-full.20240101T020000Z.vol1.difftar.gpg",
         "dependency_unavailable", ("5 attempts",), ("crontab -l",), 0.65, 0.79, signature="backup_backend_gave_up"),
    # runc's wording when the entrypoint's interpreter is missing (CRLF `#!/bin/sh\r`, a shell the image lacks).
    Case("entrypoint_interpreter_missing", "k8s", 'standard_init_linux.go:211: exec user process caused "no such file or directory"',
         "bad_code_or_bug", ("interpreter",), ("kubectl describe pod",), 0.75, signature="k8s_executable_not_found"),
    Case("http_500", "airflow",
         "requests.exceptions.HTTPError: 500 Server Error: Internal Server Error for url: https://api.partner.com/v2/export",
         "dependency_unavailable", ("5xx",), (), 0.65, 0.79, signature="service_unavailable"),
    Case("drive_storage_quota", "cron",
         "ERROR : Attempt 3/3 failed with 1 errors and: failed to make directory: googleapi: Error 403: The user's Drive "
         "storage quota has been exceeded., storageQuotaExceeded", "disk_full", (), (), 0.8, signature="disk_full"),
    Case("tar_changed", "cron", "tar: /var/www/html/wp-content/cache: file changed as we read it\n"
         "tar: Exiting with failure status due to previous errors", "overlap_concurrency",
         ("/var/www/html/wp-content/cache",), ("crontab -l",), 0.65, 0.79, signature="tar_file_changed"),
    Case("mysql_1044", "cron",
         "mysqldump: Got error: 1044: Access denied for user 'backup'@'localhost' to database 'app' when using LOCK TABLES",
         "permissions_rbac", ("app",), (), 0.8, signature="db_permission_denied"),
    Case("mysql_1045_stays_credentials", "cron",
         "mysqldump: Got error: 1045: Access denied for user 'backup'@'localhost' (using password: YES) when trying to connect",
         "credentials_expired", ("backup",), (), 0.6, signature="db_auth_failed"),
    Case("node_script_path", "cron", "Error: Cannot find module '/root/job/index.js'", "missing_config_or_secret",
         ("/root/job/index.js",), ("crontab -l",), 0.7, 0.79, signature="node_module_not_found"),
    Case("node_package_missing", "k8s", "Error: Cannot find module 'pg'", "dependency_version", ("pg",), (), 0.75,
         signature="node_module_not_found"),
    # mysqldump cut off mid-table: the server's net_write_timeout on a long stream (kiwix/borg-backup#56 has one).
    Case("mysqldump_mid_table", "cron",
         "mysqldump: Error 2013: Lost connection to MySQL server during query when dumping table `log` at row: 221543",
         "timeout_deadline", ("net_write_timeout",), ("SHOW VARIABLES LIKE",), 0.55, 0.7, signature="db_server_unavailable"),
    Case("mysql_gone_away_stays_unavailable", "cron", "ERROR 2006 (HY000) at line 1: MySQL server has gone away",
         "dependency_unavailable", (), (), 0.7, signature="db_server_unavailable"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_scheduled_tool(case: Case) -> None:
    check_case(case)

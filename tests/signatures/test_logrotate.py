"""logrotate, the most common daily cron job: its own `error:` lines, from public reports."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case

CASES = [
    # https://github.com/MichaIng/DietPi/issues/1914
    Case("insecure_parent", "cron",
         "/etc/cron.daily/logrotate:\n"
         'error: skipping "/var/log/mysql/mysql.log" because parent directory has insecure permissions (It\'s world writable '
         'or writable by group which is not "root") Set "su" directive in config file to tell logrotate which user/group '
         "should be used for rotation.\nrun-parts: /etc/cron.daily/logrotate exited with return code 1",
         "permissions_rbac", ("/var/log/mysql",), ("ls -ld /var/log/mysql",), 0.8, signature="logrotate_insecure_parent"),
    # https://github.com/GSA/data.gov/issues/2294
    Case("missing_brace", "cron",
         "/etc/cron.daily/logrotate:\nerror: syslog:1 missing '{' after log files definition\n"
         "error: found error in file syslog, skipping",
         "bad_code_or_bug", ("syslog", "line 1"), ("cat -n /etc/logrotate.d/syslog",), 0.7, 0.79, signature="logrotate_config_syntax"),
    # https://github.com/rfxn/advanced-policy-firewall/issues/30
    Case("no_endscript", "cron",
         "/etc/cron.daily/logrotate:\n\nerror: apf:prerotate, postrotate or preremove without endscript\n"
         "error: found error in file apf, skipping",
         "bad_code_or_bug", ("apf",), ("cat -n /etc/logrotate.d/apf",), 0.7, 0.79, signature="logrotate_config_syntax"),
    # https://github.com/zentyal/zentyal/issues/1851
    Case("missing_log", "cron",
         "/etc/cron.daily/logrotate:\nerror: stat of /var/log/dansguardian/access.log failed: No such file or directory\n"
         "run-parts: /etc/cron.daily/logrotate exited with return code 1\nrun-parts: /etc/cron.daily/zentyal exited with return code 1",
         "data_input_missing", ("/var/log/dansguardian/access.log", "missingok"), ("grep -rn /var/log/dansguardian/access.log",),
         0.6, 0.79, signature="logrotate_missing_log"),
    # https://github.com/logrotate/logrotate/issues/518
    Case("state_locked", "cron",
         "error: state file /var/lib/logrotate/status is already locked\n"
         "logrotate does not support parallel execution on the same set of logfiles.",
         "overlap_concurrency", ("/var/lib/logrotate/status",), ("ps -C logrotate",), 0.8, signature="logrotate_state_locked"),
    # A second config for the same log: the duplicate is the cause, "found error" only its report.
    Case("duplicate_entry", "cron",
         "root@postfix-mail-0:/tmp# /etc/cron.daily/logrotate\nerror: rsyslog:1 duplicate log entry for /var/log/mail.log\n"
         "error: found error in file rsyslog, skipping",
         "bad_code_or_bug", ("/var/log/mail.log",), ("grep -rn /var/log/mail.log",), 0.7, 0.79, signature="logrotate_duplicate_entry"),
    # https://github.com/phusion/baseimage-docker/issues/584: the main config names itself by path.
    Case("duplicate_in_main_config", "cron",
         "/etc/cron.daily/logrotate:\nerror: /etc/logrotate.conf:22 duplicate log entry for /var/log/wtmp\n"
         "run-parts: /etc/cron.daily/logrotate exited with return code 1",
         "bad_code_or_bug", ("/var/log/wtmp",), ("grep -rn /var/log/wtmp",), 0.7, 0.79, signature="logrotate_duplicate_entry"),
    Case("unknown_option_in_main_config", "cron", "error: /etc/logrotate.conf:5 unknown option 'foo' -- ignoring line",
         "bad_code_or_bug", ("/etc/logrotate.conf",), ("cat -n /etc/logrotate.conf",), 0.7, 0.79, signature="logrotate_config_syntax"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_logrotate(case: Case) -> None:
    check_case(case)

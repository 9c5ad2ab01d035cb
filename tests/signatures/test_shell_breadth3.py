"""Cron jobs, third breadth round (lines quoted from the public thread named above each): desktop programs
run from cron without a display or session bus, rsync's partial transfers, certbot's standalone
authenticator beside a running web server, and a missing UTF-8 locale (labelled `other`)."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case, diagnose

CASES = [
    # https://github.com/samschott/desktop-notifier/issues/227
    Case("cron_cant_open_display", "cron", "Can't open display",
         "missing_config_or_secret", ("DISPLAY",), ("crontab",), 0.75, signature="no_desktop_session"),
    # https://github.com/boramalper/himawaripy/pull/35
    Case("cron_feh_no_x_display", "cron", "feh ERROR: Can't open X display. It _is_ running, yeah?",
         "missing_config_or_secret", (), (), 0.75, signature="no_desktop_session"),
    # https://github.com/IbcAlpha/IBC/issues/130 (DISPLAY set, but nobody logged in)
    Case("cron_xterm_display_0", "cron", "xterm: Xt error: Can't open display: :0",
         "missing_config_or_secret", (), (), 0.75, signature="no_desktop_session"),
    # https://github.com/BoboTiG/python-mss/issues/263
    Case("cron_display_not_set", "cron", "$DISPLAY not set.",
         "missing_config_or_secret", (), (), 0.75, signature="no_desktop_session"),
    # https://github.com/IbcAlpha/IBC/issues/249 (no XAUTHORITY)
    Case("cron_display_no_xauthority", "cron",
         "Authorization required, but no authorization protocol specified\nError: cannot open display: :0",
         "missing_config_or_secret", ("XAUTHORITY",), (), 0.75, signature="no_desktop_session"),
    # https://github.com/jordansissel/xdotool/issues/298
    Case("cron_xdotool_display_null", "cron", "    Error: Can't open display: (null)\n    Failed creating new xdo instance",
         "missing_config_or_secret", (), (), 0.75, signature="no_desktop_session"),
    # The session bus, through dbus-python: https://github.com/pashazz/ksetwallpaper/issues/5
    Case("cron_dbus_autolaunch", "cron",
         "  File \"/usr/lib/python3/dist-packages/dbus/bus.py\", line 124, in __new__\n"
         "    bus = cls._new_for_bus(address_or_type, mainloop=mainloop)\n"
         "dbus.exceptions.DBusException: org.freedesktop.DBus.Error.NotSupported: Unable to autolaunch a dbus-daemon without a "
         "$DISPLAY for X11",
         "missing_config_or_secret", ("DBUS_SESSION_BUS_ADDRESS",), (), 0.75, signature="no_desktop_session"),
    # libnotify (dunstify, notify-send): https://github.com/dunst-project/dunst/issues/634
    Case("cron_notify_dbus_launch", "cron",
         "Unable to send notification: Error spawning command line \u201cdbus-launch --autolaunch=9de7c60d640a4de7949cf6ccc0e39832 "
         "--binary-syntax --close-stderr\u201d: Child process exited with code 1",
         "missing_config_or_secret", (), (), 0.75, signature="no_desktop_session"),
    # rsync exit 24, files deleted during the copy: https://github.com/spersson/Kup/issues/88
    Case("rsync_vanished_cache_files", "cron",
         "file has vanished: \"/home/nate/.cache/mozilla/firefox/flwso8uo.default/cache2/entries/FD8907B8216DB0E9DD3069432F9F84F1254C456F\"\n"
         "file has vanished: \"/home/nate/.config/Riot/Cache/3ba1970d7b326278_0\"\n"
         "rsync warning: some files vanished before they could be transferred (code 24) at main.c(1189) [sender=3.1.3]\n\n"
         "Kup did not successfully complete the rsync backup job.",
         "overlap_concurrency", ("code 24",), ("crontab",), 0.6, 0.79, signature="rsync_files_vanished"),
    # https://github.com/pedroetb/rsync-incremental-backup/issues/22
    Case("rsync_vanished_backup_failed", "cron",
         "2021/10/16 06:02:14 [25186] rsync warning: some files vanished before they could be transferred (code 24) at main.c(1183) "
         "[sender=3.1.1]\n\n[2021-10-16T06:02:14+03:00] Backup failed, try again later",
         "overlap_concurrency", (), (), 0.6, 0.79, signature="rsync_files_vanished"),
    # https://github.com/bit-team/backintime/issues/1506
    Case("rsync_vanished_backintime", "cron",
         "[I] Take snapshot (rsync: rsync warning: some files vanished before they could be transferred (code 24) at main.c(1338) "
         "[sender=3.2.7])\n[E] Error: 'rsync' ended with exit code 24 (negative values are signal numbers, see 'kill -l')\n"
         "[E] Failed to take snapshot 2023-08-20 00:31:55.",
         "overlap_concurrency", (), (), 0.6, 0.79, signature="rsync_files_vanished"),
    # rsync exit 23 alone is a hint; the errors before it say why: https://github.com/bit-team/backintime/issues/1587
    Case("rsync_partial_transfer_alone", "cron",
         "[I] Take snapshot (rsync: rsync error: some files/attrs were not transferred (see previous errors) (code 23) at "
         "main.c(1338) [sender=3.2.7])\n[E] 'rsync' ended with exit code 23: See 'man rsync' for more details",
         "other", ("code 23",), (), 0.0, 0.4),
    Case("rsync_partial_transfer_permission", "cron",
         "[E] Error: rsync: [sender] send_files failed to open \"/home/user/Documents/root_only_file.txt\": Permission denied (13)\n"
         "[I] Take snapshot (rsync: rsync error: some files/attrs were not transferred (see previous errors) (code 23) at "
         "main.c(1338) [sender=3.2.7])",
         "permissions_rbac", ("/home/user/Documents/root_only_file.txt",), (), 0.8, signature="shell_permission_denied"),
    # certbot renew from cron with the standalone authenticator while nginx holds port 80:
    # https://github.com/openwisp/docker-openwisp/issues/179
    Case("certbot_standalone_port_80_taken", "cron",
         "Attempting to renew cert (radius.xxx) from /etc/letsencrypt/renewal/radius.xxx.conf produced an unexpected error: "
         "Problem binding to port 80: Could not bind to IPv4 or IPv6.. Skipping.\n"
         "All renewal attempts failed. The following certs could not be renewed:\n"
         " /etc/letsencrypt/live/controller.xxx/fullchain.pem (failure)",
         "missing_config_or_secret", ("port 80", "standalone"), ("grep -rn authenticator /etc/letsencrypt/renewal",), 0.8,
         signature="acme_standalone_port_taken"),
    # https://github.com/realvnc-labs/rport/issues/613 (the debug log's traceback)
    Case("certbot_standalone_bind_traceback", "cron",
         "2022-07-03 06:00:30,884:DEBUG:acme.standalone:Failed to bind to :80 using IPv6\n"
         "2022-07-03 06:00:30,884:DEBUG:acme.standalone:Failed to bind to :80 using IPv4\n"
         "Traceback (most recent call last):\n"
         "  File \"/usr/lib/python3/dist-packages/certbot/_internal/plugins/standalone.py\", line 71, in run\n"
         "    servers = acme_standalone.HTTP01DualNetworkedServers(\n"
         "  File \"/usr/lib/python3/dist-packages/acme/standalone.py\", line 105, in __init__\n"
         "    raise socket.error(\"Could not bind to IPv4 or IPv6.\")\n"
         "OSError: Could not bind to IPv4 or IPv6.",
         "missing_config_or_secret", (), (), 0.8, signature="acme_standalone_port_taken"),
    # Older certbot: https://github.com/certbot/certbot/issues/3755
    Case("certbot_required_ports_taken", "cron",
         "2016-11-06 02:10:03,989:WARNING:certbot.renewal:Attempting to renew cert from "
         "/etc/letsencrypt/renewal/jabber.zwiebeltoralf.de.conf produced an unexpected error: At least one of the required ports "
         "is already taken.. Skipping.",
         "missing_config_or_secret", (), (), 0.6, signature="acme_standalone_port_taken"),
    # CRLF line endings quoted without the script's name: https://github.com/Thore-Krug/Flash-CHIP/issues/31
    Case("crlf_bash_interpreter_bare", "cron", "/bin/bash^M: bad interpreter: No such file or directory.",
         "bad_code_or_bug", ("CRLF",), ("crontab",), 0.8, signature="script_crlf_line_endings"),
    # https://github.com/fmoraw/NS/pull/1
    Case("crlf_sh_interpreter_bare", "cron", "/bin/sh^M: bad interpreter: No such file or directory",
         "bad_code_or_bug", (), (), 0.8, signature="script_crlf_line_endings"),
    # The key a cron'd backup is told to use was never deployed: https://github.com/python/psf-salt/issues/474
    Case("ssh_identity_file_missing", "cron",
         "Warning: Identity file /etc/backup/.ssh/id_rsa_hg-mercurial-static not accessible: No such file or directory.\n"
         "root@backup.sfo1.psf.io: Permission denied (publickey).",
         "missing_config_or_secret", ("/etc/backup/.ssh/id_rsa_hg-mercurial-static",), ("ls -l /etc/backup/.ssh",), 0.8,
         signature="ssh_key_unavailable"),
    # ssh falling back to a password prompt with no terminal: https://github.com/daler/trackhub/issues/35
    Case("ssh_askpass_missing", "cron",
         "ssh_askpass: exec(/usr/bin/ssh-askpass): No such file or directory\nPermission denied, please try again.",
         "missing_config_or_secret", ("no terminal",), ("crontab",), 0.8, signature="ssh_key_unavailable"),
    # The same before rsync's own error: https://github.com/KenN7/vim-arsync/issues/20
    Case("ssh_askpass_before_rsync_255", "cron",
         "|| ssh_askpass: exec(/usr/bin/ssh-askpass): No such file or directory\n"
         "|| ssh_askpass: exec(/usr/bin/ssh-askpass): No such file or directory\n"
         "|| anirud@grace.umd.edu: Permission denied (publickey,gssapi-with-mic,keyboard-interactive).\n"
         "|| rsync: connection unexpectedly closed (0 bytes received so far) [sender]\n"
         "|| rsync error: unexplained error (code 255) at io.c(228) [sender=3.2.3]",
         "missing_config_or_secret", (), (), 0.8, signature="ssh_key_unavailable"),
    # https://github.com/bit-team/backintime/issues/1198
    Case("ssh_key_passphrase_under_cron", "cron",
         "Could not unlock ssh private key. Wrong password or password not available for cron.",
         "missing_config_or_secret", (), (), 0.8, signature="ssh_key_unavailable"),
    # Without the key problem, a refused login from cron stays the existing, weaker call:
    # https://github.com/jhuckaby/Cronicle/issues/880
    Case("ssh_publickey_refused_under_cron", "cron",
         "+ ssh root@fileserver cp /etc/fstab /etc/fstab.bak\nPermission denied, please try again.\n"
         "Permission denied, please try again.\nroot@fileserver: Permission denied (publickey,password).",
         "missing_config_or_secret", (), (), 0.55, 0.7, signature="git_auth_failed"),
    # duplicity's gpg given the wrong passphrase: https://github.com/zertrin/duplicity-backup.sh/issues/139
    Case("gpg_bad_passphrase_duplicity", "cron",
         "GPGError: GPG Failed, see log below:\n===== Begin GnuPG log =====\n"
         "gpg: no default secret key: bad passphrase\ngpg: [stdin]: sign+encrypt failed: bad passphrase\n"
         "===== End GnuPG log =====",
         "credentials_expired", ("passphrase",), ("crontab",), 0.75, signature="gpg_bad_passphrase"),
    # Symmetric encryption, wrong passphrase: https://github.com/mail-in-a-box/mailinabox/issues/1503
    Case("gpg_bad_session_key", "cron",
         "GPGError: GPG Failed, see log below:\n===== Begin GnuPG log =====\ngpg: AES256 encrypted data\n"
         "gpg: encrypted with 1 passphrase\ngpg: decryption failed: Bad session key\n===== End GnuPG log =====",
         "credentials_expired", (), (), 0.75, signature="gpg_bad_passphrase"),
    # kubectl from cron against an API server that is down: https://github.com/kubernetes/kubernetes/issues/88793
    Case("kubectl_api_server_refused", "cron",
         "[root@com-kube-master log]# kubectl get nodes\n"
         "The connection to the server 10.190.67.31:6443 was refused - did you specify the right host or port?",
         "dependency_unavailable", ("10.190.67.31:6443",), (), 0.7, signature="connection_refused"),
    # ... but localhost:8080 is kubectl without a kubeconfig: https://github.com/kubernetes/kubernetes/issues/34294
    Case("kubectl_localhost_8080_is_no_kubeconfig", "cron",
         "The connection to the server localhost:8080 was refused - did you specify the right host or port?",
         "missing_config_or_secret", (), (), 0.8, signature="kubectl_no_kubeconfig"),
    # A context the kubeconfig does not define: https://github.com/kubernetes/kubectl/issues/544
    Case("kubectl_no_such_context", "cron",
         "$ kubectl config use-context kubernetes-admin\nerror: no context exists with the name: \"kubernetes-admin\".",
         "missing_config_or_secret", ("kubernetes-admin",), ("crontab",), 0.75, signature="kubeconfig_context_missing"),
    # https://github.com/blendle/kns/issues/13
    Case("kubectl_no_current_context", "cron", "error: current-context is not set",
         "missing_config_or_secret", ("current context",), (), 0.75, signature="kubeconfig_context_missing"),
    # The Python client: https://github.com/robusta-dev/krr/issues/30
    Case("python_client_no_context", "cron",
         "kubernetes.config.config_exception.ConfigException: Invalid kube-config file. Expected object with name  in "
         "${HOME}/.kube/config/contexts list",
         "missing_config_or_secret", (), (), 0.75, signature="kubeconfig_context_missing"),
    # `#!/usr/bin/env python3` saved with CRLF: https://github.com/rmull/tinkup/issues/1
    Case("crlf_env_python3", "cron", "/usr/bin/env: 'python3\\r': No such file or directory",
         "bad_code_or_bug", ("CRLF",), (), 0.8, signature="script_crlf_line_endings"),
    # GNU env's typographic quotes: https://github.com/hube12/DecompilerMC/issues/33
    Case("crlf_env_python3_curly_quotes", "cron", "/usr/bin/env: \u2018python3\\r\u2019: No such file or directory",
         "bad_code_or_bug", (), (), 0.8, signature="script_crlf_line_endings"),
    # BSD/macOS env, no quotes: https://github.com/Sorrow446/Qo-DL/issues/103
    Case("crlf_env_bsd", "cron", "env: python3\\r: No such file or directory",
         "bad_code_or_bug", (), (), 0.8, signature="script_crlf_line_endings"),
    # sudo's warning about the machine's own name is not a DNS failure of the job:
    # https://github.com/aaronwmorris/indi-allsky/issues/476 (the maintainer: "probably benign errors you can ignore")
    Case("sudo_own_hostname_warning", "cron",
         "**** Setup rsyslog logging ****\nsudo: unable to resolve host odroid: Name or service not known\n"
         "sudo: unable to resolve host odroid: Name or service not known",
         "other", (), (), 0.0, 0.4),
    # wget without the CA that issued the server's certificate: https://github.com/adoptium/aqa-tests/issues/167
    Case("wget_issuer_not_verified", "cron",
         "Connecting to downloads.sourceforge.net|216.34.181.59|:443... connected.\n"
         "ERROR: cannot verify downloads.sourceforge.net's certificate, issued by `/C=US/O=GeoTrust Inc./CN=GeoTrust SSL CA - G3':\n"
         "  Unable to locally verify the issuer's authority.\n"
         "To connect to downloads.sourceforge.net insecurely, use `--no-check-certificate'\n.\nUnable to establish SSL connection.",
         "missing_config_or_secret", ("not trusted",), (), 0.7, signature="tls_unknown_authority"),
    # https://github.com/FreddieWitherden/libforensic1394/issues/1
    Case("wget_issuer_not_verified_curly", "cron",
         "ERROR: cannot verify freddie.witherden.org's certificate, issued by \u2018CN=StartCom Class 2 IV Server CA,OU=StartCom "
         "Certification Authority,O=StartCom Ltd.,C=IL\u2019:\n  Unable to locally verify the issuer's authority.\n"
         "To connect to freddie.witherden.org insecurely, use `--no-check-certificate'.",
         "missing_config_or_secret", (), (), 0.7, signature="tls_unknown_authority"),
    # borg's server side went away: https://github.com/borgbackup/borg/issues/1929
    Case("borg_remote_connection_closed", "cron",
         "Remote: ssh_exchange_identification: Connection closed by remote host\n"
         "Connection closed by remote host. Is borg working on the server?",
         "dependency_unavailable", ("borg",), (), 0.45, 0.6, signature="borg_remote_closed"),
    # certbot renew from cron with a renewal file that lost its webroot: https://github.com/wmnnd/nginx-certbot/issues/41
    Case("certbot_webroot_missing_on_renewal", "cron",
         "Cert is due for renewal, auto-renewing...\nNon-interactive renewal: random delay of 190 seconds\n"
         "Plugins selected: Authenticator webroot, Installer None\nRenewing an existing certificate\n"
         "Performing the following challenges:\nhttp-01 challenge for domain.com\nCleaning up challenges\n"
         "Attempting to renew cert (domain.com) from /etc/letsencrypt/renewal/domain.com.conf produced an unexpected error: "
         "Missing command line flag or config entry for this setting:\nInput the webroot for domain.com:. Skipping.",
         "missing_config_or_secret", ("webroot",), ("grep -rn webroot /etc/letsencrypt/renewal",), 0.8,
         signature="certbot_renewal_setting_missing"),
    # https://github.com/certbot/certbot/issues/9825
    Case("certbot_webroot_missing_dry_run", "cron",
         "Simulating renewal of an existing certificate for [domain]\n"
         "Failed to renew certificate [domain] with error: Missing command line flag or config entry for this setting:\n"
         "Input the webroot for [domain]:",
         "missing_config_or_secret", (), (), 0.8, signature="certbot_renewal_setting_missing"),
    # cronie could not open the job's PAM session: https://github.com/linux-pam/linux-pam/issues/788 (and it is not an
    # image pull's `failed to authorize:`)
    Case("cronie_pam_refused", "cron",
         "log_it: (default 277) PAM ERROR (Authentication service cannot retrieve authentication info)\n"
         "log_it: (default 277) FAILED to authorize user with PAM (Authentication service cannot retrieve authentication info)",
         "scheduler_infra", ("PAM",), (), 0.7, signature="cron_daemon_error"),
    # A system crontab line without its user field: https://github.com/cronie-crond/cronie/issues/68
    Case("cronie_getpwnam_failed", "cron", "Sep  8 14:53:01 vespa crond[1023]: (echo) ERROR (getpwnam() failed)",
         "bad_code_or_bug", ("no user field",), ("journalctl -t CRON",), 0.8, signature="cron_daemon_error"),
    # The crontab command refused by PAM's access rules: https://github.com/cronkeep/cronkeep/issues/3
    Case("crontab_refused_by_pam", "cron",
         "System error You (apache) are not allowed to access to (crontab) because of pam configuration.",
         "permissions_rbac", ("apache",), ("ls -l /etc/cron.allow /etc/cron.deny",), 0.8, signature="crontab_not_allowed"),
    # `docker run --volumes-from` / `docker exec` naming a container that is not there: https://github.com/cvat-ai/cvat/issues/3908
    Case("docker_no_such_container", "cron",
         "docker: Error response from daemon: No such container: cvat_db.\nSee 'docker run --help'.",
         "missing_config_or_secret", ("cvat_db",), ("ps -ef",), 0.6, 0.79, signature="docker_no_such_container"),
    # The same from a host's crontab, where the plugin is not on cron's PATH: https://github.com/chrisns/kubectl-passman/pull/129
    Case("cron_kubectl_credential_plugin", "cron",
         "$ kubectl get nodes\nUnable to connect to the server: getting credentials: exec: executable passman not found\n\n"
         "It looks like you are trying to use a client-go credential plugin that is not installed.",
         "missing_config_or_secret", ("passman", "PATH"), ("crontab",), 0.8, signature="k8s_credential_plugin_missing"),
    # RESTIC_REPOSITORY set but not exported: https://github.com/restic/restic/issues/5516
    Case("restic_no_repository_given", "cron",
         "[root@host restic]# restic snapshots \nFatal: Please specify repository location (-r or --repository-file)",
         "missing_config_or_secret", ("RESTIC_REPOSITORY",), ("crontab",), 0.8, signature="backup_repo_location_missing"),
    # The password command a wrapper configures produced nothing: https://github.com/creativeprojects/resticprofile/issues/521
    Case("restic_empty_password", "cron",
         "create exclusive lock for repository\nreading repository password from stdin\n"
         "Fatal: an empty password is not allowed by default. Pass the flag `--insecure-no-password` to restic to disable this check",
         "missing_config_or_secret", (), (), 0.8, signature="backup_repo_password_missing"),
    # borg's own error for a full repository disk (borg/repository.py, Repository.InsufficientFreeSpaceError), as a
    # borgmatic run reports it
    Case("borg_insufficient_free_space", "cron",
         "INFO borgbase: Creating archive\nERROR Remote: Insufficient free space to complete transaction (required: 1.02 GB, "
         "available: 211.40 MB).\nterminating with error status, rc 2",
         "disk_full", (), ("df -h",), 0.9, signature="disk_full"),
    # borg's Repository.InvalidRepository (borg/repository.py): the path is not a borg repository
    Case("borg_not_a_valid_repository", "cron",
         "/mnt/backup/borg is not a valid repository. Check repo config.\nterminating with error status, rc 2",
         "missing_config_or_secret", ("/mnt/backup/borg",), (), 0.75, signature="backup_repo_not_found"),
    # rsync's --timeout against an unstable upstream mirror: https://github.com/tuna/opentuna/issues/51
    Case("rsync_io_timeout_upstream", "cron",
         "[generator] io timeout after 120 seconds -- exiting\n"
         "rsync error: timeout in data send/receive (code 30) at io.c(195) [generator=3.1.2]\n"
         "rsync error: received SIGUSR1 (code 19) at main.c(1429) [receiver=3.1.2]",
         "dependency_unavailable", ("120 s",), (), 0.55, 0.7, signature="rsync_io_timeout"),
    # The same code 30 from the job's own --stop-at: https://github.com/RsyncProject/rsync/pull/179
    Case("rsync_stop_at_limit", "cron",
         "stopping at requested limit\nrsync error: timeout in data send/receive (code 30) at io.c(802) [receiver=3.2.3]",
         "timeout_deadline", ("--stop-at",), (), 0.75, signature="rsync_io_timeout"),
    # A host whose key changed under a scheduled rsync/ssh: https://github.com/RTXteam/RTX/issues/455
    Case("ssh_host_key_changed", "cron",
         "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
         "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n"
         "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
         "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\n"
         "Add correct host key in /Users/sramsey/.ssh/known_hosts to get rid of this message.\n"
         "Offending ECDSA key in /Users/sramsey/.ssh/known_hosts:322\n"
         "ECDSA host key for kg2dev.rtx.ai has changed and you have requested strict checking.\n"
         "Host key verification failed.",
         "missing_config_or_secret", ("rebuilt",), ("ls -l /home/backup/.ssh",), 0.75, signature="git_credentials"),
    # A scheduled task's curl answered by nothing (a symptom: protocol, firewall or the server):
    # https://github.com/magicblack/maccms_down/issues/17
    Case("curl_empty_reply", "cron", "curl: (52) Empty reply from server",
         "dependency_unavailable", (), (), 0.5, 0.7, signature="connection_reset"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_shell_breadth3(case: Case) -> None:
    check_case(case)


def test_a_desktop_program_in_a_pod_has_no_display_at_all() -> None:
    # https://github.com/IbcAlpha/IBC/issues/130, the same line in a container
    h = diagnose("k8s", "xterm: Xt error: Can't open display: :0")
    assert h.category.value == "missing_config_or_secret" and "headless" in h.cause and h.confidence < 0.8


@pytest.mark.parametrize("log", [
    # acme logs this at DEBUG on every run where the IPv6 socket already took IPv4 (certbot/certbot#5908).
    "2022-07-03 06:00:30,884:DEBUG:acme.standalone:Failed to bind to :80 using IPv4",
    # A display *name* in a setting is not a failure to open it.
    "export DISPLAY=:0 && /home/emre/opt/ibc/gatewaystart.sh",
    # rsync's ordinary summary.
    "sent 439 bytes  received 2,510 bytes  5,898.00 bytes/sec",
])
def test_ordinary_lines_are_not_these_failures(log: str) -> None:
    assert diagnose("cron", log).signature not in {"acme_standalone_port_taken", "no_desktop_session", "rsync_files_vanished"}


def test_a_database_socket_that_is_not_there_is_not_a_missing_input() -> None:
    # rsync quotes the paths it could not find; pg_dump quotes its socket too, which is a server that is not up:
    # https://github.com/nextcloud/all-in-one/issues/1638
    h = diagnose("cron", "pg_dump: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: No such "
                         "file or directory\n        Is the server running locally and accepting connections on that socket?")
    assert h.signature != "input_missing" and h.category.value == "dependency_unavailable"

"""Shell-family signatures on real output of what cron jobs run (the docker CLI, git, rclone, msmtp,
restic, borg, sh). Each log is quoted from the public thread named above it."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case

CASES = [
    # The cron job's user is not in the docker group: https://github.com/willfarrell/docker-crontab/issues/9
    Case("docker_socket_permission", "cron",
         "Start Cronjob **6691da1d-2ed8-4afb-aca8-cec94c5bf680** update stock\n"
         "docker: Got permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: "
         "Post http://%2Fvar%2Frun%2Fdocker.sock/v1.32/containers/create: dial unix /var/run/docker.sock: connect: permission denied.",
         "permissions_rbac", ("docker group",), ("id backup",), 0.8, signature="docker_socket_permission"),
    # The same after an unreadable ~/.docker/config.json warning: https://github.com/fccview/cronmaster/issues/21
    Case("docker_socket_permission_after_config_warning", "cron",
         "WARNING: Error loading config file: open /root/.docker/config.json: permission denied\n"
         "docker: permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: "
         "Head \"http://%2Fvar%2Frun%2Fdocker.sock/_ping\": dial unix /var/run/docker.sock: connect: permission denied\n\n"
         "Run 'docker run --help' for more information",
         "permissions_rbac", ("docker group",), (), 0.8, signature="docker_socket_permission"),
    # `docker exec -it` from a crontab: https://github.com/bdd/runitor/issues/34
    Case("docker_exec_it_under_cron", "cron",
         "the input device is not a TTY\n\n[runitor] Command exited with code 1.",
         "bad_code_or_bug", ("-t",), ("crontab",), 0.8, signature="docker_no_tty"),
    # `docker run -it` inside a cron-run tool: https://github.com/hartwork/binary-gentoo/issues/45
    Case("docker_run_it_wrapped", "cron",
         "+ gentoo-tree-sync --docker-image gentoo/stage3:amd64 --backup-to /home/portage/portdir-prev /home/portage/portdir\n"
         "the input device is not a TTY\n"
         "ERROR: Command \"docker run -it --rm -v /home/portage/portdir:/usr/portage:rw -v /home/portage/portdir-prev:/mnt/portage-backup:rw "
         "gentoo/stage3:amd64 sh -c 'set -x && rsync --archive --delete --verbose --progress /usr/portage/ /mnt/portage-backup/ && "
         "ln -s /usr/portage /var/db/repos/gentoo && env PORTDIR=/usr/portage emerge-webrsync --verbose'\" returned non-zero exit status 1.",
         "bad_code_or_bug", (), (), 0.8, signature="docker_no_tty"),
    # Older docker's wording: https://github.com/moby/moby/issues/12024
    Case("docker_old_tty_message", "cron", "FATA[0000] cannot enable tty mode on non tty input",
         "bad_code_or_bug", (), (), 0.8, signature="docker_no_tty"),
    # A fixed --name without --rm: the next scheduled run fails: https://github.com/ysde/grafana-backup-tool/pull/30
    Case("docker_container_name_in_use", "cron",
         "docker: Error response from daemon: Conflict. The container name \"/grafana-backup-tool\" is already in use by container "
         "\"e8a6c8a7b717dd52402ea75c7189002bbb80836ae641df1e9865e0f1ec7835b7\". You have to remove (or rename) that container to be "
         "able to reuse that name.\nSee 'docker run --help'.",
         "overlap_concurrency", ("/grafana-backup-tool", "--rm"), (), 0.6, 0.79, signature="docker_container_name_in_use"),
    # git's safe.directory check: https://github.com/richarvey/nginx-php-fpm/issues/290
    Case("git_dubious_ownership", "cron",
         "fatal: detected dubious ownership in repository at '/var/www/html'\nTo add an exception for this directory, call:\n\n"
         "\tgit config --global --add safe.directory /var/www/html",
         "permissions_rbac", ("/var/www/html", "owned by another user"), ("ls -ld /var/www/html",), 0.8, signature="git_dubious_ownership"),
    # In a container's scheduled pull: https://github.com/Jafner/5etools-docker/issues/10
    Case("git_dubious_ownership_in_pod", "k8s",
         " === Pulling from GitHub with images... (This will take a while)\n"
         "fatal: detected dubious ownership in repository at '/usr/local/apache2/htdocs'\nTo add an exception for this directory, call:\n\n"
         "    git config --global --add safe.directory /usr/local/apache2/htdocs",
         "permissions_rbac", ("/usr/local/apache2/htdocs",), ("kubectl describe pod",), 0.8, signature="git_dubious_ownership"),
    # An automated pull racing another git process: https://github.com/olipo186/Git-Auto-Deploy/issues/23
    Case("git_index_lock", "cron",
         "fatal: Unable to create '/project/.git/index.lock': File exists.\n\n"
         "If no other git process is currently running, this probably means a\ngit process crashed in this repository earlier. "
         "Make sure no other git\nprocess is running and remove the file manually to continue.\nPull result: 128",
         "overlap_concurrency", ("/project/.git/index.lock",), ("ps -o pid,etime,args -C git",), 0.7, 0.79, signature="git_index_lock"),
    # Newer git's wording: https://github.com/carloscuesta/gitmoji-cli/issues/117
    Case("git_index_lock_newer_wording", "cron",
         "ERROR: fatal: Unable to create '/home/xiaowei/src/DriverFramework/.git/index.lock': File exists.\n\n"
         "Another git process seems to be running in this repository, e.g.\nan editor opened by 'git commit'. Please make sure all "
         "processes\nare terminated then try again. If it still fails, a git process\nmay have crashed in this repository earlier:\n"
         "remove the file manually to continue.",
         "overlap_concurrency", (), (), 0.7, signature="git_index_lock"),
    # Works in a shell, not from cron (another user's rclone.conf): https://github.com/rclone/rclone/issues/1563
    Case("rclone_remote_not_in_config", "cron",
         "2017/07/28 13:50:01 DEBUG : rclone: Version \"v1.37\" starting with parameters [\"/usr/bin/rclone\" \"-vv\" "
         "\"--log-file=/var/log/rclone.log\" \"--drive-chunk-size=32768k\" \"--drive-upload-cutoff=32768k\" \"copy\" "
         "\"/var/backup/remote:sitename\" \"remote:sitename\"]\n"
         "2017/07/28 13:50:01 Failed to create file system for \"remote:sitename\": didn't find section in config file",
         "missing_config_or_secret", ("'remote'", "--config"), ("crontab",), 0.8, signature="rclone_remote_not_configured"),
    # cron mailing through msmtp with an unreadable config: https://github.com/marlam/msmtp/issues/63
    Case("msmtp_no_configuration", "cron",
         "Dec 10 11:46:01 RequestTracker.ultraimage.us crond[738]: sendmail: account default not found: no configuration file available\n"
         "Dec 10 11:46:01 RequestTracker.ultraimage.us CROND[25577]: (rtuser) MAIL (mailed 208 bytes of output but got status 0x004e",
         "missing_config_or_secret", ("msmtprc",), (), 0.7, signature="msmtp_no_config"),
    # https://github.com/LukeSmithxyz/mutt-wizard/issues/92
    Case("msmtp_account_not_in_file", "cron",
         "Oct 21 15:23:01 chswb-laptop crond[1501]: sendmail: Account default not found in /home/chswb/.msmtprc",
         "missing_config_or_secret", ("/home/chswb/.msmtprc",), ("ls -l /home/chswb/.msmtprc",), 0.7, signature="msmtp_no_config"),
    # borg's relocation question, which a cron job cannot answer: https://github.com/borgbackup/borg/issues/3762
    Case("borg_relocated_repository", "cron",
         "Warning: The repository at location ssh://reox@192.168.0.42/srv/backup was previously located at "
         "ssh://reox@remotelocation.example.com/srv/backup\nDo you want to continue? [yN]",
         "missing_config_or_secret", ("BORG_RELOCATED_REPO_ACCESS_IS_OK",), (), 0.7, 0.79, signature="borg_repo_relocated"),
    # restic pointed at a location with no repository: https://github.com/restic/restic/issues/1167
    Case("restic_no_repository", "cron",
         "unable to open config file: Stat: stat /mnt/bacup/restic/config: no such file or directory\n"
         "Is there a repository at the following location?\n/mnt/bacup/restic",
         "missing_config_or_secret", ("/mnt/bacup/restic",), (), 0.8, signature="backup_repo_not_found"),
    # restic >= 0.17 (exit code 10), inside a wrapper's JSON: https://github.com/nicotsx/zerobyte/issues/211
    Case("restic_repository_does_not_exist", "cron",
         "Failed to initialize repository: Restic snapshots retrieval failed: {\"message_type\":\"exit_error\",\"code\":10,"
         "\"message\":\"Fatal: repository does not exist: unable to open config file: stat /localrepo/venUP/config: no such file or "
         "directory\\nIs there a repository at the following location?\\n/localrepo/venUP\"}",
         "missing_config_or_secret", ("/localrepo/venUP",), (), 0.8, signature="backup_repo_not_found"),
    # A remote backend (rclone) location, named on the line after the question: https://github.com/kmwoley/restic-windows-backup/issues/56
    Case("restic_no_repository_remote", "cron",
         "restic.exe : Fatal: unable to open config file: <config/> does not exist\n"
         "Is there a repository at the following location?\nrclone:gdrive:Backup/Restic/VM",
         "missing_config_or_secret", ("rclone:gdrive:Backup/Restic/VM",), (), 0.8, signature="backup_repo_not_found"),
    # A bash builtin run by dash (cron's /bin/sh): https://github.com/tokiclover/mkinitramfs-ll/issues/53
    Case("bash_builtin_under_sh_cron", "cron",
         "/usr/local/sbin/mkinitramfs: 174: /usr/local/sbin/mkinitramfs: source: not found\n"
         "/usr/local/sbin/mkinitramfs: 54: /usr/local/sbin/mkinitramfs: error: not found",
         "missing_config_or_secret", ("bash builtin", "SHELL=/bin/bash"), (), 0.8, signature="shell_command_not_found"),
    # https://github.com/kaprino-lang/kaprino/issues/22 (a container's /bin/sh)
    Case("bash_builtin_under_sh_pod", "k8s", "/bin/sh: 1: source: not found",
         "bad_code_or_bug", ("bash builtin",), (), 0.7, 0.79, signature="shell_command_not_found"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_shell_breadth2(case: Case) -> None:
    check_case(case)

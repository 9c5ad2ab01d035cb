"""Shell and cron signatures: what sh/bash, coreutils, flock and cron themselves print,
plus exit codes with a conventional meaning (124 timeout, 126, 127, 137, 143).
"""

from __future__ import annotations

import re

from triage.engine.signatures import checks as C
from triage.engine.signatures.kubernetes import JOB_PODS
from triage.engine.signatures.logview import LogView
from triage.engine.signatures.model import Hit
from triage.engine.signatures.model import Signature as S
from triage.models import Category as K

_EXIT = r"(?:exit(?:ed)?(?: with)?[ _]?(?:code|status)\W{{0,8}}|non-zero exit (?:status|code) |returned (?:exit code |code |non-zero exit status )|\bcode=){code}\b"
_SPECIAL_CODES = {"124", "126", "127", "137", "139", "143"}


def _permission(hit: Hit, view: LogView) -> Hit:
    # Without the path or resource that was denied, the line is weaker evidence.
    if not hit.groups.get("path"):
        hit.confidence = 0.75
    return hit


def _generic_exit(hit: Hit, view: LogView) -> Hit | None:
    # Codes with their own signature are not "generic".
    if hit.groups.get("code") in _SPECIAL_CODES:
        return None
    return hit


# Who holds a lock, as lock tools say it: apt `It is held by process 2211 (apt)`, restic
# `locked exclusively by PID 38 on HOST`, a script's `held by compact pid 10368`.
_HOLDER_PID = re.compile(r"(?:held by|locked(?: exclusively)? by) (?:process |PID |pid )(?P<pid>\d+)\b(?! on )"
                         r"|\bheld by [A-Za-z_][\w.-]* (?:\(?pid |\(?PID )(?P<pid2>\d+)")
_HOLDER_NAME = re.compile(r"held by (?!process\b|PID\b|pid\b)(?P<name>[A-Za-z_][\w.-]*)|held by process \d+ \((?P<name2>[\w.-]+)\)")


def _lock_holder(hit: Hit, view: LogView) -> Hit:
    # The check is "is the other run still going": its pid, else its name, else every process.
    for line in reversed(hit.lines):
        m = _HOLDER_PID.search(line)
        if m and "holder_pid" not in hit.groups:
            hit.groups["holder_pid"] = m.group("pid") or m.group("pid2")
        n = _HOLDER_NAME.search(line)
        if n and "holder" not in hit.groups:
            hit.groups["holder"] = n.group("name") or n.group("name2")
    if any("repository is already locked" in line or "unable to create lock in backend" in line for line in hit.lines):
        # restic's lock lives in the repository, and its holder may be on another host or long dead (a stale
        # lock): the repository's own list says who took it and when. (--no-lock: listing takes no lock itself.)
        hit.commands = ("restic list locks --no-lock", *hit.signature.commands)
        hit.reason = "Lists the repository's locks, with the host, PID and time that took them (a lock whose process is gone is stale)"
    return hit


def _docker_client(hit: Hit, view: LogView) -> Hit | None:
    """A unix-socket connection whose socket file is missing is the Docker client's only if Docker is in the
    traceback (docker-py, DockerOperator); another client over a unix socket is not."""
    if "server API version" in "\n".join(hit.lines):
        return hit
    window = "\n".join(view.lines[max(0, hit.index - 80): hit.index + 40])
    return hit if re.search(r"docker", window, re.IGNORECASE) else None


def _tool_check(hit: Hit, view: LogView) -> Hit | None:
    # A script's own "X is not installed" check: about a program, not a library or plugin.
    if any(_NOT_A_PROGRAM.search(line) for line in hit.lines):
        return None
    hit = _cron_path(hit, view)
    hit.confidence = min(hit.confidence, 0.75)
    if not view.event.cron and not view.event.kubernetes and not view.event.airflow:
        hit.confidence = 0.6
    return hit


# `module foo is not installed`, `python3-psycopg2 package is not installed`: a library, not a program on PATH.
_LIBRARY = r"(?:modules?|packages?|plugins?|extensions?|librar(?:y|ies)|gems?|drivers?)"
_NOT_A_PROGRAM = re.compile(rf"\b{_LIBRARY}\W+\S+\W+(?:is|are) (?:not installed|missing)|\S+ {_LIBRARY} (?:is|are) (?:not installed|missing)", re.I)


_FILE_MODE_OR_OWNER = re.compile(r"\b(?:WRONG FILE OWNER|INSECURE MODE|BAD FILE MODE)\b")


def _cron_file(hit: Hit, view: LogView) -> Hit:
    # Debian's cron names user crontabs relative to its spool directory (`crontabs/root`).
    path = hit.groups.get("path", "")
    if path.startswith("crontabs/"):
        hit.groups["path"] = "/var/spool/cron/" + path
    elif path and not path.startswith("/"):
        del hit.groups["path"]
    lines = "\n".join(hit.lines)
    if "bad username" in lines or "Syntax error, this crontab file will be ignored" in lines:
        # The file's content: a line that names no existing user (most often a /etc/cron.d line written
        # without its user field) or does not parse. The entry is wrong, not the daemon.
        hit.category = K.bad_code_or_bug
        hit.confidence = 0.7
        hit.commands = ("cat {path}", "ls -l /etc/cron.d") + C.CRON_LOG
        hit.reason = "Shows the crontab file's lines (a /etc/cron.d line reads: schedule, user, command)"
        hit.causes = ("cron ignored the crontab file {path} because a line in it does not parse or names a user that does "
                      "not exist (a /etc/cron.d line needs a user field before the command), so the job never ran",
                      "cron ignored the job's crontab file because a line in it does not parse or names no existing user, "
                      "so the job never ran")
    elif _FILE_MODE_OR_OWNER.search(view.lines[hit.index]):
        # The daemon is fine; the file's mode or owner is wrong, and chmod/chown is the fix.
        hit.category = K.permissions_rbac
        hit.causes = ("cron ignored the crontab file {path} because its mode or owner is not what cron requires "
                      "(root-owned, not group/other-writable; 0600 for a user crontab), so the job never ran",
                      "cron ignored the job's crontab file because its mode or owner is not what cron requires, so the job never ran")
    return hit


# Words that begin a crontab command and are never user names.
_COMMAND_WORDS = frozenset({"cd", "test", "[", "echo", "sh", "bash", "python", "python3", "php", "perl", "ruby", "node", "run-parts",
                            "sleep", "find", "curl", "wget", "docker", "rm", "cp", "mv", "tar", "rsync", "flock", "nice",
                            "ionice", "timeout", "env", "mysqldump", "pg_dump", "certbot", "git", "make"})


def _cron_entry_user(hit: Hit, view: LogView) -> Hit:
    """cronie names the entry's user: a path or command there means the line has no user field
    (/etc/crontab and cron.d need one), so the command's first word was read as the user."""
    user = hit.groups.get("entry_user", "")
    if "/" in user or user in _COMMAND_WORDS:
        hit.category = K.bad_code_or_bug
        hit.confidence = 0.8
        hit.causes = ("The cron entry has no user field (system crontabs and /etc/cron.d need one), so cron took {entry_user} "
                      "as the user name and never ran the job",)
    return hit


# "Commands" that are really pieces of shell syntax: a heredoc terminator or a keyword that ended
# up on a line of its own (a missing `<<EOF`, an unbalanced if/fi). That is the script's bug.
_SHELL_SYNTAX_WORDS = {"EOF", "END", "EOT", "EOL", "fi", "then", "else", "elif", "done", "do", "esac", "in", "{", "}"}


# Bash builtins and keywords that dash (/bin/sh on Debian/Ubuntu, the shell cron runs commands with)
# does not have: `/bin/sh: 1: source: not found` is a bash script or crontab line run by sh.
_BASH_ONLY_WORDS = {"source", "[[", "shopt", "pushd", "popd", "declare", "typeset", "complete", "disown", "mapfile", "readarray"}
_BASH_ONLY_NOT_FOUND = re.compile(r"(?:^|[\s:])(?P<word>" + "|".join(re.escape(w) for w in sorted(_BASH_ONLY_WORDS))
                                  + r"): (?:command )?not found")


def _cron_path(hit: Hit, view: LogView) -> Hit:
    event = view.event
    # A bash builtin that was "not found" explains the lines after it (dash goes on and fails at the next one).
    bashism = next((m.group("word") for m in map(_BASH_ONLY_NOT_FOUND.search, hit.lines) if m), None)
    if bashism:
        hit.groups["exe"] = bashism
    if hit.groups.get("exe") in _BASH_ONLY_WORDS:
        # Not a missing program: the shell is the wrong one. Cron's SHELL (/bin/sh) is part of the job's setup;
        # in a container it is the image's command or the script's #! line.
        if event.cron is not None:
            hit.causes = ("'{exe}' is a bash builtin, but the command ran under /bin/sh (dash), which is what cron runs "
                          "commands with: run the script with bash (a #!/bin/bash line, or SHELL=/bin/bash in the crontab) "
                          "or use POSIX sh ('.' instead of 'source', '[' instead of '[[')",)
        else:
            if event.kubernetes is not None:
                hit.category, hit.confidence = K.bad_code_or_bug, 0.78
            hit.causes = ("'{exe}' is a bash builtin, but the script ran under /bin/sh: run it with bash (a #!/bin/bash "
                          "line, `bash script.sh`) or use POSIX sh ('.' instead of 'source', '[' instead of '[[')",)
        hit.commands = ("head -n 1 {script}",) + C.CRONTAB + C.POD
        hit.reason = "Shows the script's #! line and the crontab's SHELL setting"
        return hit
    if hit.groups.get("exe") in _SHELL_SYNTAX_WORDS:
        hit.category = K.bad_code_or_bug
        hit.confidence = 0.8
        hit.causes = ("The script runs '{exe}' as a command: a heredoc terminator or shell keyword out of place "
                      "(a missing '<<{exe}', an unbalanced if/fi or do/done) — a bug in the script",)
        hit.commands = ("cat -n {script}",) + C.CRONTAB + C.POD
        hit.reason = "Shows the script with line numbers, to see what line runs it"
        return hit
    if event.airflow:
        # A tool missing on an Airflow worker: its PATH or its image; not decisive either way.
        hit.confidence = 0.72
        hit.causes = ("{exe} was not found on the Airflow worker (not installed there, or not on its PATH)",
                      "A program the task needs was not found on the Airflow worker (not installed there, or not on its PATH)")
    elif event.cron:
        hit.causes = ("{exe} was not found on the PATH cron gives the job (cron's PATH is only /usr/bin:/bin)",
                      "A program the job needs was not found on the PATH cron gives it (cron's PATH is only /usr/bin:/bin)")
    elif event.kubernetes:
        hit.category = K.bad_code_or_bug
        hit.confidence = 0.78
        hit.causes = ("{exe} is not installed in the container image (command not found)",
                      "A program the job needs is not installed in the container image")
    return hit


def _logrotate_dir(hit: Hit, view: LogView) -> Hit:
    path = hit.groups.get("path", "")
    if "/" in path:
        hit.groups["logdir"] = path.rsplit("/", 1)[0] or "/"
    return hit


def _logrotate_conf(hit: Hit, view: LogView) -> Hit:
    # logrotate names a file under /etc/logrotate.d by its bare name, the main config by its path.
    conf = hit.groups.get("conf", "")
    if conf:
        hit.groups["conf_path"] = conf if conf.startswith("/") else f"/etc/logrotate.d/{conf}"
    return hit


# logrotate (run daily by cron or a systemd timer) reports each problem as `error: ...` and exits 1.
LOGROTATE = [
    S("logrotate_insecure_parent", K.permissions_rbac, 0.86, refine=_logrotate_dir,
      patterns=(r"skipping \"(?P<path>[^\"]+)\" because parent directory has insecure permissions",),
      causes=("logrotate refuses to rotate {path}: its directory {logdir} is writable by a group other than root "
              "(or by everyone), and the config has no `su USER GROUP` directive for it",),
      commands=("ls -ld {logdir}",) + C.CRONTAB,
      reason="Shows the directory's owner, group and mode that logrotate objects to"),
    S("logrotate_duplicate_entry", K.bad_code_or_bug, 0.75,
      patterns=(r"error: (?P<conf>[\w./-]+):\d+ duplicate log entry for (?P<path>\S+)",),
      causes=("Two logrotate configurations both rotate {path}: logrotate rejects the second ({conf}) and exits 1 "
              "(usually a package or image that ships its own config for a log another package already rotates)",),
      commands=("grep -rn {path} /etc/logrotate.conf /etc/logrotate.d",),
      reason="Lists every logrotate config that names this log"),
    S("logrotate_config_syntax", K.bad_code_or_bug, 0.75, refine=_logrotate_conf,
      explained_by=frozenset({"logrotate_duplicate_entry", "logrotate_missing_log", "logrotate_insecure_parent"}),
      patterns=(r"error: (?P<conf>[\w./-]+):(?:(?P<line>\d+) )?(?:missing '\{' after log files definition|unknown option|"
                r"lines must begin with a keyword or a filename|unexpected text|unexpected log filename|"
                r"prerotate, postrotate or preremove without endscript|bad (?:rotation count|size|minimum size|maximum size))",
                r"error: found error in file (?P<conf>[\w.-]+), skipping"),
      causes=("The logrotate config {conf} has a syntax error at line {line}, so logrotate skips it and exits 1",
              "The logrotate config {conf} has an error, so logrotate skips it and exits 1"),
      commands=("cat -n {conf_path}", "logrotate -d {conf_path}"),
      reason="Shows the config with line numbers"),
    S("logrotate_missing_log", K.data_input_missing, 0.7,
      patterns=(r"error: stat of (?P<path>\S+) failed: No such file or directory",
                r"error: error accessing (?P<path>\S+): No such file or directory"),
      causes=("logrotate is configured to rotate {path}, which does not exist (the service never wrote it, or was "
              "removed), and the config has no `missingok`, so logrotate exits 1",),
      commands=("grep -rn {path} /etc/logrotate.conf /etc/logrotate.d", "ls -l {path}"),
      reason="Shows which logrotate config names the missing log"),
    S("logrotate_state_locked", K.overlap_concurrency, 0.88,
      patterns=(r"error: state file (?P<state>\S+) is already locked", r"logrotate does not support parallel execution"),
      causes=("Another logrotate run held the state file {state}: two schedules (cron.daily and a timer or an hourly "
              "job) ran logrotate at once",
              "Another logrotate run held the state file: two schedules ran logrotate at once"),
      commands=("ps -C logrotate -o pid,etime,args",) + C.CRONTAB,
      reason="Shows whether another logrotate is still running, and since when"),
]


def _publickey_under_cron(hit: Hit, view: LogView) -> Hit:
    """`Permission denied (publickey)` from a cron job: the key the user's shell offers (an ssh-agent,
    another user's ~/.ssh) is usually not there under cron, rather than a revoked key."""
    if view.event.cron is not None and any("publickey" in line for line in hit.lines):
        hit.category = K.missing_config_or_secret
        hit.confidence = 0.62
        hit.causes = ("The SSH server accepted none of the keys the job offered: under cron there is no ssh-agent and the "
                      "job runs as {cron_user}, whose ~/.ssh may lack the key your shell uses (or the key is not in the "
                      "server's authorized_keys)",
                      "The SSH server accepted none of the keys the job offered: under cron there is no ssh-agent and the "
                      "job's user may lack the key your shell uses (or the key is not in the server's authorized_keys)")
        hit.commands = ("ls -l /home/{cron_user}/.ssh",) + C.CRONTAB
        hit.reason = "Shows which SSH keys the job's user has"
    return hit


# systemd's exit statuses for a unit that failed before or around its program (systemd.exec(5)).
_SYSTEMD_SETUP_STATUS = r"status=(?P<status>20[03]/(?:EXEC|CHDIR)|217/USER|209/STDOUT|210/CHROOT|218/CAPABILITIES)"
SYSTEMD = [
    S("systemd_oom_kill", K.oom, 0.93,
      patterns=(r"(?P<unit>[\w@.-]+\.service): Failed with result 'oom-kill'", r"(?P<unit>[\w@.-]+\.service): A process of this unit has been killed by the OOM killer",
                r"Active: failed \(Result: oom-kill\)"),
      causes=("The kernel's OOM killer killed {unit}'s process: it ran out of memory (or hit the unit's MemoryMax)",
              "The kernel's OOM killer killed the unit's process: it ran out of memory (or hit the unit's MemoryMax)"),
      commands=("journalctl -u {unit} --no-pager -n 50",) + C.KERNEL_OOM,
      reason="Shows the unit's last run and the OOM kill"),
    S("systemd_timeout", K.timeout_deadline, 0.85,
      patterns=(r"(?P<unit>[\w@.-]+\.service): Failed with result 'timeout'", r"(?P<unit>[\w@.-]+\.service): (?:Start|Stop)(?:-pre| operation)? timed out",
                r"(?P<unit>[\w@.-]+\.service): Job (?:timed out|running time exceeded)"),
      causes=("systemd stopped {unit}: it ran past its TimeoutStartSec/RuntimeMaxSec",),
      commands=("systemctl cat {unit}", "journalctl -u {unit} --no-pager -n 50"),
      reason="Shows the unit's timeouts and its last run"),
    S("systemd_exec_setup", K.missing_config_or_secret, 0.8,
      patterns=(r"(?P<unit>[\w@.-]+\.service): Main process exited, code=exited, " + _SYSTEMD_SETUP_STATUS,
                r"(?P<unit>[\w@.-]+\.service): Failed (?:to execute|at step (?:EXEC|CHDIR|USER) spawning)"),
      causes=("systemd could not start {unit}'s program ({status}): the ExecStart path, WorkingDirectory or User in the unit "
              "does not exist or is not executable",
              "systemd could not start {unit}'s program: the ExecStart path, WorkingDirectory or User in the unit does not "
              "exist or is not executable"),
      commands=("systemctl cat {unit}", "journalctl -u {unit} --no-pager -n 50"),
      reason="Shows the unit's ExecStart, WorkingDirectory and User"),
]


def _restic_location(hit: Hit, view: LogView) -> Hit:
    # restic names the location on the line after `Is there a repository at the following location?`.
    if not hit.groups.get("repo"):
        for i in range(hit.index, min(hit.index + 4, view.n_log - 1)):
            if view.lines[i].strip().endswith("Is there a repository at the following location?"):
                location = view.lines[i + 1].strip()
                if location and " " not in location:
                    hit.groups["repo"] = location
                break
    return hit


def _rclone_remote(hit: Hit, view: LogView) -> Hit:
    # `Failed to create file system for "remote:path"`: the remote is the part before the colon.
    target = hit.groups.get("target", "")
    if ":" in target:
        hit.groups["remote"] = target.split(":", 1)[0]
    return hit


def _desktop_session(hit: Hit, view: LogView) -> Hit:
    # In a container there is no desktop to connect to: the program needs a virtual display (xvfb) or a headless mode.
    if view.event.kubernetes is not None:
        hit.confidence = 0.72
        hit.causes = ("The job runs a program that needs a graphical display, and the container has none: run it headless "
                      "(a non-GUI backend, or a virtual display such as xvfb-run)",)
    return hit


def _ssh_key(hit: Hit, view: LogView) -> Hit:
    # The guard will not show a key file itself; its directory's listing shows whether it is there and its mode.
    path = hit.groups.get("path", "")
    if "/" in path:
        hit.groups["keydir"] = path.rsplit("/", 1)[0] or "/"
    text = " ".join(hit.lines)
    if "ssh_askpass" in text or "unlock ssh private key" in text.lower():
        hit.causes = ("ssh had to ask for a password or a key passphrase, and the job has no terminal to ask on (ssh-askpass "
                      "is not there either): the job has no usable key of its own (under cron there is no ssh-agent, and a key "
                      "with a passphrase cannot be unlocked), or the server does not accept the key it has",)
        hit.commands = C.CRONTAB + ("ls -l /home/{cron_user}/.ssh",) + C.POD
        hit.reason = "Shows the user the job runs as and which SSH keys that user has"
    return hit


def _rsync_time_limit(hit: Hit, view: LogView) -> Hit:
    # --stop-at / --time-limit: rsync's own wording before the same code 30.
    if any(phrase in line for line in view.lines for phrase in ("stopping at requested limit", "run-time limit exceeded")):
        hit.category, hit.confidence = K.timeout_deadline, 0.8
        hit.causes = ("rsync reached the time limit the job gives it (--stop-at / --time-limit) before the transfer finished "
                      "(exit code 30)",)
    return hit


_HOST_KEY_CHANGED = re.compile(r"REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for (?P<host>\S+) has changed")
_HOST_KEY_UNKNOWN = re.compile(r"No (?:RSA|ECDSA|ED25519|\w+) host key is known for (?P<host>\S+?) and you have requested strict "
                               r"checking|The authenticity of host '(?P<host2>[^']+)' can't be established")


def _host_key(hit: Hit, view: LogView) -> Hit:
    """`Host key verification failed`: say whether the server's key changed or was never accepted by the job's user."""
    for line in view.lines:
        if m := _HOST_KEY_CHANGED.search(line):
            if m.group("host"):
                hit.groups["host"] = m.group("host")
            hit.causes = ("The SSH server's host key is not the one in the job's known_hosts (the server was rebuilt or "
                          "reinstalled, or its name now points at another machine), so ssh refused to connect",)
            hit.commands = ("ls -l /home/{cron_user}/.ssh",) + C.CRONTAB + C.POD
            hit.reason = "Shows the known_hosts file of the job's user"
            return hit
        if m := _HOST_KEY_UNKNOWN.search(line):
            hit.causes = ("The SSH server's host key is not in the known_hosts of the user the job runs as (accepted only in "
                          "another user's shell), and an unattended ssh cannot ask to accept it",)
            hit.commands = ("ls -l /home/{cron_user}/.ssh",) + C.CRONTAB + C.POD
            hit.reason = "Shows the known_hosts file of the job's user"
            return hit
    return hit


def _kubelet_container_name(hit: Hit, view: LogView) -> Hit:
    # `/k8s_CONTAINER_POD_NS_UID_N` is the name the kubelet gives a container (dockershim): its own bookkeeping with the
    # container runtime went wrong on that node, not a run of the job that overlapped another.
    if hit.groups.get("container", "").lstrip("/").startswith("k8s_"):
        hit.category, hit.confidence = K.scheduler_infra, 0.7
        hit.causes = ("The node's container runtime still holds a container under the name the kubelet wants to create "
                      "({container}): the kubelet and the runtime disagree about that pod's containers on that node",)
        hit.commands = C.POD + C.K8S_EVENTS
        hit.reason = "Shows the node the pod is on and the kubelet's errors there"
    return hit


# The Docker CLI, git, rclone and msmtp as cron jobs call them: failures whose message names the cause.
TOOLS = [
    S("docker_socket_permission", K.permissions_rbac, 0.88,
      patterns=(r"permission denied while trying to connect to the Docker daemon socket at (?P<socket>unix://\S+?):",
                r"permission denied while trying to connect to the Docker daemon socket",
                r"dial unix (?P<socket>\S*docker\.sock): connect: permission denied"),
      causes=("The job's user ({cron_user}) may not use the Docker daemon's socket {socket}: it is not in the docker "
              "group (or the socket's group or mode changed)",
              "The job's user may not use the Docker daemon's socket {socket}: it is not in the docker group (or the "
              "socket's group or mode changed)"),
      commands=("id {cron_user}", "ls -l /var/run/docker.sock") + C.POD,
      reason="Shows the groups of the job's user, to compare with the socket's group (docker)"),
    # `docker run -it` / `docker exec -it` under cron: no terminal to attach, so docker refuses to start.
    S("docker_no_tty", K.bad_code_or_bug, 0.85,
      patterns=(r"the input device is not a TTY", r"cannot enable tty mode on non tty input"),
      causes=("The job runs docker with -t (-it) but has no terminal (cron, a pod or a task gives none), so docker "
              "refuses to start: drop -t (and -i unless it pipes input), or use `docker compose exec -T`",),
      commands=C.CRONTAB + C.POD + C.AIRFLOW_RUN,
      reason="Shows the exact docker command the job runs (look for -it)"),
    # `docker exec NAME ...` from a scheduled job (a database dump, a maintenance command) against a container that
    # is not there: the name is wrong (compose prefixes the project name: app_db_1, app-db-1) or the container was
    # removed or recreated under another name.
    S("docker_no_such_container", K.missing_config_or_secret, 0.65,
      patterns=(r"Error response from daemon: No such container: (?P<container>[\w./-]+)",),
      causes=("The job names a container {container} that does not exist: the name is wrong (Compose names containers "
              "PROJECT-SERVICE-1 or PROJECT_SERVICE_1) or the container was removed or recreated under another name",),
      commands=("ps -ef",) + C.CRONTAB,
      reason="Shows the exact docker command the job runs, to compare with the containers' names"),
    # ... or against one that exists but is stopped or restarting (crashed, or stopped for maintenance).
    S("docker_container_not_running", K.dependency_unavailable, 0.72,
      patterns=(r"Error response from daemon: Container (?P<container>[\w.-]+) is (?:not running|restarting|paused)",),
      causes=("The container {container} the job runs its command in was not running (stopped, crashed and restarting, or "
              "paused) when the job ran",),
      commands=("systemctl status docker",) + C.CRONTAB,
      reason="Shows the Docker daemon's state; `docker ps -a` (not run here) shows the container's"),
    # A fixed --name that the previous run's container still holds (it is still running, or ran without --rm).
    S("docker_container_name_in_use", K.overlap_concurrency, 0.72, refine=_kubelet_container_name,
      patterns=(r"Conflict\. The container name \\?\"(?P<container>/?[\w.-]+)\\?\" is already in use by container",
                r"Conflict, The name (?P<container>[\w.-]+) is already assigned to"),
      causes=("A container named {container} already exists: the previous run's container is still running, or it "
              "exited without being removed (docker run without --rm)",),
      commands=("ps -ef",) + C.CRONTAB,
      reason="Shows whether the previous run is still going"),
    # git >= 2.35.2 (CVE-2022-24765) refuses a repository owned by another user than the one running git.
    S("git_dubious_ownership", K.permissions_rbac, 0.85,
      patterns=(r"detected dubious ownership in repository at '(?P<path>[^']+)'",
                r"unsafe repository \('(?P<path>[^']+)' is owned by someone else\)"),
      causes=("git refuses to work in {path}: the checkout is owned by another user than the one the job runs as "
              "(git 2.35.2+ safe.directory check, often right after a git upgrade or when cron runs as another user)",),
      commands=("ls -ld {path}", "id {cron_user}") + C.POD,
      reason="Shows who owns the checkout, to compare with the job's user"),
    S("git_index_lock", K.overlap_concurrency, 0.75,
      patterns=(r"Unable to create '(?P<path>[^']+\.lock)': File exists",),
      causes=("Another git process held {path}: an earlier run was still working in the checkout, or one was killed "
              "and left its lock file behind",),
      commands=("ps -o pid,etime,args -C git", "ls -l {path}"),
      reason="Shows whether another git process is still running (if none, the lock is stale)"),
    # nologin(8)'s answer: the job runs something as a service account through its login shell (`su user`,
    # ssh), and that shell is /usr/sbin/nologin. The invocation must name a shell (su -s /bin/sh) or use runuser.
    S("login_shell_nologin", K.bad_code_or_bug, 0.65,
      patterns=(r"^This account is currently not available\.?\s*$",),
      causes=("The job switches to an account whose login shell is nologin (`su user` or ssh to a service account): "
              "nothing ran; the script must give a shell (su -s /bin/sh user -c ...) or use runuser/sudo -u",),
      commands=C.CRONTAB + C.POD,
      reason="Shows the command line that switches user"),
    # rclone's OAuth backends (Box, Drive, OneDrive...): the saved token expired and cannot be renewed.
    S("rclone_token_not_refreshable", K.credentials_expired, 0.86,
      patterns=(r"token expired and there's no refresh token", r"couldn't fetch token.{0,80}(?:invalid_grant|maybe token expired)",
                r"Token has been expired or revoked"),
      causes=("The OAuth token rclone saved for the remote has expired and cannot be refreshed: reconnect the remote "
              "(rclone config reconnect) so that a refresh token is stored",),
      commands=C.CRONTAB + C.POD,
      reason="Shows the user and environment the job runs with (whose rclone.conf holds the token)"),
    # Nextcloud's occ and cron.php refuse to run as any user but the owner of config/config.php.
    S("nextcloud_wrong_user", K.permissions_rbac, 0.85,
      patterns=(r"Console has to be executed with the same user as the web server is operated",
                r"Console has to be executed with the user that owns the file config/config\.php"),
      causes=("Nextcloud refused to run: the job runs as another user than the owner of config/config.php (run it as "
              "the web server's user, e.g. sudo -u www-data php occ / cron.php, from that user's crontab)",),
      commands=("crontab -l -u www-data",) + C.CRONTAB + C.POD,
      reason="Shows which user's crontab runs Nextcloud's cron.php"),
    # rclone says which config file it looked for; under cron that is another user's or HOME's, and missing.
    S("rclone_config_missing", K.missing_config_or_secret, 0.8,
      patterns=(r"Config file \"(?P<path>[^\"]+)\" not found - using defaults",
                r"Failed to load config file \"(?P<path>[^\"]+)\" - using defaults"),
      causes=("rclone found no config file at {path}: the job runs as another user or with another HOME than the one "
              "rclone was configured for (run it as that user, or pass --config)",),
      commands=C.CRONTAB + C.POD + ("ls -l {path}",),
      reason="Shows the user and environment the job runs with (rclone reads ~/.config/rclone/rclone.conf of that HOME)"),
    S("rclone_remote_not_configured", K.missing_config_or_secret, 0.85, refine=_rclone_remote,
      patterns=(r"Failed to create file system for \"(?P<target>[^\"]*)\": didn't find section in config file",),
      causes=("rclone found no remote named '{remote}' in the config file it read: under cron the job runs as another user "
              "or with another HOME, so rclone reads another rclone.conf (pass --config), or the remote's name is wrong",),
      commands=C.CRONTAB + C.POD,
      reason="Shows the user and environment the job runs with (rclone reads ~/.config/rclone/rclone.conf of that HOME)"),
    # msmtp, installed as sendmail, is what cron mails the job's output through.
    S("msmtp_no_config", K.missing_config_or_secret, 0.8,
      patterns=(r"(?:sendmail|msmtp): account (?P<account>\S+) not found: no configuration file available",
                r"(?:sendmail|msmtp): account (?P<account>\S+) not found in (?P<path>\S+)"),
      causes=("msmtp (the sendmail the job mails through) found no account '{account}' in {path}",
              "msmtp (the sendmail the job mails through) could read no configuration: its msmtprc is missing for this "
              "user or not readable (msmtp also refuses a config readable by others)"),
      commands=("ls -l {path}", "ls -l /etc/msmtprc") + C.CRONTAB,
      reason="Shows the msmtp config's owner and mode"),
    # ssh run by a scheduled job with no key it can use: the key file it is told to use is not there (or not readable
    # by the job's user), or ssh fell back to asking for a password/passphrase on a terminal the job does not have.
    S("ssh_key_unavailable", K.missing_config_or_secret, 0.82, refine=_ssh_key,
      patterns=(r"Identity file (?P<path>\S+) not accessible: (?:No such file or directory|Permission denied)",
                r"ssh_askpass: exec\((?P<askpass>[^)]+)\): No such file or directory",
                r"Could not unlock ssh private key"),
      causes=("The SSH key {path} the job is told to use does not exist or cannot be read by the user the job runs as, so ssh "
              "had no key to offer",),
      commands=("ls -l {keydir}", "id {cron_user}") + C.CRONTAB + C.POD,
      reason="Shows whether the key file exists in its directory, and who may read it"),
    # A desktop program (notify-send, xdotool, feh, a GUI toolkit, gsettings) run from cron: cron gives the job no
    # graphical session, so DISPLAY, XAUTHORITY and DBUS_SESSION_BUS_ADDRESS are not set (or name a session that is gone).
    S("no_desktop_session", K.missing_config_or_secret, 0.8, refine=_desktop_session,
      patterns=(r"(?:Can't|Cannot|can not|could not|Could not|Unable to) open (?:X )?display(?::\s*(?P<display>\S+))?",
                r"\$DISPLAY (?:is )?not set", r"no display name and no \$DISPLAY environment variable",
                r"could not connect to display(?: (?P<display>\S+))?", r"Authorization required, but no authorization protocol specified",
                r"Unable to autolaunch a dbus-daemon without a \$DISPLAY for X11", r"Cannot autolaunch D-Bus without X11 \$DISPLAY",
                r"Autolaunch error: X11 initialization failed", r"Error spawning command line .dbus-launch --autolaunch"),
      causes=("The job runs a program that needs a graphical desktop session (an X display or the session's D-Bus), and "
              "cron gives it none: DISPLAY, XAUTHORITY or DBUS_SESSION_BUS_ADDRESS are not set for the job, or the session "
              "they name is not there (nobody logged in)",),
      commands=C.CRONTAB + ("ls -l /tmp/.X11-unix",) + C.POD,
      reason="Shows whether the crontab sets DISPLAY, XAUTHORITY and DBUS_SESSION_BUS_ADDRESS for the job"),
    # rsync exits 24 when files it listed were deleted before it copied them: something changes the tree while the
    # backup runs (caches, temporary files, a live database); the files that did exist were copied.
    S("rsync_files_vanished", K.overlap_concurrency, 0.66,
      patterns=(r"some files vanished before they could be transferred", r"^file has vanished: \"(?P<path>[^\"]+)\""),
      causes=("Files vanished while rsync copied them (exit code 24): something deleted files in the tree during the backup "
              "(temporary or cache files, a live application), e.g. {path}; the rest was copied",
              "Files vanished while rsync copied them (exit code 24): something deleted files in the tree during the backup "
              "(temporary or cache files, a live application); the rest was copied"),
      commands=C.CRONTAB + C.POD,
      reason="Shows when the backup runs and what it copies, to compare with what writes there"),
    # rsync's summary for a partial transfer (exit code 23): the lines before it say which files and why.
    S("rsync_partial_transfer", K.other, 0.3, generic=True,
      patterns=(r"some files/attrs were not transferred \(see previous errors\) \(code 23\)",),
      causes=("rsync could not transfer some files or their attributes (exit code 23); the lines before name them (most often "
              "Permission denied on a source file, or ownership/ACLs the target filesystem cannot store)",),
      commands=C.CRONTAB + C.WHERE_IT_RAN,
      reason="Shows the rsync command the job runs and as which user"),
    # borg asks before using a repository at a new location; an unattended job cannot answer.
    S("borg_repo_relocated", K.missing_config_or_secret, 0.75,
      patterns=(r"Warning: The repository at location (?P<repo>\S+) was previously located at (?P<old>\S+)",),
      causes=("borg found the repository at {repo}, previously at {old}, and asked for a confirmation the unattended job "
              "cannot give: set BORG_RELOCATED_REPO_ACCESS_IS_OK=yes once, or use the old location",),
      commands=C.CRONTAB + C.POD,
      reason="Shows the repository location and environment the job runs with"),
]


SIGNATURES = [
    S("shell_command_not_found", K.missing_config_or_secret, 0.85, refine=_cron_path,
      explained_by=frozenset({"script_crlf_line_endings"}),
      patterns=(r"(?P<exe>[\w./+-]+): command not found",
                r"^(?:/bin/|/usr/bin/)?(?:ba|da|z|k)?sh: (?:\d+: |line \d+: )?(?P<exe>[^\s:]+): not found",
                r"env: '?(?P<exe>[^':\s]+)'?: No such file or directory",
                # Lower case as shells print it: the Kubernetes client's `Reason: Not Found` is an HTTP 404.
                r"^(?P<exe>[\w.+-]+): (?-i:not found)\s*$",
                # dash names the script and line: `/etc/cron.daily/job: 3: /etc/cron.daily/job: rsync: not found`
                r"^(?P<script>\.{0,2}/[^\s:]+): \d+: (?:\.{0,2}/[^\s:]+: )?(?P<exe>[^\s:]+): not found\s*$"),
      causes=("{exe} was not found (command not found)",),
      commands=C.CRONTAB + C.POD + ("ls -l {exe}",),
      reason="Shows the PATH and command the cron entry runs with"),
    # A script's own check for a program it needs (`command -v borg || echo "borg is not installed"`):
    # under cron that program is usually installed, just not on cron's short PATH.
    S("tool_not_found_check", K.missing_config_or_secret, 0.75, refine=_tool_check,
      patterns=(r"\bwhich: no (?P<exe>[\w.+-]+) in \(",
                r"\b(?:command|program|executable|binary) not found: (?P<exe>[\w./+-]+)",
                r"\bmissing (?:executables?|commands?(?! line)|programs?|binaries|dependencies)\b",
                r"(?:the )?(?:executable|command|program|binary) \"?(?P<exe>[\w./+-]+)\"? (?:must|needs to) be installed",
                r"\b(?P<exe>[\w.+-]+)(?: and [\w.+-]+)? (?:commands? |executables? |binar(?:y|ies) |programs? )?"
                r"(?:is|are) (?:not installed|missing)\b",
                r"\b(?:requires?|needs?) (?:the )?(?:command |program )?'?(?P<exe>[\w.+-]+)'?,? (?:but it'?s|which is) not installed",
                # dehydrated, many install scripts: `This script requires curl.` (printed when `command -v` finds none)
                r"^(?:ERROR: )?This script requires (?P<exe>[\w.+-]+)\.?\s*$",
                # An empty program name: the variable a `$(command -v tool)` lookup filled came out empty.
                r"(?:^|line \d+: |: ): command not found", r"\b(?:command|program|executable) (?:''|\"\")"),
      causes=("{exe} was not found (the job's own check for it failed)", "A program the job needs was not found (the job's own check failed)"),
      commands=C.CRONTAB + C.POD,
      reason="Shows the PATH and command the cron entry runs with"),
    S("shell_permission_denied", K.permissions_rbac, 0.85, refine=_permission,
      # SSH's `Permission denied (publickey)` is a login refused, not a file: the SSH signature says which.
      explained_by=frozenset({"git_auth_failed", "docker_socket_permission", "git_dubious_ownership", "ssh_key_unavailable",
                              "k8s_entrypoint_not_executable"}),
      patterns=(r"PermissionError: \[Errno 13\] Permission denied: '(?P<path>[^']+)'",
                r"EACCES: permission denied, \w+ '(?P<path>[^']+)'",
                r"open (?P<path>/\S+): permission denied",
                r"(?:can't|cannot) (?:open|create|write|remove|read) '?(?P<path>/[^':\s]+)'?: Permission denied",
                r"(?P<path>/[^\s:'\"]+): Permission denied", r"'(?P<path>[^']+)': Permission denied",
                # rsync quotes the path: `send_files failed to open "/home/u/f": Permission denied (13)`
                r"\"(?P<path>/[^\"]+)\": (?:Permission denied|Operation not permitted)",
                r"\bPermission denied\b", r"\bOperation not permitted\b"),
      causes=("The job may not access {path} (permission denied)", "The job was denied access to a file or resource (permission denied)"),
      commands=("ls -ld {path}", "stat {path}", "id {cron_user}") + C.POD,
      reason="Shows the owner and mode of the path against the job's user"),
    # Labelled `other` by the suite's conventions (evals/README.md): a missing UTF-8 locale is not a missing setting.
    S("shell_locale", K.other, 0.75,
      patterns=(r"setlocale: LC_\w+: cannot change locale", r"locale\.Error: unsupported locale setting",
                r"'ascii' codec can't (?:en|de)code", r"Python was configured to use ASCII as encoding",
                r"perl: warning: Setting locale failed"),
      causes=("The job runs without a UTF-8 locale (cron sets no LANG/LC_ALL), so text outside ASCII fails",),
      commands=C.CRONTAB + ("cat /etc/default/locale",),
      reason="Shows whether the cron entry sets LANG/LC_ALL"),
    # A script saved with Windows line endings: the kernel looks for `/bin/bash\r`.
    S("script_crlf_line_endings", K.bad_code_or_bug, 0.88,
      patterns=(r"(?P<path>[^\s:]+): (?P<interp>/\S+?)(?:\^M|\r): bad interpreter",
                r"(?P<path>[^\s:]+): bad interpreter: (?P<interp>/\S+?)(?:\^M|\r)",
                # quoted without the script's name: `/bin/bash^M: bad interpreter: No such file or directory`
                r"(?P<interp>/[^\s:']+?)(?:\^M|\r): bad interpreter",
                # `#!/usr/bin/env python3` with CRLF: env looks for `python3\r` (GNU env prints it escaped, in quotes)
                r"env: [\'\u2018]?(?P<interp>[\w./+-]+?)(?:\\r|\r)[\'\u2019]?: No such file or directory",
                r"\$'\\r': command not found"),
      causes=("{path} has Windows (CRLF) line endings, so its #! line names {interp} followed by a carriage return",
              "The job's script has Windows (CRLF) line endings (bash reads the carriage returns as part of each command)"),
      commands=("cat -A {path}", "ls -l {path}") + C.CRONTAB + C.POD,
      reason="Shows the script with its line endings visible (a carriage return prints as ^M)"),
    S("script_interpreter_missing", K.missing_config_or_secret, 0.8,
      patterns=(r"(?P<path>[^\s:]+): (?P<interp>/[^\s:^]+): bad interpreter: No such file or directory",),
      causes=("The interpreter {interp} named in the #! line of {path} does not exist where the job runs",),
      commands=("ls -l {interp}",) + C.CRONTAB + C.POD,
      reason="Shows whether the interpreter the script asks for exists"),
    # sudo inside an unattended job asks for a password nobody can type.
    S("sudo_needs_password", K.permissions_rbac, 0.82,
      patterns=(r"sudo: no tty present and no askpass program specified", r"sudo: a terminal is required to read the password",
                r"sudo: sorry, you must have a tty to run sudo", r"sudo: a password is required"),
      causes=("sudo asked for a password, which an unattended job cannot give (no NOPASSWD sudoers rule for this command, or requiretty)",),
      commands=C.CRONTAB + C.POD,
      reason="Shows the command the job runs with sudo and as which user"),
    S("argument_list_too_long", K.bad_code_or_bug, 0.8,
      patterns=(r"Argument list too long", r"\bE2BIG\b"),
      causes=("A command got more arguments than the system allows (a glob over too many files): the script must batch them (find -exec, xargs)",),
      commands=C.CRONTAB + C.POD),
    S("shell_unbound_variable", K.missing_config_or_secret, 0.82,
      patterns=(r"(?P<var>\w+): unbound variable", r"(?P<var>\w+): parameter (?:null or )?not set"),
      causes=("The environment variable {var} is not set when the job runs (set -u stopped the script)",),
      commands=C.CRONTAB + C.POD),
    S("shell_syntax_error", K.bad_code_or_bug, 0.85,
      patterns=(r"syntax error near unexpected token", r"syntax error: unexpected end of file",
                r"unexpected EOF while looking for matching", r"\bbad substitution\b", r"Syntax error: \"[^\"]+\" unexpected",
                # dash (/bin/sh on Debian/Ubuntu, what cron runs): its parser's own messages
                r"Syntax error: (?:EOF in backquote substitution|Unterminated quoted string|Missing '[})]'|"
                r"Bad (?:for loop variable|fd number)|end of file unexpected|word unexpected|[^\s\"]+ unexpected)"),
      causes=("The job's shell script has a syntax error",),
      commands=C.CRONTAB + C.POD),
    S("shell_cd_failed", K.missing_config_or_secret, 0.72,
      patterns=(r"cd: can't cd to (?P<path>\S+)", r"cd: (?P<path>[^\s:]+): No such file or directory"),
      causes=("The directory {path} the job changes into does not exist",),
      commands=("ls -ld {path}",) + C.CRONTAB),
    S("shell_lock_held", K.overlap_concurrency, 0.85, refine=_lock_holder,
      patterns=(r"flock: .*(?:failed to get lock|Resource temporarily unavailable)",
                # borg: `Failed to create/acquire the lock /repo/lock.exclusive (timeout).`
                r"(?:failed|unable|could not|couldn't|cannot|can't)(?: to)? (?:create/)?(?:get|acquire|obtain|take|create)(?:/acquire)? "
                r"(?:the |a )?(?:exclusive |shared |file )?lock(?: on| file)?:? (?P<path>/\S+)",
                r"(?:failed|unable|could not|couldn't|cannot|can't)(?: to)? (?:create/)?(?:get|acquire|obtain|take)(?:/acquire)? "
                r"(?:the |a )?(?:exclusive |shared |state )?lock\b",
                r"lock(?:file)? (?P<path>/\S+) (?:is )?(?:already )?(?:held|exists|locked)",
                # restic: `unable to create lock in backend: repository is already locked exclusively by PID 38 on host`
                r"repository is already locked\b", r"\bLock(?:Timeout|Failed)\b(?::\s*(?P<path>/\S+))?",
                r"\bError acquiring the state lock\b",
                r"another (?:instance|copy|process|run)(?: of (?P<program>[\w./-]+))? is (?:already|still|currently) running",
                r"already running \(pid \d+\)", r"is another process using it\?"),
      causes=("Another run still held the lock {path}: the previous run had not finished (runs overlap)",
              "Another run of {program} was still going: the previous run had not finished (runs overlap)",
              "Another run of the job still held its lock: the previous run had not finished (runs overlap)"),
      commands=("ps -o pid,etime,args -p {holder_pid}", "ps -o pid,etime,args -C {holder}", "ps -ef", "ls -l {path}") + C.K8S_EVENTS,
      reason="Shows whether the run holding the lock is still going, and for how long"),
    # Case-sensitive: the shell prints "Killed"; "was the task killed externally?" is prose.
    S("shell_killed", K.oom, 0.8, icase=False,
      patterns=(r"^\s*Killed\s*$", r"line \d+:\s+\d+ Killed\b", r"^\S*sh: \d+: .*Killed\b", r"^zsh: killed\s"),
      causes=("The process was killed with SIGKILL (the shell printed `Killed`), most often by the kernel OOM killer",),
      commands=C.KERNEL_OOM + C.POD + JOB_PODS + C.FREE,
      reason="The kernel log names the process the OOM killer chose"),
    S("killed_by_sigkill", K.oom, 0.78, icase=False,
      patterns=(r"^signal: (?:SIG)?KILL\b", r"^signal: 9$", r"^signal_number: 9$", r"\bkilled by signal 9\b",
                r"\bsignal: killed\b", r"signal 9 \(SIGKILL\)"),
      causes=("The process was killed with SIGKILL (signal 9), most often by the kernel OOM killer",),
      commands=C.KERNEL_OOM + C.POD + JOB_PODS + C.FREE,
      reason="The kernel log names the process the OOM killer chose"),
    S("kernel_oom_killer", K.oom, 0.95,
      patterns=(r"Out of memory: Kill(?:ed)? process (?P<pid>\d+) \((?P<proc>[^)]+)\)", r"Killed process (?P<pid>\d+) \((?P<proc>[^)]+)\)",
                r"invoked oom-killer", r"\boom-kill:", r"Memory cgroup out of memory"),
      causes=("The kernel OOM killer killed {proc} (pid {pid}): the machine or cgroup ran out of memory",
              "The kernel OOM killer killed the job's process: the machine or cgroup ran out of memory"),
      commands=C.KERNEL_OOM + C.FREE + C.POD + JOB_PODS),
    S("exit_124_timeout", K.timeout_deadline, 0.62,
      patterns=(_EXIT.format(code="124"), r"timeout: sending signal \w+ to command"),
      causes=("The command was stopped by `timeout` (exit code 124): it ran past its time limit",),
      commands=C.CRONTAB + C.CRON_LOG + C.POD),
    S("job_timed_out", K.timeout_deadline, 0.75,
      patterns=(r"\b(?:script|job|task|command|process|step|run) (?:has )?timed out after (?P<limit>[\d.]+\s*[a-z]*)",
                r"exceeded (?:the |its )?(?:maximum )?(?:run|execution|running) time(?: limit)?(?: of (?P<limit>[\d.]+\s*[a-z]*))?",
                r"\bkilled (?:after|because of) (?:a |the )?timeout\b"),
      causes=("The job ran past its time limit ({limit}) and was stopped", "The job ran past its time limit and was stopped"),
      commands=C.CRONTAB + C.CRON_LOG + C.POD + C.AIRFLOW_RUN,
      reason="Shows how the job is scheduled and limited, and how long past runs took"),
    S("exit_126_not_executable", K.permissions_rbac, 0.5,
      patterns=(_EXIT.format(code="126"),),
      causes=("The command could not be executed (exit code 126: not executable or permission denied)",),
      commands=C.CRONTAB + C.POD),
    S("exit_127_not_found", K.missing_config_or_secret, 0.5,
      patterns=(_EXIT.format(code="127"),),
      causes=("The command was not found (exit code 127), often cron's short PATH",),
      commands=C.CRONTAB + C.POD),
    S("exit_143_terminated", K.scheduler_infra, 0.35, generic=True,
      patterns=(_EXIT.format(code="143"), r"^\s*Terminated\s*$"),
      causes=("The process was stopped with SIGTERM (exit code 143) from outside the job",),
      commands=C.POD + C.CRON_LOG),
    S("exit_nonzero", K.other, 0.2, generic=True, refine=_generic_exit,
      patterns=(_EXIT.format(code=r"(?P<code>[1-9]\d{0,2})"),),
      causes=("The job exited with code {code}; the lines before the exit say why",),
      commands=C.WHERE_IT_RAN),
    S("process_limit", K.resource_quota_scheduling, 0.8,
      patterns=(r"fork: (?:retry: )?Resource temporarily unavailable", r"can't fork", r"fork failed", r"pthread_create failed"),
      causes=("The job could not start more processes or threads (process limit, ulimit -u or pids limit)",),
      commands=("ps -ef",) + C.POD),
    S("git_credentials", K.missing_config_or_secret, 0.8, explained_by=frozenset({"ssh_key_unavailable"}), refine=_host_key,
      patterns=(r"could not read Username for '(?P<url>[^']+)'", r"Host key verification failed",
                r"terminal prompts disabled"),
      causes=("The job has no credentials for {url} where it runs (no token or SSH key for its user)",
              "The job has no credentials (token, SSH key or known_hosts entry) for the remote it uses"),
      commands=C.CRONTAB + C.POD),
    S("git_auth_failed", K.credentials_expired, 0.87, refine=_publickey_under_cron, explained_by=frozenset({"ssh_key_unavailable"}),
      patterns=(r"fatal: Authentication failed for '(?P<url>[^']+)'", r"remote: Invalid username or (?:password|token)",
                r"Permission denied \(publickey[^)]*\)"),
      causes=("The remote {url} rejected the job's credentials (expired or revoked token or key)",
              "The remote rejected the job's credentials (expired or revoked token or key)"),
      commands=C.CRONTAB + C.POD),
    # GNU tar exits 1 when a file changed while it was archived: something wrote to it during the backup.
    S("tar_file_changed", K.overlap_concurrency, 0.7,
      patterns=(r"tar: (?P<path>\S+): file changed as we read it",),
      causes=("tar archived {path} while something was writing to it (tar then exits 1): the backup overlaps with a "
              "process or another job that changes those files",),
      commands=C.CRONTAB + ("ls -l {path}",),
      reason="Shows when the backup runs, to compare with what writes there"),
    # Run from cron's working directory (the user's home), not the checkout the shell was in.
    S("git_not_a_repository", K.missing_config_or_secret, 0.75,
      patterns=(r"fatal: not a git repository(?: \(or any (?:of the parent directories|parent up to mount point [^)]*)\))?",),
      causes=("git ran outside a repository: the job's working directory is not the checkout (cron starts jobs in the "
              "user's home; the script needs a `cd` to the repository or `git -C DIR`)",),
      commands=C.CRONTAB + C.POD,
      reason="Shows the job's command and the directory it starts in"),
    S("backup_backend_gave_up", K.dependency_unavailable, 0.72,
      patterns=(r"Giving up after (?P<attempts>\d+) attempts\. (?P<error>\w*(?:Backend|Connection|Timeout)\w*(?:Exception|Error)\b.{0,120})",),
      causes=("The backup tool gave up after {attempts} attempts to reach its storage backend: {error}",),
      commands=C.CRONTAB + C.POD,
      reason="Shows the job's command and the backend it writes to"),
    # docker-py (DockerOperator, docker-compose v1) connecting to a unix socket that is not there: the socket
    # was not mounted into the job's container, or no daemon runs on this host.
    S("docker_socket_missing", K.missing_config_or_secret, 0.7, refine=_docker_client,
      patterns=(r"Error while fetching server API version: \('Connection aborted\.', (?:FileNotFoundError\(2|error\(2), "
                r"'No such file or directory'\)\)",
                # the same failure raised from a later call (DockerOperator's cli.images()): requests over a unix socket
                r"ConnectionError: \('Connection aborted\.', FileNotFoundError\(2, 'No such file or directory'\)\)"),
      causes=("The Docker client found no daemon socket where the job runs: /var/run/docker.sock is not mounted into "
              "the job's container, or no Docker daemon runs on that host",),
      commands=("ls -l /var/run/docker.sock",) + C.POD + C.AIRFLOW_RUN,
      reason="Shows whether the Docker socket exists where the job runs"),
    S("docker_daemon_unavailable", K.dependency_unavailable, 0.85,
      patterns=(r"Cannot connect to the Docker daemon at (?P<socket>\S+?)\.? Is the docker daemon running", r"Cannot connect to the Docker daemon"),
      causes=("The Docker daemon was not running or not reachable ({socket})", "The Docker daemon was not running or not reachable"),
      commands=("systemctl status docker",) + C.POD),
    S("clock_skew", K.scheduler_infra, 0.75,
      patterns=(r"\bRequestTimeTooSkewed\b", r"clock skew", r"Signature expired: .* is now earlier than", r"certificate is not yet valid"),
      causes=("The machine's clock is wrong, so signed requests or certificates were rejected",),
      commands=("timedatectl status",) + C.POD),
    S("overlapping_run", K.overlap_concurrency, 0.62,
      patterns=(r"^history: an earlier run .*was still running",),
      causes=("An earlier run of this job was still running when this one failed (runs overlap)",),
      commands=C.K8S_EVENTS + ("ps -ef",) + C.AIRFLOW_RUN),
    # Unattended gpg cannot ask for a passphrase: GnuPG >= 2.1 goes through pinentry, which needs a
    # terminal, unless --pinentry-mode loopback is given. Most reports follow a gnupg upgrade.
    S("gpg_no_terminal", K.dependency_version, 0.72,
      patterns=(r"gpg: .*\bfailed: Inappropriate ioctl for device", r"gpg: problem with the agent: (?:No pinentry|Inappropriate ioctl)",
                r"gpg: cannot open '/dev/tty'", r"pinentry.*(?:No such device or address|Inappropriate ioctl for device)"),
      causes=("gpg could not ask for the passphrase without a terminal (GnuPG 2.1+ needs --pinentry-mode loopback "
              "for a passphrase given unattended; often after a gnupg upgrade)",),
      commands=C.CRONTAB + C.POD,
      reason="Shows how the job calls gpg (and whether it passes --pinentry-mode loopback)"),
    # gpg (duplicity, a backup script's encryption step) given a passphrase that does not open the key or the data.
    S("gpg_bad_passphrase", K.credentials_expired, 0.78,
      patterns=(r"gpg: .*\b(?:failed|error): [Bb]ad passphrase", r"gpg: decryption failed: Bad session key"),
      causes=("gpg rejected the passphrase the job supplies (a PASSPHRASE variable or --passphrase-file): it was changed, is "
              "wrong for this key or archive, or the job reads another one than you expect",),
      commands=C.CRONTAB + C.POD,
      reason="Shows the environment and passphrase setting the job runs gpg with"),
    # A program that rejects the command line the job gives it (argparse, getopt, click, Go's flag):
    # for a job that used to run, its CLI changed in an upgrade, or the job's own script did.
    S("cli_usage_error", K.dependency_version, 0.6,
      patterns=(r"^(?P<tool>[\w.-]+)(?: [\w.-]+)?: error: argument (?P<arg>\S+?):? (?:expected|invalid)",
                r"^(?P<tool>[\w.-]+)(?: [\w.-]+)?: error: (?:unrecognized arguments: (?P<arg>.+)|the following arguments are required)",
                r"^(?P<tool>[\w.-]+): (?:unrecognized|invalid|unknown) option(?: --)? '?(?P<arg>[^'\s]+)'?",
                r"^Error: No such (?:option|command): (?P<arg>\S+)", r"^flag provided but not defined: (?P<arg>\S+)",
                # Go CLIs (urfave/cli): `Incorrect Usage. flag provided but not defined: -config-folder`
                r"Incorrect Usage[.:] flag provided but not defined: (?P<arg>\S+)", r"\bunknown (?:flag|shorthand flag): '?(?P<arg>[^'\s]+)"),
      causes=("{tool} rejected the command line the job gives it ({arg}): its options changed in an upgrade, or the job passes a wrong one",
              "A program rejected the option {arg} that the job passes: its options changed in an upgrade, or the job passes a wrong one",
              "A program rejected the command line the job gives it: its options changed in an upgrade, or the job passes a wrong one"),
      commands=C.CRONTAB + C.POD + C.AIRFLOW_RUN,
      reason="Shows the exact command line the job runs"),
    # cron refuses a crontab file whose owner or mode it does not trust, and then never runs its jobs.
    S("cron_file_rejected", K.scheduler_infra, 0.85, refine=_cron_file,
      patterns=(r"\b(?:WRONG FILE OWNER|INSECURE MODE|BAD FILE MODE|WRONG INODE INFO|NUMBER OF HARD LINKS > 1)[^(]*(?:\([^)]*\)\s*)*\((?P<path>[^)]+)\)\s*$",
                r"\b(?:WRONG FILE OWNER|INSECURE MODE|BAD FILE MODE|WRONG INODE INFO|NUMBER OF HARD LINKS > 1)",
                r"Error: bad username; while reading (?P<path>\S+)", r"Syntax error, this crontab file will be ignored"),
      causes=("cron ignored the crontab file {path} (its owner, mode or link count is not what cron requires, or it does not parse), so the job never ran",
              "cron ignored the job's crontab file (its owner, mode or link count is not what cron requires, or it does not parse), so the job never ran"),
      commands=("ls -l {path}", "ls -l /etc/cron.d") + C.CRON_LOG,
      reason="Shows the crontab file's owner and mode (root-owned, not group/other-writable, one hard link)"),
    S("cron_daemon_error", K.scheduler_infra, 0.75, refine=_cron_entry_user,
      patterns=(r"errors in crontab file", r"\":\d+: bad (?:minute|hour|day-of-month|month|day-of-week|command)",
                r"\(CRON\) (?:ORPHAN|bad)", r"cron\S*: .*\bpam_\w+\(cron:\w+\).*(?:failure|error)",
                # cronie: the entry's user could not be looked up (in /etc/crontab or cron.d, a line without the user
                # field makes the command's first word the user), or PAM refused to open the job's session
                r"\((?P<entry_user>[^)\s]+)\) ERROR \(getpwnam\(\) failed[^)]*\)", r"FAILED to authorize user with PAM",
                r"\) PAM ERROR \("),
      causes=("cron itself could not run the entry (crontab syntax or cron's PAM session failed)",),
      commands=C.CRON_LOG + C.CRONTAB),
    # The crontab command itself refused (cron.allow / cron.deny, or PAM's access.conf): a deploy step that installs
    # the job's crontab, or a user who may no longer schedule jobs.
    S("crontab_not_allowed", K.permissions_rbac, 0.82,
      patterns=(r"You \((?P<user>[\w.-]+)\) are not allowed to use this program \(crontab\)",
                r"You \((?P<user>[\w.-]+)\) are not allowed to access to \(crontab\) because of pam configuration"),
      causes=("The user {user} may not use crontab here (it is not in /etc/cron.allow, is in /etc/cron.deny, or PAM's "
              "access rules refuse it)",),
      commands=("ls -l /etc/cron.allow /etc/cron.deny", "id {user}"),
      reason="Shows which cron access lists exist on the host"),
    # Backup tools (restic, borg) that open an encrypted repository with a password the job supplies.
    S("backup_repo_password_rejected", K.credentials_expired, 0.8,
      patterns=(r"Fatal: wrong password or no key found", r"passphrase supplied in BORG_PASSPHRASE.{0,60}? is incorrect"),
      causes=("The backup repository rejected the password the job gives it (RESTIC_PASSWORD / BORG_PASSPHRASE): changed, "
              "wrong, or the job points at another repository",),
      commands=C.CRONTAB + C.POD,
      reason="Shows the environment (repository, password variable or file) the job runs with"),
    S("backup_repo_password_missing", K.missing_config_or_secret, 0.85,
      patterns=(r"an empty password is not allowed", r"Attempting to access a previously unknown unencrypted repository"),
      causes=("The backup tool got no repository password (or would have had to ask on a terminal): the variable or file that "
              "supplies it is not set where the job runs",),
      commands=C.CRONTAB + C.POD,
      reason="Shows the environment (repository, password variable or file) the job runs with"),
    # restic given no repository at all: RESTIC_REPOSITORY (or -r) is set in a login shell or as a plain shell variable,
    # not exported into the job's environment (cron reads no .bashrc/.profile).
    S("backup_repo_location_missing", K.missing_config_or_secret, 0.85,
      patterns=(r"Fatal: Please specify repository location \(-r(?: or --repository-file)?\)",),
      causes=("restic was given no repository (no -r / --repository-file, and RESTIC_REPOSITORY is not in the job's "
              "environment: set in a login shell or .bashrc that cron does not read, or not exported)",),
      commands=C.CRONTAB + C.POD,
      reason="Shows the environment and command line the job runs restic with"),
    # borg names the location it looked at: `::{hostname}-{now}` (BORG_REPO unset), an unrendered template.
    S("backup_repo_not_found", K.missing_config_or_secret, 0.8, refine=_restic_location,
      patterns=(r"^Repository (?P<repo>\S.*?) does not exist\.?$",
                # restic: `Fatal: repository does not exist: unable to open config file: stat /srv/repo/config: no such
                # file or directory`, then `Is there a repository at the following location?` and the location.
                r"unable to open config file: (?:Stat: )?stat (?P<repo>\S+?)/config: no such file or directory",
                r"unable to open config file: <config/> does not exist", r"^Fatal: repository does not exist\b",
                # borg: the path holds something that is not a borg repository (the wrong directory, a mount not there)
                r"(?P<repo>\S+) is not a valid repository\. Check repo config"),
      causes=("The backup repository {repo} does not exist at the location the job gives (wrong or unset repository setting, "
              "or the target is not mounted)",
              "The backup repository does not exist at the location the job gives (wrong or unset repository setting, "
              "or the target is not mounted)"),
      commands=C.CRONTAB + C.POD,
      reason="Shows the repository setting the job runs with"),
    # rsync's own report that the other end went away: the lines before it usually say why
    # (ssh refused, rsync missing on the remote, a network drop), so it is a hint.
    S("rsync_connection_closed", K.dependency_unavailable, 0.5,
      patterns=(r"rsync: connection unexpectedly closed", r"rsync error: error in rsync protocol data stream \(code 12\)"),
      causes=("The rsync connection to the other side closed unexpectedly (the remote rsync or ssh failed, or the network dropped)",),
      commands=C.CRONTAB + C.WHERE_IT_RAN),
    # borg's own report that its `borg serve` on the other side (over ssh) went away: ssh refused, borg missing or
    # failing on the server; the `Remote:` lines before it usually say which.
    S("borg_remote_closed", K.dependency_unavailable, 0.5,
      patterns=(r"Connection closed by remote host\. Is borg working on the server\?",),
      causes=("borg's connection to the repository server closed (ssh refused or dropped the connection, or borg is missing "
              "or failing on the server); the `Remote:` lines before it say which",),
      commands=C.CRONTAB + C.WHERE_IT_RAN),
    # rsync's --timeout: no data moved for that long (the other side or a network filesystem stalled). With --stop-at /
    # --time-limit it is the job's own time budget running out, with the same exit code 30.
    S("rsync_io_timeout", K.dependency_unavailable, 0.6, refine=_rsync_time_limit,
      patterns=(r"rsync error: timeout in data send/receive \(code 30\)", r"\] io timeout after (?P<secs>\d+) seconds -- exiting"),
      causes=("rsync stopped because no data moved for its --timeout ({secs} s): the other side (an rsync server, a network "
              "or NFS mount) stalled or the connection hung",
              "rsync stopped because no data moved for its --timeout: the other side (an rsync server, a network or NFS mount) "
              "stalled or the connection hung"),
      commands=C.CRONTAB + C.WHERE_IT_RAN),
    S("account_expired", K.credentials_expired, 0.86,
      patterns=(r"Your account has expired", r"password (?:has )?expired|account (?:has )?expired", r"Authentication token is no longer valid",
                r"pam_unix\(cron:account\): .*expired"),
      causes=("The account the job runs as has an expired password or account, so cron/PAM refused it",),
      commands=("chage -l {cron_user}",) + C.CRON_LOG),
    *TOOLS,
    *LOGROTATE,
    *SYSTEMD,
]

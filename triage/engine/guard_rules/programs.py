"""The table of programs the guard knows: every rule module's RULES plus explicit refusals.

`PROGRAMS` maps a program name to a rule: `rule(args, context)` returns when the invocation
is read-only and raises `Refusal` otherwise. A program missing from the map is refused.

Policy decisions, in one place:
- Programs that cannot write or execute by design (grep, tail, journalctl, ps...) use a
  deny-list of options that never end (`-f`, `--follow`, `-w`) or change state (`--vacuum-*`,
  `dmesg -C`, `sort -o`, `date -s`). Programs that can send, write or execute (curl, wget,
  nc, openssl, psql, mysql, sed, awk) use an allow-list: every option must be known.
- Commands that print secrets are refused even though they are read-only: the card is shown
  to people and may be pasted anywhere (`airflow connections get/export/list`,
  `variables get/export`, `config list`, `kubectl get secret -o yaml`, `kubectl config view
  --raw`, `helm get values/manifest/all`, `aws secretsmanager get-secret-value`, `az ...
  keys list`, `env`, `printenv`).
- Programs that would wait on the terminal are refused: `less`, plain `top`, `psql` or
  `mysql` without a query, `cat`/`grep`/`sort` with no file and nothing piped in.
- Programs that repeat must end within base.MAX_REPEAT_SECONDS (60 s), counted at their worst:
  `top -b -n N -d D`, `ping -c N -i I -W W` (or `-w`), `free -c N`, `docker events --until` a time
  already past. `watch`, `-f`/`--follow`/`-w` forms and `ip -batch FILE` are refused outright.
- A pager started by journalctl, systemctl or aws when printing to a terminal is accepted:
  it ends when the human quits and runs nothing by itself.
"""

from __future__ import annotations

from triage.engine.guard_rules import clouds, databases, network, orchestrators, system, text
from triage.engine.guard_rules.base import NEVER_ENDS, WRITES_FILE, CommandContext, Rule, refuse

__all__ = ["PROGRAMS", "CommandContext", "Rule"]

# Refused with a specific reason, so the card says why rather than "unknown program".
_REFUSED: dict[str, Rule] = {
    **{name: refuse(f"{name} runs shell code") for name in ("sh", "zsh", "dash", "ksh", "fish", "eval", "exec",
                                                             "source", ".")},
    **{name: refuse(f"{name} runs commands as another user") for name in ("sudo", "su", "doas", "pkexec", "runuser")},
    **{name: refuse(f"{name} prints the environment, which holds secrets")
       for name in ("env", "printenv", "export", "set", "declare")},
    **{name: refuse(f"{name} runs another command") for name in ("xargs", "timeout", "nice", "nohup", "setsid", "time",
                                                                  "strace", "nsenter", "chroot", "parallel", "busybox")},
    **{name: refuse(f"{name} is interactive") for name in ("less", "more", "most", "vi", "vim", "nano", "view", "man",
                                                            "htop", "iotop", "iftop", "mtr", "emacs")},
    "watch": refuse(f"watch {NEVER_ENDS}"),
    "tee": refuse(f"tee {WRITES_FILE}"),
    "dd": refuse("dd writes files and devices"),
}

PROGRAMS: dict[str, Rule] = {
    **text.RULES,
    **system.RULES,
    **network.RULES,
    **databases.RULES,
    **orchestrators.RULES,
    **clouds.RULES,
    **_REFUSED,
}

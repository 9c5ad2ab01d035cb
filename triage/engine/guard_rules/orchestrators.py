"""Rules for kubectl, airflow, docker and helm: read-only subcommands, no following or
watching, nothing that prints secret values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone

from triage.engine.guard_rules.base import (
    MAX_REPEAT_SECONDS, NEVER_ENDS, WRITES_FILE, CommandContext, Rule, deny, name_set, option_spec, split_command_path,
)
from triage.engine.guard_rules.options import OptionSpec, ParsedArgs, Refusal, parse_options

_KUBECTL_GLOBAL_VALUES = name_set(
    "-n", "--namespace", "--context", "--cluster", "--user", "--kubeconfig", "-s", "--server", "--token", "--as",
    "--as-group", "--as-uid", "--request-timeout", "--cache-dir", "--certificate-authority",
    "--client-certificate", "--client-key", "--tls-server-name", "--username", "--password", "-v", "--v",
    "--vmodule", "--profile",
)
_KUBECTL_GLOBAL_BOOLS = name_set("--insecure-skip-tls-verify", "--warnings-as-errors", "--match-server-version",
                            "--disable-compression", "-A", "--all-namespaces")
_KUBECTL_DENIED_GLOBAL = {
    **deny(WRITES_FILE, "--profile-output", "--log-file", "--log-dir"),
    "--profile": "kubectl --profile writes a profile file",
}


def _must_be_false(flag: str) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return None if value.lower() == "false" else f"{flag} {NEVER_ENDS}"

    return check


# A Go duration as kubectl and docker read it ("0", "90s", "1m30s", "1.5h", "500ms").
_GO_DURATION = re.compile(r"^(?:0|(?:\d+(?:\.\d+)?(?:ns|us|\u00b5s|ms|s|m|h))+)$")
_GO_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|\u00b5s|ms|h|m|s)")
_GO_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "\u00b5s": 1e-6, "ns": 1e-9}
# A plain decimal: seconds (kubectl's timeouts), or a Unix time (docker's --since/--until).
_DECIMAL = re.compile(r"^\d+(?:\.\d+)?$")


def _go_duration_seconds(value: str) -> float | None:
    """The seconds a Go duration stands for, or None when `value` is not one."""
    if not _GO_DURATION.match(value):
        return None
    return sum(float(n) * _GO_UNITS[unit] for n, unit in _GO_DURATION_PART.findall(value))


def _bounded_wait(flag: str) -> Callable[[str], str | None]:
    """--pod-running-timeout / --request-timeout: a wait the command may spend before it answers."""
    def check(value: str) -> str | None:
        seconds = float(value) if _DECIMAL.match(value) else _go_duration_seconds(value)
        if seconds is None:
            return f"{flag} {value!r} is not a duration the guard can bound"
        return None if seconds <= MAX_REPEAT_SECONDS else f"{flag}={value} may wait longer than {MAX_REPEAT_SECONDS} s"

    return check


def _kubectl_spec(short_values: str, long_values: Iterable[str], denied: dict[str, str] | None = None,
                  checks: dict | None = None) -> OptionSpec:
    return option_spec(
        "nsv" + short_values,
        {v.lstrip("-") for v in _KUBECTL_GLOBAL_VALUES if v.startswith("--")} | set(long_values),
        denied={**_KUBECTL_DENIED_GLOBAL, **(denied or {})},
        checks=checks,
        pflag=True,
    )


_KUBECTL_SPECS: dict[str, OptionSpec] = {
    "get": _kubectl_spec(
        "olfkL",
        ("output", "selector", "field-selector", "filename", "kustomize", "label-columns", "sort-by", "template",
         "chunk-size", "raw", "subresource"),
        denied={"-w": f"kubectl get -w {NEVER_ENDS}"},
        checks={"--watch": _must_be_false("--watch"), "--watch-only": _must_be_false("--watch-only")},
    ),
    "describe": _kubectl_spec("lfk", ("selector", "filename", "kustomize", "chunk-size")),
    "logs": _kubectl_spec(
        "cl",
        ("container", "since", "since-time", "tail", "limit-bytes", "selector", "max-log-requests",
         "pod-running-timeout"),
        denied={"-f": f"kubectl logs -f {NEVER_ENDS}"},
        checks={"--follow": _must_be_false("--follow"), "--pod-running-timeout": _bounded_wait("--pod-running-timeout")},
    ),
    "top": _kubectl_spec("l", ("selector", "sort-by", "field-selector")),
    "events": _kubectl_spec("o", ("for", "types", "output", "chunk-size"), denied={"-w": f"kubectl events -w {NEVER_ENDS}"},
                            checks={"--watch": _must_be_false("--watch")}),
    "explain": _kubectl_spec("o", ("api-version", "output")),
    "version": _kubectl_spec("o", ("output",)),
    "api-resources": _kubectl_spec("o", ("output", "api-group", "sort-by", "verbs", "categories")),
    "api-versions": _kubectl_spec("", ()),
    "cluster-info": _kubectl_spec("o", ("output", "namespaces", "pod-running-timeout", "output-directory"),
                                  denied={"--output-directory": f"kubectl cluster-info dump --output-directory {WRITES_FILE}"}),
    "auth": _kubectl_spec("o", ("subresource", "output")),
    "config": _kubectl_spec("o", ("output",), denied={
        "--raw": "kubectl config view --raw prints credentials",
        "--flatten": "kubectl config view --flatten prints credentials (it skips the redaction of keys and tokens)"}),
    "rollout": _kubectl_spec("o", ("revision", "output")),
}
_KUBECTL_MUTATING = name_set(
    "apply", "create", "delete", "edit", "patch", "replace", "scale", "autoscale", "exec", "attach",
    "port-forward", "proxy", "cp", "debug", "run", "expose", "drain", "cordon", "uncordon", "taint", "label",
    "annotate", "set", "certificate", "wait", "diff", "kustomize", "plugin", "alpha", "completion", "convert",
)
_SECRET_OUTPUTS = re.compile(r"^(yaml|json|jsonpath|go-template|template|custom-columns)", re.IGNORECASE)


def _kubectl_secret_output(parsed: ParsedArgs) -> None:
    outputs = parsed.values("-o", "--output")
    reveals = any(_SECRET_OUTPUTS.match(o) for o in outputs) or parsed.has("--template")
    for raw in parsed.values("--raw"):
        if "secret" in raw.lower():
            raise Refusal("kubectl get --raw on secrets prints secret values")
        if re.search(r"/(exec|attach|portforward|proxy)\b", raw):
            raise Refusal("kubectl get --raw on exec/attach/portforward/proxy reaches into pods and nodes")
        if re.search(r"[?&](?:watch|follow)=(?!false\b|0\b)", raw, re.IGNORECASE):
            raise Refusal(f"kubectl get --raw with watch/follow {NEVER_ENDS}")
    if not reveals:
        return
    for operand in parsed.operands[:1] + [o for o in parsed.operands if "/" in o]:
        for item in operand.split(","):
            kind = item.split("/", 1)[0].split(".", 1)[0].lower()
            if kind in ("secret", "secrets"):
                raise Refusal("kubectl get secrets with -o yaml/json/jsonpath prints secret values")


def _kubectl(args: list[str], context: CommandContext) -> None:
    path, rest = split_command_path("kubectl", args, _KUBECTL_GLOBAL_VALUES, _KUBECTL_GLOBAL_BOOLS, 1)
    if not path:
        raise Refusal("kubectl without a subcommand")
    sub = path[0]
    if sub in _KUBECTL_MUTATING:
        raise Refusal(f"kubectl {sub} is not read-only")
    spec = _KUBECTL_SPECS.get(sub)
    if spec is None:
        raise Refusal(f"kubectl {sub} is not a known read-only kubectl subcommand (plugins are refused)")
    parsed = parse_options(rest, spec)
    operands = parsed.operands
    if sub == "get":
        _kubectl_secret_output(parsed)
    elif sub == "top" and (not operands or operands[0] not in ("node", "nodes", "no", "pod", "pods", "po")):
        raise Refusal("kubectl top needs `node` or `pod`")
    elif sub == "cluster-info" and operands and operands != ["dump"]:
        raise Refusal(f"kubectl cluster-info {operands[0]} is not understood")
    elif sub == "auth" and (not operands or operands[0] not in ("can-i", "whoami")):
        raise Refusal(f"kubectl auth {operands[0] if operands else ''} is not read-only (only can-i, whoami)")
    elif sub == "config" and (not operands or operands[0] not in
                              ("view", "get-contexts", "current-context", "get-clusters", "get-users")):
        raise Refusal(f"kubectl config {operands[0] if operands else ''} is not read-only")
    elif sub == "rollout" and (not operands or operands[0] != "history"):
        raise Refusal(f"kubectl rollout {operands[0] if operands else ''} is not read-only (only history)")


_AIRFLOW_READ = {
    ("tasks", "states-for-dag-run"), ("tasks", "state"), ("tasks", "list"), ("tasks", "failed-deps"),
    ("dags", "list"), ("dags", "list-runs"), ("dags", "state"), ("dags", "show"), ("dags", "list-import-errors"),
    ("dags", "details"), ("dags", "list-jobs"), ("dags", "next-execution"),
    ("config", "get-value"), ("pools", "list"), ("pools", "get"), ("jobs", "check"), ("providers", "list"),
    ("db", "check"), ("variables", "list"), ("dag-processor", "--help"),
}
_AIRFLOW_SINGLE = name_set("info", "version", "cheat-sheet")
_AIRFLOW_SECRETS = {
    ("connections", "get"): "prints the connection's password",
    ("connections", "export"): "prints connection passwords",
    ("connections", "list"): "prints connection URIs with passwords",
    ("variables", "get"): "prints variable values, which hold secrets",
    ("variables", "export"): "prints variable values, which hold secrets",
    ("config", "list"): "prints the configuration with its secrets",
}
_AIRFLOW_SECRET_KEYS = re.compile(r"conn|password|secret|key|token|broker_url|result_backend|dsn", re.IGNORECASE)


def _airflow(args: list[str], context: CommandContext) -> None:
    words = [a for a in args if not a.startswith("-")]
    if not words:
        if args in (["--version"], ["-h"], ["--help"]):
            return
        raise Refusal("airflow without a subcommand")
    group = words[0]
    if args[0] != group:
        raise Refusal("airflow: put the subcommand first")
    if group == "info":
        parsed = parse_options(args[1:], option_spec("o", ("output",), denied=deny(
            "uploads the report to file.io, a public file-sharing service", "--file-io")))
        if not parsed.has("--anonymize"):
            raise Refusal("airflow info prints the metadata database URL with its password; "
                          "only `airflow info --anonymize` is allowed")
        return
    if group in _AIRFLOW_SINGLE:
        return
    if len(words) < 2 or args[1] != words[1]:
        raise Refusal(f"airflow {group} needs a subcommand right after it")
    pair = (group, words[1])
    if pair in _AIRFLOW_SECRETS:
        raise Refusal(f"airflow {' '.join(pair)} {_AIRFLOW_SECRETS[pair]}")
    if pair not in _AIRFLOW_READ:
        raise Refusal(f"airflow {' '.join(pair)} is not a read-only airflow command")
    # argparse accepts unambiguous prefixes: --sa is --save, --subd is --subdir.
    denied = {**deny("imports and runs the Python files in that folder", "-S", "--subdir")}
    if pair == ("dags", "show"):
        denied.update({"-s": "airflow dags show -s writes a file", "--save": "airflow dags show --save writes a file"})
    parsed = parse_options(args[2:], option_spec("o", ("output",), denied=denied))
    if pair == ("config", "get-value"):
        key = " ".join(parsed.operands)
        if _AIRFLOW_SECRET_KEYS.search(key):
            raise Refusal(f"airflow config get-value {key} prints a secret")


_DOCKER_GLOBAL_VALUES = name_set("-H", "--host", "-c", "--context", "--config", "-l", "--log-level", "--tlscacert",
                            "--tlscert", "--tlskey")
_DOCKER_GLOBAL_BOOLS = name_set("-D", "--debug", "--tls", "--tlsverify")
_DOCKER_READ = {
    ("ps",), ("logs",), ("inspect",), ("images",), ("stats",), ("events",), ("version",), ("info",), ("top",),
    ("port",), ("history",), ("diff",),
    ("container", "ls"), ("container", "ps"), ("container", "list"), ("container", "logs"),
    ("container", "inspect"), ("container", "top"), ("container", "port"), ("container", "stats"),
    ("container", "diff"), ("image", "ls"), ("image", "list"), ("image", "inspect"), ("image", "history"),
    ("network", "ls"), ("network", "list"), ("network", "inspect"), ("volume", "ls"), ("volume", "list"),
    ("volume", "inspect"), ("system", "df"), ("system", "info"), ("system", "events"),
}
_DOCKER_GROUPS = name_set("container", "image", "network", "volume", "system")


def _docker(args: list[str], context: CommandContext) -> None:
    path, rest = split_command_path("docker", args, _DOCKER_GLOBAL_VALUES, _DOCKER_GLOBAL_BOOLS, 1, normalise=False)
    if not path:
        raise Refusal("docker without a subcommand")
    key: tuple[str, ...] = (path[0],)
    if path[0] in _DOCKER_GROUPS:
        sub_path, rest = split_command_path("docker", rest, name_set(), name_set(), 1, normalise=False)
        key = (path[0], *(sub_path[:1]))
    if key not in _DOCKER_READ:
        raise Refusal(f"docker {' '.join(key)} is not a read-only docker command")
    action = key[-1]
    spec = option_spec("nf" if action != "logs" else "n",
                 ("tail", "since", "until", "format", "filter", "type", "last"),
                 denied={"-f": f"docker logs -f {NEVER_ENDS}", "--follow": f"docker logs --follow {NEVER_ENDS}"}
                 if action == "logs" else {}, pflag=True)
    parsed = parse_options(rest, spec)
    if action == "inspect" and key[0] in ("inspect", "container", "image"):
        _docker_inspect_format(parsed.values("-f", "--format"))
    if action == "stats" and not parsed.has("--no-stream"):
        raise Refusal(f"docker stats without --no-stream {NEVER_ENDS}")
    if action == "events":
        untils = parsed.values("--until")
        if not untils:
            raise Refusal(f"docker events without --until {NEVER_ENDS}")
        for until in untils:
            reason = _docker_until_in_future(until)
            if reason:
                raise Refusal(f"docker events --until {until!r}: {reason}")


# docker inspect prints a container's (or image's) environment, Config.Env, with every value
# resolved (`docker run -e DB_PASSWORD=...`): like `env`, it is refused unless --format picks
# fields, each action a plain field path (`{{.State.ExitCode}}`, `{{json .State}}`) that is
# not the environment, nor the whole object or config that holds it.
_DOCKER_FORMAT_ACTION = re.compile(r"^(?:(?:json|print|println)\s+)?(?P<path>(?:\.[A-Za-z_][A-Za-z0-9_]*)+)$")
_DOCKER_ENV_HOLDERS = frozenset({"Config", "ContainerConfig"})


def _docker_inspect_format(formats: list[str]) -> None:
    if not formats:
        raise Refusal("docker inspect prints the environment (Config.Env), which holds secrets; "
                      "pick fields with --format, e.g. --format '{{.State.ExitCode}} {{.State.OOMKilled}}'")
    for fmt in formats:
        if fmt.count("{{") != fmt.count("}}"):
            raise Refusal(f"docker inspect --format {fmt!r} is not understood")
        for action in re.findall(r"\{\{-?\s*(.*?)\s*-?\}\}", fmt, re.DOTALL):
            m = _DOCKER_FORMAT_ACTION.match(action)
            if not m:
                raise Refusal(f"docker inspect --format action {{{{{action}}}}} is not a plain field path "
                              "(it could print the environment, which holds secrets)")
            parts = m.group("path").split(".")[1:]
            if "Env" in parts or parts[-1] in _DOCKER_ENV_HOLDERS:
                raise Refusal(f"docker inspect --format {{{{{action}}}}} prints the environment, which holds secrets")


# docker reads --since/--until as a Go duration back from now (`10m`, `1h30m`, `0s`; `-1h` is an
# hour ahead), a Unix time
# (`1714521600`), or an RFC 3339 date or time; a time without a zone is the client's local time.
# `docker events --until T` streams events until T: a time in the future keeps it running.
_UNTIL_SLACK_SECONDS = 60


def _docker_until_in_future(value: str) -> str | None:
    """None when `value` is surely in the past (or within a minute from now), else why not."""
    if _GO_DURATION.match(value):
        return None  # a duration counts back from now
    now = datetime.now(timezone.utc)
    if _DECIMAL.match(value):
        try:
            when = datetime.fromtimestamp(float(value), timezone.utc)
        except (OverflowError, OSError, ValueError):
            return "a time in the far future: docker events streams until then"
    else:
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return "not a time the guard can read (use a duration such as 30m or 0s)"
        if when.tzinfo is None:
            # the local time of whoever runs it: as a UTC time, at the latest 12 hours later (UTC-12)
            when = when.replace(tzinfo=timezone.utc) + timedelta(hours=12)
    if when > now + timedelta(seconds=_UNTIL_SLACK_SECONDS):
        return "a time in the future: docker events streams until then (use a duration back from now, such as 0s)"
    return None



_HELM_GLOBAL_VALUES = name_set("-n", "--namespace", "--kube-context", "--kubeconfig", "--registry-config",
                          "--repository-cache", "--repository-config", "--burst-limit", "--qps", "--kube-apiserver",
                          "--kube-as-user", "--kube-token", "--kube-ca-file", "--kube-tls-server-name")
_HELM_GLOBAL_BOOLS = name_set("--debug", "--kube-insecure-skip-tls-verify")
_HELM_READ = {("status",), ("history",), ("hist",), ("list",), ("ls",), ("version",), ("get", "notes"),
              ("get", "metadata"), ("show", "chart"), ("show", "readme")}
_HELM_SECRETS = {("get", "values"): "prints release values, which often hold passwords and tokens",
                 ("get", "manifest"): "prints the release's Secret objects",
                 ("get", "all"): "prints release values and Secret objects",
                 ("get", "hooks"): "prints hook manifests, which may hold secrets"}


def _helm_outputs(args: list[str]) -> list[str]:
    """The values of -o/--output (pflag: `-o json`, `-ojson`, `-o=json`, `--output=json`)."""
    out = []
    for i, arg in enumerate(args):
        if arg in ("-o", "--output"):
            out.append(args[i + 1] if i + 1 < len(args) else "")
        elif arg.startswith("--output="):
            out.append(arg.split("=", 1)[1])
        elif arg.startswith("-o") and not arg.startswith("--"):
            out.append(arg[2:].removeprefix("="))
    return out


def _helm(args: list[str], context: CommandContext) -> None:
    path, rest = split_command_path("helm", args, _HELM_GLOBAL_VALUES, _HELM_GLOBAL_BOOLS, 1)
    if not path:
        raise Refusal("helm without a subcommand")
    key: tuple[str, ...] = (path[0],)
    if path[0] in ("get", "show"):
        sub, rest = split_command_path("helm", rest, _HELM_GLOBAL_VALUES, _HELM_GLOBAL_BOOLS, 1)
        key = (path[0], *(sub[:1]))
    if key in _HELM_SECRETS:
        raise Refusal(f"helm {' '.join(key)} {_HELM_SECRETS[key]}")
    if key == ("status",) and any(o.lower() in ("json", "yaml") for o in _helm_outputs(rest)):
        raise Refusal("helm status -o json/yaml prints the whole release: its values and Secret objects")
    if key not in _HELM_READ:
        raise Refusal(f"helm {' '.join(key)} is not a read-only helm command")



RULES: dict[str, Rule] = {"kubectl": _kubectl, "airflow": _airflow, "docker": _docker, "helm": _helm}

"""Rules for cloud CLIs: aws describe-*/list-*/get-*, gcloud and az describe/show/list,
minus the operations that print secrets or write files.
"""

from __future__ import annotations

import re

from triage.engine.guard_rules.base import (
    NEVER_ENDS, WRITES_FILE, CommandContext, Rule, name_set, option_spec, split_command_path,
)
from triage.engine.guard_rules.options import Refusal, parse_options

_AWS_GLOBAL_VALUES = name_set("--region", "--profile", "--output", "--query", "--endpoint-url", "--cli-read-timeout",
                         "--cli-connect-timeout", "--ca-bundle", "--color", "--cli-binary-format")
_AWS_GLOBAL_BOOLS = name_set("--debug", "--no-paginate", "--no-verify-ssl", "--no-sign-request", "--no-cli-pager",
                        "--cli-auto-prompt", "--no-cli-auto-prompt")
_AWS_SECRET_OPERATIONS = {
    "get-secret-value": "prints a secret", "get-login-password": "prints a registry password",
    "get-login": "prints a docker login command with a registry password",
    "get-authorization-token": "prints an access token", "get-session-token": "creates and prints credentials",
    "get-federation-token": "creates and prints credentials", "get-token": "prints an access token",
    "get-cluster-credentials": "prints database credentials",
    "get-cluster-credentials-with-iam": "prints database credentials",
    "get-credentials-for-identity": "prints credentials", "get-open-id-token": "prints a token",
    "get-role-credentials": "prints credentials", "get-instance-access-details": "prints private keys",
    "get-password-data": "prints an instance password",
}
_AWS_WRITES_OUTFILE = name_set("get-object", "get-object-torrent", "get-export", "get-sdk", "get-job-output",
                          "get-media", "get-snapshot-block", "get-package-version-asset")


def _aws(args: list[str], context: CommandContext) -> None:
    path, rest = split_command_path("aws", args, _AWS_GLOBAL_VALUES, _AWS_GLOBAL_BOOLS, 2)
    if len(path) < 2:
        raise Refusal("aws needs a service and an operation")
    service, operation = path
    if operation in _AWS_SECRET_OPERATIONS:
        raise Refusal(f"aws {service} {operation} {_AWS_SECRET_OPERATIONS[operation]}")
    if operation in _AWS_WRITES_OUTFILE:
        raise Refusal(f"aws {service} {operation} {WRITES_FILE}")
    if service == "ssm" and "--with-decryption" in rest:
        raise Refusal("aws ssm ... --with-decryption prints secret parameters")
    if any(a.startswith("--cli-input") or a == "--generate-cli-skeleton" for a in rest):
        raise Refusal("aws --cli-input-* reads parameters from a file the guard cannot see")
    if (service, operation) in (("s3", "ls"), ("logs", "tail")):
        if any(a == "--follow" or a.startswith("--follow=") for a in rest):
            raise Refusal(f"aws logs tail --follow {NEVER_ENDS}")
        return
    if not re.match(r"^(describe|list|get)-[a-z0-9-]+$", operation):
        raise Refusal(f"aws {service} {operation} is not read-only (only describe-*, list-*, get-*)")


_GCLOUD_GROUPS = name_set(
    "alpha", "beta", "compute", "instances", "instance-groups", "managed", "disks", "zones", "regions",
    "operations", "container", "clusters", "node-pools", "images", "logging", "logs", "sinks", "sql",
    "databases", "backups", "run", "services", "revisions", "jobs", "executions", "functions", "pubsub",
    "topics", "subscriptions", "projects", "iam", "service-accounts", "roles", "storage", "buckets", "objects",
    "scheduler", "dataproc", "composer", "environments", "dataflow", "config", "configurations", "artifacts",
    "repositories", "docker", "tags", "builds", "triggers", "monitoring", "policies", "channels", "dns",
    "managed-zones", "record-sets", "networks", "subnets", "firewall-rules", "routers", "addresses",
    "forwarding-rules", "backend-services", "health-checks", "target-pools", "redis", "spanner", "workflows",
    "tasks", "queues", "app", "versions", "organizations", "folders", "auth", "secrets", "kms", "keyrings",
    "metrics", "uptime", "locations", "snapshots", "vpn-tunnels", "workers",
)
_GCLOUD_VERBS = name_set("describe", "list", "read", "get-iam-policy", "list-tags", "list-grantable-roles")
_GCLOUD_GLOBAL_VALUES = name_set("--project", "--account", "--configuration", "--format", "--verbosity",
                            "--billing-project", "--impersonate-service-account", "--region", "--zone", "--location")


def _cloud_path(program: str, args: list[str], groups: frozenset[str], verbs: frozenset[str],
                values: frozenset[str], bools: frozenset[str]) -> list[str]:
    """The command words of a gcloud/az command up to and including its read-only verb."""
    path: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("-"):
            name = arg.split("=", 1)[0]
            if name in ("--flags-file", "--flatten-file") or name.startswith("--cli-input"):
                raise Refusal(f"{program} {name} reads options from a file the guard cannot see")
            # Before the verb an unknown option could take the next word as its value and
            # hide the real command from us: only known options are accepted there.
            if name not in values and name not in bools:
                raise Refusal(f"{program}: option {name} before the command is not understood")
            if name in values and "=" not in arg:
                i += 1
            i += 1
            continue
        if arg in verbs and path:
            return path + [arg]
        if arg not in groups:
            raise Refusal(f"{program} {' '.join(path + [arg])} is not a read-only {program} command "
                          f"(only {'/'.join(sorted(verbs))})")
        path.append(arg)
        i += 1
    raise Refusal(f"{program} {' '.join(path)} has no read-only verb ({'/'.join(sorted(verbs))})")


def _gcloud(args: list[str], context: CommandContext) -> None:
    for arg in args:
        if arg.split("=", 1)[0] in ("--flags-file",):
            raise Refusal("gcloud --flags-file reads options from a file the guard cannot see")
    _cloud_path("gcloud", args, _GCLOUD_GROUPS, _GCLOUD_VERBS, _GCLOUD_GLOBAL_VALUES,
                name_set("--quiet", "-q", "--log-http", "--no-user-output-enabled"))


_AZ_GROUPS = name_set(
    "vm", "vmss", "aks", "nodepool", "group", "resource", "storage", "account", "blob", "container", "share",
    "queue", "table", "webapp", "functionapp", "appservice", "plan", "monitor", "activity-log", "metrics",
    "log-analytics", "workspace", "diagnostic-settings", "alert", "network", "vnet", "subnet", "nsg", "rule",
    "nic", "public-ip", "lb", "application-gateway", "sql", "server", "db", "postgres", "flexible-server",
    "mysql", "redis", "cosmosdb", "keyvault", "acr", "repository", "containerapp", "revision", "replica",
    "eventhubs", "servicebus", "namespace", "topic", "subscription", "deployment", "operation", "role",
    "assignment", "definition", "policy", "dns", "zone", "record-set", "batch", "job", "pool", "task",
    "datafactory", "pipeline-run", "disk", "snapshot", "image", "app-insights", "component", "logs", "env",
)
_AZ_SECRET_WORDS = name_set("keys", "key", "secret", "secrets", "credential", "credentials", "appsettings",
                       "connection-string", "api-key", "list-keys", "show-connection-string")
_AZ_GLOBAL_VALUES = name_set("--subscription", "--output", "-o", "--query", "-g", "--resource-group", "-n", "--name")


def _az(args: list[str], context: CommandContext) -> None:
    for arg in args:
        if arg in _AZ_SECRET_WORDS:
            raise Refusal(f"az ... {arg} prints secrets")
    _cloud_path("az", args, _AZ_GROUPS, name_set("show", "list", "query"), _AZ_GLOBAL_VALUES,
                name_set("--debug", "--verbose", "--only-show-errors"))



# BigQuery's CLI: `bq show` (a table's or dataset's metadata and schema) and `bq ls` only read; `bq query`, `load`,
# `rm`, `cp`, `mk` and `update` run jobs or change data, and `bq head` prints rows.
_BQ = option_spec("n", ("format", "project_id", "location", "max_results", "dataset_id"),
                  allowed=("--format", "--project_id", "--location", "-n", "--max_results", "--dataset_id", "--schema",
                           "--quiet", "-q"), abbreviations=False)


def _bq(args: list[str], context: CommandContext) -> None:
    parsed = parse_options(args, _BQ)
    if not parsed.operands or parsed.operands[0] not in ("show", "ls"):
        raise Refusal("bq runs queries and changes datasets; only `bq show TABLE` and `bq ls DATASET` are allowed")
    if len(parsed.operands) > 2:
        raise Refusal("bq show/ls take one table or dataset")


RULES: dict[str, Rule] = {"aws": _aws, "gcloud": _gcloud, "az": _az, "bq": _bq}

"""Secret redaction, applied before any evidence leaves the process (LLM, Slack, web inbox).

What is removed: provider tokens with a recognisable shape (AWS, GitHub, GitLab, Slack,
OpenAI, Anthropic, Stripe, SendGrid, npm, PyPI, Google, Azure, ...), JWTs, PEM/OpenSSH
private key blocks (which span lines, so the streaming redactor carries state across
lines), passwords in URLs, Authorization/Cookie headers, and the values of assignments whose
KEY names a secret (env dumps, command flags, JSON, YAML, connection strings).

What is kept, because triage needs it: host/pod/image names, digests, git SHAs, UUIDs,
request ids, paths, numbers, and error messages that merely mention a secret
(`secret "db-creds" not found`, `password authentication failed for user "etl"`).
For that reason there is no generic "high entropy string" rule: digests, SHAs and request
ids are high-entropy too, and they are evidence.

Why hand-written patterns rather than detect-secrets: detect-secrets finds secrets in files
but does not rewrite text, its entropy plugins flag exactly the digests and ids we must keep,
and it runs every plugin on every line (far below the throughput a 1 GB log needs). Here a
cheap literal pre-filter picks the few lines that can hold a secret, and only those lines
meet the regular expressions.

Every replacement is a typed placeholder such as `[REDACTED:aws_secret]`; redaction is
idempotent (placeholders are never redacted again).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any, TextIO

import re2

PLACEHOLDER = "[REDACTED:{}]"


def _ph(kind: str) -> str:
    return PLACEHOLDER.format(kind)


# --- key names that say "the value is a secret" -------------------------------------------
# Stems that may follow any prefix (PGPASSWORD, clientSecret, x-auth-token, AWS_SECRET_ACCESS_KEY).
_FREE_STEMS = (
    r"password|passwd|passphrase|secret|token|credentials?|"
    r"(?:api|access|secret|private|account|sharedaccess|signing|encryption|master|auth|session|"
    r"license|app|consumer|ssh|fernet|client|webhook|storage|subscription)[_.-]?key|"
    r"apikey|private[_.-]?key[_.-]?id|sharedaccesssignature|connection[_.-]?string|conn[_.-]?str|sas[_.-]?token"
)
# Short stems that are secrets only as a whole key or a whole segment (DB_PASS, pwd, dsn);
# as free suffixes they would hit "bypass", "compass", "oauth".
_SEGMENT_STEMS = r"pass|pwd|pw|dsn|sas|auth|_auth"
_KEY = (
    r"(?:[A-Za-z0-9_.-]*?(?:" + _FREE_STEMS + r")"
    r"|(?:[A-Za-z0-9_.-]*[_.-])?(?:" + _SEGMENT_STEMS + r"))"
)
_KEY_FULL = re.compile(r"(?i)" + _KEY)  # for dict keys (fullmatch)

# Values that are not secrets even under a secret key: empty markers, references, templates,
# k8s "describe" summaries, and our own placeholders.
_NOT_A_SECRET_VALUE = re.compile(
    r"""(?ix)^(?:
        |null|none|nil|true|false|undefined|\*+|x{3,}|-|~|\.\.\.|\[\]|\{\}
        |\[REDACTED.*|\[HIDDEN.*|\[MASKED.*|<.*|\$\{.*|\$\(.*|\$[A-Za-z_][A-Za-z0-9_]*|\{\{.*|%\(.*|%[A-Z_]+%
        |\d+\s*bytes|(?:yes|no|required|optional|not\s+set|unset|missing|empty|redacted|masked|hidden|sensitive)
        # code in a traceback: password=cfg.password, token=self.get_token()
        |(?-i:[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]+)+(?:\(\))?|[a-z_][A-Za-z0-9_.]*\(.*\))
    )$"""
)
# Keys that end like a secret but hold none: pagination cursors and the like.
_NON_SECRET_KEY = re.compile(r"(?i).*(?:page|next|continuation|sync|pagination|cursor)[_.-]?token$|.*_?(?:file|path)$")
# Values after "key: " in the middle of prose are secret only if they do not look like a word
# ("invalid token: expired" is a message; "password: hunter2" is not).
_WORDLIKE = re.compile(r"^[a-z][a-z'-]*[.,;:!]?$|^[A-Z][a-z'-]+[.,;:!]?$")


def _key_kind(key: str) -> str:
    k = key.lower().replace("-", "_").replace(".", "_")
    if "aws" in k or k in ("secretaccesskey", "sessiontoken"):
        if "session" in k:
            return "aws_session_token"
        if "secret" in k:
            return "aws_secret"
    if "accountkey" in k or "sharedaccess" in k or k.startswith("azure") or "sas" in k.split("_"):
        return "azure_key"
    if "private_key" in k or "privatekey" in k:
        return "private_key"
    if "pass" in k or "pwd" in k or k == "pw" or k.endswith("_pw"):
        return "password"
    if "conn" in k or "dsn" in k:
        return "connection_string"
    if "token" in k:
        return "token"
    if "secret" in k:
        return "secret"
    if "cred" in k:
        return "credentials"
    if "key" in k:
        return "api_key"
    return "secret"


# --- shape-recognised tokens ----------------------------------------------------------------
# (kind, lower-case literals one of which the line must contain, pattern). A pattern matches
# either the whole secret, or has one group `s` = the secret.
_TOKEN_RULES: list[tuple[str, tuple[str, ...], str]] = [
    ("private_key", ("private key",), r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?s:.*?)-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"),
    ("aws_access_key_id", ("akia", "asia", "abia", "acca"), r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"),
    ("aws_session_token", ("iqojb3jpz2lux2vj", "fwogzxivyxdz", "fqogzxivyxdz"),
     r"\b(?:FwoGZXIvYXdz|IQoJb3JpZ2luX2Vj|FQoGZXIvYXdz)[A-Za-z0-9/+=]{20,}"),
    ("github_token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
     r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}\b|\bgithub_pat_[A-Za-z0-9_]{22,}"),
    ("gitlab_token", ("glpat-", "glptt-", "glrt-", "gldt-", "glcbt-", "gloas-", "glsoat-", "glft-"),
     r"\bgl(?:pat|ptt|rt|dt|cbt|oas|soat|ft)-[A-Za-z0-9_-]{20,}"),
    ("slack_webhook", ("hooks.slack",), r"(?<=hooks\.slack\.com/)(?P<s>(?:services|workflows|triggers)/[A-Za-z0-9/_-]+)"),
    ("slack_token", ("xox", "xapp-"), r"\bxox[abposre]-[A-Za-z0-9-]{10,}|\bxapp-\d-[A-Za-z0-9-]{10,}"),
    ("discord_webhook", ("webhooks/",), r"(?<=/api/webhooks/)(?P<s>\d+/[A-Za-z0-9_-]{20,})"),
    ("anthropic_key", ("sk-ant-",), r"\bsk-ant-[A-Za-z0-9_-]{20,}"),
    # k8s names are lowercase (RFC 1123); a real key has upper case somewhere.
    ("openai_key", ("sk-",), r"\bsk-(?:proj-|svcacct-|admin-|None-)?(?=[A-Za-z0-9_-]*[A-Z])[A-Za-z0-9_-]{20,}"),
    ("stripe_key", ("sk_live", "sk_test", "rk_live", "rk_test", "pk_live", "pk_test", "whsec_"),
     r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}|\bwhsec_[A-Za-z0-9]{20,}"),
    ("sendgrid_key", ("sg.",), r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"),
    ("npm_token", ("npm_",), r"\bnpm_[A-Za-z0-9]{36}\b"),
    ("pypi_token", ("pypi-",), r"\bpypi-[A-Za-z0-9_-]{50,}"),
    ("google_api_key", ("aiza",), r"\bAIza[0-9A-Za-z_-]{35}"),
    ("google_oauth_token", ("ya29.", "1//0"), r"\bya29\.[0-9A-Za-z_-]{20,}|\b1//0[0-9A-Za-z_-]{30,}"),
    ("huggingface_token", ("hf_",), r"\bhf_[A-Za-z0-9]{30,}\b"),
    ("vault_token", ("hvs.", "hvb.", "hvr."), r"\bhv[sbr]\.[A-Za-z0-9_-]{24,}"),
    ("databricks_token", ("dapi",), r"\bdapi[0-9a-f]{32}(?:-\d)?\b"),
    ("digitalocean_token", ("_v1_",), r"\bdo[pro]_v1_[a-f0-9]{64}\b"),
    ("shopify_token", ("shpat_", "shpss_", "shpca_", "shppa_"), r"\bshp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}\b"),
    ("grafana_token", ("glsa_", "glc_"), r"\bgl(?:sa|c)_[A-Za-z0-9_=+/-]{32,}"),
    ("atlassian_token", ("atatt3",), r"\bATATT3[A-Za-z0-9_=-]{30,}"),
    ("postman_key", ("pmak-",), r"\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b"),
    ("newrelic_key", ("nrak-",), r"\bNRAK-[A-Z0-9]{27}\b"),
    ("jwt", ("eyj",), r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
    # scheme://user:PASSWORD@host ; the password may itself hold '@' or ':', so take the LAST '@'
    # of the token. The user name stays: it is evidence ("for user etl").
    ("url_password", ("://",), r"(?<=://)[^:/?#\s@\"'<>]*:(?P<s>[^\s\"'<>]+)@(?=[^\s@\"'<>]+(?:[\s\"'<>]|$))"),
    # Azure storage connection strings and SAS query strings.
    ("azure_key", ("accountkey=", "sharedaccesskey=", "sharedaccesssignature="),
     r"(?i:(?:AccountKey|SharedAccessKey|SharedAccessSignature)=)(?P<s>[^;\s\"']+)"),
    ("azure_sas", ("sig=",), r"(?<=[?&])(?i:sig)=(?P<s>[A-Za-z0-9%/+=]{16,})"),
    # Presigned S3/GCS URLs (and S3's older query auth): the signature grants access until expiry.
    ("url_signature", ("signature=",), r"(?<=[?&])(?i:x-amz-signature|x-goog-signature|signature)=(?P<s>[A-Za-z0-9%/+=_-]{16,})"),
    # Authorization/Proxy-Authorization headers, in curl -v, HTTP dumps, JSON, Python reprs.
    # The credential is one token; without a scheme word it must not read like prose
    # ("authorization failed: no basic auth" is a message).
    ("authorization", ("authorization",),
     r"(?i:\b(?:proxy-)?authorization)[\"']?\s*[:=]\s*[\"']?"
     r"(?:(?P<scheme>(?i:bearer|basic|token|digest|negotiate|ntlm|aws4-hmac-sha256|apikey|sso-key|otr))\s+)?"
     r"(?P<s>(?(scheme)[^\s\"',]+(?:,?\s+\w+=[^\s\"',]+)*|(?=[^\s\"',]*[0-9+/=_.-])[^\s\"',]{8,}))"),
    ("cookie", ("cookie",), r"(?i:^[<>*\s]*(?:set-)?cookie\s*:\s*)(?P<s>.+?)\s*$"),
    ("bearer_token", ("bearer",), r"(?i:\bbearer\s+)(?P<s>(?=[A-Za-z0-9._~+/=-]*[0-9A-Z])[A-Za-z0-9._~+/=-]{12,})"),
    # Command-line passwords: mysql -pSECRET, sshpass -p X, redis-cli -a X, curl -u user:X.
    # (also quoted: -p'x y', and as bash's xtrace prints it: '-px!')
    ("password", ("mysql",),
     # (a quote right after a quoted '-p' closes it: ['mysql', '-p', 'db'] has no password)
     r"\bmysql(?:dump|admin|sh|import|check)?\b[^\n|;&]*?\s[\"']?-p(?P<s>(?<![\"']-p)(?:'[^']*'|\"[^\"]*\")|[^\s\"']\S*?(?=[\"']?(?:\s|$)))"),
    # Registry logins: docker login -u ci -p SECRET (a CI script under `set -x`).
    ("password", ("login",),
     r"\b(?:docker|podman|buildah|skopeo|nerdctl|oras|crane|helm(?:\s+registry)?)\s+login\b[^\n|;&]*?\s-p\s+(?P<s>[^\s-]\S*)"),
    # aws configure set aws_secret_access_key SECRET
    ("aws_secret", ("configure set",), r"\baws\s+configure\s+set\s+\S*(?:secret_access_key|session_token)\s+(?P<s>\S+)"),
    # openssl -pass/-passin/-passout pass:SECRET
    ("password", ("pass:",), r"(?<!\S)-pass(?:in|out)?\s+pass:(?P<s>\S+)"),
    # 7z a -pSECRET, zip -P SECRET, sqlcmd -P SECRET, ldapsearch -w SECRET
    ("password", ("7z ", "7za "), r"\b7za?\b[^\n|;&]*?\s-p(?P<s>[^\s\"']\S*)"),
    ("password", ("zip -p",), r"\bzip\b[^\n|;&]*?\s-P\s+(?P<s>\S+)"),
    ("password", ("sqlcmd",), r"\bsqlcmd\b[^\n|;&]*?\s-P\s+(?P<s>\S+)"),
    ("password", ("ldap",), r"\bldap\w+\b[^\n|;&]*?\s-w\s+(?P<s>\S+)"),
    # smbclient -U user%SECRET, lftp -u user,SECRET, net use ... /user:NAME SECRET, openssl enc -k SECRET
    ("password", ("smbclient",), r"\bsmbclient\b[^\n|;&]*?\s(?:-U\s*|--user[=\s])[\"']?[^%\s\"']+%(?P<s>[^\s\"']+)"),
    ("password", ("lftp",), r"\blftp\b[^\n|;&]*?\s-u\s+[\"']?[^,\s\"']+,(?P<s>[^\s\"']+)"),
    ("password", ("/user:",), r"(?i:\bnet\s+use\b)[^\n|;&]*?/user:\S+\s+(?P<s>[^\s/][^\s]*)"),
    ("password", ("openssl",), r"\bopenssl\b[^\n|;&]*?\s-k\s+(?P<s>\S+)"),
    # rclone config create|update NAME TYPE key value ...: the secret-named keys' values
    ("password", ("rclone config",),
     r"\brclone\s+config\s+(?:create|update)\b[^\n|;&]*?\b(?:secret_access_key|pass|password|token|client_secret)\s+(?P<s>\S+)"),
    # vault login TOKEN (a positional token; `vault login -method=... password=...` is key=value)
    ("vault_token", ("vault login",), r"\bvault\s+login\b(?:\s+-\S+)*\s+(?P<s>[^\s=-][^\s=]*)(?=\s|$)"),
    ("password", ("sshpass", "redis-cli"), r"\b(?:sshpass\s+-p|redis-cli\b[^\n|;&]*?\s-a)\s*(?P<s>[^\s-]\S*)"),
    # (the user part holds no "[": after lftp's rule, "-u backup,[REDACTED:password]" is not user:pw)
    ("password", ("-u ", "--user"), r"(?<!\S)(?:-u|--user)\s+[\"']?[^:\s\"'\[]+:(?P<s>[^\s\"']+)"),
]

# Assignments. Each pattern finds every `word <sep> value`; whether the word names a secret
# is decided in Python (`_secret_key_kind`, cached), which keeps the patterns linear.
# Quoted values first: "password": "a b", password='x', {'token': 'y'}.
_ASSIGN_QUOTED = re.compile(
    r"""(?P<q>["']?)(?<![\w.-])(?P<key>[\w.-]++)(?P=q)
    (?P<sep>\s*(?:=>|[:=])\s*)
    (?P<vq>["'])(?P<val>(?:\\.|(?!(?P=vq)).)*)(?P=vq)""",
    re.X,
)
# `KEY=value` / `export KEY=value` / `KEY: value` / `- key: value` at the start of a line (env
# dumps, .env, YAML, ini, kubectl describe): the value runs to the end of the line.
_ASSIGN_LINE = re.compile(
    r"""^(?P<pre>[\s>]*(?:-\s+|(?i:export|set|env)\s+)?)(?P<key>[\w.-]++)
    (?P<sep>\s*[:=]\s*)
    (?P<val>\S.*?)\s*$""",
    re.X,
)
# key=value anywhere (query strings, logfmt, flags --password=x, PGPASSWORD=x cmd).
_ASSIGN_EQ = re.compile(r"""(?<![\w.-])(?P<key>[\w.-]++)(?P<sep>\s?=\s?)(?P<val>[^\s&;,"'<>)\]}]+)""")
# "key: value" in the middle of a line; the value must not look like a word (see _sub_colon).
# The value is only looked at, not consumed, since it may itself be the next key
# ("log: password: hunter2").
_ASSIGN_COLON = re.compile(
    r"""(?<![\w.-])(?P<key>[\w.-]++)(?P<sep>:\s+)(?=(?P<val>[^\s,;"'<>)\]}]++)(?!\s+bytes\b))"""
)
# --password X, --api-key X, -token X (but not --password-file X, nor --no-password --next).
_FLAG_SPACE = re.compile(
    r"""(?<!\S)(?P<key>--?[\w.-]++)(?P<sep>\s+)(?P<val>(?!-)[^\s"']\S*|"[^"]*"|'[^']*')"""
)
# <password>x</password> (Maven settings, Java/.NET configuration dumps).
_ASSIGN_XML = re.compile(r"<(?P<key>[\w.-]++)>(?P<val>[^<>]+)</(?P=key)>")
# A line can hold a secret-named key only if it contains one of these.
_KEY_TRIGGERS = ("pass", "pw", "secret", "token", "key", "cred", "dsn", "sas", "auth", "conn", "signature")

# Argument lists, as Python and JSON print them: subprocess.CalledProcessError's
# "Command '['mysql', '-uroot', '-pX', 'db']' returned non-zero exit status 1", Airflow's
# "Running command: [...]" and a pod's "args: [...]". Each run of two or more quoted items
# after "[" or "(" is also redacted as the command line it stands for (the items joined by a
# separator the rules read as a space), so that "-p', 'X" or "--password', 'X" is seen as one
# flag and its value. The separator is \x1f (a space to `\s`), not a real space, so that the
# items can be put back one for one.
_ARGV_TRIGGERS = ("['", '["', "('", '("', "[b'", "(b'")
_ARGV_SEP = "\x1f"
_ARGV_ITEM = r"""b?(?:'(?:[^'\\\n]|\\.)*+'|"(?:[^"\\\n]|\\.)*+")"""
_ARGV_RUN = re.compile(r"(?<=[\[(])\s*+(?P<items>" + _ARGV_ITEM + r"(?:\s*+,\s*+" + _ARGV_ITEM + r")++)")
_ARGV_ITEMS = re.compile(r"""b?(?:'(?P<s1>(?:[^'\\\n]|\\.)*+)'|"(?P<s2>(?:[^"\\\n]|\\.)*+)")""")

_TOKEN_SUBS: list[tuple[tuple[str, ...], re.Pattern[str], Any]] = []

# Lower-case literals at least one of which occurs in any line a rule here can change. A line
# without any is passed through untouched: this is what makes redaction fast. The scan for
# them over a whole block runs in RE2 (a DFA: one pass, whatever the number of literals);
# Python's `re` tries every alternative at every position and is 50x slower at this.
# Longest first, so that findall reports "sk-ant-" rather than "sk-" (see _RULES_FOR).
_TRIGGERS = sorted(
    {lit for _, lits, _ in _TOKEN_RULES for lit in lits} | set(_KEY_TRIGGERS) | set(_ARGV_TRIGGERS),
    key=lambda t: (-len(t), t),
)
_re2_opts = re2.Options()
_re2_opts.case_sensitive = False
_re2_opts.max_mem = 64 << 20  # room for the DFA; with the 8 MB default RE2 falls back to a slower engine
_TRIGGER_ALT = "|".join(re2.escape(t) for t in _TRIGGERS)
_TRIGGER_LINES = re2.compile(r"(?m)^.*(?:" + _TRIGGER_ALT + r").*$", _re2_opts)
_TRIGGER_FIND = re2.compile(_TRIGGER_ALT, _re2_opts)

_PEM_BEGIN = re.compile(r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(r"-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
# Inside an unterminated key block: a body line is base64 (possibly behind a log prefix such
# as a timestamp) or a PEM header. Anything else means the END line was lost: leave the block.
_PEM_BODY = re.compile(r"^\s*(?:\S+\s+){0,3}[A-Za-z0-9+/]+={0,2}\s*$|^\s*(?:Proc-Type|DEK-Info|Comment):|^\s*$")
_PEM_MAX_LINES = 400


@lru_cache(maxsize=64)
def _pem_body_behind(prefix_words: int) -> re.Pattern[str]:
    """A body line behind a log prefix as long as the BEGIN line's (an Airflow task log puts
    `[2024-01-01, 12:00:00 UTC] {subprocess.py:93} INFO - ` before every line: six words)."""
    n = prefix_words
    return re.compile(
        rf"^\s*(?:\S+\s+){{0,{n}}}(?:[A-Za-z0-9+/]+={{0,2}}\s*$|(?:Proc-Type|DEK-Info|Comment):)"
    )


@lru_cache(maxsize=4096)
def _secret_key_kind(key: str) -> str | None:
    """The placeholder kind if this key names a secret, else None."""
    key = key.lstrip("-")
    if _KEY_FULL.fullmatch(key) and not _NON_SECRET_KEY.match(key):
        return _key_kind(key)
    return None


def _keep_value(val: str) -> bool:
    return bool(_NOT_A_SECRET_VALUE.match(val.strip().strip("\"'")))


def _replacement(kind: str, val: str) -> str:
    """What a secret-named key's value becomes. A DSN or connection string keeps its host,
    database and user (evidence); only the secrets inside it are replaced."""
    if kind == "connection_string" and ("://" in val or "=" in val):
        return redact_line(val)
    return _ph(kind)


def _sub_assign_line(m: re.Match[str]) -> str:
    kind = _secret_key_kind(m.group("key"))
    if kind is None:
        return m.group(0)
    val = m.group("val").strip()
    head = f"{m.group('pre')}{m.group('key')}{m.group('sep')}"
    if val[:1] in "\"'" and val[-1:] == val[:1] and len(val) >= 2:
        if _keep_value(val[1:-1]):
            return m.group(0)
        return f"{head}{val[0]}{_replacement(kind, val[1:-1])}{val[0]}"
    # kubectl describe: "DB_PASSWORD:  <set to the key 'password' in secret 'db-creds'>" stays
    if _keep_value(val):
        return m.group(0)
    return head + _replacement(kind, val)


def _sub_quoted(m: re.Match[str]) -> str:
    kind = _secret_key_kind(m.group("key"))
    if kind is None or _keep_value(m.group("val")):
        return m.group(0)
    q, vq = m.group("q"), m.group("vq")
    return f"{q}{m.group('key')}{q}{m.group('sep')}{vq}{_replacement(kind, m.group('val'))}{vq}"


def _sub_plain(m: re.Match[str]) -> str:
    kind = _secret_key_kind(m.group("key"))
    if kind is None or _keep_value(m.group("val")):
        return m.group(0)
    return f"{m.group('key')}{m.group('sep')}{_replacement(kind, m.group('val'))}"


def _sub_xml(m: re.Match[str]) -> str:
    kind = _secret_key_kind(m.group("key"))
    if kind is None or _keep_value(m.group("val")):
        return m.group(0)
    return f"<{m.group('key')}>{_replacement(kind, m.group('val'))}</{m.group('key')}>"


def _redact_colon_pairs(line: str) -> str:
    out: list[str] = []
    pos = 0
    for m in _ASSIGN_COLON.finditer(line):
        if m.start() < pos:
            continue  # inside a value already replaced
        val = m.group("val")
        kind = _secret_key_kind(m.group("key"))
        # "invalid token: expired" is a message; "password: hunter2" is not.
        if kind is None or _keep_value(val) or _WORDLIKE.match(val) or val.endswith(":"):
            continue
        out.append(line[pos : m.start("val")])
        out.append(_replacement(kind, val))
        pos = m.end("val")
    if not out:
        return line
    out.append(line[pos:])
    return "".join(out)


def _token_sub(kind: str):
    placeholder = _ph(kind)

    def sub(m: re.Match[str]) -> str:
        if "s" in m.re.groupindex:
            if _keep_value(m.group("s")):  # already masked (********) or a placeholder
                return m.group(0)
            start, end = m.span("s")
            base = m.start()
            return m.group(0)[: start - base] + placeholder + m.group(0)[end - base :]
        if kind == "private_key":
            # keep the BEGIN/END markers: "a private key was printed here" is itself evidence
            begin = _PEM_BEGIN.match(m.group(0))
            end = _PEM_END.search(m.group(0))
            assert begin and end
            return begin.group(0) + placeholder + end.group(0)
        return placeholder

    return sub


_TOKEN_SUBS.extend((lits, re.compile(p), _token_sub(kind)) for kind, lits, p in _TOKEN_RULES)
# For each trigger found in a line: which token rules to run, and whether the assignment rules
# apply. A trigger stands for every shorter trigger inside it ("private key" holds "key").
_RULES_FOR: dict[str, frozenset[int]] = {}
_ASSIGN_FOR: dict[str, bool] = {}
for _t in _TRIGGERS:
    _inside = [t2 for t2 in _TRIGGERS if t2 in _t]
    _RULES_FOR[_t] = frozenset(i for i, (lits, _, _) in enumerate(_TOKEN_SUBS) if any(x in _inside for x in lits))
    _ASSIGN_FOR[_t] = any(k in _inside for k in _KEY_TRIGGERS)


def redact_line(line: str) -> str:
    """Redact one line (no key-block state; see StreamRedactor for multi-line blocks)."""
    found = _TRIGGER_FIND.findall(line)
    if not found:
        return line
    triggers = {f.lower() for f in found}
    if not triggers.isdisjoint(_ARGV_TRIGGERS):
        line = _redact_argv_runs(line)
    return _apply_rules(line, triggers)


def _redact_argv_runs(line: str) -> str:
    """Redact each quoted argument list in the line as the command line it stands for."""
    out: list[str] = []
    pos = 0
    for run in _ARGV_RUN.finditer(line):
        items = list(_ARGV_ITEMS.finditer(line, run.start("items"), run.end("items")))
        spans = [it.span("s1") if it.group("s1") is not None else it.span("s2") for it in items]
        texts = [line[a:b] for a, b in spans]
        if any(_ARGV_SEP in t for t in texts):
            continue
        joined = _ARGV_SEP.join(texts)
        triggers = {f.lower() for f in _TRIGGER_FIND.findall(joined.replace(_ARGV_SEP, " "))}
        triggers.difference_update(_ARGV_TRIGGERS)
        if not triggers:
            continue
        parts = _apply_rules(joined, triggers).split(_ARGV_SEP)
        if len(parts) != len(texts):
            continue  # a rule took more than one item: the line's own pass decides
        for (a, b), old, new in zip(spans, texts, parts):
            if new != old:
                out.append(line[pos:a])
                out.append(new)
                pos = b
    if not out:
        return line
    out.append(line[pos:])
    return "".join(out)


def _apply_rules(line: str, triggers: set[str]) -> str:
    rules: set[int] = set()
    assign = False
    for trigger in triggers:
        rules.update(_RULES_FOR[trigger])
        assign = assign or _ASSIGN_FOR[trigger]
    for i in sorted(rules):
        _, rx, sub = _TOKEN_SUBS[i]
        line = rx.sub(sub, line)
    if not assign:
        return line
    if "=" in line or ":" in line:
        line = _ASSIGN_QUOTED.sub(_sub_quoted, line)
        line = _ASSIGN_LINE.sub(_sub_assign_line, line)
        if "=" in line:
            line = _ASSIGN_EQ.sub(_sub_plain, line)
        if ":" in line:
            line = _redact_colon_pairs(line)
    if "</" in line:
        line = _ASSIGN_XML.sub(_sub_xml, line)
    if "-" in line:
        line = _FLAG_SPACE.sub(_sub_plain, line)
    return line


def _redact_plain_block(text: str) -> str:
    """Redact many complete lines at once: RE2 finds the lines that hold a trigger in one
    pass, and only those are handled in Python."""
    out: list[str] = []
    pos = 0
    for m in _TRIGGER_LINES.finditer(text):
        start, end = m.span()
        out.append(text[pos:start])
        out.append(redact_line(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


class StreamRedactor:
    """Redacts a stream of lines, carrying private-key-block state from line to line.

    `redact_lines` handles one line at a time (for `triage redact`, which flushes per line);
    `redact_chunk` handles a block of complete lines at once and is much faster (for files).
    Both keep line endings and the number of lines: a key block's body lines each become
    a placeholder line.
    """

    def __init__(self) -> None:
        self._in_key_block = False
        self._block_lines = 0
        self._prefix: list[str] = []  # the words before the BEGIN marker on its line (a log prefix)

    @property
    def in_key_block(self) -> bool:
        return self._in_key_block

    def _line_in_block(self, line: str) -> tuple[str, bool]:
        """Handle one line while inside a key block. Returns (text, still_in_block)."""
        body, nl = _split_nl(line)
        end = _PEM_END.search(body)
        if end:
            self._in_key_block = False
            before = body[: end.start()]
            if before.strip():  # key material on the END line itself
                before = _ph("private_key")
            return before + body[end.start():] + nl, False
        self._block_lines += 1
        words, prefix = body.split(), self._prefix
        is_body = _PEM_BODY.match(body) or len(prefix) > 3 and (
            _pem_body_behind(len(prefix)).match(body)
            # an empty body line behind the same prefix (after DEK-Info)
            or len(words) == len(prefix) and words[-1] == prefix[-1])
        if self._block_lines > _PEM_MAX_LINES or not is_body:
            self._in_key_block = False  # END was lost (truncated log): resume normal redaction
            return "", False
        indent = body[: len(body) - len(body.lstrip())]
        return (indent + _ph("private_key") if body.strip() else body) + nl, True

    def _line_normal(self, line: str) -> str:
        body, nl = _split_nl(line)
        out = redact_line(body)
        begin = _PEM_BEGIN.search(out)
        if begin:
            tail = out[begin.end():]
            if not tail.strip(" \t\"',\\n"):
                # BEGIN marker ends the line: the key body follows on the next lines.
                self._in_key_block, self._block_lines = True, 0
                self._prefix = out[: begin.start()].split()
            elif not _PEM_END.search(tail):
                # inline (JSON "\n"-escaped) key cut short, or its first body line on the
                # BEGIN line: drop the rest of the line; base64 lines that follow are the key.
                out = out[: begin.end()] + _ph("private_key")
                self._in_key_block, self._block_lines = True, 0
                self._prefix = out[: begin.start()].split()
        return out + nl

    def redact_line(self, line: str) -> str:
        if self._in_key_block:
            text, still = self._line_in_block(line)
            if still or text:
                return text
        return self._line_normal(line)

    def redact_lines(self, lines: Iterable[str]) -> Iterator[str]:
        for line in lines:
            yield self.redact_line(line)

    def redact_chunk(self, text: str) -> str:
        """Redact a block of complete lines (the last may lack its newline)."""
        if not self._in_key_block and "PRIVATE KEY" not in text:
            return _redact_plain_block(text)
        # Rare path: a key block starts or continues here; walk lines, batching plain runs.
        out: list[str] = []
        lines = text.splitlines(keepends=True)
        i = 0
        while i < len(lines):
            if self._in_key_block:
                out.append(self.redact_line(lines[i]))
                i += 1
                continue
            j = i
            while j < len(lines) and "PRIVATE KEY" not in lines[j]:
                j += 1
            if j > i:
                out.append(_redact_plain_block("".join(lines[i:j])))
            if j < len(lines):
                out.append(self._line_normal(lines[j]))
            i = j + 1
        return "".join(out)


def _split_nl(line: str) -> tuple[str, str]:
    if line.endswith("\r\n"):
        return line[:-2], "\r\n"
    if line.endswith("\n") or line.endswith("\r"):
        return line[:-1], line[-1]
    return line, ""


def redact(text: str) -> str:
    """Redact a whole text, multi-line key blocks included."""
    if not text:
        return text
    return StreamRedactor().redact_chunk(text)


def redact_stream(src: TextIO, dst: TextIO, chunk_chars: int = 1 << 20) -> None:
    """Redact a large file in bounded memory: complete lines, about `chunk_chars` at a time."""
    redactor = StreamRedactor()
    while True:
        lines = src.readlines(chunk_chars)
        if not lines:
            break
        dst.write(redactor.redact_chunk("".join(lines)))


def redact_obj(obj: Any, _kind: str | None = None) -> Any:
    """Redact every string inside a JSON-like structure, and every value stored under a key
    that names a secret ({"password": "x"}, and Kubernetes env entries
    {"name": "DB_PASSWORD", "value": "x"})."""
    if isinstance(obj, str):
        if _kind and obj and not _keep_value(obj):
            return _ph(_kind)
        return redact(obj)
    if isinstance(obj, dict):
        # a dict under a secret key is not secret as a whole: its own keys decide
        env_kind = None
        name = obj.get("name") if "value" in obj else None
        if isinstance(name, str):
            env_kind = _secret_key_kind(name)
        out = {}
        for k, v in obj.items():
            kind = (_secret_key_kind(k) if isinstance(k, str) else None) or (env_kind if k == "value" else None)
            if kind and isinstance(v, (int, float)) and not isinstance(v, bool):
                out[k] = _ph(kind)
            else:
                out[k] = redact_obj(v, kind)
        return out
    if isinstance(obj, (list, tuple)):
        return type(obj)(redact_obj(v, _kind) for v in obj)
    return obj

"""When no signature is decisive: which category the failure's own error lines lean to.

A signature library covers the failures it knows by their exact wording; a failure it has
never seen still says what kind of thing went wrong in ordinary words ("permission denied",
"timed out", "not set", "no space"). This module reads those words on the lines nearest the
failure (status facts, the failing exception chain, the last error-looking lines; later lines
weigh more) against a lexicon of cue phrases per category. The cues are the general wording of
each kind of failure, not any one tool's message.

The result is a lean, not a diagnosis: the engine names it in the "unclear" card's text (and
quotes the line), only when one category clearly leads, and leaves the category `other`. On the
signature test lines (plain errors) the lean is right 85% of the time it speaks; on the eval
failures no signature recognises it is right far less often: 2 of 13 on the dev split, and 2 of 13
on four blind batches scored before they joined the suite (2026-11-28). That is why it stays a hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from triage.engine.signatures.logview import ERRORISH, LogView, strip_prefix
from triage.models import Category as K

# (pattern, weight): 1.0 names the kind of failure outright, 0.5 suggests it, 1.5 is a more
# specific reading of words another category also uses ("config.yaml: No such file" is setup).
_CUES: dict[K, tuple[tuple[str, float], ...]] = {
    K.oom: (
        (r"out of memory|\bOOM(?:Killed|[- ]?kill(?:ed|er)?)?\b|memory limit|cannot allocate memory|\bENOMEM\b|"
         r"MemoryError|heap space|memory (?:exhausted|exceeded)|exceeded (?:the )?memory", 1.0),
        (r"\bexit(?:ed)? (?:code|status)[: ]*137\b|\bSIGKILL\b|signal 9\b|\bKilled\b|return code -9\b", 0.5),
    ),
    K.timeout_deadline: (
        (r"timed? ?out|\btimeout\b|deadline (?:exceeded|reached)|DeadlineExceeded|took (?:too long|longer than)|"
         r"\bETIMEDOUT\b|execution_timeout|exceeded (?:the )?(?:time|duration|run ?time)", 1.0),
        (r"\bexit(?:ed)? (?:code|status)[: ]*124\b|\bSIGALRM\b|still running after", 0.5),
    ),
    K.image_pull: (
        (r"ErrImagePull|ImagePullBackOff|(?:failed to|cannot|could not|unable to) pull|pull access denied|"
         r"manifest (?:unknown|for .* not found)|image .* not found", 1.0),
    ),
    K.missing_config_or_secret: (
        (r"\b(?:is )?not set\b|\bunset\b|not (?:been )?(?:defined|configured|provided|specified)|\bundefined (?:variable|env)|"
         r"missing (?:required )?(?:env(?:ironment)?|config(?:uration)?|setting|variable|parameter|argument|option|key|secret|credentials?)\b|"
         r"(?:must|needs to) be (?:set|provided|specified|configured)|is required\b|command not found|not found in \$?PATH|"
         r"no (?:such )?(?:config(?:uration)?|settings?) (?:file|found)|config(?:uration)? file .{0,60}(?:not found|missing|does not exist)|"
         r"\bKeyError: '[A-Z][A-Z0-9_]{2,}'|environment variable", 1.0),
        (r"\binvalid (?:config(?:uration)?|setting|option|value)\b|unknown (?:option|setting|host alias)|wrong (?:path|url|host)", 0.5),
        # More specific than "not found"/"does not exist" alone: a program, a script, a config file,
        # a database or a variable that the job's setup names and that is not there.
        (r"(?:^|\s|/)[\w.+-]+: (?:command )?not found\s*$|/usr/bin/env: |can't open file|"
         r"(?:No such file or directory|not found|does not exist).{0,100}(?:/etc/|\.(?:ya?ml|conf|cfg|ini|env|toml|properties|pem|key)\b)|"
         r"(?:/etc/|\.(?:ya?ml|conf|cfg|ini|env|toml|properties)\b).{0,60}(?:No such file or directory|not found|does not exist)|"
         r"database \"[^\"]+\" does not exist|\bVariable \S+ does not exist|authentication required|\bNOAUTH\b|"
         r"anonymous (?:caller|user|access)|no credentials|(?:could not|unable to) (?:find|locate) credentials", 1.5),
    ),
    K.permissions_rbac: (
        (r"permission denied|\bEACCES\b|access (?:is )?denied|AccessDenied|\bforbidden\b|not authori[sz]ed|"
         r"operation not permitted|\bEPERM\b|insufficient (?:privileges|permissions?)|read-only file ?system|"
         r"(?:is not|not) (?:allowed|permitted) to|\b403\b|does not have (?:the )?(?:required )?permission", 1.0),
        (r"\bowner(?:ship)?\b|\bchmod\b|\bchown\b|\bsudo\b|\bRBAC\b|\bIAM\b", 0.5),
    ),
    K.network_dns: (
        (r"name resolution|(?:could not|couldn.t|unable to|failed to) resolve (?:host|hostname|proxy|address|name)\b|getaddrinfo|name or service not known|"
         r"nodename nor servname|\bNXDOMAIN\b|unknown host|no such host|no route to host|network is unreachable|"
         r"\bE(?:HOST|NET)UNREACH\b|temporary failure in name|dns (?:lookup|resolution|error)|SSL: |certificate verify failed|"
         r"\bproxy\b.{0,40}(?:error|refused|failed)", 1.0),
        (r"i/o timeout|network (?:error|failure)|\bhost\b.{0,30}unreachable", 0.5),
    ),
    K.dependency_unavailable: (
        (r"connection refused|\bECONNREFUSED\b|connection reset|\bECONNRESET\b|service (?:temporarily )?unavailable|"
         r"\b50[234]\b|bad gateway|server closed the connection|(?:could not|can'?t|cannot|unable to|failed to) connect|"
         r"connection (?:was )?(?:closed|lost|aborted)|broken pipe|is (?:down|not running|not reachable|unreachable)|"
         r"too many (?:connections|clients)|throttl|rate exceeded|server has gone away|lost connection", 1.0),
        (r"\bunavailable\b|\bupstream\b|not ready\b|retry(?:ing)? (?:in|after)", 0.5),
        # A service that did not answer a connection or a read in time: the service, not the job's deadline.
        (r"\bconnect(?:ion)?(?: to \S+)? timed out|Connect(?:ion)?Timeout|Read ?timed ?out|ReadTimeout", 1.5),
    ),
    K.disk_full: (
        (r"no space left|\bENOSPC\b|disk (?:is )?full|disk quota|(?:file ?system|volume|device|partition|disk) (?:is )?full|"
         r"out of (?:disk|space)|insufficient (?:disk|storage)|\binodes?\b.{0,30}(?:full|exhausted|exceeded)|"
         r"(?:unable|failed|could not|cannot) (?:to )?write", 1.0),
        (r"\b(?:100|9\d)%\s+/|\bdisk\b|\bstorage\b", 0.5),
    ),
    K.bad_code_or_bug: (
        (r"\b(?:TypeError|AttributeError|NameError|IndexError|ZeroDivisionError|UnboundLocalError|RecursionError|"
         r"NullPointerException|ClassCastException|NoMethodError|ReferenceError)\b|segmentation fault|\bSIGSEGV\b|"
         r"\bpanic: |assertion (?:failed|error)|AssertionError|undefined method|is not a function|syntax error|"
         r"parse error|unexpected token|invalid syntax|is not iterable|unsupported operand|has no attribute|"
         r"\bbug\b|stack overflow|index out of (?:range|bounds)|nil pointer|null reference", 1.0),
        (r"\bKeyError\b|\bValueError\b|\bSIGABRT\b|core dumped|unhandled exception|unexpected (?:error|value)", 0.5),
    ),
    K.dependency_version: (
        (r"incompatible|not compatible|version mismatch|unsupported (?:version|protocol|python|server)|"
         r"requires (?:version|python|a newer|an older|at least)|No module named|ModuleNotFoundError|cannot import name|"
         r"ImportError|\bGLIBC|exec format error|no matching (?:distribution|version)|deprecated and (?:was )?removed|"
         r"(?:was|has been) removed in|(?:newer|older) (?:than|version)|version \S+ (?:is )?(?:required|expected|not supported)", 1.0),
        (r"\bversion\b|\bupgrade[ds]?\b|\bdowngrade|\bdeprecat", 0.5),
    ),
    K.credentials_expired: (
        (r"\bexpired\b|invalid (?:token|credentials?|grant|password|api[ _-]?key|access key|signature)|"
         r"authentication (?:failed|failure|error|required)|\bunauthenticated\b|\b401\b|invalid_grant|"
         r"password authentication failed|login (?:failed|incorrect)|bad credentials|token (?:was )?(?:revoked|rejected|invalid)|"
         r"(?:wrong|incorrect) password|\bUnauthorized\b", 1.0),
        (r"\btoken\b|\bcredentials?\b|\bpassword\b|\bcertificate\b", 0.5),
        # The server answered and rejected who we are: not a connection problem.
        (r"(?:incorrect|invalid|wrong) (?:username|user name|user) or password|password authentication failed|"
         r"Access denied for user|login failed for user|invalid (?:username|credentials)|certificate has expired", 1.5),
    ),
    K.resource_quota_scheduling: (
        (r"\bquota\b|insufficient (?:cpu|memory|resources?|capacity)|unschedulable|FailedScheduling|"
         r"too many (?:requests|open files|processes)|rate limit|\b429\b|resource ?exhausted|"
         r"(?:node|memory|disk|pid) ?pressure|\bEvicted\b|max(?:imum)? .{0,30}(?:reached|exceeded)|"
         r"no (?:nodes?|slots?|capacity) available|pool .{0,20}(?:full|exhausted)|limit (?:reached|exceeded)", 1.0),
        (r"\bpending\b|\bcapacity\b|\bthrottled\b", 0.5),
        # A pool of connections or workers used up: the wait that timed out is its symptom.
        (r"pool (?:limit|size|is) .{0,40}(?:reached|exhausted|full)|QueuePool limit|too many connections", 1.5),
    ),
    K.overlap_concurrency: (
        (r"\block(?:ed|file| file| held)?\b.{0,40}(?:held|exists|taken|acquire|failed|by another)|"
         r"(?:unable|failed|could not|cannot) (?:to )?(?:acquire|obtain|get) (?:the |a )?lock|already (?:running|in progress|locked)|"
         r"another (?:\w+ )?(?:process|instance|job|run|backup)\b.{0,30}(?:running|in progress|holds)|"
         r"concurren(?:t|cy)|deadlock|resource busy|\bis busy\b|in use by another|previous (?:run|execution|job) (?:is )?still", 1.0),
        (r"\block\b|\bbusy\b|\boverlap", 0.5),
        # Waiting for a lock someone else holds: the timeout is the symptom.
        (r"lock wait timeout|LockTimeout|lock timeout|timed out (?:waiting for|acquiring) (?:the |a )?lock", 1.5),
    ),
    K.scheduler_infra: (
        (r"heartbeat|\bzombie\b|executor (?:reports|lost|failed)|worker (?:lost|died|exited|was killed)|"
         r"\bscheduler\b.{0,40}(?:died|restart|down|lost|failed)|metadata (?:database|db)|"
         r"(?:externally|marked) (?:set|as failed)|\bSIGTERM\b|terminated by (?:the )?(?:scheduler|signal)|"
         r"pod sandbox|\bCNI\b|kubelet|missed (?:start|schedule)|cron(?:d)?\b.{0,30}(?:refus|ignor|skip)", 1.0),
        (r"\bcelery\b|\bbroker\b|\bqueued\b|\bsupervisor\b|\bcontroller\b", 0.5),
    ),
    K.data_input_missing: (
        (r"no such file|\bENOENT\b|FileNotFoundError|does not exist|not found\b|\bNoSuchKey\b|\b404\b|"
         r"(?:is |was )?empty\b|no (?:data|rows|records|files|input|results?)\b|\b0 (?:rows|records|files)\b|"
         r"missing (?:file|input|partition|table|object|snapshot|data)|cannot (?:open|find|stat)|could not (?:open|find)", 1.0),
        (r"\bmissing\b|\bnot available\b", 0.5),
        # A sensor waits for its input to appear; when it times out, the input never came.
        (r"Sensor\w*(?:Timeout| has timed out| timed out)", 1.5),
    ),
}
_COMPILED = {cat: tuple((re.compile(p, re.IGNORECASE), w) for p, w in cues) for cat, cues in _CUES.items()}

# How many error-looking lines from the end of the log are read, and how fast their weight falls.
_LAST_ERROR_LINES = 8
_DECAY = 0.8
# Only the end of a long log is read: the failure is there, and this runs on every abstention.
_SCAN_LINES = 400
_EXCEPTION_NAME = re.compile(r"[a-z](?:Error|Exception)\b|\bE[A-Z]{4,}\b|\bx509\b")
# Status facts that name the job, not what happened to it.
_NOT_OUTCOMES = frozenset({"command", "cron_command", "crontab", "host", "hostname", "user", "job", "job_name", "run_id",
                           "dag_id", "task_id", "namespace", "pod", "pod_name", "cronjob", "image", "note", "container_args"})
# A lean needs at least one outright cue, and to lead the runner-up by this much.
MIN_SCORE = 1.0
MIN_LEAD = 0.5


@dataclass(frozen=True)
class Lean:
    category: K
    line: str


def _line_scores(text: str) -> dict[K, float]:
    out: dict[K, float] = {}
    for cat, cues in _COMPILED.items():
        best = max((w for rx, w in cues if rx.search(text)), default=0.0)
        if best:
            out[cat] = best
    return out


def _strong_cue(text: str) -> bool:
    return any(w >= 1.0 and rx.search(text) for cues in _COMPILED.values() for rx, w in cues)


def _lines_near_the_failure(view: LogView) -> list[tuple[int, float]]:
    """(line index, weight): status facts and the failing exception chain at full weight, then
    the last error-looking log lines, the latest first, each weighing less than the one after it."""
    picked: dict[int, float] = {}
    for i in range(view.n_log, len(view.lines)):
        # Facts about what happened (a reason, an event, an exit code), not what was run or where:
        # a command line such as `backup --timeout 300` is not evidence of a timeout.
        if view.lines[i].split(":", 1)[0].strip().lower() not in _NOT_OUTCOMES:
            picked[i] = 1.0
    for i in view.exception_chain:
        picked[i] = 1.0
    weight = 1.0
    taken = 0
    for i in range(view.n_log - 1, max(-1, view.n_log - 1 - _SCAN_LINES), -1):
        if taken >= _LAST_ERROR_LINES:
            break
        line = view.match_lines[i]
        if i in view.aftermath or not (ERRORISH.search(line) or _EXCEPTION_NAME.search(line) or _strong_cue(line)):
            continue
        picked[i] = max(picked.get(i, 0.0), weight)
        weight *= _DECAY
        taken += 1
    return sorted(picked.items())


def lean(view: LogView) -> Lean | None:
    """The category the lines nearest the failure lean to, or None when none clearly leads."""
    totals: dict[K, float] = {}
    best_line: dict[K, tuple[float, int]] = {}
    for index, weight in _lines_near_the_failure(view):
        text = strip_prefix(view.match_lines[index])[:2000]
        for cat, score in _line_scores(text).items():
            totals[cat] = totals.get(cat, 0.0) + score * weight
            if score * weight >= best_line.get(cat, (0.0, -1))[0]:
                best_line[cat] = (score * weight, index)
    if not totals:
        return None
    ranked = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)
    top, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if score < MIN_SCORE or score - runner_up < MIN_LEAD:
        return None
    return Lean(top, view.lines[best_line[top][1]].strip())

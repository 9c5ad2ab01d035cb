"""Runtime signatures: Python, JVM, Go and Node crashes, out-of-memory and dependency errors.

The catch-all "unhandled exception" signatures read the LAST exception of the failing
traceback (and the root of its chain), never the first error-looking line.
"""

from __future__ import annotations

import re

from triage.engine.signatures import checks as C
from triage.engine.signatures.logview import LogView, strip_prefix
from triage.engine.signatures.model import Hit
from triage.engine.signatures.model import Signature as S
from triage.models import Category as K

_EXC = re.compile(r"^(?P<exc>[\w.$]+?)(?::\s?(?P<msg>.*))?$")
_JAVA_TOP = re.compile(r"Exception in thread \"[^\"]*\" (?P<exc>[\w.$]+)(?::\s?(?P<msg>.*))?")
_JAVA_CAUSED = re.compile(r"^\s*Caused by: (?P<exc>[\w.$]+)(?::\s?(?P<msg>.*))?")
_ENV_LOOKUP = re.compile(r"os\.environ\[|environ\[['\"]|getenv\(|os\.environ\.get|\benv\[['\"]")
# Exceptions that say "the code is wrong" more clearly than others.
_CODE_BUGS = {"NameError", "TypeError", "AttributeError", "ZeroDivisionError", "IndexError", "AssertionError",
              "UnboundLocalError", "RecursionError", "NotImplementedError", "ImportError"}
_NPE = ("NullPointerException", "ArrayIndexOutOfBoundsException", "ClassCastException", "IllegalArgumentException",
        "IllegalStateException", "NumberFormatException")


def _exception_at(view: LogView, index: int) -> tuple[str, str]:
    text = strip_prefix(view.lines[index]).strip()
    m = _JAVA_TOP.search(text) or _JAVA_CAUSED.match(text) or _EXC.match(text)
    if not m:
        return text, ""
    return m.group("exc"), (m.group("msg") or "").strip()


_FRAME = re.compile(r'^\s*File "(?P<file>/[^"]+\.py)", line (?P<line>\d+)')
# Frames in installed libraries and the interpreter: the job's own code is the innermost frame elsewhere.
_LIBRARY_FRAME = re.compile(r"site-packages|dist-packages|/lib/python\d|/lib64/python\d|/\.pyenv/versions/")
_CODE_CONTEXT = 5


def _own_code_frame(view: LogView, idx: int) -> dict[str, str]:
    """The innermost frame of the final traceback that is the job's own code (an absolute path
    outside site-packages and the standard library): where a bug is read and confirmed."""
    for i in range(idx - 1, max(-1, idx - 400), -1):
        line = view.lines[i]
        if "Traceback (most recent call last)" in line:
            break
        m = _FRAME.match(strip_prefix(line))
        if m and not _LIBRARY_FRAME.search(m.group("file")):
            n = int(m.group("line"))
            return {"code_file": m.group("file"), "code_from": str(max(1, n - _CODE_CONTEXT)),
                    "code_to": str(n + _CODE_CONTEXT)}
    return {}


def _final_python_exception(view: LogView) -> list[tuple[int, dict[str, str]]]:
    idx = view.final_exception
    if idx is None or _JAVA_TOP.search(view.lines[idx]) or _JAVA_CAUSED.match(view.lines[idx]):
        return []
    exc, msg = _exception_at(view, idx)
    short = exc.rsplit(".", 1)[-1]
    return [(idx, {"exc": short, "msg": msg[:200], "exc_full": exc, **_own_code_frame(view, idx)})]


# Exceptions that only wrap a child process's failure: the cause is in what the child printed.
_WRAPPER = re.compile(r"Bash command failed|non-zero exit (?:status|code)|returned a failure|received SIGTERM|exit code \d+",
                      re.IGNORECASE)


def _python_bug(hit: Hit, view: LogView) -> Hit | None:
    exc = hit.groups.get("exc", "")
    if exc in ("AirflowException", "CalledProcessError", "AirflowFailException") and (
            exc == "CalledProcessError" or _WRAPPER.search(hit.groups.get("msg", ""))):
        return None
    hit.confidence = 0.62 if exc in _CODE_BUGS else 0.55 if exc in ("KeyError", "ValueError") else 0.5
    chain = view.exception_chain
    if len(chain) > 1:
        root_exc, root_msg = _exception_at(view, chain[0])
        hit.groups["root"] = f"{root_exc.rsplit('.', 1)[-1]}: {root_msg}"[:200]
        line = view.lines[chain[0]].strip()
        if line not in hit.lines:
            hit.lines.insert(0, line)
    return hit


def _env_key_error(view: LogView) -> list[tuple[int, dict[str, str]]]:
    """`KeyError: 'DB_URL'` raised by an os.environ lookup: a missing environment variable."""
    idx = view.final_exception
    if idx is None:
        return []
    exc, msg = _exception_at(view, idx)
    if exc.rsplit(".", 1)[-1] != "KeyError":
        return []
    frames = "\n".join(view.lines[max(0, idx - 6): idx])
    if not _ENV_LOOKUP.search(frames):
        return []
    return [(idx, {"var": msg.strip("'\"")})]


def _java_unhandled(view: LogView) -> list[tuple[int, dict[str, str]]]:
    chain = view.exception_chain
    if not chain or not (_JAVA_TOP.search(view.lines[chain[0]]) or _JAVA_CAUSED.match(view.lines[chain[0]])):
        return []
    # The deepest "Caused by" is the root cause of a Java failure.
    idx = chain[-1]
    exc, msg = _exception_at(view, idx)
    return [(idx, {"exc": exc.rsplit(".", 1)[-1], "msg": msg[:200]})]


def _java_bug(hit: Hit, view: LogView) -> Hit:
    if hit.groups.get("exc", "").endswith(_NPE):
        hit.confidence = 0.62
    return hit


def _library_under_cron(hit: Hit, view: LogView, cause: str) -> Hit:
    """Under cron, a library the job cannot load is usually the environment, not the package: cron
    starts jobs without the shell's setup (PATH, a virtualenv, PERL5LIB, rbenv/rvm, the working
    directory), so another interpreter or library path runs the script than in the shell where it
    works. Either could be true from the log alone, so the confidence stays below 0.8."""
    if view.event.cron is not None:
        hit.category = K.missing_config_or_secret
        hit.confidence = min(hit.confidence, 0.62)
        hit.causes = (cause,)
        hit.commands = C.CRONTAB
        hit.reason = "Shows the job's crontab line: which interpreter it calls, with what environment"
    return hit


def _module_pkg(hit: Hit, view: LogView) -> Hit:
    module = hit.groups.get("module", "")
    if module:
        hit.groups["pkg"] = module.split(".")[0].replace("_", "-")
    return _library_under_cron(hit, view, "Python could not import {module} under cron: cron runs jobs with a minimal "
                               "environment (PATH, no virtualenv, another working directory), so the interpreter or sys.path "
                               "differs from your shell's; else {pkg} is not installed for that interpreter")


# The container manager's verdict on a lost executor: 137 (SIGKILL) or an explicit memory limit.
_EXECUTOR_MEMORY = re.compile(r"Exit (?:status|code)(?: is)?:? 137\b|exceeding (?:physical )?memory|OOMKilled|out of memory",
                              re.IGNORECASE)


def _executor_lost(hit: Hit, view: LogView) -> Hit:
    window = "\n".join(view.lines[max(0, hit.index - 3): hit.index + 4])
    if _EXECUTOR_MEMORY.search(window):
        hit.confidence = 0.8
        hit.causes = ("A Spark executor was killed for memory while running the job's tasks (exit 137 / memory limit): the "
                      "executors need more memory or the stage less data per task",)
    return hit


def _sqlalchemy_dialect(hit: Hit, view: LogView) -> Hit:
    if hit.groups.get("dialect") == "postgres":
        hit.confidence = 0.88
        hit.causes = ("The connection URL starts with postgres://, a dialect name SQLAlchemy 1.4 removed: SQLAlchemy was "
                      "upgraded under the job; the URL must say postgresql:// (or SQLAlchemy be pinned below 1.4)",)
    return hit


def _cron_environment(hit: Hit, view: LogView) -> Hit:
    return _library_under_cron(hit, view, "{lib} could not be loaded under cron: cron starts jobs without your shell's "
                               "environment (PERL5LIB, rbenv/rvm, a virtualenv, PATH), so another interpreter or library "
                               "path is used; else {lib} is not installed for it")


def _node_script_path(hit: Hit, view: LogView) -> Hit:
    """`Cannot find module '/root/job/index.js'`: the script itself, by path, is not there (a wrong
    path or working directory), not a package that is not installed."""
    module = hit.groups.get("module", "")
    if module.startswith(("/", "./", "../")) or module.endswith((".js", ".mjs", ".cjs", ".ts")):
        hit.category = K.missing_config_or_secret
        hit.confidence = 0.75
        hit.causes = ("Node.js could not find the script {module}: the path (or the working directory it is relative to) "
                      "is wrong where the job runs",)
        hit.commands = C.CRONTAB + C.POD + ("ls -l {module}",)
        hit.reason = "Shows the command the job runs, with the script's path"
    return hit


# PHP functions removed in PHP 7/8 (old scripts run by cron break on an upgrade).
_PHP_REMOVED = r"(?:mysql_\w+|ereg\w*|eregi\w*|split|each|create_function|mcrypt_\w+|money_format|get_magic_quotes_\w+)"
PHP = [
    S("php_memory_exhausted", K.oom, 0.9,
      patterns=(r"Allowed memory size of (?P<bytes>\d+) bytes exhausted",),
      causes=("The PHP script ran out of memory: it needed more than its memory_limit ({bytes} bytes)",),
      commands=("php -v",) + C.CRONTAB + C.POD,
      reason="Shows which PHP the job runs (the CLI's memory_limit is in its php.ini)"),
    S("php_max_execution_time", K.timeout_deadline, 0.88,
      patterns=(r"Maximum execution time of (?P<secs>\d+) seconds? exceeded",),
      causes=("The PHP script ran longer than its max_execution_time ({secs} s) and was stopped",),
      commands=("php -v",) + C.CRONTAB + C.POD,
      reason="Shows which PHP the job runs (max_execution_time is in its php.ini)"),
    S("php_parse_error", K.bad_code_or_bug, 0.85,
      patterns=(r"PHP Parse error:\s+(?P<detail>.{0,120}?) in (?P<path>\S+) on line (?P<line>\d+)",
                r"\bParse error: syntax error, (?P<detail>.{0,120}?) in (?P<path>\S+) on line (?P<line>\d+)"),
      causes=("{path} does not parse ({detail}, line {line}): a syntax error, or code written for a newer PHP than cron runs",),
      commands=("php -v",) + C.CRONTAB,
      reason="Shows which PHP version cron runs the script with"),
    S("php_removed_function", K.dependency_version, 0.8,
      patterns=(r"Call to undefined function (?P<func>" + _PHP_REMOVED + r")\(\)",),
      causes=("The script calls {func}(), which newer PHP versions removed: the PHP that runs it was upgraded",),
      commands=("php -v",) + C.CRONTAB,
      reason="Shows which PHP version runs the script"),
    # Unhandled errors in the job's own code, by runtime: generic (a more specific signature on the same
    # failure outranks them), like python_unhandled_exception.
    S("php_uncaught_exception", K.bad_code_or_bug, 0.5,
      patterns=(r"PHP Fatal error:\s+Uncaught (?P<exc>[\w\\]+)(?:: (?P<msg>[^\n]{0,200}?))?(?: in /\S+:\d+)?\s*$",),
      causes=("The PHP script stopped on an uncaught {exc}: {msg}", "The PHP script stopped on an uncaught {exc}"),
      commands=C.CRONTAB + C.POD,
      reason="Shows which script the job runs"),
    S("ruby_unhandled_error", K.bad_code_or_bug, 0.62,
      patterns=(r":in [`'][^']+': (?P<msg>.{0,200}) \((?P<exc>NoMethodError|NameError|TypeError|ArgumentError|"
                r"ZeroDivisionError|KeyError|FrozenError|NotImplementedError)\)\s*$",),
      causes=("The Ruby code raised {exc}: {msg}",),
      commands=C.CRONTAB + C.POD,
      reason="Shows which script the job runs"),
    S("rust_panic", K.bad_code_or_bug, 0.6,
      patterns=(r"thread '[^']+' panicked at (?:'(?P<msg>[^']{0,200})', )?(?P<where>[\w./-]+\.rs:\d+)",),
      causes=("The program panicked at {where}: {msg}", "The program panicked at {where}"),
      commands=C.CRONTAB + C.POD,
      reason="Shows which program the job runs"),
    # PHP's own type checks (PHP 7 and PHP 8 wordings): the code passes or returns a value of the wrong type.
    S("php_type_error", K.bad_code_or_bug, 0.75,
      patterns=(r"Argument \d+ passed to (?P<func>[\w\\:]+)\(\) must (?:be of the type|be an instance of|implement interface) "
                r"(?P<want>[\w\\ ]+?), (?P<got>[\w\\]+) given",
                r"(?P<func>[\w\\:]+)\(\): Argument #\d+ \(\$\w+\) must be of type (?P<want>[\w|?\\]+), (?P<got>[\w\\]+) given",
                r"Return value of (?P<func>[\w\\:]+)\(\) must be (?:of the type|an instance of) (?P<want>[\w\\ ]+?), "
                r"(?P<got>[\w\\]+) returned"),
      causes=("The PHP code passes {func}() a {got} where it requires {want}: a bug in the code the job runs (or a value "
              "of an unexpected type in its data)",),
      commands=C.CRONTAB + C.POD,
      reason="Shows which script and PHP the job runs"),
    # A class the code names that PHP cannot load: a typo in a class or namespace name, or a package or
    # autoloader that was not installed.
    S("php_class_not_found", K.bad_code_or_bug, 0.6,
      patterns=(r"Fatal error:\s+(?:Uncaught Error: )?Class ['\"]?(?P<cls>[\w\\]+)['\"]? not found",),
      causes=("PHP could not load the class {cls} the code names: a typo in its name or namespace, or the package (or "
              "composer's autoloader) that provides it is not installed",),
      commands=C.CRONTAB + C.POD,
      reason="Shows which script the job runs"),
    S("php_undefined_function", K.dependency_version, 0.62,
      patterns=(r"Call to undefined function (?P<func>[\w\\]+)\(\)",),
      explained_by=frozenset({"php_removed_function"}),
      causes=("{func}() is not defined: the PHP extension that provides it is not loaded for the PHP that runs the job "
              "(the CLI often has another php.ini than the web server), or the code is wrong",),
      commands=("php -m",) + C.CRONTAB,
      reason="Lists the extensions the command-line PHP loads (cron runs that one, with its own php.ini)"),
]
def _ruby_version_under_cron(hit: Hit, view: LogView) -> Hit:
    # Bundler found another Ruby than the project's: under cron, usually the system ruby, because rbenv/rvm
    # are set up by the login shell. (rbenv's own "version not installed" means rbenv did run: not this.)
    if hit.groups.get("have"):
        return _library_under_cron(hit, view, "Another Ruby ({have}) runs the job under cron than the {need} the project asks "
                                   "for: cron starts jobs without your shell's rbenv/rvm setup, so the system ruby is found first")
    return hit


def _node_too_old(hit: Hit, view: LogView) -> Hit:
    if view.event.cron is not None:
        hit.causes = ("The Node.js that runs the job is too old for the code ('??' and '?.' need Node 14+): under cron, "
                      "PATH finds the system node rather than the nvm/newer one your shell uses",)
    return hit


# The program the job starts, by path: a script or jar that is not where the command says (a relative
# path resolved against cron's working directory, the user's home) never ran at all.
SCRIPT_NOT_FOUND = S(
    "script_file_not_found", K.missing_config_or_secret, 0.75,
    patterns=(r"^(?:PHP )?Could not open input file: (?P<path>\S+)", r"Error: Unable to access jarfile (?P<path>\S+)"),
    causes=("{path}, the script the job runs, was not found: the path is wrong, or relative and resolved against the "
            "working directory the job starts in (cron starts jobs in the user's home)",),
    commands=C.CRONTAB + C.POD + ("ls -l {path}",),
    reason="Shows the command the job runs and the directory it starts in")

SCRIPTING = [
    SCRIPT_NOT_FOUND,
    # The Ruby a Gemfile or .ruby-version asks for is not the one that runs the job.
    S("ruby_version_mismatch", K.dependency_version, 0.85, refine=_ruby_version_under_cron,
      patterns=(r"Your Ruby version is (?P<have>[\w.-]+), but your Gemfile specified (?P<need>[\w.-]+)",
                r"rbenv: version [`'](?P<need>[^'`]+)' is not installed"),
      causes=("The project needs Ruby {need}, but {have} runs the job", "The project needs Ruby {need}, which is not installed where the job runs"),
      commands=("ruby --version",) + C.CRONTAB + C.POD,
      reason="Shows which ruby runs the job"),
    # .NET's host: the app targets a runtime (framework) version that is not installed.
    S("dotnet_framework_missing", K.dependency_version, 0.88,
      patterns=(r"The framework '(?P<fw>[\w.]+)', version '(?P<ver>[\w.-]+)'(?: \(\w+\))? was not found",
                r"You must install or update \.NET to run this application", r"It was not possible to find any compatible framework version",
                r"^\s*Framework: '(?P<fw>[\w.]+)', version '(?P<ver>[\w.-]+)'"),
      causes=("The app needs the .NET runtime {fw} {ver}, which is not installed where the job runs (another version is)",
              "The app needs a .NET runtime version that is not installed where the job runs"),
      commands=C.POD + C.WHERE_IT_RAN,
      reason="Shows where the job ran; `dotnet --list-runtimes` there lists the installed runtimes"),
    # The JVM asked for a heap (-Xmx) larger than the memory or address space it may have.
    S("jvm_heap_reserve_failed", K.oom, 0.8,
      patterns=(r"Could not reserve enough space for (?:(?P<size>\d+[KMG]B) )?object heap", r"Could not allocate metaspace"),
      causes=("The JVM could not reserve the {size} heap it was asked for: -Xmx is larger than the memory (or ulimit -v / "
              "container limit) available where the job runs",
              "The JVM could not reserve the heap it was asked for: -Xmx is larger than the memory (or ulimit -v / container "
              "limit) available where the job runs"),
      commands=C.FREE + C.POD + C.CRONTAB,
      reason="Shows the memory available against the heap the JVM asks for"),
    # Node older than the syntax the code uses: `??` and `?.` (Node 14) read as an unexpected '?'.
    S("node_runtime_too_old", K.dependency_version, 0.8, refine=_node_too_old,
      patterns=(r"^SyntaxError: Unexpected token '?\?'?\s*$",),
      causes=("The Node.js that runs the job is too old for the code ('??' and '?.' need Node 14+)",),
      commands=C.CRONTAB + C.POD,
      reason="Shows which node the job's command runs"),
    S("perl_module_missing", K.dependency_version, 0.8, refine=_cron_environment,
      patterns=(r"Can't locate (?P<lib>[\w/.]+\.pm) in @INC",),
      causes=("The Perl module {lib} is not installed where the job runs (or not on its @INC)",),
      commands=("perl --version",) + C.CRONTAB + C.POD,
      reason="Shows which perl runs the job"),
    S("ruby_gem_missing", K.dependency_version, 0.8, refine=_cron_environment,
      patterns=(r"Could not find '?(?P<lib>[\w.-]+)'? \([^)]*\) (?:required by|among)",
                r"Bundler::GemNotFound: Could not find (?P<lib>[\w.-]+)",
                r"cannot load such file -- (?P<lib>[\w/.-]+) \(LoadError\)",
                r"Could not find gem '(?P<lib>[\w.-]+)"),
      causes=("The Ruby gem {lib} (or the version the Gemfile.lock wants) is not installed for the Ruby that runs the job",),
      commands=("ruby --version",) + C.CRONTAB + C.POD,
      reason="Shows which ruby runs the job"),
    # A data test failed (dbt test, Great Expectations): the data, not the code, broke the check it is held to.
    S("data_quality_check_failed", K.data_input_missing, 0.6,
      patterns=(r"Validation with Great Expectations failed\.(?!\s*Continuing)", r"^\s*Failure in test (?P<test>[\w.]+)",
                r"Got (?P<failures>\d+) results?, configured to fail if (?P<rule>[!=<>]=? ?\d+)"),
      causes=("The data failed the data test {test} ({failures} failing rows): the input the job checks has rows its rules "
              "reject (duplicates, nulls, values out of range), usually from an upstream change",
              "The data failed a data test ({failures} failing rows, configured to fail if {rule}): the input has rows its rules "
              "reject (duplicates, nulls, values out of range), usually from an upstream change",
              "The data failed a data-quality check: the input has rows the expectations reject, usually from an upstream "
              "change"),
      commands=C.AIRFLOW_RUN + C.POD + C.CRONTAB,
      reason="Shows which upstream tasks ran in this run and produced the data that failed the check"),
    # dbt's packages.yml lists packages that `dbt deps` never installed where the job runs.
    S("dbt_packages_not_installed", K.dependency_version, 0.88,
      patterns=(r"dbt found (?P<wanted>\d+) package\(s\) specified in packages\.yml, but only (?P<have>\d+) package\(s\) "
                r"installed",),
      causes=("dbt's packages.yml lists {wanted} package(s) but only {have} are installed where the job runs: `dbt deps` did "
              "not run in this environment (or installed them into another directory)",),
      commands=C.AIRFLOW_TASK + C.POD + C.CRONTAB,
      reason="Shows where the job ran; dbt deps must run in that environment (image build or a step before dbt)"),
    S("dbt_compilation_error", K.bad_code_or_bug, 0.78,
      patterns=(r"Compilation Error in (?P<node>(?:model|test|snapshot|seed|macro) [\w.]+)",
                r"depends on a node named '(?P<ref>[^']+)' which was not found"),
      causes=("dbt could not compile {node}: the project's code is wrong (a ref/source that does not exist, a Jinja or "
              "YAML error)",
              "dbt could not compile the project: a ref to {ref}, which does not exist"),
      commands=C.AIRFLOW_TASK + C.POD + C.CRONTAB,
      reason="Shows the task's state; the compile error names the model to fix"),
]


SIGNATURES = [
    # Spark lost the executor running a task (killed by YARN/Kubernetes, usually for memory, or its node died).
    S("spark_executor_lost", K.oom, 0.65, refine=_executor_lost,
      patterns=(r"ExecutorLostFailure \(executor (?P<executor>\S+) (?:exited|lost)", r"Remote RPC client disassociated",
                r"Executor heartbeat timed out after \d+ ?ms", r"\bExecutorDeadException\b"),
      causes=("A Spark executor died while running the job's tasks (most often killed for exceeding its memory, else its "
              "node or container was lost), and the stage failed",),
      commands=C.POD + C.WHERE_IT_RAN,
      reason="Shows the driver's state; the executors' exit reasons are in the cluster manager's logs"),
    # The driver's guard on collected results: the job pulls more back to the driver than spark.driver.maxResultSize.
    S("spark_driver_result_size", K.oom, 0.75,
      patterns=(r"Total size of serialized results of \d+ tasks \((?P<size>[\d.]+ ?[KMGT]i?B)\) is bigger than "
                r"spark\.driver\.maxResultSize",),
      causes=("The Spark job collected {size} of task results to the driver, more than spark.driver.maxResultSize allows (a "
              "guard on the driver's memory): the data grew or the job collects too much; raise the limit with the driver's "
              "memory, or avoid collecting to the driver",),
      commands=C.POD + C.WHERE_IT_RAN,
      reason="Shows the driver's state; the limit is in the job's Spark configuration"),
    # pyarrow cannot convert a pandas object column holding mixed types (writing Parquet/Feather, uploading to BigQuery).
    S("pyarrow_column_conversion", K.bad_code_or_bug, 0.68,
      patterns=(r"(?:(?P<exc>Arrow(?:Invalid|TypeError))\b.*)?Conversion failed for column (?P<column>.+?) with type (?P<dtype>\w+)",),
      causes=("pyarrow ({exc}) could not convert column {column} (pandas dtype {dtype}): it holds values of mixed types "
              "(numbers among strings, say), so the code must cast it explicitly before writing; new input values usually "
              "expose it",
              "pyarrow could not convert column {column} (pandas dtype {dtype}): it holds values of mixed types (numbers "
              "among strings, say), so the code must cast it explicitly before writing; new input values usually expose it"),
      commands=C.WHERE_IT_RAN,
      reason="Shows the run; the column's values are in the input the task read"),
    S("python_memory_error", K.oom, 0.88,
      patterns=(r"^\s*MemoryError\b", r"_ArrayMemoryError", r"Unable to allocate [\d.]+ [KMGTP]?i?B for an array",
                r"std::bad_alloc", r"\[Errno 12\] Cannot allocate memory", r"Cannot allocate memory"),
      causes=("The process ran out of memory (an allocation failed)",),
      commands=C.POD + C.FREE),
    S("java_out_of_memory", K.oom, 0.92,
      patterns=(r"java\.lang\.OutOfMemoryError(?::\s*(?P<kind>[^\n]+))?",
                r"Container killed by YARN for exceeding (?:physical )?memory limits",
                r"exceeding memory limits\. [\d.]+ [KMGT]?B of [\d.]+ [KMGT]?B (?:physical )?memory used"),
      causes=("The JVM ran out of memory (OutOfMemoryError: {kind})", "The JVM ran out of memory (OutOfMemoryError)"),
      commands=C.POD + C.FREE,
      reason="Shows the container's memory limit against the JVM's heap settings"),
    S("go_out_of_memory", K.oom, 0.92,
      patterns=(r"fatal error: runtime: out of memory", r"runtime: out of memory: cannot allocate"),
      causes=("The Go program ran out of memory (runtime: out of memory)",),
      commands=C.POD + C.FREE),
    S("node_heap_out_of_memory", K.oom, 0.93,
      patterns=(r"JavaScript heap out of memory", r"FATAL ERROR: (?:Reached heap limit|Ineffective mark-compacts near heap limit|CALL_AND_RETRY_LAST) Allocation failed"),
      causes=("The Node.js process ran out of heap (JavaScript heap out of memory)",),
      commands=C.POD + C.FREE),
    S("python_module_not_found", K.dependency_version, 0.82, refine=_module_pkg,
      patterns=(r"ModuleNotFoundError: No module named '(?P<module>[^']+)'", r"ImportError: No module named '?(?P<module>[\w.]+)'?"),
      causes=("The Python module {module} is not installed where the job runs",),
      commands=C.POD + ("pip show {pkg}",) + C.CRONTAB,
      reason="Shows which image or environment the job ran with"),
    S("python_cannot_import_name", K.dependency_version, 0.85,
      patterns=(r"ImportError: cannot import name '(?P<name>[^']+)' from '(?P<module>[^']+)'",),
      causes=("{module} has no {name}: the installed version differs from the one the code expects",),
      commands=C.POD + ("pip show {module}",)),
    S("python_version_conflict", K.dependency_version, 0.85,
      patterns=(r"pkg_resources\.(?:VersionConflict|ContextualVersionConflict|DistributionNotFound)", r"\bResolutionImpossible\b",
                r"Could not find a version that satisfies the requirement (?P<pkg>\S+)", r"No matching distribution found for (?P<pkg>\S+)",
                r"(?P<pkg>[\w.-]+) [\d.]+ (?:has requirement|requires) .+ but you have", r"importlib\.metadata\.PackageNotFoundError"),
      causes=("A Python package version conflict ({pkg}) stopped the job", "A Python package version conflict stopped the job"),
      commands=C.POD + ("pip show {pkg}",)),
    S("runtime_version_required", K.dependency_version, 0.9,
      patterns=(r"requires Python '(?P<need>[^']+)' but the running Python is (?P<have>[\d.]+)",
                r"requires a different Python: (?P<have>[\d.]+) not in '(?P<need>[^']+)'",
                r"npm ERR! code ERESOLVE", r"\bERESOLVE unable to resolve dependency tree\b",
                r"The engine \"node\" is incompatible with this module"),
      causes=("The code needs Python {need}, but {have} runs it", "The runtime or dependency tree does not satisfy the code's version requirements"),
      commands=C.POD + C.WHERE_IT_RAN),
    S("python_binary_incompatible", K.dependency_version, 0.9,
      patterns=(r"numpy\.dtype size changed, may indicate binary incompatibility", r"compiled using NumPy 1\.x cannot be run in",
                r"module compiled against (?:ABI|API) version", r"undefined symbol: \w+"),
      causes=("A compiled extension does not match the installed library version (binary incompatibility)",),
      commands=C.POD + ("pip show numpy",)),
    S("python_module_attribute", K.dependency_version, 0.62,
      patterns=(r"AttributeError: module '(?P<module>[^']+)' has no attribute '(?P<attr>[^']+)'",),
      causes=("Module {module} has no {attr}: the installed version's API differs from what the code expects",),
      commands=C.POD + ("pip show {module}",)),
    S("python_syntax_error", K.bad_code_or_bug, 0.82, explained_by=frozenset({"node_runtime_too_old"}),
      patterns=(r"^\s*(?:SyntaxError|IndentationError|TabError): ",),
      causes=("The job's code does not parse (SyntaxError)",),
      commands=C.WHERE_IT_RAN),
    S("python_env_var_missing", K.missing_config_or_secret, 0.85, finder=_env_key_error,
      causes=("The environment variable {var} is not set where the job runs (KeyError from os.environ)",),
      commands=C.POD + C.CRONTAB,
      reason="Shows the environment the job's container or cron entry sets"),
    S("python_unhandled_exception", K.bad_code_or_bug, 0.5, finder=_final_python_exception, refine=_python_bug,
      causes=("The job's code raised {exc}: {msg} (root: {root})", "The job's code raised {exc}: {msg}", "The job's code raised {exc}"),
      # The failing line of the job's own code (never offered for a pod: the file is in its image).
      commands=("sed -n '{code_from},{code_to}p' {code_file}",) + C.WHERE_IT_RAN,
      reason="Shows the job's own code around the line that raised (the innermost frame outside installed libraries)"),
    # Serialising a value json cannot represent (bytes, datetime, Decimal, a custom class) is the code's choice.
    S("python_not_json_serializable", K.bad_code_or_bug, 0.72,
      patterns=(r"Object of type '?(?P<type>[\w.]+)'? is not JSON serializable", r"keys must be str, int, float, bool or None",
                r"TypeError: .{0,80} is not JSON serializable"),
      causes=("The code serialises a value JSON cannot represent ({type}): it must convert it first",
              "The code serialises a value JSON cannot represent: it must convert it first"),
      commands=C.WHERE_IT_RAN),
    # APIs a library removed in a major release that scheduled jobs hit after an unpinned upgrade.
    S("library_api_removed", K.dependency_version, 0.8,
      patterns=(r"ObjectNotExecutableError: Not an executable object", r"'(?:Option)?Engine' object has no attribute 'execute'",
                r"'(?P<lib>DataFrame|Series)' object has no attribute '(?:append|iteritems|ix|as_matrix)'",
                r"module '(?P<lib>numpy)' has no attribute '(?:float|int|bool|object|str|long|unicode|complex)'",
                r"cannot import name '(?:Mapping|MutableMapping|Iterable|Callable|Sequence|MutableSet)' from '(?P<lib>collections)'"),
      causes=("The code calls an API that a newer {lib} removed: an unpinned upgrade broke it (pin the old version or update the code)",
              "The code calls an API that a newer library version removed (SQLAlchemy 2.0 needs text() and connections): "
              "an unpinned upgrade broke it"),
      commands=C.POD + ("pip show sqlalchemy", "pip show pandas") + C.WHERE_IT_RAN,
      reason="Shows which library version the job runs with"),
    # SQLAlchemy cannot load the dialect a URL names: 1.4 removed the "postgres" alias, or the dialect's package is missing.
    S("sqlalchemy_dialect_missing", K.dependency_version, 0.8, refine=_sqlalchemy_dialect,
      patterns=(r"Can't load plugin: sqlalchemy\.dialects:(?P<dialect>[\w.]+)",),
      causes=("SQLAlchemy has no dialect {dialect}: the package that provides it is not installed where the job runs, or the "
              "connection URL names it wrongly",),
      commands=C.POD + ("pip show sqlalchemy",) + C.WHERE_IT_RAN,
      reason="Shows which SQLAlchemy the job runs with"),
    # Spark/Hadoop name the input path or table that is not there.
    S("spark_input_missing", K.data_input_missing, 0.85,
      patterns=(r"Path does not exist: (?P<path>[^\s;'\]]+)", r"Input path does not exist: (?P<path>[^\s;']+)",
                r"Table or view not found: (?P<table>[\w.`]+)", r"\[TABLE_OR_VIEW_NOT_FOUND\] The table or view (?P<table>\S+) cannot be found"),
      causes=("The input {path} the job reads does not exist (the upstream step did not write it, or the path is wrong)",
              "The table {table} the job reads does not exist", "The input the job reads does not exist"),
      commands=C.WHERE_IT_RAN,
      reason="Shows whether the upstream step that writes the input ran"),
    # The job's own deadline on a child command (CPython: "Command '...' timed out after N seconds").
    S("python_subprocess_timeout", K.timeout_deadline, 0.85,
      patterns=(r"TimeoutExpired: Command (?P<cmd>.{1,120}?) timed out after (?P<secs>[\d.]+) seconds",),
      causes=("A command the job runs ({cmd}) exceeded its {secs}-second timeout and was killed",),
      commands=C.WHERE_IT_RAN),
    S("java_unhandled_exception", K.bad_code_or_bug, 0.5, finder=_java_unhandled, refine=_java_bug,
      causes=("The JVM job failed with {exc}: {msg}", "The JVM job failed with {exc}"),
      commands=C.WHERE_IT_RAN),
    S("java_class_version", K.dependency_version, 0.92,
      patterns=(r"UnsupportedClassVersionError", r"has been compiled by a more recent version of the Java Runtime"),
      causes=("The code was compiled for a newer Java than the one that runs it (UnsupportedClassVersionError)",),
      commands=C.POD + ("java -version",)),
    S("java_linkage_error", K.dependency_version, 0.75,
      patterns=(r"java\.lang\.(?:NoSuchMethodError|NoClassDefFoundError|ClassNotFoundException|IncompatibleClassChangeError|AbstractMethodError)(?::\s*(?P<cls>\S+))?",),
      causes=("A class or method the code needs is missing at runtime ({cls}): mismatched library versions on the classpath",
              "A class or method the code needs is missing at runtime: mismatched library versions on the classpath"),
      commands=C.POD + C.WHERE_IT_RAN),
    S("go_panic", K.bad_code_or_bug, 0.75,
      patterns=(r"^panic: (?P<msg>.+)", r"invalid memory address or nil pointer dereference", r"^goroutine \d+ \[running\]:"),
      causes=("The Go program panicked: {msg}", "The Go program panicked"),
      commands=C.WHERE_IT_RAN),
    S("node_unhandled_error", K.bad_code_or_bug, 0.68,
      patterns=(r"TypeError: Cannot read propert(?:y|ies) of (?:undefined|null)", r"ReferenceError: \w+ is not defined",
                r"UnhandledPromiseRejection", r"node:internal/process/promises"),
      causes=("The Node.js job hit an unhandled error in its own code",),
      commands=C.WHERE_IT_RAN),
    S("node_module_not_found", K.dependency_version, 0.78, refine=_node_script_path,
      patterns=(r"Error: Cannot find module '(?P<module>[^']+)'", r"\bERR_MODULE_NOT_FOUND\b", r"\bERR_REQUIRE_ESM\b"),
      causes=("The Node.js module {module} is not installed where the job runs", "A Node.js module could not be loaded"),
      commands=C.POD + C.WHERE_IT_RAN),
    S("shared_library_mismatch", K.dependency_version, 0.88,
      patterns=(r"version [`']GLIBC(?:XX)?_(?P<ver>[\d.]+)' not found", r"error while loading shared libraries: (?P<lib>\S+): cannot open shared object file"),
      causes=("The binary needs GLIBC {ver}, newer than the system's", "The shared library {lib} is missing where the job runs",
              "A shared library the binary needs is missing or too old"),
      commands=C.POD + ("ldd --version",)),
    S("segmentation_fault", K.bad_code_or_bug, 0.6,
      patterns=(r"Segmentation fault", r"\bSIGSEGV\b", r"(?:exit(?:ed)?(?: with)?[ _]?(?:code|status)\W{0,8})139\b", r"\(core dumped\)"),
      causes=("The process crashed with a segmentation fault (native code bug or incompatible native library)",),
      commands=C.WHERE_IT_RAN),
    *PHP,
    *SCRIPTING,
]

"""Runtime signatures on real start-up failures of PHP, Java, .NET, Ruby and Node jobs. Each log is quoted
from the public thread named above it."""

from __future__ import annotations

import pytest

from tests.signatures.support import Case, check_case

CASES = [
    # A cron container that runs artisan by a path that is not there: https://github.com/EnAccess/micropowermanager/issues/427
    Case("php_could_not_open_input_file", "cron", "Could not open input file: /var/www/html/mpmanager/artisan",
         "missing_config_or_secret", ("/var/www/html/mpmanager/artisan",), ("crontab",), 0.7, 0.79, signature="script_file_not_found"),
    # A relative path, resolved against the working directory: https://github.com/Cron/Symfony-Bundle/issues/121
    Case("php_relative_console", "cron", "Could not open input file: ../bin/console",
         "missing_config_or_secret", ("working directory",), (), 0.7, 0.79, signature="script_file_not_found"),
    # https://github.com/rollerderby/scoreboard/issues/519
    Case("java_unable_to_access_jarfile", "cron", "Error: Unable to access jarfile lib/crg-scoreboard.jar",
         "missing_config_or_secret", ("lib/crg-scoreboard.jar",), (), 0.7, 0.79, signature="script_file_not_found"),
    # Bundler under another Ruby than the project's: https://github.com/rbenv/rbenv/issues/400
    Case("ruby_version_mismatch", "k8s",
         "/home/vagrant/.rbenv/versions/2.0.0-p195/lib/ruby/gems/2.0.0/gems/bundler-1.3.5/lib/bundler/definition.rb:361:in "
         "`validate_ruby!': Your Ruby version is 1.9.3, but your Gemfile specified 2.0.0 (Bundler::RubyVersionMismatch)",
         "dependency_version", ("2.0.0", "1.9.3"), (), 0.8, signature="ruby_version_mismatch"),
    # The same under cron: cron's PATH finds the system ruby, not rbenv's.
    Case("ruby_version_mismatch_cron", "cron",
         "Your Ruby version is 2.2.3, but your Gemfile specified 2.2.2",
         "missing_config_or_secret", ("rbenv",), ("crontab",), 0.55, 0.7, signature="ruby_version_mismatch"),
    # https://github.com/saasbook/hw-ruby-intro/pull/47
    Case("rbenv_version_not_installed", "cron",
         "rbenv: version `2.4.0' is not installed\n  (set by saasbook/hw-ruby-intro-codio/assignment/hw-ruby-intro/.ruby-version)",
         "dependency_version", ("2.4.0",), (), 0.8, signature="ruby_version_mismatch"),
    # https://github.com/openbullet/OpenBullet2/issues/893
    Case("dotnet_framework_missing", "cron",
         "You must install or update .NET to run this application.\n\n"
         "App: /home/flutterdev/Documents/dev/OpenBullet/OpenBullet2.dll\nArchitecture: x64\n"
         "Framework: 'Microsoft.NETCore.App', version '6.0.0' (x64)\n.NET location: /usr/share/dotnet/\n\n"
         "The following frameworks were found:\n  7.0.5 at [/usr/share/dotnet/shared/Microsoft.NETCore.App]",
         "dependency_version", ("Microsoft.NETCore.App 6.0.0",), (), 0.8, signature="dotnet_framework_missing"),
    # https://github.com/dotnet/runtime/issues/67422
    Case("dotnet_framework_not_found_older_host", "cron",
         "Message: It was not possible to find any compatible framework version\n"
         "The framework 'Microsoft.NETCore.App', version '6.0.3' (x64) was not found.\n"
         "  - The following frameworks were found:\n      3.1.23 at [C:\\Program Files\\dotnet\\shared\\Microsoft.NETCore.App]\n"
         "      6.0.2 at [C:\\Program Files\\dotnet\\shared\\Microsoft.NETCore.App]\n\n"
         "You can resolve the problem by installing the specified framework and/or SDK.",
         "dependency_version", ("6.0.3",), (), 0.8, signature="dotnet_framework_missing"),
    # https://github.com/unibas-gravis/basel-face-model-viewer/issues/12
    Case("jvm_heap_reserve", "cron",
         "Error occurred during initialization of VM Could not reserve enough space for 2097152KB object heap",
         "oom", ("2097152KB", "-Xmx"), ("free -m",), 0.8, signature="jvm_heap_reserve_failed"),
    # https://github.com/lindenb/jvarkit/issues/17
    Case("jvm_heap_reserve_plain", "k8s",
         "Error occurred during initialization of VM\nCould not reserve enough space for object heap\n"
         "Error: Could not create the Java Virtual Machine.\nError: A fatal exception has occurred. Program will exit.",
         "oom", ("-Xmx",), (), 0.8, signature="jvm_heap_reserve_failed"),
    # `??` on Node 12 is a runtime too old, not a bug: https://github.com/alseambusher/crontab-ui/issues/204
    Case("node_too_old_for_nullish", "cron",
         "/usr/local/lib/node_modules/crontab-ui/crontab.js:27\n"
         "var humanCronLocate = process.env.HUMANCRON ?? \"en\"\n"
         "                                             ^\n"
         "SyntaxError: Unexpected token '?'\n"
         "    at wrapSafe (internal/modules/cjs/loader.js:915:16)\n"
         "    at Module._compile (internal/modules/cjs/loader.js:963:27)",
         "dependency_version", ("Node 14",), (), 0.75, signature="node_runtime_too_old"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_runtimes_breadth2(case: Case) -> None:
    check_case(case)

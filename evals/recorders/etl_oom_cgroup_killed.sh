#!/usr/bin/env bash
# oom, red herring: the cron entry runs a wrapper shell script; its ETL step runs in a
# 300 MB memory cgroup (cgroup v1 memory.limit_in_bytes, as a systemd slice or a container
# limit sets it for everything the cron entry starts), the kernel OOM killer SIGKILLs Python mid-transform (bash prints
# "Killed", exit 137), and the wrapper carries on: its publish step then dies LOUDLY with a
# FileNotFoundError on the checkpoint the killed step never wrote, after re-validating the
# input partitions (over a thousand lines after the kill). The last traceback is a
# consequence; the cause is the OOM kill.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
CG=/sys/fs/cgroup/memory/rec-oom-$$
mkdir "$CG"
on_cleanup "rmdir $CG"
echo $((300 * 1024 * 1024)) >"$CG/memory.limit_in_bytes"
$ETL gen-input in --date "$RUN_DATE" --days 2 --parts 8 --rows 5000
start_fx_api
cat >run_nightly.sh <<SH
#!/bin/bash
# nightly orders ETL, called from cron: 15 2 * * * /opt/etl/run_nightly.sh >>/var/log/etl/nightly.log 2>&1
echo "\$(date -Is) run_nightly: start (host \$(hostname))"
echo "\$(date -Is) run_nightly: step 1/2 etl"
$ETL run --input $WORK/in --output $WORK/out --date $RUN_DATE \
    --api-url http://127.0.0.1:$FX_PORT --progress-every 250 --batch-size 100 --index-fanout 6 \
    --stages bootstrap,reference,extract,transform,checkpoint
rc=\$?
echo "\$(date -Is) run_nightly: etl step finished with exit code \$rc"
echo "\$(date -Is) run_nightly: step 2/2 publish"
$ETL run --input $WORK/in --output $WORK/out --date $RUN_DATE --lookback 1 --progress-every 100 --stages bootstrap,extract,resume,write
rc2=\$?
echo "\$(date -Is) run_nightly: publish step finished with exit code \$rc2"
exit \$(( rc ? rc : rc2 ))
SH
chmod +x run_nightly.sh
# This shell joins the cgroup, so the wrapper and everything it starts run under the limit;
# it moves back out before the cgroup is removed.
echo $$ >"$CG/cgroup.procs"
on_cleanup "echo $$ >/sys/fs/cgroup/memory/cgroup.procs"
record etl-oom-cgroup-killed-001 nightly_etl ./run_nightly.sh
echo "cgroup oom_kill count: $(grep oom_kill "$CG/memory.oom_control")"

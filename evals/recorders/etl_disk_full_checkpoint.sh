#!/usr/bin/env bash
# disk_full, red herring (the last, loudest error is a consequence; the cause is far from
# the end): the job's checkpoint volume (a 2 MB tmpfs mounted here) fills up while the
# best-effort checkpoint is written; the job only logs a WARNING "[Errno 28] No space left
# on device" and goes on: it writes the whole export (to another volume), a metrics push to
# a closed pushgateway fails with a traceback, and the publish step then dies on the
# truncated checkpoint with json.decoder.JSONDecodeError. The cause is the full volume.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
$ETL gen-input in --date "$RUN_DATE" --days 3 --parts 10 --rows 3000
mkdir state
mount -t tmpfs -o size=2m tmpfs state
on_cleanup "umount $WORK/state"
start_fx_api --fail-first 1
record etl-disk-full-checkpoint-001 nightly_etl $ETL run --input "$WORK/in" --output "$WORK/out" --date "$RUN_DATE" \
  --checkpoint-dir "$WORK/state" --lookback 2 --progress-every 50 --batch-size 50 --api-url "http://127.0.0.1:$FX_PORT" \
  --pushgateway "http://127.0.0.1:$(free_port)" --stages bootstrap,reference,extract,transform,checkpoint,write,metrics,resume

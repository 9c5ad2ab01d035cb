#!/usr/bin/env bash
# disk_full, red herring: a nightly backup script dumps two databases with `pg_dump -v` into
# a backup volume (a 4 MB tmpfs mounted here). The first dump succeeds; the data-only seed
# export after it makes pg_dump warn loudly about circular foreign keys (harmless here);
# the second database's dump fills the volume and pg_dump fails with "No space left on
# device".
# Throwaway databases rec_shop_app and rec_shop_events are created and dropped again.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
psql_real "DROP DATABASE IF EXISTS rec_shop_app" && psql_real "DROP DATABASE IF EXISTS rec_shop_events"
psql_real "CREATE DATABASE rec_shop_app" && psql_real "CREATE DATABASE rec_shop_events"
on_cleanup "psql_real 'DROP DATABASE IF EXISTS rec_shop_app'; psql_real 'DROP DATABASE IF EXISTS rec_shop_events'"
psql -X -q -h "$PGHOST_REAL" -p "$PGPORT_REAL" -U postgres -d rec_shop_app <<'SQL'
DO $$ BEGIN
  FOR i IN 1..260 LOOP
    EXECUTE format('CREATE TABLE app_t%s (id serial PRIMARY KEY, name text, created_at timestamptz DEFAULT now())', lpad(i::text, 3, '0'));
    EXECUTE format('INSERT INTO app_t%s (name) SELECT md5(g::text) FROM generate_series(1, 20) g', lpad(i::text, 3, '0'));
  END LOOP;
END $$;
CREATE TABLE customers (id int PRIMARY KEY, default_address_id int);
CREATE TABLE addresses (id int PRIMARY KEY, customer_id int REFERENCES customers(id));
ALTER TABLE customers ADD FOREIGN KEY (default_address_id) REFERENCES addresses(id);
SQL
psql -X -q -h "$PGHOST_REAL" -p "$PGPORT_REAL" -U postgres -d rec_shop_events <<'SQL'
CREATE TABLE events (id bigserial PRIMARY KEY, kind text, payload text, at timestamptz DEFAULT now());
INSERT INTO events (kind, payload) SELECT (ARRAY['view','click','cart','order'])[1 + g % 4], repeat(md5(g::text), 3) FROM generate_series(1, 60000) g;
DO $$ BEGIN
  FOR i IN 1..60 LOOP
    EXECUTE format('CREATE TABLE events_agg_%s (day date PRIMARY KEY, n bigint)', lpad(i::text, 2, '0'));
  END LOOP;
END $$;
SQL
mkdir backups
mount -t tmpfs -o size=4m tmpfs backups
on_cleanup "umount $WORK/backups"
cat >backup_databases.sh <<SH
#!/bin/bash
# nightly logical backups, from cron: 30 1 * * * /usr/local/sbin/backup_databases.sh
BACKUP_DIR=$WORK/backups/\$(date +%F)
mkdir -p "\$BACKUP_DIR"
status=0
for db in rec_shop_app rec_shop_events; do
  echo "\$(date -Is) backup: dumping \$db to \$BACKUP_DIR/\$db.sql"
  if pg_dump -v -h $PGHOST_REAL -p $PGPORT_REAL -U postgres -d "\$db" -f "\$BACKUP_DIR/\$db.sql"; then
    echo "\$(date -Is) backup: \$db OK (\$(du -h "\$BACKUP_DIR/\$db.sql" | cut -f1))"
  else
    echo "\$(date -Is) backup: \$db FAILED"
    status=1
  fi
  if [ "\$db" = rec_shop_app ]; then
    echo "\$(date -Is) backup: exporting seed data (customers, addresses) for the staging refresh"
    pg_dump -v --data-only -h $PGHOST_REAL -p $PGPORT_REAL -U postgres -d rec_shop_app -t customers -t addresses \
      -f "\$BACKUP_DIR/seed.sql" || status=1
  fi
done
echo "\$(date -Is) backup: finished with status \$status"
exit \$status
SH
chmod +x backup_databases.sh
record pgdump-disk-full-001 backup_databases ./backup_databases.sh

#!/usr/bin/env bash
# Back up the helpdesk: the database (pg_dump, custom format) and the raw mail store
# (content-addressed files: a plain copy, only new files each night). Usage: backup.sh DIR
# Reads DATABASE_URL and RAW_MAIL_DIR from the environment (deploy/systemd/helpdesk.env).
set -euo pipefail
target=${1:?usage: backup.sh BACKUP_DIR}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$target/db" "$target/raw"
# The dump first: every raw mail it names is already in the store (bytes are kept before
# the row is written), so a store copied afterwards holds all of them.
pg_dump --format=custom --file="$target/db/helpdesk-$stamp.dump" "$DATABASE_URL"
rsync -a "$RAW_MAIL_DIR/" "$target/raw/"
# Keep 14 nightly dumps; the raw store copy only grows (it is the mail itself).
ls -1t "$target"/db/helpdesk-*.dump | tail -n +15 | xargs -r rm --
echo "backup $stamp: $(du -sh "$target/db/helpdesk-$stamp.dump" | cut -f1) dump, $(find "$target/raw" -type f | wc -l) raw files"

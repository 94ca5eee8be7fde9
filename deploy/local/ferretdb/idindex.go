package main

// FerretDB v1's SQLite backend looks documents up by `_ferretdb_sjson->'$._id'`, but the
// unique index it creates for `_id` is on `_ferretdb_sjson->"_id"`. SQLite only uses an index
// whose expression matches the query's, so every find, update and delete by `_id` scans the
// whole table (about 100 ms per update at 8,000 documents). This indexer adds an index on the
// exact expression the backend queries with, for every collection table, shortly after the
// table appears. FerretDB's metadata never lists it, and dropping the collection drops it.

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the same pure-Go driver FerretDB uses
)

const idIndexSuffix = "_kuultu_id"

// indexIDsForever adds missing `_id` path indexes in every database file under dir, every
// interval, until ctx ends. Failures are logged and retried on the next pass.
func indexIDsForever(ctx context.Context, logger *slog.Logger, dir string, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()

	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite"))
		for _, file := range files {
			if err := indexIDs(ctx, logger, file); err != nil && ctx.Err() == nil {
				logger.Warn("kuultu-ferretdb: _id index pass failed", "file", file, "error", err)
			}
		}

		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// indexIDs opens one database file (never creating it: FerretDB deletes the file when a
// database is dropped) and indexes the tables that lack the index.
func indexIDs(ctx context.Context, logger *slog.Logger, file string) error {
	if _, err := os.Stat(file); err != nil {
		return nil // dropped meanwhile
	}

	uri := "file:" + file + "?mode=rw&_pragma=busy_timeout(10000)"

	db, err := sql.Open("sqlite", uri)
	if err != nil {
		return err
	}
	defer db.Close()

	missing, err := tablesWithoutIDIndex(ctx, db)
	if err != nil {
		return err
	}

	for _, table := range missing {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`,
			table+idIndexSuffix, table)
		if _, err := db.ExecContext(ctx, q); err != nil {
			if strings.Contains(err.Error(), "no such table") {
				continue // the collection was dropped between the two statements
			}
			return err
		}
		logger.Debug("kuultu-ferretdb: _id index added", "file", filepath.Base(file), "table", table)
	}

	return nil
}

func tablesWithoutIDIndex(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT t.name FROM sqlite_master t
		WHERE t.type = 'table' AND t.name NOT LIKE '\_ferretdb\_%' ESCAPE '\'
		AND NOT EXISTS (
			SELECT 1 FROM sqlite_master i
			WHERE i.type = 'index' AND i.tbl_name = t.name AND i.name = t.name || ?)`,
		idIndexSuffix)
	if err != nil {
		return nil, err
	}
	defer rows.Close()

	var tables []string

	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}

		tables = append(tables, name)
	}

	return tables, rows.Err()
}

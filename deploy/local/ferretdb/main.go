// Command kuultu-ferretdb runs FerretDB v1 with its SQLite backend as a
// MongoDB-wire-protocol server for local development and CI.
//
// We embed the github.com/FerretDB/FerretDB/ferretdb package instead of
// `go install`-ing cmd/ferretdb: the module zip lacks the generated
// build/version/version.txt, so a binary whose main module is FerretDB itself
// panics at start. With our own main module the version check is skipped.
// Telemetry is disabled (and locked) by the embeddable package itself.
// idindex.go makes lookups by _id use an index (see there why FerretDB's own does not).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // profiles on -debug-addr only
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27027", "TCP address to listen on")
	dataDir := flag.String("data-dir", "data", "directory for the SQLite database files (created if missing)")
	logLevel := flag.String("log-level", "info", "log level: debug, info, warn or error")
	debugAddr := flag.String("debug-addr", "", "if set, serve Go's pprof profiles there (e.g. 127.0.0.1:8088)")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "invalid -log-level %q: %v\n", *logLevel, err)
		os.Exit(2)
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)

	if *debugAddr != "" {
		go func() { logger.Error("debug server stopped", "error", http.ListenAndServe(*debugAddr, nil)) }()
	}

	if err := run(logger, *listen, *dataDir); err != nil {
		logger.Error("ferretdb failed", "error", err)
		os.Exit(1)
	}
}

func run(logger *slog.Logger, listen, dataDir string) error {
	// The SQLite handler wants an existing directory given as a "file:" URI
	// ending with a slash; an absolute path keeps it independent of the cwd.
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return err
	}

	if err = os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
	})
	if err != nil {
		return err
	}

	// Run returns once ctx is cancelled and all connections and the backend
	// are closed, so SIGTERM/SIGINT give a clean shutdown of the SQLite files.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	done := make(chan error, 1)

	go func() { done <- f.Run(ctx) }()

	go indexIDsForever(ctx, logger, dir, time.Second)

	logger.Info("kuultu-ferretdb started", "listen", listen, "data_dir", dir, "pid", os.Getpid())

	err = <-done
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}

	logger.Info("kuultu-ferretdb stopped")

	return nil
}

// Command pdpx is a terminal explorer for Permit.io authorization decisions.
package main

import (
	"context"
	"os"
	"runtime/debug"
	"syscall"

	"charm.land/fang/v2"

	"github.com/pdpx/pdpx/ui/cli"
)

// version is set at build time: go build -ldflags "-X main.version=v1.2.3".
var version = ""

func main() {
	opts := []fang.Option{
		fang.WithErrorHandler(cli.ErrorHandler),
		fang.WithNotifySignal(os.Interrupt, syscall.SIGTERM),
	}
	info, _ := debug.ReadBuildInfo()
	v := cli.BuildVersion(version, info)
	opts = append(opts, fang.WithVersion(v))
	root := cli.NewRoot(v)
	if err := fang.Execute(context.Background(), root, opts...); err != nil {
		os.Exit(cli.ExitCode(err))
	}
}

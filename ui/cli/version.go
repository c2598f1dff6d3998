package cli

import "runtime/debug"

// BuildVersion is what pdpx --version prints: the version set at link time
// (go build -ldflags "-X main.version=v1.2.3"), else the module version of
// a `go install ...@v1.2.3` build, else "devel" with the VCS revision the
// build recorded. .ci/run and many go run setups pass -buildvcs=false, and
// then there is no revision to show: the text says so.
func BuildVersion(linked string, info *debug.BuildInfo) string {
	if linked != "" {
		return linked
	}
	if info == nil {
		return "devel (no build information)"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if rev == "" {
		return "devel (built from source without VCS information)"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return "devel (" + rev + modified + ")"
}

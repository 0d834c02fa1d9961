package kontortest

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsPointDown keeps the layering of docs/ARCHITECTURE.md: a package
// imports only packages of its own layer or below, so that, for example, the
// engine never reaches up into web handlers and db never into the engine.
func TestImportsPointDown(t *testing.T) {
	const module = "github.com/kontor-social/kontor/"
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...")
	cmd.Dir = ".." // the module root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			dep := strings.TrimPrefix(imp, module)
			if layer(t, dep) > layer(t, pkg) {
				t.Errorf("%s imports %s, a layer above it", pkg, dep)
			}
			if pkg == "web/streaming" && dep == "web/api" {
				t.Errorf("web/streaming imports web/api: entities and presenters live in web/entity")
			}
		}
	}
}

// layer ranks a package of the module: 0 is the ground.
func layer(t *testing.T, pkg string) int {
	top := pkg
	if i := strings.Index(pkg, "/"); i >= 0 {
		top = pkg[:i]
	}
	switch top {
	case "config", "migrations", "scopes", "mail", "metrics":
		return 0
	case "db":
		return 1
	case "media":
		return 2
	case "activitypub":
		return 3
	case "brands", "analytics", "signup", "portability":
		return 4
	case "web":
		if pkg == "web/static" {
			return 0
		}
		return 5
	case "server":
		return 6
	case "cmd", "kontortest", "bench":
		return 7
	}
	t.Errorf("package %s has no layer: add it to layer() and docs/ARCHITECTURE.md", pkg)
	return 0
}

package selfcontained

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Finding is one reference from a file of the repository to a path outside it.
type Finding struct {
	File string // the file, relative to the repository root, with / separators
	Line int
	Ref  string // what the file refers to
	Why  string
}

func (f Finding) String() string { return fmt.Sprintf("%s:%d: %s (%s)", f.File, f.Line, f.Ref, f.Why) }

var (
	// relativeRef is a path that climbs: "../x", "../../x".
	relativeRef = regexp.MustCompile(`(?:\.\./)+[A-Za-z0-9_.\-/]*`)
	// hostRef is an absolute path into a place that belongs to one machine rather than
	// to the repository or the system: a home or work directory, a mount.
	hostRef = regexp.MustCompile(`(?:^|[\s"'=(,:\[` + "`" + `])(/(?:work|home|root|Users|mnt|media|opt|srv|shared|usr/local)(?:/[^\s"'),\]` +
		"`" + `]*)?)(?:$|[^A-Za-z0-9_.\-])`)
	// homeRef is a path under the user's home directory.
	homeRef = regexp.MustCompile(`(?:~|\$HOME|\$\{HOME\}|\$\(HOME\))/[^\s"'` + "`" + `),\]]*`)
)

// allowedHome are the places under the home directory the repository may use: Go's
// caches, the project's own cache of built tools, and kubectl's configuration.
var allowedHome = []string{".cache/twilio-operator", ".cache/go-build", "go/pkg/mod", "go/bin", ".kube"}

// allowedHost are absolute paths that are the same on every machine the project
// supports: the Go toolchain.
var allowedHost = []string{"/usr/local/go"}

// imageDirs are directories of the operator image's own filesystem (internal/imagebuild
// writes them; passwd and PATH name them), the same in every container built from it.
// Only the directory itself is allowed: a file under one of them (in root's home, say) is still
// one machine's.
var imageDirs = []string{"/home", "/home/nonroot", "/root", "/usr/local/sbin", "/usr/local/bin"}

// Scan reports the references of one file (name relative to the repository root, with
// / separators) to paths outside the repository:
//
//   - a relative path ("../…") that climbs above the repository root from the file's
//     directory;
//   - in Go files, a filepath.Join or path.Join whose ".." elements climb above the
//     root: from the file's directory when the first element is a literal, else from
//     the root (the usual first element is a variable holding the root);
//   - an absolute path into a home, work or mount directory (home, root, work, mnt…
//     at the top of the file system);
//   - a path under the home directory other than Go's caches, ~/.cache/twilio-operator
//     and kubectl's configuration.
//
// Temporary directories, dev, proc, usr/bin and etc are the same everywhere and are
// not reported.
func Scan(name string, data []byte) []Finding {
	dir := path.Dir(name)
	var out []Finding
	for i, line := range strings.Split(string(data), "\n") {
		for _, ref := range relativeRef.FindAllString(line, -1) {
			if escapes(dir, ref) {
				out = append(out, Finding{File: name, Line: i + 1, Ref: ref, Why: "climbs above the repository root"})
			}
		}
		for _, m := range hostRef.FindAllStringSubmatch(line, -1) {
			if isHostPath(m[1]) {
				out = append(out, Finding{File: name, Line: i + 1, Ref: m[1], Why: "an absolute path on one machine"})
			}
		}
		for _, ref := range homeRef.FindAllString(line, -1) {
			// A shell default such as XDG_CACHE_HOME's, written with braces, names the
			// same place without them.
			rest := strings.ReplaceAll(ref[strings.Index(ref, "/")+1:], "}", "")
			if !hasAnyPrefix(rest, allowedHome) {
				out = append(out, Finding{File: name, Line: i + 1, Ref: ref, Why: "a path in the home directory"})
			}
		}
	}
	if strings.HasSuffix(name, ".go") {
		out = append(out, scanJoins(name, data)...)
	}
	return out
}

// scanJoins finds filepath.Join and path.Join calls whose literal ".." elements climb
// above the repository root.
func scanJoins(name string, data []byte) []Finding {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, name, data, parser.SkipObjectResolution)
	if err != nil {
		return nil // not Go that compiles; the build reports it
	}
	var out []Finding
	ast.Inspect(file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || !isJoin(call.Fun) || len(call.Args) == 0 {
			return true
		}
		var elems []string
		start := "."
		for i, arg := range call.Args {
			lit, ok := arg.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				if i == 0 {
					continue // a variable: taken to be the root, or a directory in it
				}
				elems = append(elems, "x") // an unknown name one level down
				continue
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			if i == 0 {
				start = path.Dir(name)
			}
			elems = append(elems, s)
		}
		joined := path.Join(append([]string{start}, elems...)...)
		if joined == ".." || strings.HasPrefix(joined, "../") {
			out = append(out, Finding{File: name, Line: fset.Position(call.Pos()).Line,
				Ref: strings.Join(elems, ", "), Why: "a Join that climbs above the repository root"})
		}
		return true
	})
	return out
}

func isJoin(fun ast.Expr) bool {
	sel, ok := fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Join" {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && (pkg.Name == "filepath" || pkg.Name == "path")
}

// escapes reports whether ref, relative to dir (both relative to the root), leaves the
// repository.
func escapes(dir, ref string) bool {
	joined := path.Join(dir, ref)
	return joined == ".." || strings.HasPrefix(joined, "../")
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if s == p || strings.HasPrefix(s, p+"/") {
			return true
		}
	}
	return false
}

// isHostPath reports whether a matched absolute path, or a colon-separated list of them
// (a PATH, a passwd entry's home and shell), names a place on one machine: some element
// is under a home, work or mount directory, and neither the Go toolchain nor one of the
// image's own directories.
func isHostPath(ref string) bool {
	for _, p := range strings.Split(ref, ":") {
		if hostRef.MatchString(p) && !hasAnyPrefix(p, allowedHost) && !slices.Contains(imageDirs, strings.TrimSuffix(p, "/")) {
			return true
		}
	}
	return false
}

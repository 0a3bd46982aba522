package release

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// crdKind is the only kind a CRD bundle may hold.
const crdKind = "CustomResourceDefinition"

// BundleCRDs joins the CRDs that controller-gen wrote under dir (config/crd/bases, one
// per file) into one multi-document YAML stream, in file name order, for `kubectl apply
// --server-side -f` of a release's CRDs without the chart. It refuses a file that is not
// exactly one CRD, so the bundle never carries something else by accident.
func BundleCRDs(dir string) ([]byte, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no CRDs in %s", dir)
	}
	sort.Strings(files)
	var out bytes.Buffer
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if err := checkOneCRD(data); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		body := strings.TrimPrefix(string(data), "---\n")
		out.WriteString("---\n")
		out.WriteString(strings.TrimRight(body, "\n") + "\n")
	}
	return out.Bytes(), nil
}

func checkOneCRD(data []byte) error {
	docs := 0
	for _, doc := range strings.Split("\n"+string(data), "\n---") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		docs++
		var head struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			return err
		}
		if head.Kind != crdKind {
			return fmt.Errorf("holds a %q, not a %s", head.Kind, crdKind)
		}
	}
	if docs != 1 {
		return fmt.Errorf("holds %d documents, not one CRD", docs)
	}
	return nil
}

package v1alpha1_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestExplainReadsAsUserDocs checks the field descriptions `kubectl explain` prints,
// as controller-gen generated them from the doc comments: every field of ours has one,
// and each paragraph is one line, so kubectl wraps it at the terminal's width instead
// of breaking it where the Go source wrapped. The types Kubernetes itself defines
// (apiVersion, kind, metadata, the items of conditions) are theirs, not checked.
func TestExplainReadsAsUserDocs(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "config", "crd", "bases", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs: %v", err)
	}
	checked := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var crd struct {
			Spec struct {
				Names    struct{ Kind string }
				Versions []struct {
					Schema struct {
						OpenAPIV3Schema schema `json:"openAPIV3Schema"`
					}
				}
			}
		}
		if err := yaml.Unmarshal(data, &crd); err != nil {
			t.Fatal(err)
		}
		for _, v := range crd.Spec.Versions {
			root := v.Schema.OpenAPIV3Schema
			checkDescription(t, crd.Spec.Names.Kind, root)
			checked++
			for _, name := range []string{"spec", "status"} {
				checked += walkDescriptions(t, crd.Spec.Names.Kind+"."+name, root.Properties[name])
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d descriptions checked: the walk missed the schema", checked)
	}
}

type schema struct {
	Description string            `json:"description"`
	Properties  map[string]schema `json:"properties"`
	Items       *schema           `json:"items"`
}

func walkDescriptions(t *testing.T, path string, s schema) int {
	t.Helper()
	checkDescription(t, path, s)
	n := 1
	for name, prop := range s.Properties {
		n += walkDescriptions(t, path+"."+name, prop)
	}
	if s.Items != nil && !strings.HasSuffix(path, ".conditions") {
		for name, prop := range s.Items.Properties {
			n += walkDescriptions(t, path+"[]."+name, prop)
		}
	}
	return n
}

func checkDescription(t *testing.T, path string, s schema) {
	t.Helper()
	if strings.TrimSpace(s.Description) == "" {
		t.Errorf("%s has no description: give the field a doc comment", path)
		return
	}
	for _, paragraph := range strings.Split(s.Description, "\n\n") {
		if strings.Contains(paragraph, "\n") {
			t.Errorf("%s: a paragraph of its description is broken over lines (write it on one comment line): %q", path, paragraph)
		}
	}
}

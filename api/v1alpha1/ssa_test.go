package v1alpha1_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Users apply with server-side apply (kubectl apply --server-side, Helm 4, Flux). Every
// list field of the spec must keep its contract that way: what is applied is what is
// stored, an item left out of the applied list is removed, and [] is kept as "exactly
// none" where the field allows it, never dropped as if the field were left out.

// serverSideApply applies the sample file, edited, as the field manager "user" and
// returns the object as stored.
func serverSideApply(t *testing.T, namespace, file string, e edit) (*unstructured.Unstructured, error) {
	t.Helper()
	u := loadSample(t, file)
	u.SetNamespace(namespace)
	e(u)
	ctx := context.Background()
	if err := k8sClient.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner("user")); err != nil {
		return nil, err
	}
	got := &unstructured.Unstructured{}
	got.SetGroupVersionKind(u.GroupVersionKind())
	if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(u), got); err != nil {
		t.Fatal(err)
	}
	return got, nil
}

// campaignList reads a list field of the first campaign.
func campaignList(field string) func(*unstructured.Unstructured) ([]any, bool) {
	return func(u *unstructured.Unstructured) ([]any, bool) {
		campaigns, _, _ := unstructured.NestedSlice(u.Object, "spec", "campaigns")
		if len(campaigns) == 0 {
			return nil, false
		}
		list, ok := campaigns[0].(map[string]any)[field].([]any)
		return list, ok
	}
}

func specList(field string) func(*unstructured.Unstructured) ([]any, bool) {
	return func(u *unstructured.Unstructured) ([]any, bool) {
		list, found, _ := unstructured.NestedSlice(u.Object, "spec", field)
		return list, found
	}
}

func TestListFieldsUnderServerSideApply(t *testing.T) {
	t.Parallel()
	words := func(ws ...string) []any {
		out := make([]any, len(ws))
		for i, w := range ws {
			out[i] = w
		}
		return out
	}
	cases := map[string]struct {
		file string
		read func(*unstructured.Unstructured) ([]any, bool)
		// steps are applied in order; want[i] is the list stored after steps[i].
		steps []edit
		want  [][]any
	}{
		"phoneNumbers: one removed, then []": {
			file: msgsvcSample, read: specList("phoneNumbers"),
			steps: []edit{
				set(words("+15017122661", "+15017122662"), "spec", "phoneNumbers"),
				set(words("+15017122662"), "spec", "phoneNumbers"),
				set([]any{}, "spec", "phoneNumbers"),
			},
			want: [][]any{words("+15017122661", "+15017122662"), words("+15017122662"), {}},
		},
		"phoneNumbers: [] on create": {
			file: msgsvcSample, read: specList("phoneNumbers"),
			steps: []edit{set([]any{}, "spec", "phoneNumbers")},
			want:  [][]any{{}},
		},
		"messageSamples: one removed": {
			file: a2pSample, read: campaignList("messageSamples"),
			steps: []edit{setCampaign("messageSamples", samples(3)), setCampaign("messageSamples", samples(2))},
			want:  [][]any{samples(3), samples(2)},
		},
		"optInKeywords: one removed": {
			file: a2pSample, read: campaignList("optInKeywords"),
			steps: []edit{setCampaign("optInKeywords", words("START", "YES")), setCampaign("optInKeywords", words("YES"))},
			want:  [][]any{words("START", "YES"), words("YES")},
		},
		"optOutKeywords: one removed": {
			file: a2pSample, read: campaignList("optOutKeywords"),
			steps: []edit{setCampaign("optOutKeywords", words("STOP", "QUIT")), setCampaign("optOutKeywords", words("STOP"))},
			want:  [][]any{words("STOP", "QUIT"), words("STOP")},
		},
		"helpKeywords: one removed": {
			file: a2pSample, read: campaignList("helpKeywords"),
			steps: []edit{setCampaign("helpKeywords", words("HELP", "INFO")), setCampaign("helpKeywords", words("INFO"))},
			want:  [][]any{words("HELP", "INFO"), words("INFO")},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			ns := newNamespace(t)
			for i, step := range c.steps {
				got, err := serverSideApply(t, ns, c.file, step)
				g.Expect(err).NotTo(HaveOccurred(), "step %d", i)
				list, found := c.read(got)
				g.Expect(found).To(BeTrue(), "step %d: the list is stored, even when empty", i)
				g.Expect(list).To(Equal(c.want[i]), "step %d", i)
			}
		})
	}
}

// TestCampaignsUnderServerSideApply: a campaign left out of the applied list is removed,
// and [] removes them all.
func TestCampaignsUnderServerSideApply(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	ns := newNamespace(t)
	var lengths []int
	for _, step := range []edit{
		addCampaign("messagingServiceRef", map[string]any{"name": "sales-sms"}),
		func(*unstructured.Unstructured) {}, // the sample's one campaign
		set([]any{}, "spec", "campaigns"),
	} {
		got, err := serverSideApply(t, ns, a2pSample, step)
		g.Expect(err).NotTo(HaveOccurred())
		list, found := specList("campaigns")(got)
		g.Expect(found).To(BeTrue())
		lengths = append(lengths, len(list))
	}
	g.Expect(lengths).To(Equal([]int{2, 1, 0}))
}

// TestServerSideApplyRejects: what a list field cannot hold is refused at admission
// under server-side apply too, with a message that says what is wrong.
func TestServerSideApplyRejects(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		file    string
		e       edit
		message string
	}{
		"a phone number listed twice": {msgsvcSample, set([]any{"+15017122661", "PN3f5e0b8a1c2d4e6f8a0b1c2d3e4f5a6b", "+15017122661"},
			"spec", "phoneNumbers"), "phone number +15017122661 is listed more than once"},
		"no message samples":   {a2pSample, setCampaign("messageSamples", []any{}), "spec.campaigns[0].messageSamples"},
		"empty optInKeywords":  {a2pSample, setCampaign("optInKeywords", []any{}), "spec.campaigns[0].optInKeywords"},
		"empty optOutKeywords": {a2pSample, setCampaign("optOutKeywords", []any{}), "spec.campaigns[0].optOutKeywords"},
		"empty helpKeywords":   {a2pSample, setCampaign("helpKeywords", []any{}), "spec.campaigns[0].helpKeywords"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := serverSideApply(t, newNamespace(t), c.file, c.e)
			NewWithT(t).Expect(err).To(MatchError(ContainSubstring(c.message)))
		})
	}
}

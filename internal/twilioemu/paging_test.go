package twilioemu_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

func TestPagingBothWays(t *testing.T) {
	emu := newEmu(t)
	hc := emu.HTTPClient()
	var sids []string
	for range 5 {
		sids = append(sids, *newService(t, primary(hc), "s").Sid)
	}
	page := func(q url.Values) ([]string, map[string]any) {
		status, body := call(t, hc, http.MethodGet, "/v1/Services", q)
		if status != http.StatusOK {
			t.Fatalf("HTTP %d %v", status, body)
		}
		var got []string
		for _, s := range body["services"].([]any) {
			got = append(got, s.(map[string]any)["sid"].(string))
		}
		return got, body["meta"].(map[string]any)
	}
	follow := func(link any) url.Values {
		u, err := url.Parse(link.(string))
		if err != nil {
			t.Fatal(err)
		}
		return u.Query()
	}
	first, meta := page(url.Values{"PageSize": {"2"}})
	second, meta := page(follow(meta["next_page_url"]))
	// A service created between pages does not shift the next page.
	sids = append(sids, *newService(t, primary(hc), "late").Sid)
	third, meta := page(follow(meta["next_page_url"]))
	if len(first) != 2 || first[0] != sids[0] || second[0] != sids[2] || third[0] != sids[4] || len(third) != 2 {
		t.Fatalf("pages %v %v %v of %v", first, second, third, sids)
	}
	if meta["next_page_url"] != nil || meta["page"] != float64(2) {
		t.Errorf("last page meta = %v", meta)
	}
	back, _ := page(follow(meta["previous_page_url"]))
	if len(back) != 2 || back[0] != sids[2] || back[1] != sids[3] {
		t.Errorf("previous page = %v, want %v", back, sids[2:4])
	}
	byNumber, _ := page(url.Values{"PageSize": {"2"}, "Page": {"1"}})
	if len(byNumber) != 2 || byNumber[0] != sids[2] {
		t.Errorf("Page=1 without a token = %v", byNumber)
	}
}

func TestPagingParameters(t *testing.T) {
	emu := newEmu(t)
	for name, q := range map[string]url.Values{
		"PageSize 0":              {"PageSize": {"0"}},
		"PageSize over 1000":      {"PageSize": {"1001"}},
		"a PageSize that is text": {"PageSize": {"fifty"}},
		"a negative Page":         {"Page": {"-1"}},
		"a PageToken of nothing":  {"PageToken": {"XX12"}},
		"a PageToken that is not": {"PageToken": {"PA!"}},
	} {
		t.Run(name+" is 20001", func(t *testing.T) {
			status, body := call(t, emu.HTTPClient(), http.MethodGet, "/v1/Services", q)
			wantErrorBody(t, status, body, 400, 20001)
		})
	}
	if _, err := twilioemu.RedirectTransport("/relative", nil); err == nil {
		t.Error("RedirectTransport accepted a relative base URL")
	}
}

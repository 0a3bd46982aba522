package twilioemu_test

import (
	"net/http"
	"net/url"
	"testing"

	conversations "github.com/twilio/twilio-go/rest/conversations/v1"

	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

func TestAddressConfigurationsThroughTwilioGo(t *testing.T) {
	forEachTransport(t, func(t *testing.T, emu *twilioemu.Server, hc *http.Client) {
		rc := primary(hc).ConversationsV1
		created := must[*conversations.ConversationsV1ConfigurationAddress](t)(rc.CreateConfigurationAddress(
			new(conversations.CreateConfigurationAddressParams).SetType("sms").SetAddress("+15017122661").
				SetFriendlyName("Flex inbound").SetAutoCreationEnabled(true).SetAutoCreationType("webhook").
				SetAutoCreationConversationServiceSid("IS0123456789abcdef0123456789abcdef").
				SetAutoCreationWebhookUrl("https://flex.example.com/inbound").SetAutoCreationWebhookMethod("post").
				SetAutoCreationWebhookFilters([]string{"onMessageAdded"})))
		auto, _ := deref(created.AutoCreation).(map[string]any)
		if deref(created.Type) != "sms" || deref(created.Address) != "+15017122661" || len(deref(created.Sid)) != 34 ||
			auto["enabled"] != true || auto["webhook_method"] != "POST" || auto["webhook_url"] != "https://flex.example.com/inbound" ||
			auto["conversation_service_sid"] != "IS0123456789abcdef0123456789abcdef" {
			t.Fatalf("created = %+v, auto_creation %v", created, auto)
		}
		sid := *created.Sid
		fetched := must[*conversations.ConversationsV1ConfigurationAddress](t)(rc.FetchConfigurationAddress(sid))
		if deref(fetched.FriendlyName) != "Flex inbound" || !fetched.DateCreated.Equal(epoch) {
			t.Errorf("fetched = %+v", fetched)
		}
		updated := must[*conversations.ConversationsV1ConfigurationAddress](t)(rc.UpdateConfigurationAddress(sid,
			new(conversations.UpdateConfigurationAddressParams).SetAutoCreationType("studio").
				SetAutoCreationStudioFlowSid("FW0123456789abcdef0123456789abcdef").SetAutoCreationStudioRetryCount(2)))
		if auto, _ := deref(updated.AutoCreation).(map[string]any); auto["type"] != "studio" ||
			auto["studio_flow_sid"] != "FW0123456789abcdef0123456789abcdef" || auto["webhook_url"] != nil {
			t.Errorf("updated auto_creation = %v", auto)
		}
		if got := must[[]twilioemu.AddressConfiguration](t)(emu.AddressConfigurations(twilioemu.DefaultAccountSid)); len(got) != 1 ||
			got[0].AutoCreation.StudioRetryCount != 2 || got[0].AutoCreation.ConversationServiceSid == "" {
			t.Errorf("state = %+v", got)
		}
		for filter, want := range map[string]int{"sms": 1, "SMS": 1, "whatsapp": 0} {
			listed := must[[]conversations.ConversationsV1ConfigurationAddress](t)(rc.ListConfigurationAddress(
				new(conversations.ListConfigurationAddressParams).SetType(filter)))
			if len(listed) != want {
				t.Errorf("Type=%s listed %d, want %d", filter, len(listed), want)
			}
		}
		if _, err := second(hc).ConversationsV1.FetchConfigurationAddress(sid); err == nil {
			t.Error("another account fetched the configuration")
		}
		if err := rc.DeleteConfigurationAddress(sid); err != nil {
			t.Fatal(err)
		}
		_, err := rc.FetchConfigurationAddress(sid)
		twilioErr(t, err, 20404, 404)
	})
}

func TestAddressConfigurationRules(t *testing.T) {
	base := url.Values{"Type": {"sms"}, "Address": {"+15017122662"}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range base {
			v[k] = vs
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				v.Del(kv[i])
			} else {
				v.Set(kv[i], kv[i+1])
			}
		}
		return v
	}
	for name, tc := range map[string]struct {
		form       url.Values
		code, http int
	}{
		"an address of the account with defaults is configured": {form: base, http: 201},
		"Type is required (20001)":                              {form: with("Type", ""), code: 20001, http: 400},
		"Address is required (20001)":                           {form: with("Address", ""), code: 20001, http: 400},
		"a Type outside the spec's enum (20001)":                {form: with("Type", "fax"), code: 20001, http: 400},
		"a channel the emulator does not model (20001)":         {form: with("Type", "whatsapp"), code: 20001, http: 400},
		"an address that is not E.164 (20001)":                  {form: with("Address", "5017122662"), code: 20001, http: 400},
		"another account's number (20001)":                      {form: with("Address", "+15558675301"), code: 20001, http: 400},
		"a number nobody owns (20001)":                          {form: with("Address", "+19995550100"), code: 20001, http: 400},
		"a webhook auto-creation without its URL (20001)": {
			form: with("AutoCreation.Type", "webhook"), code: 20001, http: 400},
		"a studio auto-creation without its flow (20001)": {
			form: with("AutoCreation.Type", "studio"), code: 20001, http: 400},
		"an unknown webhook filter (20001)": {form: with("AutoCreation.Type", "webhook",
			"AutoCreation.WebhookUrl", "https://hooks.example.com", "AutoCreation.WebhookFilters", "onEverything"),
			code: 20001, http: 400},
		"a malformed conversation service SID (20001)": {
			form: with("AutoCreation.ConversationServiceSid", "IS123"), code: 20001, http: 400},
	} {
		t.Run(name, func(t *testing.T) {
			emu := newEmu(t)
			status, body := call(t, emu.HTTPClient(), http.MethodPost, "/v1/Configuration/Addresses", tc.form)
			if tc.code == 0 {
				if status != tc.http {
					t.Fatalf("HTTP %d %v", status, body)
				}
				auto, _ := body["auto_creation"].(map[string]any)
				if auto["enabled"] != false || auto["type"] != "default" || body["friendly_name"] != nil {
					t.Errorf("defaults = %v", body)
				}
				return
			}
			wantErrorBody(t, status, body, tc.http, tc.code)
			if got := must[[]twilioemu.AddressConfiguration](t)(emu.AddressConfigurations("")); len(got) != 0 {
				t.Errorf("a refused create stored %+v", got)
			}
		})
	}
}

func TestAddressConfigurationIsUniquePerAddress(t *testing.T) {
	emu := newEmu(t)
	hc := emu.HTTPClient()
	form := url.Values{"Type": {"sms"}, "Address": {"+15017122661"}}
	if status, body := call(t, hc, http.MethodPost, "/v1/Configuration/Addresses", form); status != 201 {
		t.Fatalf("HTTP %d %v", status, body)
	}
	status, body := call(t, hc, http.MethodPost, "/v1/Configuration/Addresses", form)
	wantErrorBody(t, status, body, 400, 20001)
	if n, _ := emu.Count("POST /v1/Configuration/Addresses"); n != 2 {
		t.Errorf("counted %d creates, want 2", n)
	}
	if got, _ := emu.AddressConfigurations(twilioemu.DefaultAccountSid); len(got) != 1 {
		t.Errorf("configurations = %+v", got)
	}
}

func TestAddressConfigurationsPageAtMost50(t *testing.T) {
	emu := newEmu(t)
	status, body := call(t, emu.HTTPClient(), http.MethodGet, "/v1/Configuration/Addresses", url.Values{"PageSize": {"51"}})
	wantErrorBody(t, status, body, 400, 20001)
}

package redact

import "testing"

func TestURLs(t *testing.T) {
	cases := map[string]string{
		"https://user:s3cret@hooks.example.com/sms":          "https://redacted@hooks.example.com/sms",
		"http://token@hooks.example.com":                     "http://redacted@hooks.example.com",
		"a: https://a:b@x.example/p, b: https://c:d@y/q?r=1": "a: https://redacted@x.example/p, b: https://redacted@y/q?r=1",
		"https://hooks.example.com/sms?to=a@b.example":       "https://hooks.example.com/sms?to=a@b.example",
		"mail sam@acme.example":                              "mail sam@acme.example",
		"no URL at all":                                      "no URL at all",
	}
	for in, want := range cases {
		if got := URLs(in); got != want {
			t.Errorf("URLs(%q) = %q, want %q", in, got, want)
		}
	}
}

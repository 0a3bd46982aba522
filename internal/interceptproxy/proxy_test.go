package interceptproxy

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// upstream is a plain-HTTP server standing in for the emulator; it records what it was
// sent.
type upstream struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // "METHOD host path?query auth body"
}

func startUpstream(t *testing.T) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		user, _, _ := r.BasicAuth()
		u.mu.Lock()
		u.seen = append(u.seen, fmt.Sprintf("%s %s %s %s %s", r.Method, r.Host, r.URL.RequestURI(), user, body))
		u.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"served_by":"upstream","path":%q}`, r.URL.Path)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) requests() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.seen...)
}

func startProxy(t *testing.T, hosts map[string]string) (*Server, *CA) {
	t.Helper()
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Listen(ca, hosts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, ca
}

// clientVia is an HTTP client that sends everything through the proxy and trusts roots.
func clientVia(t *testing.T, proxy string, roots *x509.CertPool) *http.Client {
	t.Helper()
	u, err := url.Parse(proxy)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{Proxy: http.ProxyURL(u), TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// TestInterceptsHTTPSForMappedHost: an HTTPS request to messaging.twilio.com through
// the proxy reaches the upstream, unchanged but for scheme and address, and the
// answer comes back over TLS with a certificate for the host signed by the CA.
func TestInterceptsHTTPSForMappedHost(t *testing.T) {
	up := startUpstream(t)
	proxy, ca := startProxy(t, map[string]string{"messaging.twilio.com": up.URL, "api.twilio.com:443": up.URL})
	hc := clientVia(t, proxy.URL, ca.Pool())

	req, _ := http.NewRequest(http.MethodPost, "https://messaging.twilio.com/v1/Services?x=1",
		strings.NewReader("FriendlyName=Bench"))
	req.SetBasicAuth("AC123", "secret")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"served_by":"upstream"`) {
		t.Fatalf("answer %d %s, want the upstream's 200", resp.StatusCode, body)
	}
	if resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 {
		t.Fatal("the answer did not come over TLS")
	}
	leaf := resp.TLS.PeerCertificates[0]
	if err := leaf.VerifyHostname("messaging.twilio.com"); err != nil {
		t.Errorf("certificate not for messaging.twilio.com: %v", err)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: "messaging.twilio.com"}); err != nil {
		t.Errorf("certificate not signed by the CA: %v", err)
	}

	// A second host, mapped with a port, over the same client.
	resp, err = hc.Get("https://api.twilio.com/2010-04-01/Accounts/AC123/IncomingPhoneNumbers.json?PhoneNumber=%2B15550000000")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()

	want := []string{
		"POST messaging.twilio.com /v1/Services?x=1 AC123 FriendlyName=Bench",
		"GET api.twilio.com /2010-04-01/Accounts/AC123/IncomingPhoneNumbers.json?PhoneNumber=%2B15550000000  ",
	}
	got := up.requests()
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("upstream saw %q, want %q", got, want)
	}
	counts := proxy.Counts()
	if counts["POST messaging.twilio.com"] != 1 || counts["GET api.twilio.com"] != 1 || len(counts) != 2 {
		t.Errorf("proxy counts = %v", counts)
	}
}

// TestRefusesUnmappedHost: a CONNECT to a host the proxy does not map is refused
// before any tunnel opens, and nothing reaches the upstream.
func TestRefusesUnmappedHost(t *testing.T) {
	up := startUpstream(t)
	proxy, ca := startProxy(t, map[string]string{"messaging.twilio.com": up.URL})
	hc := clientVia(t, proxy.URL, ca.Pool())

	for _, target := range []string{"https://checkpoint-api.hashicorp.com/v1/check", "http://registry.terraform.io/"} {
		resp, err := hc.Get(target)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", target, resp.StatusCode)
			}
		} else if !strings.Contains(err.Error(), "Forbidden") {
			t.Errorf("%s: %v, want the proxy's 403", target, err)
		}
	}
	if got := up.requests(); len(got) != 0 {
		t.Errorf("upstream saw %q", got)
	}
	refused := proxy.Refused()
	if refused["checkpoint-api.hashicorp.com"] != 1 || refused["registry.terraform.io"] != 1 {
		t.Errorf("refused = %v", refused)
	}
}

// TestClientWithoutTheCAFailsVerification: the interception is visible to a client
// that does not trust the generated CA: its TLS verification fails and no request is
// forwarded.
func TestClientWithoutTheCAFailsVerification(t *testing.T) {
	up := startUpstream(t)
	proxy, _ := startProxy(t, map[string]string{"messaging.twilio.com": up.URL})
	other, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	_, err = clientVia(t, proxy.URL, other.Pool()).Get("https://messaging.twilio.com/v1/Services")
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("error %v, want an unknown-authority error", err)
	}
	if got := up.requests(); len(got) != 0 {
		t.Errorf("upstream saw %q", got)
	}
}

// TestRequestForAnotherHostInsideATunnel: a tunnel opened to one mapped host cannot
// carry requests for another (the certificate and the Host header must match the
// CONNECT target).
func TestRequestForAnotherHostInsideATunnel(t *testing.T) {
	up := startUpstream(t)
	proxy, ca := startProxy(t, map[string]string{"messaging.twilio.com": up.URL, "api.twilio.com": up.URL})
	conn, err := net.Dial("tcp", strings.TrimPrefix(proxy.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = fmt.Fprintf(conn, "CONNECT messaging.twilio.com:443 HTTP/1.1\r\nHost: messaging.twilio.com:443\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: http.MethodConnect})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("CONNECT: %v %v", resp, err)
	}
	// SNI for the other host: no certificate.
	bad := tls.Client(conn, &tls.Config{ServerName: "api.twilio.com", RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12})
	if err := bad.Handshake(); err == nil {
		t.Fatal("TLS for api.twilio.com inside a tunnel to messaging.twilio.com succeeded")
	}

	// The right SNI, then a Host header for the other host.
	conn2, err := net.Dial("tcp", strings.TrimPrefix(proxy.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	_, _ = fmt.Fprintf(conn2, "CONNECT messaging.twilio.com:443 HTTP/1.1\r\nHost: messaging.twilio.com:443\r\n\r\n")
	br2 := bufio.NewReader(conn2)
	if resp, err := http.ReadResponse(br2, &http.Request{Method: http.MethodConnect}); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("CONNECT: %v %v", resp, err)
	}
	tc := tls.Client(conn2, &tls.Config{ServerName: "messaging.twilio.com", RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12})
	_, _ = fmt.Fprintf(tc, "GET /2010-04-01/Accounts.json HTTP/1.1\r\nHost: api.twilio.com\r\n\r\n")
	resp, err = http.ReadResponse(bufio.NewReader(tc), nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status %d, want 403", resp.StatusCode)
	}
	if got := up.requests(); len(got) != 0 {
		t.Errorf("upstream saw %q", got)
	}
}

// TestCertFileForSSLCertFile: the file written for SSL_CERT_FILE holds exactly the CA
// certificate, which verifies the proxy's host certificates.
func TestCertFileForSSLCertFile(t *testing.T) {
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := ca.WriteCertFile(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, rest := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" || len(strings.TrimSpace(string(rest))) != 0 {
		t.Fatalf("file is not one PEM certificate: %q", data)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !cert.IsCA {
		t.Fatalf("not a CA certificate: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		t.Fatal("the PEM does not load into a pool")
	}
	leaf, err := ca.certificateFor("messaging.twilio.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "messaging.twilio.com"}); err != nil {
		t.Errorf("host certificate does not verify against the file: %v", err)
	}
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "api.twilio.com"}); err == nil {
		t.Error("the messaging.twilio.com certificate verifies for api.twilio.com")
	}
}

func TestNewRejectsBadUpstreams(t *testing.T) {
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	for _, hosts := range []map[string]string{nil, {"messaging.twilio.com": "127.0.0.1:80"}, {"messaging.twilio.com": "ftp://x"}} {
		if _, err := New(ca, hosts); err == nil {
			t.Errorf("New(%v) succeeded", hosts)
		}
	}
}

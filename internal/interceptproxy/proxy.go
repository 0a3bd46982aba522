// Package interceptproxy is an HTTPS proxy that intercepts: a client that sends its
// requests through it (HTTPS_PROXY) and trusts its certificate authority
// (SSL_CERT_FILE) talks to the hosts it names, such as messaging.twilio.com, but is
// answered by a local server instead. It lets an unchanged program built on twilio-go
// (terraform-provider-twilio in `make bench`) be measured against the Twilio emulator,
// which serves plain HTTP on loopback.
//
// The proxy answers CONNECT for the hosts it maps, terminates TLS there with a
// certificate for the host signed by a certificate authority generated in memory, and
// forwards each request inside the tunnel to the host's upstream (the emulator), path,
// query, headers and Host unchanged. A host it does not map is refused, so nothing
// sent through it ever reaches the network.
package interceptproxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Proxy is an intercepting HTTPS proxy; an http.Handler to serve as the proxy itself.
type Proxy struct {
	ca       *CA
	upstream map[string]*url.URL // host (no port) → base URL its requests go to
	forward  *httputil.ReverseProxy
	tunnels  *connListener // connections out of CONNECT tunnels, after TLS
	inner    *http.Server  // serves the requests inside the tunnels
	served   chan struct{} // closed when inner has stopped serving

	mu      sync.Mutex
	counts  map[string]int // "METHOD host" → requests forwarded
	refused map[string]int // host → CONNECTs or requests refused
}

// New returns a proxy that sends the requests for each host of hosts ("host" or
// "host:port" → "http://127.0.0.1:8080") to that base URL, presenting certificates
// signed by ca. Close releases it.
func New(ca *CA, hosts map[string]string) (*Proxy, error) {
	if len(hosts) == 0 {
		return nil, errors.New("interceptproxy: no host to intercept")
	}
	p := &Proxy{ca: ca, upstream: map[string]*url.URL{}, counts: map[string]int{}, refused: map[string]int{},
		served: make(chan struct{})}
	for host, base := range hosts {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("interceptproxy: upstream of %s must be an http(s) URL, not %q", host, base)
		}
		p.upstream[hostOnly(host)] = u
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil // the upstream is local: never through another proxy
	transport.MaxIdleConnsPerHost = 256
	p.forward = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(p.upstream[hostOnly(r.In.Host)])
			r.Out.Host = r.In.Host // the upstream sees the host the client named
		},
		Transport: transport,
	}
	p.tunnels = newConnListener()
	p.inner = &http.Server{Handler: http.HandlerFunc(p.serveIntercepted), ReadHeaderTimeout: 30 * time.Second}
	go func() {
		defer close(p.served)
		_ = p.inner.Serve(p.tunnels)
	}()
	return p, nil
}

// Close stops serving the tunnels' requests and closes their connections.
func (p *Proxy) Close() error {
	err := p.inner.Close()
	<-p.served
	p.forward.Transport.(*http.Transport).CloseIdleConnections()
	return err
}

// ServeHTTP serves the proxy protocol: CONNECT to a mapped host opens a tunnel whose
// TLS the proxy terminates; a request in absolute form (http://host/…) to a mapped host
// is forwarded as it is. Anything else is refused.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.connect(w, r)
		return
	}
	if r.URL.Host == "" || p.upstream[hostOnly(r.URL.Host)] == nil {
		p.refuse(w, r.URL.Host)
		return
	}
	r.Host = r.URL.Host
	p.count(r)
	p.forward.ServeHTTP(w, r)
}

// connect answers a CONNECT: 200 for a mapped host, then TLS with a certificate for it;
// the connection then carries HTTP requests, which inner serves.
func (p *Proxy) connect(w http.ResponseWriter, r *http.Request) {
	host := hostOnly(r.Host)
	if p.upstream[host] == nil {
		p.refuse(w, r.Host)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "interceptproxy: cannot hijack this connection", http.StatusInternalServerError)
		return
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return
	}
	if _, err := rw.WriteString("HTTP/1.1 200 Connection established\r\n\r\n"); err != nil || rw.Flush() != nil {
		_ = conn.Close()
		return
	}
	// The client may already have sent its TLS hello behind the CONNECT: read it from
	// the buffer first.
	raw := conn
	if n := rw.Reader.Buffered(); n > 0 {
		head, _ := rw.Peek(n)
		raw = &prefixConn{Conn: conn, prefix: append([]byte(nil), head...)}
	}
	// The tunnel's host rides on the connection's local address, under TLS, so that
	// inner sees a *tls.Conn (r.TLS set) and each request can be checked against it.
	tlsConn := tls.Server(&tunnelConn{Conn: raw, host: host}, &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			name := hello.ServerName
			if name == "" {
				name = host
			}
			if name != host {
				return nil, fmt.Errorf("interceptproxy: TLS for %q in a tunnel to %q", name, host)
			}
			return p.ca.certificateFor(name)
		},
	})
	if !p.tunnels.push(tlsConn) {
		_ = tlsConn.Close()
	}
}

// serveIntercepted forwards a request that came through a tunnel to its host's
// upstream. A request naming another host than its tunnel's is refused.
func (p *Proxy) serveIntercepted(w http.ResponseWriter, r *http.Request) {
	tunnel, _ := r.Context().Value(http.LocalAddrContextKey).(tunnelAddr)
	if r.TLS == nil || hostOnly(r.Host) != tunnel.host {
		p.refuse(w, r.Host)
		return
	}
	p.count(r)
	p.forward.ServeHTTP(w, r)
}

func (p *Proxy) refuse(w http.ResponseWriter, host string) {
	p.mu.Lock()
	p.refused[hostOnly(host)]++
	p.mu.Unlock()
	http.Error(w, "interceptproxy: host not intercepted: "+host, http.StatusForbidden)
}

func (p *Proxy) count(r *http.Request) {
	p.mu.Lock()
	p.counts[r.Method+" "+hostOnly(r.Host)]++
	p.mu.Unlock()
}

// Counts returns the requests forwarded so far, by "METHOD host".
func (p *Proxy) Counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.counts))
	for k, v := range p.counts {
		out[k] = v
	}
	return out
}

// Refused returns the hosts refused so far (CONNECTs and requests), with how often.
func (p *Proxy) Refused() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.refused))
	for k, v := range p.refused {
		out[k] = v
	}
	return out
}

// Hosts lists the hosts the proxy intercepts, sorted.
func (p *Proxy) Hosts() []string {
	out := make([]string, 0, len(p.upstream))
	for h := range p.upstream {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// Server is a proxy listening on a loopback port.
type Server struct {
	*Proxy
	// URL is the proxy's address for HTTPS_PROXY: http://127.0.0.1:port.
	URL string
	srv *http.Server
	ln  net.Listener
}

// Listen starts the proxy on a free loopback port.
func Listen(ca *CA, hosts map[string]string) (*Server, error) {
	p, err := New(ca, hosts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = p.Close()
		return nil, err
	}
	s := &Server{Proxy: p, URL: "http://" + ln.Addr().String(), ln: ln,
		srv: &http.Server{Handler: p, ReadHeaderTimeout: 30 * time.Second}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops listening and closes every connection, tunnels included.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	return errors.Join(err, s.Proxy.Close())
}

// hostOnly is host without its port, lower case.
func hostOnly(hostport string) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	return strings.ToLower(host)
}

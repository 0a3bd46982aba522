package interceptproxy

import (
	"net"
	"sync"
)

// connListener is a net.Listener fed by the proxy: each connection is a CONNECT
// tunnel, TLS already wrapped around it, for an http.Server to serve.
type connListener struct {
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

func newConnListener() *connListener {
	return &connListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

// push hands a connection to the server; false once the listener is closed.
func (l *connListener) push(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return tunnelAddr{host: "tunnels"} }

// tunnelConn is a tunnel's connection; its local address names the host the client
// asked to CONNECT to, so a request inside the tunnel can be checked against it.
type tunnelConn struct {
	net.Conn
	host string
}

func (c *tunnelConn) LocalAddr() net.Addr { return tunnelAddr{host: c.host} }

// tunnelAddr is the address of a tunnel: the host it was opened to.
type tunnelAddr struct{ host string }

func (tunnelAddr) Network() string  { return "connect" }
func (a tunnelAddr) String() string { return a.host }

// prefixConn is a connection whose first bytes were already read (buffered behind
// the CONNECT request): they are returned first.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(b []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(b, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}

// Package testbed runs the operator the way it runs for real, on one machine: a local
// control plane (the envtest kube-apiserver and etcd built by hack/setup-envtest.sh),
// the Twilio emulator as its own process and the operator binary as its own process.
//
// The demo (make demo), the benchmark (make bench) and the fault suite build on it.
// Every process it starts is tracked, so callers can prove that none is left behind.
package testbed

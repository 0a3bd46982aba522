// Package deploy holds the tests of what users deploy: the operator's Helm chart
// (charts/twilio-operator), the example contact-center chart (examples/contact-center)
// and the kustomize deployment (config/default). Each is rendered in-process, as helm
// and kubectl would, and every object is sent to a real kube-apiserver (envtest) as a
// server-side dry-run apply, so admission and the CRDs' validation judge them.
package deploy

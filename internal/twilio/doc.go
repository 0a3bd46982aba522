// Package twilio is the operator's narrow port to the Twilio REST API.
//
// Client is an interface with only the calls the controllers make, on plain structs; it
// knows nothing of Kubernetes. Connector implements it on github.com/twilio/twilio-go and
// adds what the operator needs around every request:
//
//   - redirection of every request to one base URL (--twilio-api-url), for the emulator
//     or a recording proxy;
//   - a limiter per Twilio account shared by all controllers: in-flight requests, requests
//     per second, and at most one brand or campaign write per second;
//   - Prometheus metrics twilio_requests_total and twilio_request_duration_seconds,
//     labelled by the path template (never by SID);
//   - errors classified once (*Error with a Class), without any credential in them.
package twilio

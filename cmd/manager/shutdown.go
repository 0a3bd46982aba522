package main

import (
	"context"
	"time"
)

// exitAfterShutdownTimeout ends the process timeout after ctx is cancelled (SIGTERM), if
// the manager has not returned by then. A manager whose caches cannot sync (the API
// server is unreachable, an RBAC grant is missing) never returns once signalled:
// controller-runtime's runnable group keeps retrying the start of its runnables on the
// cancelled context (v0.25.2 and v0.25.3; the upstream fix was not merged), spinning a
// core until the kubelet kills it at the end of the grace period. Nothing the operator
// does needs a clean exit to be safe: every Twilio create is guarded by its
// create-pending marker, so a cut-off reconcile resumes on the next start.
func exitAfterShutdownTimeout(ctx context.Context, timeout time.Duration, exit func(int)) {
	<-ctx.Done()
	time.Sleep(timeout)
	setupLog.Info("Manager did not stop within --shutdown-timeout; exiting", "shutdownTimeout", timeout)
	exit(1)
}

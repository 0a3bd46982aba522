package main

import (
	"fmt"
	"strings"
	"time"
)

// The comparative phases' goals (issue: fast by default, fair across accounts).
const (
	// maxDefaultsToTuned: the defaults converge within 1.5× of the tuned figure.
	maxDefaultsToTuned = 1.5
	// minSpeedupOverTerraform: the operator at its defaults at least 3× faster than
	// terraform-provider-twilio at its defaults, at terraformGoalObjects services.
	minSpeedupOverTerraform = 3.0
	terraformGoalObjects    = 1000
	// maxFairnessSlowdown: a throttled account slows another's objects by at most 1.5×.
	maxFairnessSlowdown = 1.5
)

// ratio is a/b, 0 when either is not a measured (positive) duration.
func ratio(a, b time.Duration) float64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// times formats a ratio as "2.41×", or "n/a" when it was not measured.
func times(r float64) string {
	if r <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f×", r)
}

// flagsOrDefaults prints a phase's operator flags, or says it has none.
func flagsOrDefaults(args []string) string {
	if len(args) == 0 {
		return "none (the operator's defaults)"
	}
	return strings.Join(args, " ")
}

// terraformRunAt is the terraform phase's comparison at n services, if it ran.
func terraformRunAt(t *terraformResult, n int) *terraformRun {
	if t == nil {
		return nil
	}
	for i := range t.Runs {
		if t.Runs[i].Objects == n && t.Runs[i].Apply > 0 {
			return &t.Runs[i]
		}
	}
	return nil
}

func compareTargets(add func(name, want, got string, met bool, flags string), rep *report) {
	if d := rep.Defaults; d != nil {
		c := d.Convergence
		r := ratio(c.WallTime, d.Tuned)
		add(fmt.Sprintf("defaults: cold start of %d within %.1f× of the tuned one", c.Objects, maxDefaultsToTuned),
			fmt.Sprintf("≤ %.1f×, all Ready", maxDefaultsToTuned),
			fmt.Sprintf("%s (%s / %s), %d/%d Ready", times(r), secs(c.WallTime), secs(d.Tuned), c.Ready, c.Objects),
			r > 0 && r <= maxDefaultsToTuned && c.Ready == c.Objects, "none (defaults) vs "+flagValues(d.TunedFlags,
				"--twilio-qps", "--twilio-max-concurrency", "--max-concurrent-reconciles"))
		objectsTarget(add, "defaults", d.TwilioChecks)
	}
	if f := rep.Fairness; f != nil {
		r := ratio(f.Busy, f.Alone)
		// X must have been busy the whole window (requests of its own, not all Ready):
		// an idle X would make any operator look fair.
		busy := f.XRequests > 0 && f.XReady < f.ThrottledObjects
		add(fmt.Sprintf("fairness: %d objects of Y beside throttled X (%d objects)", f.Objects, f.ThrottledObjects),
			fmt.Sprintf("≤ %.1f× Y alone, X busy throughout", maxFairnessSlowdown),
			fmt.Sprintf("%s (%s / %s); X: %d requests, %d/%d Ready", times(r), secs(f.Busy), secs(f.Alone), f.XRequests,
				f.XReady, f.ThrottledObjects),
			r > 0 && r <= maxFairnessSlowdown && busy, "none (defaults: --max-concurrent-reconciles=64, half per account)")
	}
	if t := rep.Terraform; t != nil {
		var checks []objectCheck
		for _, run := range t.Runs {
			if run.Twilio.When != "" {
				checks = append(checks, run.Twilio)
			}
			if run.OperatorCheck.When != "" {
				checks = append(checks, run.OperatorCheck)
			}
		}
		objectsTarget(add, "terraform", checks)
	}
	if run := terraformRunAt(rep.Terraform, terraformGoalObjects); run != nil {
		s := ratio(run.Apply, run.Operator)
		add(fmt.Sprintf("operator defaults vs Terraform defaults at %d services", terraformGoalObjects),
			fmt.Sprintf("≥ %.0f× faster", minSpeedupOverTerraform),
			fmt.Sprintf("%s (Terraform %s / operator %s)", times(s), secs(run.Apply), secs(run.Operator)),
			s >= minSpeedupOverTerraform, fmt.Sprintf("none (both at their defaults; terraform -parallelism=%d)", rep.Terraform.Parallelism))
	}
}

func compareRows(add func(string, string, string, ...any), rep *report) {
	if d := rep.Defaults; d != nil {
		add("defaults", "emulator", "%s", strings.Join(d.Emulator, " "))
		add("defaults", "operator flags", "%s", flagsOrDefaults(d.Operator))
		convergenceRows(add, "defaults", d.Convergence)
		add("defaults", "tuned cold start (from)", "%s (%s: %s)", secs(d.Tuned), d.TunedFrom, strings.Join(d.TunedFlags, " "))
		add("defaults", "defaults / tuned wall time", "%s", times(ratio(d.Convergence.WallTime, d.Tuned)))
		if run := terraformRunAt(rep.Terraform, d.Convergence.Objects); run != nil {
			add("defaults", "Terraform apply / defaults wall time (same run)", "%s (%s / %s)",
				times(ratio(run.Apply, d.Convergence.WallTime)), secs(run.Apply), secs(d.Convergence.WallTime))
		} else {
			add("defaults", "Terraform apply / defaults wall time (same run)", "n/a (no terraform comparison at %d in this run)",
				d.Convergence.Objects)
		}
		checkRows(add, "defaults", d.TwilioChecks)
	}
	if f := rep.Fairness; f != nil {
		add("fairness", "emulator; account X", "%s; %s", strings.Join(f.Emulator, " "), f.XFaults)
		add("fairness", "operator flags", "%s", flagsOrDefaults(f.Operator))
		add("fairness", "Y alone: objects, wall time, requests", "%d, %s, %d", f.Objects, secs(f.Alone), f.YRequestsAlone)
		add("fairness", "Y beside X's backlog: objects, wall time, requests", "%d, %s, %d", f.Objects, secs(f.Busy), f.YRequestsBusy)
		add("fairness", "X meanwhile: requests, 429s, Ready afterwards", "%d, %d, %d/%d", f.XRequests, f.X429, f.XReady, f.ThrottledObjects)
		add("fairness", "Y's slowdown (beside X / alone)", "%s", times(ratio(f.Busy, f.Alone)))
	}
	if t := rep.Terraform; t != nil {
		terraformRows(add, t)
	}
}

func terraformRows(add func(string, string, string, ...any), t *terraformResult) {
	add("terraform", "peer", "%s; terraform-provider-twilio %s built from %s", t.Terraform, t.Provider, t.ProviderSrc)
	add("terraform", "emulator (each side its own, same flags)", "%s", strings.Join(t.Emulator, " "))
	add("terraform", "intercepted hosts (HTTPS through the local proxy)", "%s", strings.Join(t.Hosts, ", "))
	for _, run := range t.Runs {
		p := fmt.Sprintf("terraform %d", run.Objects)
		add(p, "terraform apply -parallelism wall time", "%d: %s", t.Parallelism, secs(run.Apply))
		add(p, "Terraform Twilio requests by endpoint", "%s", describe(run.ApplyTraffic))
		add(p, "Terraform requests per service; resources in state", "%.2f; %d", perObject(run.ApplyTotal, run.Objects), run.StateResources)
		add(p, "refreshing terraform plan: wall time, requests (no changes)", "%s, %d (%v)", secs(run.Refresh), run.RefreshTotal, run.RefreshClean)
		add(p, "hosts the proxy refused", "%s", describe(run.Refused))
		add(p, "operator defaults: wall time to all Ready, requests (from)", "%s, %d (%s)", secs(run.Operator), run.OperatorTotal, run.OperatorFrom)
		add(p, "operator requests per service", "%.2f", perObject(run.OperatorTotal, run.Objects))
		add(p, "Terraform apply / operator defaults", "%s", times(ratio(run.Apply, run.Operator)))
		for _, c := range []objectCheck{run.Twilio, run.OperatorCheck} {
			if c.When != "" {
				checkRows(add, p, []objectCheck{c})
			}
		}
	}
}

func perObject(total, n int) float64 {
	if n <= 0 {
		return 0
	}
	return float64(total) / float64(n)
}

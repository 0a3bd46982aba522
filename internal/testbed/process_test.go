package testbed

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestProcessesAreTrackedAndStopped(t *testing.T) {
	dir := t.TempDir()
	sleeper, err := start("sleeper", "/bin/sh", []string{"-c", "sleep 60 & wait"}, filepath.Join(dir, "sleeper.log"))
	if err != nil {
		t.Fatal(err)
	}
	var below []int
	deadline := time.Now().Add(10 * time.Second)
	for len(below) < 2 && time.Now().Before(deadline) { // the shell and its sleep
		below = Descendants(os.Getpid())
	}
	if !slices.Contains(below, sleeper.PID()) || len(below) < 2 {
		t.Fatalf("descendants %v must hold the shell %d and its child", below, sleeper.PID())
	}
	u, err := sleeper.Usage()
	if err != nil || u.PeakRSS <= 0 {
		t.Errorf("usage = %+v, %v: want a resident set", u, err)
	}
	if err := sleeper.Stop(5 * time.Second); err != nil {
		t.Errorf("stop: %v", err)
	}
	if !sleeper.Exited() {
		t.Error("the process must have exited")
	}
	// The whole process group went, grandchildren included.
	deadline = time.Now().Add(5 * time.Second)
	for len(Alive(below)) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if alive := Alive(below); len(alive) > 0 {
		t.Errorf("processes left behind: %v", alive)
	}
}

func TestKillEndsAProcessGroupAtOnce(t *testing.T) {
	p, err := start("trap", "/bin/sh", []string{"-c", "trap '' TERM; sleep 60"}, filepath.Join(t.TempDir(), "trap.log"))
	if err != nil {
		t.Fatal(err)
	}
	p.Kill()
	if !p.Exited() {
		t.Error("Kill must not return before the process is gone")
	}
}

package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machine is what the figures were measured on; they mean little without it.
type machine struct {
	Cores     int    `json:"cores"`
	MemoryMiB int64  `json:"memoryMiB"`
	CPU       string `json:"cpu"`
	Kernel    string `json:"kernel"`
	GoVersion string `json:"goVersion"`
}

func describeMachine() machine {
	m := machine{Cores: runtime.NumCPU(), GoVersion: runtime.Version()}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.MemoryMiB = procField(string(data), "MemTotal:") / 1024
	}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				m.CPU = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	return m
}

func (m machine) String() string {
	return fmt.Sprintf("%d cores (%s), %.1f GiB memory, Linux %s, %s", m.Cores, m.CPU, float64(m.MemoryMiB)/1024, m.Kernel, m.GoVersion)
}

// procUsage is a process's peak resident memory and CPU time.
type procUsage struct {
	PeakRSS int64         `json:"peakRSSBytes"`
	CPU     time.Duration `json:"cpuNanoseconds"`
}

// usageOf reads a process's peak RSS (VmHWM) and user+system CPU time from /proc.
func usageOf(pid int) (procUsage, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procUsage{}, err
	}
	u := procUsage{PeakRSS: procField(string(status), "VmHWM:") * 1024}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procUsage{}, err
	}
	// The fields after the command name (which may hold spaces) start after ") ".
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	if len(fields) > 12 {
		utime, _ := strconv.ParseInt(fields[11], 10, 64)
		stime, _ := strconv.ParseInt(fields[12], 10, 64)
		u.CPU = time.Duration(utime+stime) * time.Second / 100 // USER_HZ
	}
	return u, nil
}

// procField reads a "Key:   123 kB" line of a /proc file as the number.
func procField(data, key string) int64 {
	for _, line := range strings.Split(data, "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

func commandName(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

func mib(bytes int64) float64 { return float64(bytes) / (1 << 20) }

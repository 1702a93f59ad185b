package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Targets loadgen can measure.
const (
	TargetRTKBot = "rtkbot"
	TargetBolt   = "bolt"
)

// targetSpec says how to start one bot.
type targetSpec struct {
	Name string
	// Argv starts the bot; the child's own PID is what /proc is read for,
	// so it must be the bot itself (no shell or npm wrapper).
	Argv []string
}

// child is a running bot process.
type child struct {
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
	err     error // set when exited is closed
}

// startChild starts spec with env (KEY=VALUE) and its output in logDir.
func startChild(spec targetSpec, env []string, logDir string) (*child, error) {
	logPath := filepath.Join(logDir, spec.Name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create %s log: %w", spec.Name, err)
	}
	cmd := exec.Command(spec.Argv[0], spec.Argv[1:]...)
	cmd.Env = env
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	c := &child{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		logFile.Close()
		close(c.exited)
	}()
	return c, nil
}

// stop sends SIGTERM, as an orchestrator would, and kills the child if it
// has not exited within grace.
func (c *child) stop(grace time.Duration) error {
	select {
	case <-c.exited:
		return fmt.Errorf("exited early: %v (log: %s)", c.err, c.logPath)
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
		return nil
	case <-time.After(grace):
		_ = c.cmd.Process.Kill()
		<-c.exited
		return fmt.Errorf("did not exit within %v of SIGTERM; killed", grace)
	}
}

// procStats is what /proc says about the child.
type procStats struct {
	RSSKB     int64   // VmRSS
	PeakRSSKB int64   // VmHWM: the high-water mark since start
	CPUSec    float64 // utime + stime
}

// clockTicks is USER_HZ, which Linux fixes at 100 for /proc/<pid>/stat.
const clockTicks = 100

// readProcStats reads /proc/<pid>/status and /proc/<pid>/stat.
func readProcStats(pid int) (procStats, error) {
	var ps procStats
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ps, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmRSS":
			ps.RSSKB = n
		case "VmHWM":
			ps.PeakRSSKB = n
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ps, err
	}
	cpu, err := parseStatCPU(string(stat))
	ps.CPUSec = cpu
	return ps, err
}

// parseStatCPU returns utime+stime in seconds from a /proc/<pid>/stat
// line. The command name (field 2) may hold spaces and parentheses, so
// fields are counted from the last ')'.
func parseStatCPU(stat string) (float64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat: no ')'")
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, errors.New("malformed /proc stat: too few fields")
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("malformed /proc stat: %w", err)
	}
	return float64(u+s) / clockTicks, nil
}

// buildBot builds ./cmd/bot into dir and returns the binary's path.
func buildBot(ctx context.Context, dir string) (string, error) {
	out := filepath.Join(dir, "rtkbot")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/bot")
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/bot (run loadgen from the repository root, or pass -bot): %w", err)
	}
	return out, nil
}

// baseEnv is the part of loadgen's environment a child needs to run at
// all; nothing else (no tokens of the operator's) is passed on.
func baseEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "NODE_PATH"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

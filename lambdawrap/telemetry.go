package lambdawrap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/metrics"
)

// telemetry receives Lambda's platform events (a listener on
// sandbox.localdomain, where the Telemetry API delivers them) and writes
// the reports as EMF documents.
type telemetry struct {
	w       *wrapper
	srv     *http.Server
	every   int64
	n       atomic.Int64 // reports seen
	pending sync.WaitGroup

	mu       sync.Mutex
	awaiting map[string]bool // request ids that ended with no report yet
	arrived  *sync.Cond
}

// subscribe starts the listener and subscribes it to the platform events.
func (e *extension) subscribe(every int) (*telemetry, error) {
	l, err := net.Listen("tcp", "sandbox.localdomain:0")
	if err != nil {
		return nil, fmt.Errorf("lambdawrap: telemetry listener: %w", err)
	}
	tm := &telemetry{w: e.w, every: int64(every), awaiting: map[string]bool{}}
	tm.arrived = sync.NewCond(&tm.mu)
	tm.srv = &http.Server{Handler: http.HandlerFunc(tm.receive), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = tm.srv.Serve(l) }()
	port := l.Addr().(*net.TCPAddr).Port
	body, _ := json.Marshal(map[string]any{
		"schemaVersion": "2025-01-29",
		"types":         []string{"platform"},
		"buffering":     map[string]int{"maxItems": 1000, "maxBytes": 256 * 1024, "timeoutMs": 25},
		"destination":   map[string]string{"protocol": "HTTP", "URI": "http://sandbox.localdomain:" + strconv.Itoa(port)},
	})
	req, err := http.NewRequest(http.MethodPut, e.telemetryURL(), bytes.NewReader(body))
	if err != nil {
		_ = tm.srv.Close()
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Lambda-Extension-Identifier", e.id)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	resp, err := e.client.Do(req.WithContext(ctx))
	if err != nil {
		_ = tm.srv.Close()
		return nil, fmt.Errorf("lambdawrap: telemetry subscription: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK {
		_ = tm.srv.Close()
		return nil, fmt.Errorf("lambdawrap: telemetry subscription: %s %s", resp.Status, bytes.TrimSpace(msg))
	}
	return tm, nil
}

func (e *extension) telemetryURL() string {
	return e.base[:len(e.base)-len("2020-01-01/extension/")] + "2022-07-01/telemetry"
}

// platformEvent is one event of the Telemetry API.
type platformEvent struct {
	Time   time.Time       `json:"time"`
	Type   string          `json:"type"`
	Record json.RawMessage `json:"record"`
}

type platformRecord struct {
	RequestID string             `json:"requestId"`
	Status    string             `json:"status"`
	Metrics   map[string]float64 `json:"metrics"`
	Spans     []struct {
		Name       string  `json:"name"`
		DurationMS float64 `json:"durationMs"`
	} `json:"spans"`
}

func (tm *telemetry) receive(w http.ResponseWriter, r *http.Request) {
	tm.pending.Add(1)
	defer tm.pending.Done()
	var events []platformEvent
	if err := json.NewDecoder(io.LimitReader(r.Body, 8<<20)).Decode(&events); err != nil {
		http.Error(w, "bad events", http.StatusBadRequest)
		return
	}
	for _, ev := range events {
		switch ev.Type {
		case "platform.report":
			tm.report(ev, false)
		case "platform.initReport":
			tm.report(ev, true)
		}
	}
	w.WriteHeader(http.StatusOK)
}

// report writes one report's figures, when sampled.
func (tm *telemetry) report(ev platformEvent, init bool) {
	var rec platformRecord
	if json.Unmarshal(ev.Record, &rec) != nil {
		return
	}
	if !init {
		tm.mu.Lock()
		delete(tm.awaiting, rec.RequestID)
		tm.arrived.Broadcast()
		tm.mu.Unlock()
		if (tm.n.Add(1)-1)%tm.every != 0 {
			return
		}
	}
	doc := tm.w.lifecycleDocument(rec.RequestID)
	if !ev.Time.IsZero() {
		doc.SetTimestamp(ev.Time)
	}
	if rec.Status != "" {
		doc.SetProperty(names.PropReportStatus, rec.Status)
	}
	ms := func(name, key string) {
		if v, ok := rec.Metrics[key]; ok {
			doc.Add(name, v, metrics.Milliseconds)
		}
	}
	if init {
		ms(names.MetricReportInitDuration, "durationMs")
	} else {
		ms(names.MetricReportDuration, "durationMs")
		ms(names.MetricBilledDuration, "billedDurationMs")
		ms(names.MetricReportInitDuration, "initDurationMs")
		ms(names.MetricRestoreDuration, "restoreDurationMs")
		if v, ok := rec.Metrics["maxMemoryUsedMB"]; ok {
			doc.Add(names.MetricMaxMemoryUsed, v, metrics.Megabytes)
		}
		for _, s := range rec.Spans {
			switch s.Name {
			case "responseLatency":
				doc.Add(names.MetricResponseLatency, s.DurationMS, metrics.Milliseconds)
			case "responseDuration":
				doc.Add(names.MetricResponseDuration, s.DurationMS, metrics.Milliseconds)
			}
		}
	}
	if dropped, err := doc.CloseReport(); dropped != nil || err != nil {
		tm.w.self.LogAttrs(context.Background(), slog.LevelWarn, names.MsgMetricsDropped, slog.Any(names.KeyError, errors.Join(dropped, err)))
	}
}

// ended notes that invocation id ended: its report is still to come.
func (tm *telemetry) ended(id string) {
	if tm == nil || id == "" {
		return
	}
	tm.mu.Lock()
	if len(tm.awaiting) < 1024 {
		tm.awaiting[id] = true
	}
	tm.mu.Unlock()
}

// drain waits, at most limit, for the reports of the invocations that
// ended to arrive and be written: the last ones before a shutdown.
func (tm *telemetry) drain(limit time.Duration) {
	if tm == nil {
		return
	}
	done := make(chan struct{})
	go func() {
		tm.mu.Lock()
		for len(tm.awaiting) > 0 {
			tm.arrived.Wait()
		}
		tm.mu.Unlock()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(limit):
		tm.mu.Lock()
		tm.awaiting = map[string]bool{} // the waiter gives up
		tm.arrived.Broadcast()
		tm.mu.Unlock()
	}
	tm.pending.Wait()
}

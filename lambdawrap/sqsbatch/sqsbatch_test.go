package sqsbatch_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/lambdawrap/sqsbatch"
	"github.com/lambdaobs/lambdaobs/tracing"
)

var wrapOpts = []lambdawrap.Option{lambdawrap.WithService("orders"), lambdawrap.WithNamespace("Shop")}

func load[E any](t testing.TB, file string) E {
	t.Helper()
	b, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var e E
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func ids(f []events.SQSBatchItemFailure) []string {
	out := make([]string, 0, len(f))
	for _, x := range f {
		out = append(out, x.ItemIdentifier)
	}
	return out
}

func linesWith(logs []map[string]any, msg string) []map[string]any {
	var out []map[string]any
	for _, l := range logs {
		if l["message"] == msg {
			out = append(out, l)
		}
	}
	return out
}

// TestBatchOfTen: 3 records fail, 1 panics; exactly those 4 are reported.
func TestBatchOfTen(t *testing.T) {
	e := load[events.SQSEvent](t, "sqs-event.json")
	failing := map[int]string{1: "fail", 4: "fail", 8: "fail", 6: "panic"}
	for i, what := range failing {
		e.Records[i].Body = fmt.Sprintf(`{"order_id":"ord-%d","action":%q}`, i, what)
	}
	var calls atomic.Int32
	process := func(ctx context.Context, m events.SQSMessage) error {
		calls.Add(1)
		slog.InfoContext(ctx, "processing order")
		switch {
		case strings.Contains(m.Body, `"fail"`):
			return fmt.Errorf("charge %s: card declined", m.MessageId)
		case strings.Contains(m.Body, `"panic"`):
			var p *events.SQSMessage
			_ = p.Body // nil dereference
		}
		return nil
	}
	f := lambdaobstest.New(t, sqsbatch.SQS(process), wrapOpts...)
	r := f.Invoke(e, lambdaobstest.Request{})
	if r.Err != nil || r.Panic != nil {
		t.Fatalf("err %v panic %v", r.Err, r.Panic)
	}
	var want []string
	for i, m := range e.Records {
		if failing[i] != "" {
			want = append(want, m.MessageId)
		}
	}
	if got := ids(r.Output.BatchItemFailures); !slices.Equal(got, want) {
		t.Errorf("failures %v, want %v", got, want)
	}
	if calls.Load() != 10 {
		t.Errorf("%d calls", calls.Load())
	}

	// Logs: each line of a record carries its message id.
	byID := map[string]int{}
	for _, l := range linesWith(r.Logs, "processing order") {
		byID[fmt.Sprint(l[names.KeyMessageID])]++
	}
	for _, m := range e.Records {
		if byID[m.MessageId] != 1 {
			t.Errorf("message %s has %d handler lines", m.MessageId, byID[m.MessageId])
		}
	}
	failedLines := linesWith(r.Logs, names.MsgRecordFailed)
	if len(failedLines) != 3 {
		t.Errorf("%d failure lines", len(failedLines))
	}
	for _, l := range failedLines {
		if l["level"] != "ERROR" || !strings.Contains(fmt.Sprint(l[names.KeyError]), "card declined") ||
			!strings.Contains(fmt.Sprint(l[names.KeyError]), fmt.Sprint(l[names.KeyMessageID])) {
			t.Errorf("failure line %v", l)
		}
	}
	panics := linesWith(r.Logs, names.MsgRecordPanicked)
	if len(panics) != 1 || panics[0][names.KeyMessageID] != e.Records[6].MessageId ||
		!strings.Contains(fmt.Sprint(panics[0][names.KeyStackTrace]), "TestBatchOfTen") {
		t.Errorf("panic lines %v", panics)
	}
	summary := linesWith(r.Logs, names.MsgBatchFailed)
	if len(summary) != 1 || summary[0][names.KeyFailedRecords] != 4.0 || summary[0][names.KeyRecords] != 10.0 {
		t.Errorf("summary %v", summary)
	}
	if len(linesWith(r.Logs, names.MsgInvocationFailed))+len(linesWith(r.Logs, names.MsgInvocationPanicked)) != 0 {
		t.Errorf("the wrapper saw a failure: %v", r.Logs)
	}

	// Metrics.
	if got := lambdaobstest.MetricValues(r.Metrics, names.MetricRecordsProcessed); !slices.Equal(got, []float64{6}) {
		t.Errorf("RecordsProcessed %v", got)
	}
	if got := lambdaobstest.MetricValues(r.Metrics, names.MetricRecordsFailed); !slices.Equal(got, []float64{4}) {
		t.Errorf("RecordsFailed %v", got)
	}

	// Spans: one per record, continuing its producer's trace.
	var inv *lambdaobstest.SpanData
	spans := map[string]*lambdaobstest.SpanData{}
	for _, s := range r.Spans {
		if s.Invocation != nil {
			inv = s
			continue
		}
		spans[fmt.Sprint(s.Attributes[names.AttrMessagingMessageID])] = s
	}
	if inv == nil || inv.Attributes[names.AttrMessagingBatchMessageCount] != int64(10) {
		t.Errorf("invocation span %+v", inv)
	}
	if len(spans) != 10 {
		t.Fatalf("%d record spans", len(spans))
	}
	for i, m := range e.Records {
		s := spans[m.MessageId]
		h, _ := tracing.ParseHeader(m.Attributes["AWSTraceHeader"])
		if s.TraceID != h.Root || s.ParentID != h.Parent {
			t.Errorf("record %d span in trace %s under %s, want %s under %s", i, s.TraceID, s.ParentID, h.Root, h.Parent)
		}
		if s.Kind != tracing.KindConsumer || s.Name != "process orders" || s.Attributes[names.AttrMessagingSystem] != "aws_sqs" ||
			s.Attributes[names.AttrMessagingDestinationName] != "orders" || s.Attributes[names.AttrMessagingOperationType] != "process" {
			t.Errorf("record %d span %+v", i, s)
		}
		wantStatus := tracing.Unset
		if failing[i] != "" {
			wantStatus = tracing.Error
		}
		if s.Status != wantStatus || (wantStatus == tracing.Error && len(s.Errors) == 0) {
			t.Errorf("record %d span status %v errors %v", i, s.Status, s.Errors)
		}
	}
}

func TestAllSucceed(t *testing.T) {
	f := lambdaobstest.New(t, sqsbatch.SQS(func(context.Context, events.SQSMessage) error { return nil }), wrapOpts...)
	r := f.Invoke(load[events.SQSEvent](t, "sqs-event.json"), lambdaobstest.Request{})
	b, _ := json.Marshal(r.Output)
	if string(b) != `{"batchItemFailures":[]}` {
		t.Errorf("response %s", b)
	}
	if len(linesWith(r.Logs, names.MsgBatchFailed)) != 0 {
		t.Errorf("logs %v", r.Logs)
	}
	if got := lambdaobstest.MetricValues(r.Metrics, names.MetricRecordsFailed); !slices.Equal(got, []float64{0}) {
		t.Errorf("RecordsFailed %v", got)
	}
}

// TestFIFO: a FIFO batch stops at the first failure and reports it and
// every later record; records are processed one at a time, in order.
func TestFIFO(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fail  int // index of the failing record; -1 none
		panic bool
	}{
		{"error at 2", 2, false},
		{"panic at 0", 0, true},
		{"last fails", 4, false},
		{"none fails", -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := load[events.SQSEvent](t, "sqs-fifo-event.json")
			var mu sync.Mutex
			var seen []string
			var inFlight, maxInFlight atomic.Int32
			process := func(ctx context.Context, m events.SQSMessage) error {
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				if n > maxInFlight.Load() {
					maxInFlight.Store(n)
				}
				time.Sleep(time.Millisecond)
				mu.Lock()
				seen = append(seen, m.MessageId)
				mu.Unlock()
				if tc.fail >= 0 && m.MessageId == e.Records[tc.fail].MessageId {
					if tc.panic {
						panic("poison message")
					}
					return errors.New("cannot ship")
				}
				return nil
			}
			f := lambdaobstest.New(t, sqsbatch.SQS(process, sqsbatch.WithConcurrency(8)), wrapOpts...)
			r := f.Invoke(e, lambdaobstest.Request{})
			var want, wantSeen []string
			for i, m := range e.Records {
				if tc.fail >= 0 && i >= tc.fail {
					want = append(want, m.MessageId)
				}
				if tc.fail < 0 || i <= tc.fail {
					wantSeen = append(wantSeen, m.MessageId)
				}
			}
			if got := ids(r.Output.BatchItemFailures); !slices.Equal(got, want) {
				t.Errorf("failures %v, want %v", got, want)
			}
			if !slices.Equal(seen, wantSeen) {
				t.Errorf("processed %v, want %v", seen, wantSeen)
			}
			if maxInFlight.Load() != 1 {
				t.Errorf("%d records at once", maxInFlight.Load())
			}
			if tc.fail >= 0 && tc.fail < 4 {
				sk := linesWith(r.Logs, names.MsgRecordsSkipped)
				if len(sk) != 1 || sk[0][names.KeySkippedRecords] != float64(4-tc.fail) || sk[0][names.KeyFirstSkipped] != e.Records[tc.fail+1].MessageId {
					t.Errorf("skipped line %v", sk)
				}
			}
			if got := lambdaobstest.MetricValues(r.Metrics, names.MetricRecordsFailed); len(got) != 1 || got[0] != float64(len(want)) {
				t.Errorf("RecordsFailed %v", got)
			}
		})
	}
}

// TestOrderedOption makes a standard queue's batch behave as FIFO.
func TestOrderedOption(t *testing.T) {
	e := load[events.SQSEvent](t, "sqs-event.json")
	process := func(_ context.Context, m events.SQSMessage) error {
		if m.MessageId == e.Records[7].MessageId {
			return errors.New("no")
		}
		return nil
	}
	f := lambdaobstest.New(t, sqsbatch.SQS(process, sqsbatch.WithOrdered()), wrapOpts...)
	r := f.Invoke(e, lambdaobstest.Request{})
	if got := ids(r.Output.BatchItemFailures); !slices.Equal(got, []string{e.Records[7].MessageId, e.Records[8].MessageId, e.Records[9].MessageId}) {
		t.Errorf("failures %v", got)
	}
}

func TestConcurrencyBound(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var inFlight, maxInFlight atomic.Int32
			var mu sync.Mutex
			process := func(context.Context, events.SQSMessage) error {
				c := inFlight.Add(1)
				mu.Lock()
				if c > maxInFlight.Load() {
					maxInFlight.Store(c)
				}
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
				inFlight.Add(-1)
				return nil
			}
			f := lambdaobstest.New(t, sqsbatch.SQS(process, sqsbatch.WithConcurrency(n)), wrapOpts...)
			f.Invoke(load[events.SQSEvent](t, "sqs-event.json"), lambdaobstest.Request{})
			if got := maxInFlight.Load(); got != int32(n) {
				t.Errorf("%d at once, want %d", got, n)
			}
		})
	}
}

// TestContextEnds: records not started when the context ends are
// reported failed.
func TestContextEnds(t *testing.T) {
	e := load[events.SQSEvent](t, "sqs-event.json")
	ctx, cancel := context.WithCancel(context.Background())
	process := func(_ context.Context, m events.SQSMessage) error {
		if m.MessageId == e.Records[2].MessageId {
			cancel()
		}
		return nil
	}
	f := lambdaobstest.New(t, sqsbatch.SQS(process, sqsbatch.WithConcurrency(1)), wrapOpts...)
	r := f.Invoke(e, lambdaobstest.Request{Context: ctx})
	var want []string
	for _, m := range e.Records[3:] {
		want = append(want, m.MessageId)
	}
	if got := ids(r.Output.BatchItemFailures); !slices.Equal(got, want) {
		t.Errorf("failures %v, want %v", got, want)
	}
	if sk := linesWith(r.Logs, names.MsgRecordsSkipped); len(sk) != 1 || sk[0]["context_done"] != true {
		t.Errorf("logs %v", r.Logs)
	}
}

// TestDeadlineMargin: no record starts in the last part of the time left
// (5 % of it, at least 100 ms), so that the response listing the records
// not started reaches Lambda before its deadline.
func TestDeadlineMargin(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []sqsbatch.Option
	}{
		{"concurrent", []sqsbatch.Option{sqsbatch.WithConcurrency(1)}},
		{"ordered", []sqsbatch.Option{sqsbatch.WithOrdered()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := load[events.SQSEvent](t, "sqs-event.json")
			var mu sync.Mutex
			started := map[string]time.Time{}
			var deadline time.Time
			process := func(ctx context.Context, m events.SQSMessage) error {
				mu.Lock()
				started[m.MessageId] = time.Now()
				deadline, _ = ctx.Deadline()
				mu.Unlock()
				time.Sleep(240 * time.Millisecond)
				return nil
			}
			f := lambdaobstest.New(t, sqsbatch.SQS(process, tc.opts...), wrapOpts...)
			r := f.Invoke(e, lambdaobstest.Request{Timeout: time.Second})
			var want []string
			for _, m := range e.Records {
				at, ok := started[m.MessageId]
				if !ok {
					want = append(want, m.MessageId)
				} else if left := deadline.Sub(at); left < 50*time.Millisecond {
					t.Errorf("%s started %v before the deadline", m.MessageId, left)
				}
			}
			if len(want) == 0 {
				t.Fatalf("every record started")
			}
			if got := ids(r.Output.BatchItemFailures); !slices.Equal(got, want) {
				t.Errorf("failures %v, want the records not started %v", got, want)
			}
			if sk := linesWith(r.Logs, names.MsgRecordsSkipped); len(sk) != 1 || sk[0]["context_done"] != true {
				t.Errorf("logs %v", r.Logs)
			}
		})
	}
}

// TestTraceHeaderMissing: without a valid AWSTraceHeader, the record span
// is a child of the invocation span.
func TestTraceHeaderMissing(t *testing.T) {
	e := load[events.SQSEvent](t, "sqs-event.json")
	e.Records = e.Records[:3]
	delete(e.Records[0].Attributes, "AWSTraceHeader")
	e.Records[1].Attributes["AWSTraceHeader"] = "Root=garbage;Parent=xyz"
	f := lambdaobstest.New(t, sqsbatch.SQS(func(context.Context, events.SQSMessage) error { return nil }), wrapOpts...)
	r := f.Invoke(e, lambdaobstest.Request{TraceHeader: "Root=1-6745a0ff-000000000000000000000001;Parent=1111111111111111;Sampled=1"})
	var inv *lambdaobstest.SpanData
	for _, s := range r.Spans {
		if s.Invocation != nil {
			inv = s
		}
	}
	for _, s := range r.Spans {
		if s.Invocation != nil {
			continue
		}
		id := s.Attributes[names.AttrMessagingMessageID]
		switch id {
		case e.Records[0].MessageId, e.Records[1].MessageId:
			if s.TraceID != inv.TraceID || s.ParentID != inv.ID {
				t.Errorf("record %v: trace %s parent %s; invocation %s %s", id, s.TraceID, s.ParentID, inv.TraceID, inv.ID)
			}
		case e.Records[2].MessageId:
			if s.TraceID == inv.TraceID {
				t.Errorf("record 2 did not continue its producer's trace")
			}
		}
	}
}

type orderPlaced struct {
	OrderID  string  `json:"order_id"`
	Customer string  `json:"customer"`
	Total    float64 `json:"total"`
}

func TestJSON(t *testing.T) {
	e := load[events.SQSEvent](t, "sqs-event.json")
	e.Records = e.Records[:4]
	e.Records[1].Body = `{"order_id": "ord-1", "total": `        // truncated
	e.Records[2].Body = `{"order_id": "ord-2", "total": "12.5"}` // wrong type
	var mu sync.Mutex
	got := map[string]orderPlaced{}
	process := func(ctx context.Context, o orderPlaced) error {
		m, ok := sqsbatch.MessageFromContext(ctx)
		if !ok {
			return errors.New("no message in context")
		}
		mu.Lock()
		got[m.MessageId] = o
		mu.Unlock()
		return nil
	}
	f := lambdaobstest.New(t, sqsbatch.JSON(process), wrapOpts...)
	r := f.Invoke(e, lambdaobstest.Request{})
	if ids := ids(r.Output.BatchItemFailures); !slices.Equal(ids, []string{e.Records[1].MessageId, e.Records[2].MessageId}) {
		t.Errorf("failures %v", ids)
	}
	if len(got) != 2 || got[e.Records[0].MessageId].OrderID != "ord-1000" || got[e.Records[3].MessageId].Total != 20.25 {
		t.Errorf("decoded %v", got)
	}
	bad := linesWith(r.Logs, names.MsgRecordUndecodable)
	if len(bad) != 2 {
		t.Fatalf("undecodable lines %v", r.Logs)
	}
	for _, l := range bad {
		if l["level"] != "ERROR" || l[names.KeyMessageID] == nil || l[names.KeyError] == nil {
			t.Errorf("line %v", l)
		}
	}
	if _, ok := sqsbatch.MessageFromContext(context.Background()); ok {
		t.Error("a message outside a batch")
	}
}

func TestKinesis(t *testing.T) {
	e := load[events.KinesisEvent](t, "kinesis-event.json")
	var seen []string
	process := func(ctx context.Context, r events.KinesisEventRecord) error {
		seen = append(seen, r.EventID)
		slog.InfoContext(ctx, "shipping")
		if strings.Contains(string(r.Kinesis.Data), `"fail"`) {
			return errors.New("carrier down")
		}
		return nil
	}
	f := lambdaobstest.New(t, sqsbatch.Kinesis(process, sqsbatch.WithConcurrency(5)), wrapOpts...)
	r := f.Invoke(e, lambdaobstest.Request{})
	var got []string
	for _, x := range r.Output.BatchItemFailures {
		got = append(got, x.ItemIdentifier)
	}
	want := []string{e.Records[1].Kinesis.SequenceNumber, e.Records[2].Kinesis.SequenceNumber}
	if !slices.Equal(got, want) || len(seen) != 2 {
		t.Errorf("failures %v, want %v; processed %v", got, want, seen)
	}
	for _, l := range linesWith(r.Logs, "shipping") {
		if !strings.HasPrefix(fmt.Sprint(l[names.KeyEventID]), "shardId-") {
			t.Errorf("line %v", l)
		}
	}
	for _, s := range r.Spans {
		if s.Invocation == nil && (s.Name != "process order-events" || s.Attributes[names.AttrMessagingSystem] != "aws_kinesis") {
			t.Errorf("span %s %v", s.Name, s.Attributes)
		}
	}
}

func TestDynamoDB(t *testing.T) {
	e := load[events.DynamoDBEvent](t, "dynamodb-event.json")
	process := func(_ context.Context, r events.DynamoDBEventRecord) error {
		if r.Change.NewImage["status"].String() == "fail" {
			return errors.New("projection failed")
		}
		return nil
	}
	f := lambdaobstest.New(t, sqsbatch.DynamoDB(process), wrapOpts...)
	r := f.Invoke(e, lambdaobstest.Request{})
	var got []string
	for _, x := range r.Output.BatchItemFailures {
		got = append(got, x.ItemIdentifier)
	}
	want := []string{e.Records[1].Change.SequenceNumber, e.Records[2].Change.SequenceNumber}
	if !slices.Equal(got, want) {
		t.Errorf("failures %v, want %v", got, want)
	}
	for _, s := range r.Spans {
		if s.Invocation == nil && s.Name != "process Orders" {
			t.Errorf("span %s", s.Name)
		}
	}
}

func TestEmptyBatch(t *testing.T) {
	h := sqsbatch.SQS(func(context.Context, events.SQSMessage) error { return nil })
	resp, err := h(context.Background(), events.SQSEvent{})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Errorf("%v %v", resp, err)
	}
}

// TestConcurrentSafe: concurrent invocations of one handler, each with a
// concurrent batch, keep their failures apart.
func TestConcurrentSafe(t *testing.T) {
	process := func(_ context.Context, m events.SQSMessage) error {
		if strings.HasSuffix(m.MessageId, "-fail") {
			return errors.New("fail")
		}
		return nil
	}
	h := sqsbatch.SQS(process, sqsbatch.WithLogger(slog.New(slog.DiscardHandler)))
	var wg sync.WaitGroup
	for inv := range 16 {
		wg.Go(func() {
			var e events.SQSEvent
			var want []string
			for i := range 20 {
				id := fmt.Sprintf("inv%d-msg%d", inv, i)
				if (i+inv)%3 == 0 {
					id += "-fail"
					want = append(want, id)
				}
				e.Records = append(e.Records, events.SQSMessage{MessageId: id, EventSourceARN: "arn:aws:sqs:us-east-1:123456789012:q"})
			}
			resp, _ := h(context.Background(), e)
			if got := ids(resp.BatchItemFailures); !slices.Equal(got, want) {
				t.Errorf("invocation %d: %v, want %v", inv, got, want)
			}
		})
	}
	wg.Wait()
}

type recordErr struct{ id string }

func (e *recordErr) Error() string { return "record " + e.id + " failed" }

type explodingErr struct{}

func (explodingErr) Error() string { panic("Error exploded") }

// TestErrorsThatPanicFailTheirRecordOnly: a record handler returning a nil
// *T as its error, or an error whose Error method panics, on a worker
// goroutine, fails that record; the batch answers with it.
func TestErrorsThatPanicFailTheirRecordOnly(t *testing.T) {
	ev := load[events.SQSEvent](t, "sqs-event.json")
	process := func(_ context.Context, m events.SQSMessage) error {
		switch m.MessageId {
		case ev.Records[0].MessageId:
			var e *recordErr
			return e
		case ev.Records[1].MessageId:
			return explodingErr{}
		}
		return nil
	}
	f := lambdaobstest.New(t, sqsbatch.SQS(process, sqsbatch.WithConcurrency(4)), append(wrapOpts, lambdawrap.WithTracer(lambdaobstest.NewTracer()))...)
	r := f.Invoke(ev, lambdaobstest.Request{})
	if r.Panic != nil || r.Err != nil {
		t.Fatalf("panic %v err %v", r.Panic, r.Err)
	}
	if got := ids(r.Output.BatchItemFailures); !slices.Equal(got, []string{ev.Records[0].MessageId, ev.Records[1].MessageId}) {
		t.Errorf("failures %v", got)
	}
	lines := linesWith(r.Logs, names.MsgRecordFailed)
	if len(lines) != 2 || !strings.Contains(fmt.Sprint(lines), "Error method panicked") {
		t.Errorf("failure lines %v", lines)
	}
}

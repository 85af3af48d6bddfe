package lambdawrap_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lambdaobs/lambdaobs/internal/names"
	"github.com/lambdaobs/lambdaobs/lambdaobstest"
	"github.com/lambdaobs/lambdaobs/lambdawrap"
	"github.com/lambdaobs/lambdaobs/lambdawrap/httpapi"
)

const (
	secretAWSKey   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	secretSession  = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENxyz"
	secretBearer   = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig"
	secretPassword = "correct-horse-battery"
	secretCookie   = "sid-8f14e45fceea167a"
)

func secretEvent() events.APIGatewayProxyRequest {
	return events.APIGatewayProxyRequest{
		HTTPMethod: "POST",
		Path:       "/login",
		Headers: map[string]string{
			"Authorization": "Bearer " + secretBearer,
			"Cookie":        "session=" + secretCookie + "; theme=dark",
			"Content-Type":  "application/json",
		},
		MultiValueHeaders: map[string][]string{"Authorization": {"Bearer " + secretBearer}},
		Body:              `{"user":"ann","password":"` + secretPassword + `"}`,
	}
}

func secretEnv(logEvent string) map[string]string {
	return map[string]string{
		"AWS_ACCESS_KEY_ID":           "ASIAEXAMPLEKEYID",
		"AWS_SECRET_ACCESS_KEY":       secretAWSKey,
		"AWS_SESSION_TOKEN":           secretSession,
		"POWERTOOLS_LOGGER_LOG_EVENT": logEvent,
	}
}

// TestSecretsNeverLogged logs the event, then errors that quote every secret
// it carried and the function's credentials: none of them is written.
func TestSecretsNeverLogged(t *testing.T) {
	h := func(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		var body struct{ User, Password string }
		_ = json.Unmarshal([]byte(e.Body), &body)
		slog.WarnContext(ctx, "checking credentials", "detail", fmt.Sprintf("header %s, cookie %s", e.Headers["Authorization"], e.Headers["Cookie"]))
		slog.InfoContext(ctx, "signing with "+secretAWSKey+" and "+secretSession)
		return events.APIGatewayProxyResponse{StatusCode: 401}, fmt.Errorf("login of %s with password %q and token %s failed", body.User, body.Password, secretBearer)
	}
	f := lambdaobstest.New(t, h, lambdaobstest.WithEnv(secretEnv("true")))
	r := f.Invoke(secretEvent(), lambdaobstest.Request{})
	if r.Err == nil {
		t.Fatal("the handler's error was lost")
	}
	for _, s := range []string{secretAWSKey, secretSession, secretBearer, secretPassword, secretCookie} {
		if strings.Contains(r.Raw, s) {
			t.Errorf("secret %q in the output:\n%s", s, r.Raw)
		}
	}
	if logWith(r.Logs, names.MsgEvent) == nil {
		t.Fatalf("POWERTOOLS_LOGGER_LOG_EVENT=true did not log the event:\n%s", r.Raw)
	}
	if !strings.Contains(r.Raw, `\"user\":\"ann\"`) || !strings.Contains(r.Raw, `"Content-Type":"application/json"`) {
		t.Errorf("redaction removed more than the secrets:\n%s", r.Raw)
	}
}

func TestEventNotLoggedByDefault(t *testing.T) {
	h := func(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	}
	for _, v := range []string{"", "false"} {
		f := lambdaobstest.New(t, h, lambdaobstest.WithEnv(secretEnv(v)))
		r := f.Invoke(secretEvent(), lambdaobstest.Request{})
		if logWith(r.Logs, names.MsgEvent) != nil || strings.Contains(r.Raw, "/login") {
			t.Errorf("POWERTOOLS_LOGGER_LOG_EVENT=%q logged the event:\n%s", v, r.Raw)
		}
	}
}

// TestWithLogEventLogsTheEventRedacted: WithLogEvent asks for the event
// when the environment does not, and it is redacted as with the variable.
func TestWithLogEventLogsTheEventRedacted(t *testing.T) {
	h := func(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	}
	f := lambdaobstest.New(t, h, lambdaobstest.WithEnv(secretEnv("")), lambdawrap.WithLogEvent())
	r := f.Invoke(secretEvent(), lambdaobstest.Request{})
	if logWith(r.Logs, names.MsgEvent) == nil || !strings.Contains(r.Raw, "/login") {
		t.Fatalf("WithLogEvent did not log the event:\n%s", r.Raw)
	}
	for _, s := range []string{secretBearer, secretPassword, secretCookie} {
		if strings.Contains(r.Raw, s) {
			t.Errorf("secret %q in the output:\n%s", s, r.Raw)
		}
	}
}

// TestSecretsNeverLoggedThroughHTTPAPI does the same through the HTTP
// adapter, whose 500 logs the real error (and so every secret it quotes).
func TestSecretsNeverLoggedThroughHTTPAPI(t *testing.T) {
	type login struct {
		User     string `json:"user"`
		Password string `json:"password"`
	}
	h := httpapi.REST(func(ctx context.Context, in login) (struct{}, error) {
		req, _ := httpapi.RequestFromContext(ctx)
		slog.InfoContext(ctx, "login attempt", "authorization", req.Header("Authorization"), "note", "cookie was "+req.Header("Cookie"))
		return struct{}{}, fmt.Errorf("backend refused %s/%s with %s and key %s", in.User, in.Password, req.Header("Authorization"), secretAWSKey)
	})
	f := lambdaobstest.New(t, h, lambdaobstest.WithEnv(secretEnv("true")))
	r := f.Invoke(secretEvent(), lambdaobstest.Request{})
	if r.Output.StatusCode != 500 || strings.Contains(r.Output.Body, "backend refused") {
		t.Fatalf("response %d %s", r.Output.StatusCode, r.Output.Body)
	}
	for _, s := range []string{secretAWSKey, secretSession, secretBearer, secretPassword, secretCookie} {
		if strings.Contains(r.Raw, s) {
			t.Errorf("secret %q in the output:\n%s", s, r.Raw)
		}
	}
	if !strings.Contains(r.Raw, "backend refused ann/") {
		t.Errorf("the error line is missing:\n%s", r.Raw)
	}
}

package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Principal is the caller a bearer token stands for.
type Principal struct {
	User   string
	Scopes []string
}

// can reports whether p holds scope.
func (p Principal) can(scope string) bool { return slices.Contains(p.Scopes, scope) }

// claims are what a token says of its holder.
type claims struct {
	Sub   string `json:"sub"`
	Scope string `json:"scope"` // space-separated, as in OAuth 2.0
}

// Tokens are "<claims>.<signature>": the claims' JSON and its HMAC-SHA256
// under the signing key, both base64url without padding. A real function
// verifies the JWTs of its identity provider (signature, issuer, audience,
// expiry) instead.
var (
	errMalformedToken = errors.New("token is not <claims>.<signature>")
	errBadSignature   = errors.New("token signature does not match")
	errBadClaims      = errors.New("token claims are not a JSON object with a subject")
)

func mac(key []byte, payload string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// signToken returns a token for user with the space-separated scopes,
// signed with key.
func signToken(key []byte, user, scopes string) string {
	b, _ := json.Marshal(claims{Sub: user, Scope: scopes})
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + base64.RawURLEncoding.EncodeToString(mac(key, payload))
}

// parseToken returns the principal of a token signed with key.
func parseToken(key []byte, token string) (Principal, error) {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || payload == "" || sig == "" {
		return Principal{}, errMalformedToken
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac(key, payload)) {
		return Principal{}, errBadSignature
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return Principal{}, errBadClaims
	}
	var c claims
	if err := json.Unmarshal(raw, &c); err != nil || c.Sub == "" {
		return Principal{}, errBadClaims
	}
	return Principal{User: c.Sub, Scopes: strings.Fields(c.Scope)}, nil
}

// printToken is `apigw token USER [SCOPES]`: it prints a token signed with
// the key in SIGNING_KEY, for calling the deployed function, and returns
// the exit code.
func printToken(stdout, stderr io.Writer, args []string, lookup func(string) (string, bool)) int {
	key, _ := lookup("SIGNING_KEY")
	if len(args) < 1 || len(args) > 2 || args[0] == "" || key == "" {
		fmt.Fprintln(stderr, `usage: SIGNING_KEY=<signing_key of the secret> apigw token USER ["SCOPE ..."]`)
		return 2
	}
	scopes := "orders:read orders:write"
	if len(args) == 2 {
		scopes = args[1]
	}
	fmt.Fprintln(stdout, signToken([]byte(key), args[0], scopes))
	return 0
}

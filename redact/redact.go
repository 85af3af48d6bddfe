// Package redact names what lambdaobs never writes. Every output of the
// toolkit (log lines, EMF documents, span attributes, events, status and
// exception texts, error responses) goes through one redaction component
// with two rules:
//
//   - by key: the value of a member whose key names a secret (see
//     DefaultKeys) is written as Redacted, at any depth, also inside JSON,
//     form and query strings and base64 bodies held in string values;
//   - by value: a secret value is replaced by Redacted wherever it appears:
//     the function's AWS credentials, values registered with AddSecrets,
//     secrets fetched by the params package, and every value redacted by
//     key earlier in the same invocation.
//
// Values are replaced while a string is encoded, so a replacement never
// breaks a line or pushes it past its size limit.
package redact

import "github.com/lambdaobs/lambdaobs/internal/redact"

// Redacted is written in place of a secret.
const Redacted = redact.Redacted

// MinSecretLen is the shortest value AddSecrets keeps: shorter ones would
// replace ordinary words and numbers everywhere.
const MinSecretLen = redact.MinSecretLen

// AddSecrets registers values that no output of the process may contain,
// from now on: a database password read at start-up, a signing key. Of a
// value, only the parts that are credentials on their own are registered
// too, so that they are redacted when written alone: the token of
// "Bearer <token>" and "Basic <credentials>", the values of a cookie header
// ("a=1; b=2"), and the value of each name=value pair whose name is one of
// DefaultKeys (the password of "host=db.internal;password=…", the
// client_secret of a form). The rest (the host, a user name, other words)
// stays readable wherever it appears alone.
func AddSecrets(values ...string) { redact.AddSecrets(values...) }

// DefaultKeys returns the words that make a key secret by default. A key is
// secret when one of them, or its plural, appears in it as a whole word:
// keys are compared case-insensitively, with '-', '.', ' ', '[' and ']' and
// camelCase boundaries read as word breaks, so "X-Api-Key", "access_tokens"
// and "dbPassword" all match, "secretary" and "author" do not.
// logger.WithRedactKeys replaces them.
func DefaultKeys() []string { return redact.DefaultWords() }

// Package redact is the one redaction component of lambdaobs: the log
// handler, the EMF encoder, the tracing backends and the exporters all ask
// it what may not be written. Two rules:
//
//   - by key: the value of a member whose key names a secret (password,
//     token, authorization, …, see DefaultWords) is written as Redacted, at
//     any depth, also inside JSON, form and query strings and base64 bodies
//     held in string values;
//   - by value: a value known to be secret (the function's AWS credentials,
//     values registered with AddSecrets, values redacted by key earlier in
//     the same invocation) is replaced by Redacted wherever it appears,
//     while a string is encoded, so the replacement can never break the
//     encoding or push an output past its size limit.
package redact

import (
	"strings"

	"github.com/lambdaobs/lambdaobs/internal/names"
)

// Redacted is written in place of a secret.
const Redacted = "[REDACTED]"

// DefaultWords are the words that make a key secret. A key is secret when
// one of them (or its plural) appears in it as a whole word: keys are
// compared case-insensitively, with '-', '.', ' ' and camelCase boundaries
// read as '_', so "X-Api-Key", "access_tokens" and "dbPassword" all match,
// "secretary" and "author" do not.
func DefaultWords() []string {
	return []string{"authorization", "password", "passwd", "secret", "token", "api_key", "apikey",
		"cookie", "set_cookie", "credential", "private_key", "session_key", "signature"}
}

// Keys matches keys against the secret words.
type Keys struct {
	words   []string
	byFirst [256][]string // words by the bytes that read as their first
	first   [4]uint64     // bit c: byFirst[c] holds a word
	minLen  int           // the shortest key a word can match
	// minBase64 is the length of the shortest base64 body that can hold a
	// secret: a key minLen long, '=' and one byte of value, or what the
	// rules that need no key find in 7 bytes ("://:p@h", a known secret in
	// JSON's "[123456]"): 8 bytes for words of up to 4 letters, 12 above.
	minBase64 int
	// ownSafe: no word matches a name of ownNames, so Match may answer for
	// them without reading them.
	ownSafe bool
}

var defaultKeys = NewKeys(DefaultWords())

// DefaultKeys returns the matcher of DefaultWords.
func DefaultKeys() *Keys { return defaultKeys }

// NewKeys returns a matcher of words, normalised (lower case, '-', '.'
// and ' ' read as '_'). No words: nothing matches.
func NewKeys(words []string) *Keys {
	k := &Keys{}
	for _, w := range words {
		n := make([]byte, 0, len(w))
		for i := 0; i < len(w); i++ {
			n = append(n, normByte(w[i]))
		}
		if len(n) == 0 {
			continue
		}
		w := string(n)
		k.words = append(k.words, w)
		// A camelCase boundary stands for a '_' of w: "apiKey" matches "api_key".
		if l := len(w) - strings.Count(w[1:], "_"); k.minLen == 0 || l < k.minLen {
			k.minLen = l
		}
		for c := range 256 { // every byte that reads as w[0]
			if normByte(byte(c)) == w[0] {
				k.addFirst(byte(c), w)
			}
		}
	}
	k.minBase64 = min(12, max(8, (k.minLen+2+2)/3*4))
	k.ownSafe = true
	for _, n := range ownNames {
		k.ownSafe = k.ownSafe && !k.match(n)
	}
	return k
}

func (k *Keys) addFirst(c byte, w string) {
	k.byFirst[c] = append(k.byFirst[c], w)
	k.first[c>>6] |= 1 << (c & 63)
}

// Empty reports whether no key matches.
func (k *Keys) Empty() bool { return k == nil || len(k.words) == 0 }

func normByte(c byte) byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return c + 'a' - 'A'
	case c == '-' || c == '.' || c == ' ':
		return '_'
	}
	return c
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isSep(c byte) bool   { return c == '_' || c == '-' || c == '.' || c == ' ' || c == '[' || c == ']' }

// Match reports whether one of the words appears in key as a whole word.
// Word starts are the start of the key, the byte after '_', '-', '.' or
// ' ', and an upper-case letter after a lower-case one (camelCase).
func (k *Keys) Match(key string) bool {
	if k != nil && k.ownSafe && ownName(key) {
		return false // known not to match (see NewKeys)
	}
	return k.match(key)
}

func (k *Keys) match(key string) bool {
	if k == nil || len(key) < k.minLen || k.minLen == 0 {
		return false
	}
	for i := 0; i <= len(key)-k.minLen; i++ {
		if c := key[i]; k.first[c>>6]&(1<<(c&63)) == 0 {
			continue
		}
		if i > 0 {
			p := key[i-1]
			if !isSep(p) && !(isUpper(key[i]) && isLower(p)) {
				continue
			}
		}
		var next byte // the second byte, as words hold it
		if i+1 < len(key) {
			next = normByte(key[i+1])
		}
		for _, w := range k.byFirst[key[i]] {
			if len(w) > 1 && w[1] != '_' && w[1] != next {
				continue // what matchWordAt would find at once, without the call
			}
			if matchWordAt(key, i, w) {
				return true
			}
		}
	}
	return false
}

// matchWordAt reports whether w, or its plural, starts at key[i] and ends
// at a word end. A camelCase boundary inside key reads as an optional '_',
// so "apiKey" matches both "api_key" and "apikey".
func matchWordAt(key string, i int, w string) bool {
	k := i
	for j := 0; j < len(w); {
		if k >= len(key) {
			return false
		}
		c := key[k]
		if k > i && w[j] == '_' && isUpper(c) && isLower(key[k-1]) {
			j++
			continue
		}
		if normByte(c) != w[j] {
			return false
		}
		j++
		k++
	}
	if k < len(key) && (key[k] == 's' || key[k] == 'S') && (k+1 == len(key) || wordEnd(key, k+1)) {
		return true // the plural: tokens, api_keys, PASSWORDS
	}
	return k == len(key) || wordEnd(key, k)
}

// wordEnd reports whether a word of key ends just before key[k].
func wordEnd(key string, k int) bool {
	c, p := key[k], key[k-1]
	return isSep(c) || (isUpper(c) && isLower(p))
}

// ownNames are names lambdaobs itself gives the attributes of the spans of
// AWS SDK calls and event sources, and the dimensions and properties of its
// EMF documents. None of them names a secret with the default words;
// ownName tells them apart in a comparison or two, where Match would look
// at every word boundary.
var ownNames = [...]string{
	names.AttrRPCSystem, names.AttrRPCService, names.AttrRPCMethod, names.AttrCloudRegion,
	names.AttrAWSRequestID, names.AttrHTTPStatusCode, names.AttrDynamoDBTableNames,
	names.AttrSQSQueueURL, names.AttrFaaSInvokedName, names.AttrSNSTopicARN, names.AttrStateMachineARN,
	names.AttrHTTPRoute, names.AttrHTTPRequestMethod, names.AttrURLPath,
	names.AttrMessagingSystem, names.AttrMessagingOperationType, names.AttrMessagingOperationName,
	names.AttrMessagingMessageID, names.AttrMessagingDestinationName, names.AttrMessagingBatchMessageCount,
	names.DimService, names.DimFunctionName, names.DimAWSService, names.DimAWSOperation,
	names.DimHTTPRoute, names.DimHTTPMethod, names.DimHTTPStatusClass, names.DimLazy,
	names.PropRequestID, names.PropTraceID, names.PropInitType, names.PropReportStatus,
}

// ownByLen holds ownNames by their length (a longer name would take the
// general path).
var ownByLen = func() (by [64][]string) {
	for _, n := range ownNames {
		if len(n) < len(by) {
			by[len(n)] = append(by[len(n)], n)
		}
	}
	return by
}()

// ownName reports whether key is one of ownNames: a comparison with the
// few of the same length.
func ownName(key string) bool {
	if len(key) >= len(ownByLen) {
		return false
	}
	for _, n := range ownByLen[len(key)] {
		if n == key {
			return true
		}
	}
	return false
}

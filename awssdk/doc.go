// Package awssdk instruments AWS SDK for Go v2 clients with one call on an
// aws.Config: every call of every client built from it is traced, measured
// and logged.
package awssdk

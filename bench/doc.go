// Package bench compares lambdaobs with the libraries people would otherwise
// use, measured side by side in one run. It is its own module so that none of
// the peers enters the library's go.mod.
package bench

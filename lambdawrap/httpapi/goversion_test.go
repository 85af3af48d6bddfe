//go:build !go1.27

package httpapi_test

// wrongTypeField is the field a type error in the first item names: before
// Go 1.27, encoding/json does not say which element of an array it was in.
const wrongTypeField = "items.qty"

//go:build go1.27

package httpapi_test

// wrongTypeField is the field a type error in the first item names: from Go
// 1.27, encoding/json names the element, written the way validation does.
const wrongTypeField = "items[0].qty"

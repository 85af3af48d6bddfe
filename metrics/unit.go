package metrics

// Unit is the unit of a metric, one of the values CloudWatch accepts. The
// constants below are the complete list; any other value is rejected when a
// metric is recorded. The empty Unit is treated as None.
type Unit string

// Time units.
const (
	Seconds      Unit = "Seconds"
	Microseconds Unit = "Microseconds"
	Milliseconds Unit = "Milliseconds"
)

// Size units.
const (
	Bytes     Unit = "Bytes"
	Kilobytes Unit = "Kilobytes"
	Megabytes Unit = "Megabytes"
	Gigabytes Unit = "Gigabytes"
	Terabytes Unit = "Terabytes"
	Bits      Unit = "Bits"
	Kilobits  Unit = "Kilobits"
	Megabits  Unit = "Megabits"
	Gigabits  Unit = "Gigabits"
	Terabits  Unit = "Terabits"
)

// Rate units.
const (
	BytesPerSecond     Unit = "Bytes/Second"
	KilobytesPerSecond Unit = "Kilobytes/Second"
	MegabytesPerSecond Unit = "Megabytes/Second"
	GigabytesPerSecond Unit = "Gigabytes/Second"
	TerabytesPerSecond Unit = "Terabytes/Second"
	BitsPerSecond      Unit = "Bits/Second"
	KilobitsPerSecond  Unit = "Kilobits/Second"
	MegabitsPerSecond  Unit = "Megabits/Second"
	GigabitsPerSecond  Unit = "Gigabits/Second"
	TerabitsPerSecond  Unit = "Terabits/Second"
	CountPerSecond     Unit = "Count/Second"
)

// Other units.
const (
	Percent Unit = "Percent"
	Count   Unit = "Count"
	None    Unit = "None"
)

// Valid reports whether u is one of the units CloudWatch accepts. The empty
// Unit is valid and means None.
func (u Unit) Valid() bool {
	switch u {
	case "", Seconds, Microseconds, Milliseconds,
		Bytes, Kilobytes, Megabytes, Gigabytes, Terabytes,
		Bits, Kilobits, Megabits, Gigabits, Terabits,
		BytesPerSecond, KilobytesPerSecond, MegabytesPerSecond, GigabytesPerSecond, TerabytesPerSecond,
		BitsPerSecond, KilobitsPerSecond, MegabitsPerSecond, GigabitsPerSecond, TerabitsPerSecond,
		CountPerSecond, Percent, Count, None:
		return true
	}
	return false
}

// resolution is the storage resolution of a metric in seconds:
// resStandard (60) or resHigh (1). CloudWatch accepts no other value.
type resolution int

// Storage resolutions.
const (
	// resStandard stores the metric at one-minute resolution. It is the
	// default and is not written to the document (CloudWatch's default is
	// the same).
	resStandard resolution = 60
	// resHigh stores the metric at one-second resolution, written as
	// "StorageResolution": 1 (AddHighResolution).
	resHigh resolution = 1
)

// valid reports whether r is resStandard or resHigh.
func (r resolution) valid() bool { return r == resStandard || r == resHigh }

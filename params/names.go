package params

// Metric names the package records on the invocation's recorder (the one
// metrics.Lookup finds in the context; outside an invocation nothing is
// recorded). The docs and any dashboard use these same constants.
const (
	// MetricCacheHits counts reads served from the cache without waiting
	// (Count).
	MetricCacheHits = "ParametersCacheHits"
	// MetricCacheMisses counts reads that were not: the value was absent,
	// older than the read's max age, or force-fetched, so the read fetched
	// it or waited for the fetch another read had started (Count). SDK
	// calls themselves are measured by awssdk.Instrument.
	MetricCacheMisses = "ParametersCacheMisses"
	// MetricLazyInitDuration is how long the first successful init of a
	// Lazy took (Milliseconds), with the dimension DimLazy.
	MetricLazyInitDuration = "LazyInitDuration"
)

// DimLazy is the dimension of MetricLazyInitDuration: the Lazy's name.
const DimLazy = "lazy"

// MsgLazyInit is the message of the INFO line a Lazy writes through slog's
// default logger when its first successful init ends, with the keys KeyLazy
// and KeyDurationMS.
const MsgLazyInit = "lazy value initialised"

// Log keys of the MsgLazyInit line.
const (
	KeyLazy       = "lazy"        // the Lazy's name
	KeyDurationMS = "duration_ms" // how long its init took, in milliseconds
)

// Environment variables read by NewSSM and NewSecrets, as Powertools reads
// them. Options given in code win over them.
const (
	// EnvMaxAge is the default max age of cached values, in whole seconds
	// (default 5). A value that is not a non-negative integer is ignored
	// with one warning.
	EnvMaxAge = "POWERTOOLS_PARAMETERS_MAX_AGE"
	// EnvSSMDecrypt, when true, makes SSM decrypt SecureString parameters by
	// default (default false).
	EnvSSMDecrypt = "POWERTOOLS_PARAMETERS_SSM_DECRYPT"
)

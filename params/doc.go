// Package params gives a Lambda function its configuration: parameters
// from AWS Systems Manager Parameter Store, secrets from AWS Secrets
// Manager, typed environment variables, and values such as connections that
// are made on first use.
//
// # Parameters and secrets
//
// NewSSM and NewSecrets take the SDK clients (or anything with the same
// methods, see SSMClient and SecretsClient) and read through a cache:
//
//	cfg, _ := config.LoadDefaultConfig(ctx)
//	awssdk.Instrument(&cfg) // each fetch is then traced and measured
//	ps := params.NewSSM(ssm.NewFromConfig(cfg))
//	sec := params.NewSecrets(secretsmanager.NewFromConfig(cfg))
//	...
//	table, err := ps.Get(ctx, "/orders/table")
//	key, err := ps.Get(ctx, "/orders/api-key", params.WithDecryption())
//	all, err := ps.GetByPath(ctx, "/orders")           // recursive, names relative to the path
//	some, err := ps.GetMultiple(ctx, []string{"/a", "/b"})
//	var db DBCredentials
//	err = sec.GetJSON(ctx, "orders/db", &db)
//
// The cache follows Powertools' parameters utility:
//
//   - A value is served from the cache while it is younger than its max
//     age: 5 seconds, or POWERTOOLS_PARAMETERS_MAX_AGE
//     seconds, or WithMaxAge given to the provider, or WithMaxAge given to
//     the read, the last one present winning.
//   - WithForceFetch fetches whatever the cache holds (Powertools'
//     force_fetch).
//   - SSM reads decrypt SecureString parameters when WithDecryption
//     (Powertools' decrypt) or POWERTOOLS_PARAMETERS_SSM_DECRYPT=true says
//     so, unless WithoutDecryption says otherwise; a decrypted and a raw
//     value are cached apart.
//
// When invocations run at once (AWS_LAMBDA_MAX_CONCURRENCY) or a handler
// fans out, reads of the same value that find it missing or stale share one
// fetch: one SDK call, the others waiting for it. A read whose context ends
// while it waits returns the context's error. Failed fetches are not cached.
// A Get (SSM.Get, Secrets.Get) served from the cache takes no lock and
// allocates nothing (per-read options included, when their arguments are
// constants); its cost is mostly one reading of the monotonic clock
// (BenchmarkParamsCachedRead in bench/ measures it). The other reads
// allocate what they return even when the cache serves them: GetMultiple
// (which also takes the cache's lock) its map, GetByPath a copy of the
// cached map, GetBinary a copy of the bytes, GetJSON what decoding makes.
//
// Each read counts ParametersCacheHits or ParametersCacheMisses on the
// invocation's recorder (nothing is recorded outside an invocation). The
// fetches are SDK calls: with awssdk.Instrument they are traced, measured
// and logged like any other call, and the package adds no span of its own.
//
// A missing parameter or secret is an error that names it and matches
// ErrNotFound (errors.Is); it also wraps the SDK's error.
//
// # Secrets are never written
//
// Every value fetched as a secret is registered with the toolkit's
// redaction (redact.AddSecrets) as it arrives: Secrets Manager values (a
// binary one also in base64), the string values inside a JSON secret, and
// SecureString parameters read with decryption. The logger, the EMF encoder
// and the tracers replace a registered value wherever it appears, also when
// handler code logs it under an ordinary key. Values shorter than
// redact.MinSecretLen bytes are not registered. LoadEnv does the same for
// fields tagged secret.
//
// # Environment
//
// LoadEnv fills a struct from environment variables by its field tags,
// with defaults, and reports every missing or malformed variable in one
// *EnvError:
//
//	type Config struct {
//		Table   string        `env:"TABLE_NAME,required"`
//		Timeout time.Duration `env:"TIMEOUT" default:"2s"`
//	}
//	var c Config
//	if err := params.LoadEnv(&c); err != nil {
//		log.Fatal(err) // params: environment: missing required TABLE_NAME; TIMEOUT = "2" is not a duration: …
//	}
//
// # Made on first use
//
// Lazy makes a value (a connection) on its first Get, once, retrying after
// a failed attempt, and reports how long the first successful init took:
//
//	var db = params.NewLazy("db", func(ctx context.Context) (*sql.DB, error) { … })
//	conn, err := db.Get(ctx)
package params

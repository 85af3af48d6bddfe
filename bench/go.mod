module github.com/lambdaobs/lambdaobs/bench

go 1.26.0

replace github.com/lambdaobs/lambdaobs => ../

require (
	github.com/lambdaobs/lambdaobs v0.0.0-00010101000000-000000000000
	github.com/rs/zerolog v1.35.1
	go.uber.org/zap v1.28.0
)

require (
	github.com/aws/aws-lambda-go v1.55.1 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/prozz/aws-embedded-metrics-golang v1.2.0 // indirect
	go.uber.org/multierr v1.10.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

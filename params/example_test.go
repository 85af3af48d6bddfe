package params_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/lambdaobs/lambdaobs/params"
)

// parameterStore is an in-memory SSMClient for the examples; a function
// passes ssm.NewFromConfig(cfg).
type parameterStore map[string]string

func (p parameterStore) param(name string) types.Parameter {
	return types.Parameter{Name: aws.String(name), Value: aws.String(p[name]), Type: types.ParameterTypeString}
}

func (p parameterStore) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	name := aws.ToString(in.Name)
	if _, ok := p[name]; !ok {
		return nil, &types.ParameterNotFound{Message: aws.String("Parameter " + name + " not found.")}
	}
	fmt.Println("  (GetParameter", name+")")
	prm := p.param(name)
	return &ssm.GetParameterOutput{Parameter: &prm}, nil
}

func (p parameterStore) GetParameters(_ context.Context, in *ssm.GetParametersInput, _ ...func(*ssm.Options)) (*ssm.GetParametersOutput, error) {
	out := &ssm.GetParametersOutput{}
	for _, n := range in.Names {
		if _, ok := p[n]; ok {
			out.Parameters = append(out.Parameters, p.param(n))
		} else {
			out.InvalidParameters = append(out.InvalidParameters, n)
		}
	}
	return out, nil
}

func (p parameterStore) GetParametersByPath(_ context.Context, in *ssm.GetParametersByPathInput, _ ...func(*ssm.Options)) (*ssm.GetParametersByPathOutput, error) {
	out := &ssm.GetParametersByPathOutput{}
	prefix := strings.TrimSuffix(aws.ToString(in.Path), "/") + "/"
	for _, n := range slices.Sorted(maps.Keys(p)) {
		rest, ok := strings.CutPrefix(n, prefix)
		if ok && (aws.ToBool(in.Recursive) || !strings.Contains(rest, "/")) {
			out.Parameters = append(out.Parameters, p.param(n))
		}
	}
	return out, nil
}

// secretStore is an in-memory SecretsClient for the examples; a function
// passes secretsmanager.NewFromConfig(cfg).
type secretStore map[string]string

func (s secretStore) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	return &secretsmanager.GetSecretValueOutput{Name: in.SecretId, SecretString: aws.String(s[aws.ToString(in.SecretId)])}, nil
}

func ExampleNewSSM() {
	store := parameterStore{"/orders/table": "orders-prod", "/orders/queue": "jobs", "/orders/limits/max": "100"}
	ps := params.NewSSM(store, params.WithMaxAge(time.Minute))
	ctx := context.Background()

	table, _ := ps.Get(ctx, "/orders/table")
	fmt.Println("table:", table)
	table, _ = ps.Get(ctx, "/orders/table") // served from the cache: no call
	fmt.Println("table again:", table)
	table, _ = ps.Get(ctx, "/orders/table", params.WithForceFetch())
	fmt.Println("forced:", table)

	all, _ := ps.GetByPath(ctx, "/orders")
	fmt.Println("by path:", all)
	top, _ := ps.GetByPath(ctx, "/orders", params.WithoutRecursion())
	fmt.Println("not recursive:", top)

	_, err := ps.Get(ctx, "/orders/missing")
	fmt.Println("missing:", errors.Is(err, params.ErrNotFound))
	// Output:
	//   (GetParameter /orders/table)
	// table: orders-prod
	// table again: orders-prod
	//   (GetParameter /orders/table)
	// forced: orders-prod
	// by path: map[limits/max:100 queue:jobs table:orders-prod]
	// not recursive: map[queue:jobs table:orders-prod]
	// missing: true
}

func ExampleSSM_GetMultiple() {
	store := parameterStore{"/a": "1", "/b": "2"}
	ps := params.NewSSM(store)
	vals, err := ps.GetMultiple(context.Background(), []string{"/a", "/b", "/c"})
	fmt.Println(vals)
	fmt.Println(err)
	// Output:
	// map[/a:1 /b:2]
	// params: get parameters "/c": not found
}

func ExampleSecrets_GetJSON() {
	store := secretStore{"orders/db": `{"username":"orders_app","password":"correct-horse-battery"}`}
	sec := params.NewSecrets(store)

	var creds struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := sec.GetJSON(context.Background(), "orders/db", &creds); err != nil {
		fmt.Println(err)
		return
	}
	// The password is registered as a secret: no log line, EMF document or
	// span the toolkit writes will contain it.
	fmt.Println("user:", creds.Username)
	// Output:
	// user: orders_app
}

func ExampleLoadEnv() {
	type Config struct {
		Table   string        `env:"TABLE_NAME,required"`
		Queue   string        `env:"QUEUE_URL,required"`
		Timeout time.Duration `env:"TIMEOUT" default:"2s"`
		Origins []string      `env:"ALLOWED_ORIGINS" default:"https://shop.example"`
		Workers int           `env:"WORKERS" default:"4"`
	}
	// The function's environment, as its configuration in Lambda sets it.
	for k, v := range map[string]string{"TABLE_NAME": "orders", "WORKERS": "four"} {
		os.Setenv(k, v)
		defer os.Unsetenv(k)
	}

	var c Config
	err := params.LoadEnv(&c)
	fmt.Println(err)
	fmt.Println(c.Table, c.Timeout, c.Origins)
	// Output:
	// params: environment: missing required QUEUE_URL; WORKERS = "four" is not an int: invalid syntax
	// orders 2s [https://shop.example]
}

func ExampleNewLazy() {
	attempts := 0
	db := params.NewLazy("orders-db", func(ctx context.Context) (string, error) {
		attempts++
		if attempts == 1 {
			return "", errors.New("connection refused")
		}
		return "connection #" + fmt.Sprint(attempts), nil
	})
	ctx := context.Background()
	_, err := db.Get(ctx) // the first attempt fails...
	fmt.Println(err)
	conn, _ := db.Get(ctx) // ...and is not kept: this Get tries again
	fmt.Println(conn)
	conn, _ = db.Get(ctx) // kept from now on
	fmt.Println(conn)
	// Output:
	// params: lazy "orders-db": connection refused
	// connection #2
	// connection #2
}
